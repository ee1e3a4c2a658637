package promise

import (
	"fmt"
	"strconv"
	"strings"
)

// ApplyUnified applies a single-file unified diff to src strictly: every
// context and removed line must match exactly (line endings included), and
// "\ No newline at end of file" markers are honoured. It lets fuzzing check
// diffs without starting git or patch for every input.
func ApplyUnified(src []byte, diff string) ([]byte, error) {
	if diff == "" {
		return src, nil
	}
	in := splitKeep(src)
	lines := splitKeep([]byte(diff))
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- a/") || !strings.HasPrefix(lines[1], "+++ b/") {
		return nil, fmt.Errorf("bad headers")
	}
	var out []string
	pos := 0 // next line of in to copy
	i := 2
	for i < len(lines) {
		h := lines[i]
		if !strings.HasPrefix(h, "@@ -") {
			return nil, fmt.Errorf("line %d: want a hunk header, got %q", i+1, h)
		}
		var oldStart, oldCount, newStart, newCount int
		if err := parseHunkHeader(h, &oldStart, &oldCount, &newStart, &newCount); err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		start := oldStart - 1
		if oldCount == 0 {
			start = oldStart // an empty range names the line before
		}
		if start < pos || start > len(in) {
			return nil, fmt.Errorf("hunk at %d out of order", oldStart)
		}
		out = append(out, in[pos:start]...)
		pos = start
		i++
		gotOld, gotNew := 0, 0
		for i < len(lines) && !strings.HasPrefix(lines[i], "@@ ") {
			l := lines[i]
			i++
			if len(l) == 0 {
				return nil, fmt.Errorf("empty diff line")
			}
			text := l[1:]
			noEOL := i < len(lines) && lines[i] == "\\ No newline at end of file\n"
			if noEOL {
				text = strings.TrimSuffix(text, "\n")
				i++
			}
			switch l[0] {
			case ' ', '-':
				if pos >= len(in) || in[pos] != text {
					return nil, fmt.Errorf("context mismatch at line %d: %q vs %q", pos+1, text, at(in, pos))
				}
				pos++
				gotOld++
				if l[0] == ' ' {
					out = append(out, text)
					gotNew++
				}
			case '+':
				out = append(out, text)
				gotNew++
			default:
				return nil, fmt.Errorf("bad diff line %q", l)
			}
		}
		if gotOld != oldCount || gotNew != newCount {
			return nil, fmt.Errorf("hunk %q counts %d,%d lines", strings.TrimSpace(h), gotOld, gotNew)
		}
	}
	out = append(out, in[pos:]...)
	return []byte(strings.Join(out, "")), nil
}

func at(in []string, i int) string {
	if i < len(in) {
		return in[i]
	}
	return "<EOF>"
}

func parseHunkHeader(h string, os, oc, ns, nc *int) error {
	f := strings.Fields(h)
	if len(f) < 4 || f[0] != "@@" || f[3] != "@@" {
		return fmt.Errorf("bad hunk header %q", h)
	}
	rng := func(s string, start, count *int) error {
		a, b, ok := strings.Cut(s[1:], ",")
		var err error
		if *start, err = strconv.Atoi(a); err != nil {
			return err
		}
		*count = 1
		if ok {
			*count, err = strconv.Atoi(b)
		}
		return err
	}
	if err := rng(f[1], os, oc); err != nil {
		return err
	}
	return rng(f[2], ns, nc)
}
