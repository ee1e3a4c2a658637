package main

// Shared helpers for the CLI tests. Most tests drive harden in-process with
// run(args, &env{…}) from inside a temporary directory; the ones where a
// real process matters (exit codes seen by a shell, pipes into git apply)
// use the binary built once by hardenBinary.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// hardenResult is what one harden invocation produced.
type hardenResult struct {
	stdout, stderr string
	code           int
}

func (r hardenResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// harden runs the CLI in-process over the fake fixes, with an empty
// standard input.
func harden(t *testing.T, args ...string) hardenResult {
	t.Helper()
	return hardenStdin(t, "", args...)
}

// hardenStdin runs the CLI in-process over the fake fixes, with stdin as
// standard input.
func hardenStdin(t *testing.T, stdin string, args ...string) hardenResult {
	t.Helper()
	return hardenEnv(t, &env{stdin: strings.NewReader(stdin), fixes: fakeFixes, images: &fakeRegistry{}}, args...)
}

// hardenEnv runs the CLI in-process in e, whose stdout and stderr it sets.
func hardenEnv(t *testing.T, e *env, args ...string) hardenResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e.stdout, e.stderr = &stdout, &stderr
	if e.stdin == nil {
		e.stdin = strings.NewReader("")
	}
	code := run(args, e)
	return hardenResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// wantCode fails the test when r did not exit with code.
func wantCode(t *testing.T, r hardenResult, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %v", code, r)
	}
}

// inTempDir makes a fresh temporary directory the working directory for
// the rest of the test, and returns its absolute path.
func inTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// Resolve symlinks (e.g. /tmp -> /private/tmp on macOS) so that paths
	// compare equal to what os.Getwd reports.
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	return dir
}

// writeTree writes files (slash-separated paths relative to root).
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantFile fails the test when the file at name does not hold want.
func wantFile(t *testing.T, name, want string) {
	t.Helper()
	if got := readFile(t, name); got != want {
		t.Errorf("%s:\n got %q\nwant %q", name, got, want)
	}
}

// oldTime is a modification time no test run will produce by writing.
var oldTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// age sets the modification time of files to oldTime, so that a test can
// prove they were not rewritten.
func age(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.Chtimes(n, oldTime, oldTime); err != nil {
			t.Fatal(err)
		}
	}
}

// wantUntouched fails the test when name no longer holds content or was
// rewritten since age.
func wantUntouched(t *testing.T, name, content string) {
	t.Helper()
	wantFile(t, name, content)
	st, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if !st.ModTime().Equal(oldTime) {
		t.Errorf("%s was rewritten: mtime %v, want %v", name, st.ModTime(), oldTime)
	}
}

// diffHeaders returns the file names of the `--- a/X` and `+++ b/X` lines
// of a unified diff, in order (without the tab git puts after a name with
// a space); it fails on headers of another form.
func diffHeaders(t *testing.T, diff string) []string {
	t.Helper()
	var names []string
	for _, line := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(line, "--- "):
			name, ok := strings.CutPrefix(strings.TrimSuffix(line, "\t"), "--- a/")
			if !ok {
				t.Errorf("bad old-file header %q", line)
			}
			names = append(names, name)
		case strings.HasPrefix(line, "+++ "):
			name, ok := strings.CutPrefix(strings.TrimSuffix(line, "\t"), "+++ b/")
			if !ok {
				t.Errorf("bad new-file header %q", line)
			}
			if len(names) == 0 || names[len(names)-1] != name {
				t.Errorf("+++ header %q does not match the --- header before it", line)
			}
		}
	}
	return names
}

// lines splits output into its lines, without the final empty one.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// skipIfNoSymlinks skips tests that need symbolic links.
func skipIfNoSymlinks(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
}

// The harden binary, built once for the tests that need a real process.
var (
	pkgDir     string // this package's directory, captured before any t.Chdir
	binDir     string
	binOnce    sync.Once
	binPath    string
	binErr     error
	binVersion = "v0.0.0-clitest"
)

func TestMain(m *testing.M) {
	var err error
	if pkgDir, err = os.Getwd(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// hardenBinary builds cmd/harden once, with main.version set to binVersion,
// and returns the path of the binary.
func hardenBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			binErr = fmt.Errorf("go tool not found: %v", err)
			return
		}
		if binDir, binErr = os.MkdirTemp("", "harden-clitest-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "harden")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		cmd := exec.Command(goTool, "build", "-o", binPath, "-ldflags", "-X main.version="+binVersion, ".")
		cmd.Dir = pkgDir
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// sh runs a shell script in dir with $HARDEN set to the built binary (the
// real fixes) and returns its combined output and exit status.
// harden fix and check run without pin-digest (see withoutNetwork).
func sh(t *testing.T, dir, script string, extraEnv ...string) (string, int) {
	t.Helper()
	script = strings.NewReplacer(`"$HARDEN" fix`, `"$HARDEN" fix --ignore pin-digest`,
		`"$HARDEN" check`, `"$HARDEN" check --ignore pin-digest`).Replace(script)
	return shell(t, dir, script, append([]string{"HARDEN=" + hardenBinary(t)}, extraEnv...)...)
}

// shell runs a shell script in dir and returns its combined output and
// exit status.
func shell(t *testing.T, dir, script string, extraEnv ...string) (string, int) {
	t.Helper()
	shPath, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	cmd := exec.Command(shPath, "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), gitEnv(t)...), extraEnv...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("sh -c %q: %v", script, err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// gitEnv isolates git from the user's and the system's configuration.
func gitEnv(t *testing.T) []string {
	return []string{
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"HOME=" + t.TempDir(),
		"GIT_AUTHOR_NAME=harden test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=harden test", "GIT_COMMITTER_EMAIL=test@example.com",
	}
}

// needTool skips the test when an external program is missing.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed", name)
	}
}
