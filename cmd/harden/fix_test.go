package main

// harden fix: diff (default), -w, -l, --check, standard input, fix
// selection, JSON output and errors.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestFixDiff: the default mode prints the unified diff of every change
// and changes no file.
func TestFixDiff(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"Dockerfile":     dirtyDockerfile,
		"ok/Dockerfile":  cleanDockerfile,
		"svc/Dockerfile": dirtyDockerfile,
	})
	age(t, "Dockerfile", "ok/Dockerfile", "svc/Dockerfile")
	r := harden(t, "fix")
	wantCode(t, r, 0)
	if want := dirtyDiff("Dockerfile") + dirtyDiff("svc/Dockerfile"); r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
	wantUntouched(t, "Dockerfile", dirtyDockerfile)
	wantUntouched(t, "ok/Dockerfile", cleanDockerfile)
	wantUntouched(t, "svc/Dockerfile", dirtyDockerfile)

	// A file that needs nothing gives no output at all.
	r = harden(t, "fix", "ok/Dockerfile")
	wantCode(t, r, 0)
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("harden fix ok/Dockerfile: %v", r)
	}
}

// TestFixWrite: -w writes the fixed files in place and reports each.
func TestFixWrite(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"Dockerfile":        dirtyDockerfile,
		"ok/Dockerfile":     cleanDockerfile,
		"svc/Containerfile": dirtyDockerfile,
	})
	age(t, "ok/Dockerfile")
	r := harden(t, "fix", "-w")
	wantCode(t, r, 0)
	if r.stdout != "" {
		t.Errorf("-w printed on stdout: %q", r.stdout)
	}
	if want := "fixed Dockerfile: 1 fix\nfixed svc/Containerfile: 1 fix\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	wantFile(t, "Dockerfile", dirtyFixed)
	wantFile(t, "svc/Containerfile", dirtyFixed)
	wantUntouched(t, "ok/Dockerfile", cleanDockerfile) // not rewritten
	noTempFiles(t, dir)

	// Running it again changes nothing and says nothing.
	age(t, "Dockerfile", "svc/Containerfile")
	r = harden(t, "fix", "-w", "--write")
	wantCode(t, r, 0)
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("second run: %v", r)
	}
	wantUntouched(t, "Dockerfile", dirtyFixed)
	wantUntouched(t, "svc/Containerfile", dirtyFixed)
	if r := harden(t, "fix"); r.stdout != "" || r.code != 0 {
		t.Errorf("harden fix after -w: %v", r)
	}
}

// TestFixWriteKeepsMode: the rewritten file keeps its permission bits.
func TestFixWriteKeepsMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := inTempDir(t)
	for _, mode := range []os.FileMode{0o600, 0o755, 0o640, 0o664} {
		name := "Dockerfile." + mode.String()[1:]
		writeTree(t, dir, map[string]string{name: dirtyDockerfile})
		if err := os.Chmod(name, mode); err != nil {
			t.Fatal(err)
		}
	}
	r := harden(t, "fix", "-w")
	wantCode(t, r, 0)
	for _, mode := range []os.FileMode{0o600, 0o755, 0o640, 0o664} {
		name := "Dockerfile." + mode.String()[1:]
		wantFile(t, name, dirtyFixed)
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != mode {
			t.Errorf("%s: mode %v after -w, want %v", name, st.Mode(), mode)
		}
	}
	noTempFiles(t, dir)
}

