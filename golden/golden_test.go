// Package golden holds harden's end-to-end tests: golden cases run through
// the real harden binary, and the corpus, fuzz and benchmark runs.
//
// A golden case is a directory testdata/FIX/CASE/ holding:
//
//	input   the Dockerfile as a user wrote it
//	output  what `harden fix [flags] -` prints for it
//	diff    what `harden fix [flags] Dockerfile` prints
//	flags   (optional) one line of flags for harden fix, e.g. --unsafe
//	stderr  (optional) the expected standard error; its presence means the
//	        case expects exit status 2 and an untouched file
//	check   (optional) what `harden check [flags] Dockerfile` prints: the
//	        finding's outcome (default, unsafe, none) and its reason
//	context/ (optional) files of the build context beside the Dockerfile;
//	        such a case gives --context . in its flags
//
// FIX is the name of a fix: its cases run that fix alone, with
// `--select FIX --offline` before the case's flags (and `--lock lock.json`
// when the case or FIX holds a lock.json), so adding a fix never changes
// another fix's expected files. testdata/_combined/CASE/ holds cases where
// fixes act together: they run every fix, `--offline` (with the case's
// lock.json if it has one) and the case's flags. No case reaches a network.
//
// Negative cases have output equal to input and an empty diff.
// `go test ./golden -update` rewrites output, diff and stderr.
package golden

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/internal/promise"
	"github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/transform"
)

var update = flag.Bool("update", false, "rewrite the golden output, diff and stderr files")

// hardenBin is the harden binary built once for the package's tests.
var hardenBin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "harden-golden-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	hardenBin = filepath.Join(dir, "harden")
	build := exec.Command("go", "build", "-o", hardenBin, "../cmd/harden")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building harden:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runHarden runs the binary in dir and returns stdout, stderr and the exit status.
func runHarden(t *testing.T, dir string, stdin []byte, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(hardenBin, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running harden: %v", err)
	}
	return out.String(), errb.String(), code
}

// combined is the folder of cases that run every fix.
const combined = "_combined"

// caseFlags returns the flags a case runs with, and the lock file it reads
// ("" for none): its fix folder's --select FIX (none in _combined),
// --offline, a --lock for the case's or the fix folder's lock.json, then
// the case's own flags file.
func caseFlags(t *testing.T, caseDir string) (flags []string, lock string) {
	t.Helper()
	fixDir := filepath.Dir(caseDir)
	if fix := filepath.Base(fixDir); fix != combined {
		if len(fixes.Lookup(fix)) != 1 || fixes.Lookup(fix)[0].Name != fix {
			t.Fatalf("%s: the folder is not named after a fix (nor %s)", fixDir, combined)
		}
		flags = append(flags, "--select", fix)
	}
	// Golden cases never reach a network: a lock.json answers, or nothing.
	flags = append(flags, "--offline")
	for _, dir := range []string{caseDir, fixDir} {
		if _, err := os.Stat(filepath.Join(dir, "lock.json")); err == nil {
			lock = filepath.Join(dir, "lock.json")
			flags = append(flags, "--lock", "lock.json")
			break
		}
	}
	if b, ok := readOptional(t, filepath.Join(caseDir, "flags")); ok {
		flags = append(flags, strings.Fields(string(b))...)
	}
	return flags, lock
}

// caseOptions reads a case's flags the way harden fix does. A case's
// lock file answers alone: golden cases never reach a network.
func caseOptions(t *testing.T, flags []string, lockPath string) transform.Options {
	t.Helper()
	fs := pflag.NewFlagSet("flags", pflag.ContinueOnError)
	sel := fs.StringSlice("select", nil, "")
	ign := fs.StringSlice("ignore", nil, "")
	unsafe := fs.Bool("unsafe", false, "")
	offline := fs.Bool("offline", false, "")
	fs.String("lock", "", "")
	updateDigests := fs.Bool("update-digests", false, "")
	fs.String("context", "", "") // the promises are checked without the build context
	if err := fs.Parse(flags); err != nil {
		t.Fatalf("flags: %v", err)
	}
	run, explicit, err := fixes.Select(*sel, *ign)
	if err != nil {
		t.Fatal(err)
	}
	lock := resolve.NewLock()
	if lockPath != "" {
		b, err := os.ReadFile(lockPath)
		if err != nil {
			t.Fatal(err)
		}
		if lock, err = resolve.ParseLock(b); err != nil {
			t.Fatalf("%s: %v", lockPath, err)
		}
	}
	return transform.Options{Fixes: run, Explicit: explicit, Unsafe: *unsafe, Offline: *offline, Update: *updateDigests,
		Resolver: resolve.New(resolve.Options{Lock: lock, Offline: true})}
}

func readOptional(t *testing.T, path string) ([]byte, bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return b, true
}

