package promise

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// Report is the outcome of running the engine on one input and checking it.
type Report struct {
	Result *transform.Result
	// ParseErr is set when buildkit rejects the input itself; nothing else
	// is checked then.
	ParseErr *transform.ParseError
	Problems []string
}

func (r *Report) failf(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// Options tunes Check.
type Options struct {
	// SkipLint skips the buildkit linter comparison (the costliest check).
	SkipLint bool
}

// Check runs the engine on src and verifies the promises that need no
// external tool: the fix succeeded, untouched lines are kept, the output
// parses, has no new lint warnings, and a second run changes nothing. The
// diff is checked separately by ApplyDiffs, which batches the git and patch
// runs.
func Check(path string, src []byte, opts transform.Options, popts Options) *Report {
	rep := &Report{}
	res, err := transform.Run(context.Background(), path, src, opts)
	rep.Result = res
	var pe *transform.ParseError
	if errors.As(err, &pe) {
		rep.ParseErr = pe
		if res == nil || !bytes.Equal(res.Fixed, src) {
			rep.failf("a file that does not parse must come back unchanged")
		}
		return rep
	}
	if err != nil {
		rep.failf("engine: %v", err)
		return rep
	}
	if !res.Changed() {
		return rep
	}
	out := res.Fixed

	// 1. untouched bytes: every line outside the touched ranges survives, in order.
	if missing := untouchedLost(src, out, res.Touched); missing != "" {
		rep.failf("untouched line lost or changed: %q", missing)
	}
	// 2. the output parses with buildkit (parser + instructions).
	if _, err := transform.Parse(path, out); err != nil {
		rep.failf("output does not parse: %v", err)
		return rep
	}
	// 3. no new buildkit lint warnings.
	if !popts.SkipLint {
		before, errBefore := Lint(src)
		after, errAfter := Lint(out)
		switch {
		case errBefore != nil && errAfter == nil:
		case errBefore == nil && errAfter != nil:
			rep.failf("output fails buildkit's checks: %v", errAfter)
		case errBefore == nil:
			if added := NewWarnings(before, after); len(added) > 0 {
				rep.failf("new lint warnings:\n%s", joinLines(added))
			}
		}
	}
	// 4. idempotent: a second run changes nothing.
	again, err := transform.Run(context.Background(), path, out, opts)
	if err != nil {
		rep.failf("second run: %v", err)
	} else if again.Changed() {
		rep.failf("second run changes the file again:\n%s", again.Diff())
	}
	return rep
}

// untouchedLost returns the first line of src outside the touched ranges
// that does not appear in out in order, or "".
func untouchedLost(src, out []byte, touched [][2]int) string {
	in := splitKeep(src)
	got := splitKeep(out)
	isTouched := func(line int) bool {
		for _, t := range touched {
			if t[0] <= line && line <= t[1] {
				return true
			}
		}
		return false
	}
	j := 0
	for i, l := range in {
		if isTouched(i + 1) {
			continue
		}
		for j < len(got) && got[j] != l {
			j++
		}
		if j == len(got) {
			return l
		}
		j++
	}
	return ""
}

func splitKeep(b []byte) []string { return transform.SplitLines(string(b)) }

// File is one input and its expected output for ApplyDiffs.
type File struct {
	Path    string // relative, as in the diff headers
	In, Out []byte
	Diff    string
}

// ApplyDiffs writes every input under a fresh directory, applies all the
// diffs with `git apply` in a git repository and, in a second copy, with
// `patch -p1`, and returns a problem for each file whose result is not
// byte-identical to its expected output.
func ApplyDiffs(tmp string, files []File) ([]string, error) {
	var patch strings.Builder
	for _, f := range files {
		patch.WriteString(f.Diff)
	}
	var problems []string
	for _, tool := range []struct {
		name string
		args []string
	}{
		{"git apply", []string{"git", "apply", "--whitespace=nowarn", "-"}},
		{"patch -p1", []string{"patch", "-p1", "--quiet", "--batch", "--forward", "--no-backup-if-mismatch", "-r", "-"}},
	} {
		dir := filepath.Join(tmp, strings.ReplaceAll(tool.name, " ", "-"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if tool.name == "git apply" {
			if err := run(dir, nil, "git", "init", "-q"); err != nil {
				return nil, err
			}
		}
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(p, f.In, 0o644); err != nil {
				return nil, err
			}
		}
		if err := run(dir, strings.NewReader(patch.String()), tool.args[0], tool.args[1:]...); err != nil {
			problems = append(problems, fmt.Sprintf("%s rejected the diff: %v", tool.name, err))
			continue
		}
		for _, f := range files {
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(got, f.Out) {
				problems = append(problems, fmt.Sprintf("%s: %s result differs from harden's output", f.Path, tool.name))
			}
		}
	}
	return problems, nil
}

func run(dir string, stdin *strings.Reader, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return nil
}
