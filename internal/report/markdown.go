package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// WriteMarkdown writes the body of a pull request that applies a fix run:
// a summary table (file, line, fix, change), each applied fix's title and
// the reason for it (the first paragraph of the "Why" section of its Doc,
// else its Summary), a "what to check before merging" list for the unsafe
// fixes applied, the findings left unchanged, and the full diff in a
// collapsed <details> block. Files with an error are left out: a pull
// request only carries what harden changed.
func WriteMarkdown(w io.Writer, files []FixedFile) error {
	var b strings.Builder
	var changed []FixedFile
	var fixes []*transform.Fix
	seen := map[*transform.Fix]bool{}
	var unsafe, remaining []located
	var users []userChange // safe fixes that change the user the container runs as
	for _, f := range files {
		if f.Error != "" {
			continue
		}
		if f.Changed() {
			changed = append(changed, f)
		}
		for _, a := range f.Applied {
			if !seen[a.Fix] {
				seen[a.Fix] = true
				fixes = append(fixes, a.Fix)
			}
			if a.Applicability == transform.Unsafe {
				unsafe = append(unsafe, located{f.Path, a})
			} else if u := setsUser(a); u != "" {
				users = append(users, userChange{located{f.Path, a}, u})
			}
		}
		for _, r := range f.Remaining {
			remaining = append(remaining, located{f.Path, r})
		}
	}

	b.WriteString("## harden\n\n")
	nApplied := 0
	for _, f := range changed {
		nApplied += len(f.Applied)
	}
	if len(changed) == 0 {
		b.WriteString("harden found nothing to change.\n")
	} else {
		fmt.Fprintf(&b, "harden changed %s with %s.\n\n", count(len(changed), "file", "files"), count(nApplied, "fix", "fixes"))
		b.WriteString("| File | Line | Fix | Change |\n|---|---|---|---|\n")
		for _, f := range changed {
			if len(f.Applied) == 0 { // a run output, such as the lock file
				fmt.Fprintf(&b, "| %s | | | %s |\n", cellCode(f.Path), cell(createdOrUpdated(f)))
				continue
			}
			for _, a := range f.Applied {
				fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", cellCode(f.Path), a.Line, cellCode(a.Fix.Name), cell(a.Title))
			}
		}
	}

	if len(fixes) > 0 {
		b.WriteString("\n### Why\n")
		for _, fx := range fixes {
			fmt.Fprintf(&b, "\n**%s**: %s\n\n%s\n", code(fx.Name), inline(fx.Summary), inline(Rationale(fx)))
		}
	}
	if len(unsafe) > 0 || len(users) > 0 {
		b.WriteString("\n### What to check before merging\n\n")
	}
	if len(unsafe) > 0 {
		b.WriteString("These changes are marked unsafe: the image may behave differently. Check each before merging.\n\n")
		for _, u := range unsafe {
			fmt.Fprintf(&b, "- [ ] %s (%s): %s: %s\n", code(fmt.Sprintf("%s:%d", u.path, u.f.Line)), code(u.f.Fix.Name), inline(u.f.Title), inline(u.f.Message))
		}
	}
	if len(users) > 0 {
		if len(unsafe) > 0 {
			b.WriteString("\n")
		}
		b.WriteString("These changes make the container run as another user. Check that it can still write where it writes (volumes, caches, files it creates at run time), that it binds no port below 1024, and that files mounted into it (secrets, sockets) are readable by that user.\n\n")
		for _, u := range users {
			fmt.Fprintf(&b, "- [ ] %s (%s): now runs as %s\n", code(fmt.Sprintf("%s:%d", u.path, u.f.Line)), code(u.f.Fix.Name), code(u.user))
		}
	}
	if len(remaining) > 0 {
		b.WriteString("\n### Found but not changed\n\n")
		for _, r := range remaining {
			fmt.Fprintf(&b, "- %s (%s): %s", code(fmt.Sprintf("%s:%d", r.path, r.f.Line)), code(r.f.Fix.Name), inline(r.f.Message))
			if r.f.Reason != "" {
				fmt.Fprintf(&b, " (%s)", inline(r.f.Reason))
			}
			b.WriteString("\n")
		}
	}
	if len(changed) > 0 {
		var diff strings.Builder
		for _, f := range changed {
			if err := WriteDiff(&diff, f.Path, f.Old, f.New); err != nil {
				return err
			}
		}
		fence := strings.Repeat("`", max(3, longestRun(diff.String(), '`')+1))
		fmt.Fprintf(&b, "\n<details>\n<summary>Full diff</summary>\n\n%sdiff\n%s%s\n\n</details>\n", fence, diff.String(), fence)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// userChange is an applied finding that changes the user the container
// runs as.
type userChange struct {
	located
	user string
}

// setsUser is the user a finding's edits switch to (the argument of the
// last USER instruction they write), or "".
func setsUser(f transform.Finding) string {
	user := ""
	for _, e := range f.Edits {
		for _, line := range strings.Split(e.New, "\n") {
			fields := strings.Fields(line)
			if len(fields) == 2 && strings.EqualFold(fields[0], "USER") {
				user = fields[1]
			}
		}
	}
	return user
}

// located is a finding with the path of its file.
type located struct {
	path string
	f    transform.Finding
}

// Rationale is why a fix matters, in one paragraph: the first paragraph of
// the "Why" section of its Doc (a line "Why" followed by indented text), or
// its Summary when the Doc has none.
func Rationale(f *transform.Fix) string {
	lines := strings.Split(strings.ReplaceAll(f.Doc, "\r\n", "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "Why" || strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			continue
		}
		var para []string
		for _, body := range lines[i+1:] {
			if strings.TrimSpace(body) == "" {
				if len(para) > 0 {
					break
				}
				continue
			}
			if !strings.HasPrefix(body, " ") && !strings.HasPrefix(body, "\t") {
				break // the next heading
			}
			para = append(para, strings.TrimSpace(body))
		}
		if len(para) > 0 {
			return strings.Join(para, " ")
		}
	}
	return f.Summary
}

func createdOrUpdated(f FixedFile) string {
	if f.Old == nil {
		return "created by the run"
	}
	return "updated by the run"
}

func count(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// inline makes text safe on one Markdown line: line breaks become spaces
// and characters that would start HTML are escaped.
func inline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)
}

// cell is inline text inside a table cell, where "|" ends the cell.
func cell(s string) string { return strings.ReplaceAll(inline(s), "|", `\|`) }

// cellCode is code in a table cell, where "|" must be escaped even inside a
// code span.
func cellCode(s string) string { return strings.ReplaceAll(code(s), "|", `\|`) }

// code is s as an inline code span: the span's backtick fence is longer
// than any run of backticks in s.
func code(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}