func TestGolden(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "*", "*", "input"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases found")
	}
	var applied []promise.File
	for _, inputPath := range cases {
		dir := filepath.Dir(inputPath)
		name := filepath.ToSlash(strings.TrimPrefix(dir, "testdata"+string(filepath.Separator)))
		t.Run(name, func(t *testing.T) {
			input, err := os.ReadFile(inputPath)
			if err != nil {
				t.Fatal(err)
			}
			flags, lock := caseFlags(t, dir)
			_, expectError := readOptional(t, filepath.Join(dir, "stderr"))

			work := t.TempDir()
			if lock != "" {
				b, err := os.ReadFile(lock)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(work, "lock.json"), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// A case's context/ folder is the build context beside its
			// Dockerfile (give the case --context . in its flags, so that
			// standard input reads it too).
			copyTree(t, filepath.Join(dir, "context"), work)
			// The patched file, through standard input.
			output, stderr, code := runHarden(t, work, input, append(append([]string{"fix"}, flags...), "-")...)
			// The diff, from a file named Dockerfile in the working directory.
			file := filepath.Join(work, "Dockerfile")
			if err := os.WriteFile(file, input, 0o644); err != nil {
				t.Fatal(err)
			}
			diff, stderr2, code2 := runHarden(t, work, nil, append(append([]string{"fix"}, flags...), "Dockerfile")...)

			if expectError {
				if code != 2 || code2 != 2 {
					t.Errorf("exit status %d and %d, want 2", code, code2)
				}
				if output != string(input) {
					t.Errorf("on error, stdin mode must echo the input unchanged")
				}
				if diff != "" {
					t.Errorf("on error, no diff may be printed, got:\n%s", diff)
				}
				stderr2 = strings.ReplaceAll(stderr2, "Dockerfile:", "<stdin>:")
				if stderr != stderr2 {
					t.Errorf("stdin and file modes report differently:\n%s\n%s", stderr, stderr2)
				}
			} else if code != 0 || code2 != 0 {
				t.Fatalf("exit status %d and %d, want 0; stderr:\n%s%s", code, code2, stderr, stderr2)
			}
			if got, _ := os.ReadFile(file); !bytes.Equal(got, input) {
				t.Fatal("harden fix without -w modified the file")
			}

			// A case's check file is what `harden check` reports: which of
			// the three outcomes (default edit, unsafe edit, report) and why.
			checkOut, _, _ := runHarden(t, work, nil, append(append([]string{"check"}, flags...), "Dockerfile")...)
			if want, ok := readOptional(t, filepath.Join(dir, "check")); ok {
				if *update {
					if err := os.WriteFile(filepath.Join(dir, "check"), []byte(checkOut), 0o644); err != nil {
						t.Fatal(err)
					}
				} else if checkOut != string(want) {
					t.Errorf("check differs from %s:\n--- got ---\n%s\n--- want ---\n%s", filepath.Join(dir, "check"), checkOut, want)
				}
			}
			if *update {
				write := func(name, content string) {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				write("output", output)
				write("diff", diff)
				if expectError {
					write("stderr", stderr)
				}
				return
			}
			for _, c := range []struct{ file, got string }{{"output", output}, {"diff", diff}, {"stderr", stderr}} {
				if c.file == "stderr" && !expectError {
					continue
				}
				want, err := os.ReadFile(filepath.Join(dir, c.file))
				if err != nil {
					t.Fatal(err)
				}
				if c.got != string(want) {
					t.Errorf("%s differs from %s (run go test ./golden -update to accept):\n--- got ---\n%s\n--- want ---\n%s",
						c.file, filepath.Join(dir, c.file), c.got, want)
				}
			}

			// The promises, through the library with the same options.
			rep := promise.Check("Dockerfile", input, caseOptions(t, flags, lock), promise.Options{})
			for _, p := range rep.Problems {
				t.Error(p)
			}
			if expectError {
				return
			}
			if string(input) == output && diff != "" {
				t.Error("a diff was printed for an unchanged file")
			}
			if diff != "" {
				// All cases' diffs are applied together below, each under its own directory.
				rehomed := strings.Replace(diff, "--- a/Dockerfile\n", "--- a/"+name+"/Dockerfile\n", 1)
				rehomed = strings.Replace(rehomed, "+++ b/Dockerfile\n", "+++ b/"+name+"/Dockerfile\n", 1)
				applied = append(applied, promise.File{Path: name + "/Dockerfile", In: input, Out: []byte(output), Diff: rehomed})
			}
		})
	}
	if *update || t.Failed() {
		return
	}
	problems, err := promise.ApplyDiffs(t.TempDir(), applied)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestCaseFlags: a fix folder's cases run that fix alone and offline, with
// the case's lock.json, else the fix folder's, then the case's flags;
// _combined cases run every fix, offline too.
func TestCaseFlags(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("non-root-user/plain/input", "FROM a\n")
	write("non-root-user/flagged/flags", "--unsafe\n")
	write("non-root-user/own-lock/lock.json", "{}")
	write(combined+"/both/flags", "--ignore DL3002 --unsafe")
	for _, tc := range []struct{ dir, flags, lock string }{
		{"non-root-user/plain", "--select non-root-user --offline", ""},
		{"non-root-user/flagged", "--select non-root-user --offline --unsafe", ""},
		{"non-root-user/own-lock", "--select non-root-user --offline --lock lock.json", "non-root-user/own-lock/lock.json"},
		{combined + "/both", "--offline --ignore DL3002 --unsafe", ""},
	} {
		flags, lock := caseFlags(t, filepath.Join(root, filepath.FromSlash(tc.dir)))
		wantLock := ""
		if tc.lock != "" {
			wantLock = filepath.Join(root, filepath.FromSlash(tc.lock))
		}
		if strings.Join(flags, " ") != tc.flags || lock != wantLock {
			t.Errorf("%s: flags %q lock %q, want %q %q", tc.dir, flags, lock, tc.flags, wantLock)
		}
	}
	// The fix folder's lock.json serves every case without its own.
	write("non-root-user/lock.json", "{}")
	if flags, lock := caseFlags(t, filepath.Join(root, "non-root-user", "plain")); lock != filepath.Join(root, "non-root-user", "lock.json") ||
		strings.Join(flags, " ") != "--select non-root-user --offline --lock lock.json" {
		t.Errorf("fix folder lock: %q %q", flags, lock)
	}
	if _, lock := caseFlags(t, filepath.Join(root, "non-root-user", "own-lock")); lock != filepath.Join(root, "non-root-user", "own-lock", "lock.json") {
		t.Errorf("the case's own lock.json must win, got %q", lock)
	}
}

// copyTree copies the files under src (if it exists) into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if _, err := os.Stat(src); err != nil {
		return
	}
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