// TestFixWriteAtomic: -w replaces the file by renaming a complete new one
// over it (a reader never sees half a file): a hard link to the old file
// keeps the old content, and the directory holds no leftovers.
func TestFixWriteAtomic(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("rename semantics differ")
	}
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": dirtyDockerfile})
	if err := os.Link("Dockerfile", "old-copy"); err != nil {
		t.Skip("no hard links:", err)
	}
	before, _ := os.Stat("Dockerfile")
	r := harden(t, "fix", "-w", "Dockerfile")
	wantCode(t, r, 0)
	wantFile(t, "Dockerfile", dirtyFixed)
	wantFile(t, "old-copy", dirtyDockerfile) // written in place would have changed it
	after, _ := os.Stat("Dockerfile")
	if os.SameFile(before, after) {
		t.Error("Dockerfile was rewritten in place, not replaced by rename")
	}
	if st, ok := after.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		t.Errorf("owner changed to %d", st.Uid)
	}
	noTempFiles(t, dir)
}

// TestFixWriteSymlink: a symlink is written through to its target and
// stays a symlink.
func TestFixWriteSymlink(t *testing.T) {
	skipIfNoSymlinks(t)
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"shared/base.Dockerfile": dirtyDockerfile, "app/README": "x"})
	if err := os.Chmod("shared/base.Dockerfile", 0o640); err != nil {
		t.Fatal(err)
	}
	// app/Dockerfile -> ../shared/link2 -> base.Dockerfile (a chain).
	if err := os.Symlink("base.Dockerfile", "shared/link2"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../shared/link2", "app/Dockerfile"); err != nil {
		t.Fatal(err)
	}
	r := harden(t, "fix", "-w", "app")
	wantCode(t, r, 0)
	if want := "fixed app/Dockerfile: 1 fix\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	for link, target := range map[string]string{"app/Dockerfile": "../shared/link2", "shared/link2": "base.Dockerfile"} {
		st, err := os.Lstat(link)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink (mode %v)", link, st.Mode())
			continue
		}
		if got, _ := os.Readlink(link); got != target {
			t.Errorf("%s -> %s, want -> %s", link, got, target)
		}
	}
	wantFile(t, "shared/base.Dockerfile", dirtyFixed)
	if st, _ := os.Stat("shared/base.Dockerfile"); st.Mode() != 0o640 {
		t.Errorf("target mode %v, want 0640", st.Mode())
	}
	noTempFiles(t, dir)
}

// noTempFiles fails the test when any file under dir looks like a
// leftover temporary file of -w.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		if name := d.Name(); strings.Contains(name, "harden") || strings.HasPrefix(name, ".") && !d.IsDir() || strings.HasSuffix(name, ".tmp") {
			t.Errorf("leftover file %s", p)
		}
		return nil
	})
}

// TestFixList: -l prints the files that would change, and changes none.
func TestFixList(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"a/Dockerfile":   dirtyDockerfile,
		"b/Dockerfile":   cleanDockerfile,
		"c/Dockerfile":   dirtyDockerfile,
		"d/x.dockerfile": sudoDockerfile, // a finding, but nothing to change
	})
	age(t, "a/Dockerfile", "c/Dockerfile")
	for _, flag := range []string{"-l", "--list"} {
		r := harden(t, "fix", flag)
		wantCode(t, r, 0)
		if want := "a/Dockerfile\nc/Dockerfile\n"; r.stdout != want || r.stderr != "" {
			t.Errorf("harden fix %s: %v\nwant stdout %q", flag, r, want)
		}
	}
	wantUntouched(t, "a/Dockerfile", dirtyDockerfile)
	wantUntouched(t, "c/Dockerfile", dirtyDockerfile)

	// -l -w lists and writes.
	r := harden(t, "fix", "-l", "-w")
	wantCode(t, r, 0)
	if want := "a/Dockerfile\nc/Dockerfile\n"; r.stdout != want {
		t.Errorf("-l -w stdout %q, want %q", r.stdout, want)
	}
	if want := "fixed a/Dockerfile: 1 fix\nfixed c/Dockerfile: 1 fix\n"; r.stderr != want {
		t.Errorf("-l -w stderr %q, want %q", r.stderr, want)
	}
	wantFile(t, "a/Dockerfile", dirtyFixed)
	if r := harden(t, "fix", "-l"); r.stdout != "" || r.code != 0 {
		t.Errorf("-l after -w: %v", r)
	}
}

