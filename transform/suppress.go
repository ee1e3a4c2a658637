package transform

import (
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Suppression comments:
//
//	# harden:ignore=NAME[,NAME…]        on the comment line(s) right above an instruction
//	# harden:ignore-file=NAME[,NAME…]   anywhere before the first instruction
//	# hadolint ignore=DLxxxx[,…]        right above an instruction
//	# hadolint global ignore=DLxxxx     before the first instruction
//
// NAME is a fix name, an equivalent ID (DL3002, DS002, …) or ALL.
type suppressions struct {
	file      []string
	generated bool // the header says DO NOT EDIT
	// byLine maps an instruction's start line to the names ignored there.
	byLine map[int][]string
}

func (d *Document) suppressions() *suppressions {
	if d.supp != nil {
		return d.supp
	}
	s := &suppressions{byLine: map[int][]string{}}
	prevEnd := 0
	for i, n := range d.Instructions() {
		// contiguous comment lines directly above the instruction
		var names []string
		for l := n.StartLine - 1; l > prevEnd; l-- {
			if !d.IsComment(l) {
				break
			}
			text, _ := commentText(d.Line(l))
			if v, ok := pragma(text, "harden:ignore="); ok {
				names = append(names, v...)
			}
			if v, ok := pragma(text, "hadolint ignore="); ok {
				names = append(names, v...)
			}
		}
		if len(names) > 0 {
			s.byLine[n.StartLine] = names
		}
		if i == 0 {
			for l := 1; l < n.StartLine; l++ {
				if !d.IsComment(l) {
					continue
				}
				text, _ := commentText(d.Line(l))
				if strings.Contains(strings.ToUpper(text), "DO NOT EDIT") {
					s.generated = true
				}
				if v, ok := pragma(text, "harden:ignore-file="); ok {
					s.file = append(s.file, v...)
				}
				if v, ok := pragma(text, "hadolint global ignore="); ok {
					s.file = append(s.file, v...)
				}
			}
		}
		prevEnd = n.EndLine
	}
	d.supp = s
	return s
}

// commentText returns the text of a comment line after its '#', trimmed.
func commentText(line string) (string, bool) {
	t := strings.TrimLeft(line, " \t\uFEFF")
	if !strings.HasPrefix(t, "#") {
		return "", false
	}
	return strings.TrimSpace(t[1:]), true
}

// pragma parses "PREFIX a,b, c  free text" into [a b c]. The prefix match
// ignores case and spaces around '='.
func pragma(text, prefix string) ([]string, bool) {
	key, _, _ := strings.Cut(prefix, "=")
	norm := strings.Join(strings.Fields(text), " ")
	lower := strings.ToLower(norm)
	if !strings.HasPrefix(lower, key) {
		return nil, false
	}
	rest := strings.TrimSpace(norm[len(key):])
	if !strings.HasPrefix(rest, "=") {
		return nil, false
	}
	rest = strings.TrimSpace(rest[1:])
	var names []string
	for _, part := range strings.Split(rest, ",") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		names = append(names, f[0])
		if len(f) > 1 { // free text after the list ends it
			break
		}
	}
	return names, len(names) > 0
}

// Generated reports whether the comments before the first instruction say
// the file is generated ("DO NOT EDIT"): edits belong in its generator, so
// findings are reported but not applied.
func (d *Document) Generated() bool { return d.suppressions().generated }

// Suppressed reports whether a finding of fix at line is switched off by a
// suppression comment: file-wide, above the instruction at line, or above
// the FROM of the stage holding it (which covers the whole stage).
func (d *Document) Suppressed(fix *Fix, line int) bool {
	s := d.suppressions()
	matches := func(names []string) bool {
		for _, name := range names {
			if fix.Matches(name) {
				return true
			}
		}
		return false
	}
	if matches(s.file) {
		return true
	}
	n := d.NodeAt(line)
	if n == nil {
		return false
	}
	if matches(s.byLine[n.StartLine]) {
		return true
	}
	if st := d.StageOf(n); st != nil && st.From != n {
		return matches(s.byLine[st.From.StartLine])
	}
	return false
}

// fixtureDirs are directory names that hold inputs of someone's tests.
var fixtureDirs = map[string]bool{
	"testdata": true, "testfiles": true, "fixtures": true, "__fixtures__": true, "test-fixtures": true,
}

// Fixture explains why the file looks like a test fixture, or returns "": it
// lies under a testdata/, testfiles/ or fixtures/ directory, or beside an
// expected-output file (result, expected*, *.golden). A fixture is an input
// of its repository's tests, and editing it breaks them, so findings are
// reported but not applied, as for generated files.
func (d *Document) Fixture() string {
	p := filepath.ToSlash(d.Path)
	if p == "" || p == "-" {
		return ""
	}
	dirs := strings.Split(path.Dir(p), "/")
	for _, dir := range dirs {
		if fixtureDirs[strings.ToLower(dir)] {
			return "test fixture (under " + dir + "/): editing it would change its repository's tests"
		}
	}
	if _, err := os.Stat(d.Path); err != nil {
		return "" // not a file on disk (standard input): no siblings to look at
	}
	entries, err := os.ReadDir(filepath.Dir(d.Path))
	if err != nil {
		return ""
	}
	for _, e := range entries {
		name := strings.ToLower(e.Name())
		if e.IsDir() || name == strings.ToLower(filepath.Base(d.Path)) {
			continue
		}
		if name == "result" || strings.HasPrefix(name, "expected") || strings.HasSuffix(name, ".golden") {
			return "test fixture (beside the expected output " + e.Name() + "): editing it would change its repository's tests"
		}
	}
	return ""
}
