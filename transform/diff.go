package transform

import (
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// DiffContext is the number of unchanged lines shown around each change.
const DiffContext = 3

type diffLine struct {
	op   byte // ' ', '-' or '+'
	text string
}

// UnifiedDiff returns a unified diff from a to b with `--- a/PATH` and
// `+++ b/PATH` headers, or "" when they are equal. Line endings are kept as
// they are in the files (CRLF stays CRLF) and a last line without a newline
// is marked `\ No newline at end of file`, so `git apply` and `patch -p1`
// reproduce b exactly.
func UnifiedDiff(path string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	lines := diffLines(string(a), string(b))
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", headerName("a/"+path), headerName("b/"+path))
	for _, h := range hunks(lines) {
		writeHunk(&out, lines, h)
	}
	return out.String()
}

// headerName formats a file name for a ---/+++ line the way git does: names
// with special characters are C-quoted, and a name with a space gets a
// trailing tab so that GNU patch knows where it ends.
func headerName(name string) string {
	quote := false
	for _, c := range []byte(name) {
		if c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
			quote = true
			break
		}
	}
	if quote {
		var b strings.Builder
		b.WriteByte('"')
		for _, c := range []byte(name) {
			switch c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\t':
				b.WriteString(`\t`)
			case '\n':
				b.WriteString(`\n`)
			default:
				if c < 0x20 || c == 0x7f {
					fmt.Fprintf(&b, "\\%03o", c)
				} else {
					b.WriteByte(c)
				}
			}
		}
		b.WriteByte('"')
		return b.String()
	}
	if strings.ContainsRune(name, ' ') {
		return name + "\t"
	}
	return name
}

// diffLines computes a line-level diff with go-diff's line mode.
func diffLines(a, b string) []diffLine {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // deterministic: never settle for a worse diff
	ca, cb, table := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), table)
	var out []diffLine
	for _, d := range diffs {
		var op byte
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			op = ' '
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		for _, l := range SplitLines(d.Text) {
			out = append(out, diffLine{op, l})
		}
	}
	return out
}

// SplitLines splits s after every '\n', keeping the line endings; the last
// piece may lack one.
func SplitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

type hunk struct{ start, end int } // indexes into the diffLine slice

// hunks groups changed lines with DiffContext lines of context on each side,
// merging changes separated by at most 2*DiffContext unchanged lines.
func hunks(lines []diffLine) []hunk {
	var hs []hunk
	last := -1 // index of the last changed line seen
	for i, l := range lines {
		if l.op == ' ' {
			continue
		}
		if last >= 0 && i-last-1 <= 2*DiffContext {
			hs[len(hs)-1].end = min(len(lines), i+1+DiffContext)
		} else {
			hs = append(hs, hunk{max(0, i-DiffContext), min(len(lines), i+1+DiffContext)})
		}
		last = i
	}
	return hs
}

func writeHunk(out *strings.Builder, lines []diffLine, h hunk) {
	// line numbers: count lines of a and b before the hunk
	aLine, bLine := 1, 1
	for _, l := range lines[:h.start] {
		if l.op != '+' {
			aLine++
		}
		if l.op != '-' {
			bLine++
		}
	}
	aCount, bCount := 0, 0
	for _, l := range lines[h.start:h.end] {
		if l.op != '+' {
			aCount++
		}
		if l.op != '-' {
			bCount++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aLine, aCount), hunkRange(bLine, bCount))
	for _, l := range lines[h.start:h.end] {
		out.WriteByte(l.op)
		out.WriteString(l.text)
		if !strings.HasSuffix(l.text, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange formats "start,count" the way diff -u does: an empty range names
// the line before it.
func hunkRange(start, count int) string {
	if count == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if count == 1 {
		return fmt.Sprintf("%d", start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}