// TestFixCheck: --check exits 1 when any file would change, 0 otherwise,
// alone and combined with -l and -w.
func TestFixCheck(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": dirtyDockerfile, "ok/Dockerfile": cleanDockerfile, "g/Dockerfile": sudoDockerfile})

	r := harden(t, "fix", "--check", "ok", "g")
	wantCode(t, r, 0)
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}

	r = harden(t, "fix", "--check")
	wantCode(t, r, 1)
	if r.stdout != dirtyDiff("Dockerfile") {
		t.Errorf("--check still prints the diff; got %q", r.stdout)
	}
	wantFile(t, "Dockerfile", dirtyDockerfile)

	r = harden(t, "fix", "--check", "-l")
	wantCode(t, r, 1)
	if r.stdout != "Dockerfile\n" {
		t.Errorf("--check -l stdout %q", r.stdout)
	}

	r = harden(t, "fix", "--check", "--format", "json")
	wantCode(t, r, 1)

	r = harden(t, "fix", "--check", "-w")
	wantCode(t, r, 1)
	wantFile(t, "Dockerfile", dirtyFixed)
	if r.stderr != "fixed Dockerfile: 1 fix\n" {
		t.Errorf("--check -w stderr %q", r.stderr)
	}

	// Nothing left: 0 in every combination.
	for _, args := range [][]string{{"--check"}, {"--check", "-l"}, {"--check", "-w"}, {"--check", "-l", "-w"}} {
		r := harden(t, append([]string{"fix"}, args...)...)
		wantCode(t, r, 0)
		if r.stdout != "" || r.stderr != "" {
			t.Errorf("harden fix %s after fixing: %v", strings.Join(args, " "), r)
		}
	}
}

// TestFixStdin: "-" reads a Dockerfile on standard input and writes the
// patched file (not a diff) to standard output.
func TestFixStdin(t *testing.T) {
	inTempDir(t)
	r := hardenStdin(t, dirtyDockerfile, "fix", "-")
	wantCode(t, r, 0)
	if r.stdout != dirtyFixed || r.stderr != "" {
		t.Errorf("harden fix - : %v\nwant stdout %q", r, dirtyFixed)
	}

	// Unchanged input comes back byte for byte: CRLF, BOM, no final newline.
	for _, in := range []string{cleanDockerfile, "\ufeffFROM debian\r\nLABEL harden=1\r\n", "FROM debian\nLABEL harden=1", ""} {
		r := hardenStdin(t, in, "fix", "-")
		if r.stdout != in {
			t.Errorf("harden fix - <%q: stdout %q", in, r.stdout)
		}
		if in != "" {
			wantCode(t, r, 0)
		}
	}

	r = hardenStdin(t, dirtyDockerfile, "fix", "--check", "-")
	wantCode(t, r, 1)
	if r.stdout != dirtyFixed {
		t.Errorf("--check -: stdout %q", r.stdout)
	}
	r = hardenStdin(t, cleanDockerfile, "fix", "--check", "-")
	wantCode(t, r, 0)

	r = hardenStdin(t, dirtyDockerfile, "fix", "-l", "-")
	wantCode(t, r, 0)
	if r.stdout != "<stdin>\n" {
		t.Errorf("-l -: stdout %q", r.stdout)
	}
	r = hardenStdin(t, dirtyDockerfile, "fix", "-l", "--stdin-filename", "svc/Dockerfile", "-")
	if r.stdout != "svc/Dockerfile\n" {
		t.Errorf("-l --stdin-filename: stdout %q", r.stdout)
	}

	// -w with stdin (and no lock file) has nothing to write: refused,
	// nothing read, written or printed.
	r = hardenStdin(t, dirtyDockerfile, "fix", "-w", "-")
	wantCode(t, r, 2)
	if r.stdout != "" || !strings.Contains(r.stderr, `-w has nothing to write with "-"`) {
		t.Errorf("-w -: %v", r)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("-w - created files: %v", entries)
	}
}

// TestFixStdinParseError: a pipe never loses its input: on a parse error
// the input is written back unchanged, the error goes to stderr as
// NAME:LINE: message, and the exit status is 2.
func TestFixStdinParseError(t *testing.T) {
	inTempDir(t)
	r := hardenStdin(t, badDockerfile, "fix", "-")
	wantCode(t, r, 2)
	if r.stdout != badDockerfile {
		t.Errorf("stdout %q, want the input back", r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "<stdin>:2: ") || len(lines(r.stderr)) != 1 {
		t.Errorf("stderr %q, want one line <stdin>:2: …", r.stderr)
	}
	r = hardenStdin(t, badDockerfile, "fix", "--stdin-filename", "web/Dockerfile", "-")
	wantCode(t, r, 2)
	if !strings.HasPrefix(r.stderr, "web/Dockerfile:2: ") {
		t.Errorf("stderr %q, want web/Dockerfile:2: …", r.stderr)
	}
}

// TestFixStdinMixed: "-" cannot be mixed with other paths; nothing is
// processed then.
func TestFixStdinMixed(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": dirtyDockerfile})
	age(t, "Dockerfile")
	for _, args := range [][]string{
		{"fix", "-", "Dockerfile"},
		{"fix", "Dockerfile", "-"},
		{"fix", "-w", "-", "."},
		{"fix", "-", "-"},
		{"check", "-", "Dockerfile"},
	} {
		r := hardenStdin(t, dirtyDockerfile, args...)
		wantCode(t, r, 2)
		if !strings.Contains(r.stderr, `"-"`) {
			t.Errorf("harden %s: stderr %q does not explain the problem", strings.Join(args, " "), r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("harden %s: stdout %q", strings.Join(args, " "), r.stdout)
		}
	}
	wantUntouched(t, "Dockerfile", dirtyDockerfile)
}

// TestFixSelection: --select and --ignore take fix names, equivalent IDs
// (any case) and ALL; --ignore ALL changes nothing at all.
func TestFixSelection(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": dirtyDockerfile})
	age(t, "Dockerfile")
	for _, args := range [][]string{
		{},
		{"--select", "add-label"},
		{"--select", "FK001"},
		{"--select", "fk001"},
		{"--select", "LBL1"},
		{"--select", "ALL"},
		{"--select", "all"},
		{"--select=add-label,FK001"},
		{"--select", "FK001", "--select", "LBL1"},
		{"--select", "add-label,pin-user"},
		{"--unsafe"},
		{"--offline"},
		{"--unsafe", "--offline", "--select", "ALL"},
	} {
		r := harden(t, append([]string{"fix"}, args...)...)
		wantCode(t, r, 0)
		if r.stdout != dirtyDiff("Dockerfile") {
			t.Errorf("harden fix %s: %v", strings.Join(args, " "), r)
		}
	}
	for _, args := range [][]string{
		{"--ignore", "ALL"},
		{"--ignore", "all"},
		{"--ignore", "add-label"},
		{"--ignore", "FK001"},
		{"--ignore=lbl1"},
		{"--select", "ALL", "--ignore", "FK001"},
		{"--select", "add-label", "--ignore", "ALL"},
		{"--select", "pin-user,no-sudo"},
		{"--ignore", "ALL", "--unsafe"},
	} {
		r := harden(t, append([]string{"fix"}, args...)...)
		wantCode(t, r, 0)
		if r.stdout != "" || r.stderr != "" {
			t.Errorf("harden fix %s: %v", strings.Join(args, " "), r)
		}
		r = harden(t, append([]string{"fix", "--check", "-w", "-l"}, args...)...)
		wantCode(t, r, 0)
		if r.stdout != "" || r.stderr != "" {
			t.Errorf("harden fix --check -w -l %s: %v", strings.Join(args, " "), r)
		}
		if args[len(args)-1] == "--unsafe" {
			continue // check has no --unsafe
		}
		r = harden(t, append([]string{"check"}, args...)...)
		if r.code != 0 || r.stdout != "" {
			t.Errorf("harden check %s: %v", strings.Join(args, " "), r)
		}
	}
	wantUntouched(t, "Dockerfile", dirtyDockerfile)

	// --ignore ALL on standard input is byte-identical, even for awkward files.
	for _, in := range []string{
		dirtyDockerfile,
		"\ufeff# escape=`\r\nFROM debian\r\nRUN echo a `\r\n  b\r\nCMD [\"x\"]",
		"FROM alpine\nRUN <<EOF\napk add curl\nEOF\n",
	} {
		r := hardenStdin(t, in, "fix", "--ignore", "ALL", "-")
		wantCode(t, r, 0)
		if r.stdout != in {
			t.Errorf("--ignore ALL - <%q: stdout %q", in, r.stdout)
		}
	}
}

// TestFixSelectionUnknown: an unknown fix name is an error (exit 2) with a
// message naming it, before any file is touched.
func TestFixSelectionUnknown(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": dirtyDockerfile})
	age(t, "Dockerfile")
	for _, args := range [][]string{
		{"fix", "--select", "no-such-fix"},
		{"fix", "-w", "--select", "add-label,no-such-fix"},
		{"fix", "--ignore", "no-such-fix"},
		{"fix", "-w", "--ignore", "DL9999"},
		{"check", "--select", "no-such-fix"},
		{"check", "--ignore", "no-such-fix"},
	} {
		r := harden(t, args...)
		wantCode(t, r, 2)
		want := "no-such-fix"
		if strings.Contains(strings.Join(args, " "), "DL9999") {
			want = "DL9999"
		}
		if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "unknown") {
			t.Errorf("harden %s: stderr %q, want it to name %s as unknown", strings.Join(args, " "), r.stderr, want)
		}
		if r.stdout != "" {
			t.Errorf("harden %s: stdout %q", strings.Join(args, " "), r.stdout)
		}
	}
	wantUntouched(t, "Dockerfile", dirtyDockerfile)
}

// TestFixParseError: a file buildkit cannot parse is reported as
// PATH:LINE: message and left untouched; every other file is still fixed
// (or diffed, or listed) and the exit status is 2.
func TestFixParseError(t *testing.T) {
	dir := inTempDir(t)
	files := map[string]string{
		"a/Dockerfile":    dirtyDockerfile,
		"b/Dockerfile":    badDockerfile,
		"c/Dockerfile":    dirtyDockerfile,
		"d/Dockerfile":    "FROM debian\nBOGUS x\n",
		"e/Dockerfile":    "RUN echo no stage\n",
		"f/Containerfile": "FROM alpine\nRUN <<EOF\napk add curl\n",
	}
	bad := map[string]int{"b/Dockerfile": 2, "d/Dockerfile": 2, "e/Dockerfile": 1, "f/Containerfile": 2}
	writeTree(t, dir, files)
	var all []string
	for f := range files {
		all = append(all, f)
	}
	age(t, all...)

	checkStderr := func(t *testing.T, stderr string, extra ...string) {
		t.Helper()
		var got []string
		for _, l := range lines(stderr) {
			if strings.HasPrefix(l, "fixed ") {
				continue
			}
			got = append(got, l)
		}
		if len(got) != len(bad) {
			t.Errorf("stderr has %d error lines, want %d:\n%s", len(got), len(bad), stderr)
		}
		for f, line := range bad {
			re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(f) + `:` + itoa(line) + `: \S`)
			if !re.MatchString(stderr) {
				t.Errorf("stderr lacks %s:%d: message\n%s", f, line, stderr)
			}
		}
	}

	t.Run("diff", func(t *testing.T) {
		r := harden(t, "fix")
		wantCode(t, r, 2)
		if want := dirtyDiff("a/Dockerfile") + dirtyDiff("c/Dockerfile"); r.stdout != want {
			t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
		checkStderr(t, r.stderr)
	})
	t.Run("list", func(t *testing.T) {
		r := harden(t, "fix", "-l", "--check")
		wantCode(t, r, 2) // the error wins over pending changes
		if want := "a/Dockerfile\nc/Dockerfile\n"; r.stdout != want {
			t.Errorf("stdout %q, want %q", r.stdout, want)
		}
		checkStderr(t, r.stderr)
	})
	t.Run("json", func(t *testing.T) {
		r := harden(t, "fix", "--format", "json")
		wantCode(t, r, 2)
		doc := decodeFixJSON(t, r.stdout)
		if len(doc.Files) != len(files) {
			t.Fatalf("%d files in JSON, want %d", len(doc.Files), len(files))
		}
		for _, f := range doc.Files {
			if line, isBad := bad[f.Path]; isBad {
				if !strings.HasPrefix(f.Error, f.Path+":"+itoa(line)+": ") {
					t.Errorf("%s: error %q, want %s:%d: …", f.Path, f.Error, f.Path, line)
				}
				if f.Changed != nil && *f.Changed || f.Diff != nil && *f.Diff != "" {
					t.Errorf("%s: a file that does not parse is marked changed", f.Path)
				}
			} else if f.Error != "" || f.Diff == nil || *f.Diff != dirtyDiff(f.Path) {
				t.Errorf("%s: %+v", f.Path, f)
			}
		}
		checkStderr(t, r.stderr)
	})
	t.Run("write", func(t *testing.T) {
		r := harden(t, "fix", "-w")
		wantCode(t, r, 2)
		if r.stdout != "" {
			t.Errorf("stdout %q", r.stdout)
		}
		checkStderr(t, r.stderr)
		if !strings.Contains(r.stderr, "fixed a/Dockerfile: 1 fix\n") || !strings.Contains(r.stderr, "fixed c/Dockerfile: 1 fix\n") {
			t.Errorf("stderr lacks the fixed lines:\n%s", r.stderr)
		}
		wantFile(t, "a/Dockerfile", dirtyFixed)
		wantFile(t, "c/Dockerfile", dirtyFixed)
		for f := range bad {
			wantUntouched(t, f, files[f])
		}
		noTempFiles(t, dir)
	})
	t.Run("check", func(t *testing.T) {
		r := harden(t, "check", "b", "c") // c is fixed by now: no findings
		wantCode(t, r, 2)
		if !strings.HasPrefix(r.stderr, "b/Dockerfile:2: ") {
			t.Errorf("stderr %q", r.stderr)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// fixJSON is the documented shape of `harden fix --format json`.
type fixJSON struct {
	Tool    string `json:"tool"`
	Version string `json:"version"`
	Files   []struct {
		Path     string  `json:"path"`
		Changed  *bool   `json:"changed"`
		Error    string  `json:"error"`
		Diff     *string `json:"diff"`
		Findings []struct {
			Fix     string  `json:"fix"`
			Line    int     `json:"line"`
			Message string  `json:"message"`
			Title   string  `json:"title"`
			Kind    string  `json:"kind"`
			Applied *bool   `json:"applied"`
			Reason  *string `json:"reason"`
		} `json:"findings"`
	} `json:"files"`
}

func decodeFixJSON(t *testing.T, s string) fixJSON {
	t.Helper()
	var doc fixJSON
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, s)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value on stdout:\n%s", s)
	}
	// findings is always an array, never null.
	var raw struct {
		Files []map[string]json.RawMessage `json:"files"`
	}
	json.Unmarshal([]byte(s), &raw)
	for _, f := range raw.Files {
		if v, ok := f["findings"]; !ok || string(v) == "null" {
			t.Errorf("file %s: findings is %s, want an array", f["path"], v)
		}
	}
	return doc
}

// TestFixJSON: --format json gives, per file, each applied and remaining
// finding (fix, line, message, applied, reason) and the diff.
func TestFixJSON(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"a/Dockerfile":  dirtyDockerfile,
		"g/Dockerfile":  sudoDockerfile,
		"ok/Dockerfile": cleanDockerfile,
		"s/Dockerfile":  "FROM debian AS build\nRUN make\nFROM debian\n# harden:ignore=add-label\nCMD [\"x\"]\n",
		"u/Dockerfile":  unsafeDockerfile,
	})
	r := harden(t, "fix", "--format", "json")
	wantCode(t, r, 0)
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
	doc := decodeFixJSON(t, r.stdout)
	if doc.Tool != "harden" || doc.Version == "" {
		t.Errorf("tool %q version %q", doc.Tool, doc.Version)
	}
	var paths []string
	for _, f := range doc.Files {
		paths = append(paths, f.Path)
	}
	if want := []string{"a/Dockerfile", "g/Dockerfile", "ok/Dockerfile", "s/Dockerfile", "u/Dockerfile"}; strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Fatalf("files %q, want %q", paths, want)
	}
	files := doc.Files

	a := files[0]
	if a.Changed == nil || !*a.Changed || a.Diff == nil || *a.Diff != dirtyDiff("a/Dockerfile") || a.Error != "" {
		t.Errorf("a/Dockerfile: %+v", a)
	}
	if len(a.Findings) != 1 {
		t.Fatalf("a/Dockerfile: %d findings, want 1", len(a.Findings))
	}
	if f := a.Findings[0]; f.Fix != "add-label" || f.Line != 3 || f.Message != "Image has no harden label" || f.Title != "Append LABEL harden=1" ||
		f.Kind != "default" || f.Applied == nil || !*f.Applied || f.Reason != nil {
		t.Errorf("a/Dockerfile finding: %+v", f)
	}

	g := files[1]
	if g.Changed == nil || *g.Changed || g.Diff == nil || *g.Diff != "" {
		t.Errorf("g/Dockerfile: %+v", g)
	}
	if len(g.Findings) != 1 {
		t.Fatalf("g/Dockerfile: %d findings, want 1", len(g.Findings))
	}
	if f := g.Findings[0]; f.Fix != "no-sudo" || f.Line != 2 || f.Message != "RUN uses sudo, which a container does not need" || f.Title != "" ||
		f.Kind != "none" || f.Applied == nil || *f.Applied || f.Reason == nil || *f.Reason != "no automatic fix" {
		t.Errorf("g/Dockerfile finding (remaining, with a reason): %+v", f)
	}
	u := files[4]
	if u.Changed == nil || *u.Changed || len(u.Findings) != 1 {
		t.Fatalf("u/Dockerfile: %+v", u)
	}
	if f := u.Findings[0]; f.Fix != "pin-user" || f.Line != 2 || f.Kind != "unsafe" || *f.Applied ||
		f.Reason == nil || *f.Reason != "unsafe fix: use --unsafe or --select pin-user" {
		t.Errorf("u/Dockerfile finding (unsafe, not applied): %+v", f)
	}

	for _, f := range files[2:4] {
		if f.Changed == nil || *f.Changed || len(f.Findings) != 0 || f.Diff == nil || *f.Diff != "" {
			t.Errorf("%s: %+v", f.Path, f)
		}
	}

	// The JSON diff is exactly what the diff mode prints.
	if d := harden(t, "fix", "a"); d.stdout != *a.Diff {
		t.Errorf("diff mode %q != JSON diff %q", d.stdout, *a.Diff)
	}

	// With --unsafe the unsafe finding is applied.
	r = harden(t, "fix", "--format", "json", "--unsafe", "u")
	wantCode(t, r, 0)
	if doc := decodeFixJSON(t, r.stdout); len(doc.Files) != 1 || !*doc.Files[0].Changed || !*doc.Files[0].Findings[0].Applied || doc.Files[0].Findings[0].Reason != nil {
		t.Errorf("--unsafe --format json: %s", r.stdout)
	}

	// JSON with -w: written, and reported.
	r = harden(t, "fix", "--format", "json", "-w", "a")
	wantCode(t, r, 0)
	wantFile(t, "a/Dockerfile", dirtyFixed)
	if doc := decodeFixJSON(t, r.stdout); len(doc.Files) != 1 || doc.Files[0].Findings[0].Applied == nil || !*doc.Files[0].Findings[0].Applied {
		t.Errorf("-w --format json: %s", r.stdout)
	}

	// JSON of standard input, and of no files at all.
	r = hardenStdin(t, dirtyDockerfile, "fix", "--format", "json", "-")
	wantCode(t, r, 0)
	if doc := decodeFixJSON(t, r.stdout); len(doc.Files) != 1 || doc.Files[0].Path != "<stdin>" || doc.Files[0].Diff == nil || *doc.Files[0].Diff != dirtyDiff("<stdin>") {
		t.Errorf("stdin JSON: %s", r.stdout)
	}
	os.MkdirAll("empty", 0o755)
	r = harden(t, "fix", "--format", "json", "empty")
	wantCode(t, r, 0)
	if doc := decodeFixJSON(t, r.stdout); doc.Files == nil || len(doc.Files) != 0 {
		t.Errorf("empty JSON: %s", r.stdout)
	}
	if !strings.Contains(r.stdout, `"files": []`) {
		t.Errorf("files of an empty run should be [], got %s", r.stdout)
	}

	// A missing file is an entry with an error.
	r = harden(t, "fix", "--format", "json", "nope", "g")
	wantCode(t, r, 2)
	doc = decodeFixJSON(t, r.stdout)
	if len(doc.Files) != 2 || doc.Files[0].Path != "nope" || doc.Files[0].Error == "" || doc.Files[1].Path != "g/Dockerfile" {
		t.Errorf("missing file JSON: %s", r.stdout)
	}

	// Unknown formats are refused.
	r = harden(t, "fix", "--format", "sarif")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "format") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// TestFixManyFiles: many files, processed concurrently, each written once
// and reported in order.
func TestFixManyFiles(t *testing.T) {
	dir := inTempDir(t)
	files := map[string]string{}
	var want []string
	for i := 0; i < 60; i++ {
		p := "svc" + itoa(i) + "/Dockerfile"
		files[p] = dirtyDockerfile
		want = append(want, "fixed "+p+": 1 fix")
	}
	writeTree(t, dir, files)
	sort.Strings(want)
	r := harden(t, "fix", "-w")
	wantCode(t, r, 0)
	if got := lines(r.stderr); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	for p := range files {
		wantFile(t, p, dirtyFixed)
	}
}

// TestFixWriteError: a file that cannot be written is an error (exit 2)
// reported as PATH: message; it stays as it was and the other files are
// still written.
func TestFixWriteError(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix directory modes")
	}
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only directories")
	}
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"ro/Dockerfile": dirtyDockerfile, "rw/Dockerfile": dirtyDockerfile})
	if err := os.Chmod("ro", 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "ro"), 0o755) })
	r := harden(t, "fix", "-w")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "ro/Dockerfile: ") || strings.Contains(r.stderr, "fixed ro/Dockerfile") {
		t.Errorf("stderr %q", r.stderr)
	}
	if !strings.Contains(r.stderr, "fixed rw/Dockerfile: 1 fix\n") {
		t.Errorf("stderr %q lacks the fixed line of rw/Dockerfile", r.stderr)
	}
	wantFile(t, "ro/Dockerfile", dirtyDockerfile)
	wantFile(t, "rw/Dockerfile", dirtyFixed)
	noTempFiles(t, dir)
}
