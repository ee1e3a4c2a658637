package main

// What a new user meets, through the harden binary (real fixes) as a shell
// runs it: which files a search finds, diffs of files outside the working
// directory, -w on read-only files, files over the size limit, extra
// arguments, the version of a module-mode build, why check leaves a
// finding unfixed, and file names that are not printable.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/harden-dev/harden/internal/runner"
)

// TestBinaryDiscovery: the names real repositories use are found in any
// case and with any of the separators; backups and editor files are not; a
// dangling or looping symlink named like a Dockerfile is a warning, not an
// error; --help says what is matched.
func TestBinaryDiscovery(t *testing.T) {
	dir := inTempDir(t)
	found := []string{"Dockerfile-alpine", "Dockerfile_prod", "containers/app.containerfile", "dockerfile", "lower/containerfile", "prod.Dockerfile", "x/Dockerfile.prod"}
	files := map[string]string{"README.md": "x", "Dockerfile.orig": rootDockerfile, "Dockerfile.rej": rootDockerfile,
		"Dockerfile~": rootDockerfile, ".Dockerfile.swp": rootDockerfile, ".#Dockerfile": rootDockerfile, "#Dockerfile#": rootDockerfile,
		"Dockerfile.dockerignore": "*\n"}
	for _, f := range found {
		files[f] = rootDockerfile
	}
	writeTree(t, dir, files)
	skipIfNoSymlinks(t)
	for old, name := range map[string]string{"nowhere": "dangling.Dockerfile", "Dockerfile.loop": "Dockerfile.loop", "nowhere2": "notes.txt"} {
		if err := os.Symlink(old, name); err != nil {
			t.Fatal(err)
		}
	}
	out, code := sh(t, dir, `"$HARDEN" fix -l . 2>err`)
	if code != 0 || out != strings.Join(found, "\n")+"\n" {
		t.Errorf("harden fix -l . (exit %d):\n%s\nwant:\n%s", code, out, strings.Join(found, "\n"))
	}
	wantFile(t, "err", "harden: warning: Dockerfile.loop: symlink loop, skipped\nharden: warning: dangling.Dockerfile: dangling symlink, skipped\n")
	// CI is no longer green on a repository that has only these names.
	if out, code := sh(t, dir, `"$HARDEN" fix --check . >/dev/null 2>&1`); code != 1 {
		t.Errorf("harden fix --check . exit %d, want 1\n%s", code, out)
	}
	out, code = sh(t, dir, `"$HARDEN" --help`)
	if code != 0 || !strings.Contains(strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(runner.DiscoveryHelp), " ")) {
		t.Errorf("harden --help does not say which names it matches:\n%s", out)
	}
}

// TestBinaryDiffPaths: the diff of a file outside the working directory
// never names it a/../x or a//x. Under the working directory: relative to
// it; inside a git repository: relative to its top, with a note, and git
// apply from the top applies it; elsewhere: the absolute path without "/",
// with a note, and patch -p1 -d / applies it.
func TestBinaryDiffPaths(t *testing.T) {
	needTool(t, "git")
	needTool(t, "patch")
	root := inTempDir(t)
	if runner.DiffNameTop(root) != "" {
		t.Skip("the temporary directory is inside a git work tree")
	}
	writeTree(t, root, map[string]string{
		"repo/svc/api/Dockerfile": rootDockerfile,
		"repo/work/Dockerfile":    rootDockerfile,
		"plain/Dockerfile":        rootDockerfile,
		"cwd/README":              "x",
	})
	if out, code := shell(t, filepath.Join(root, "repo"), `git init -q . && git add -A && git commit -qm init`); code != 0 {
		t.Fatal(out)
	}
	header := regexp.MustCompile(`(?m)^(---|\+\+\+) [ab]/(.*)$`)
	names := func(diff string) []string {
		var n []string
		for _, m := range header.FindAllStringSubmatch(diff, -1) {
			n = append(n, m[2])
		}
		return n
	}

	// Under the working directory, from a subdirectory of the repository
	// (git apply takes names relative to where it runs).
	out, code := sh(t, filepath.Join(root, "repo"), `cd work && "$HARDEN" fix ../work/Dockerfile > ../../under.diff && git apply ../../under.diff`)
	if code != 0 {
		t.Fatalf("under the working directory: exit %d\n%s", code, out)
	}
	if got := names(readFile(t, "under.diff")); len(got) != 2 || got[0] != "Dockerfile" {
		t.Errorf("under the working directory: headers %q", got)
	}
	wantFile(t, "repo/work/Dockerfile", rootFixed)

	// Outside it, in a git repository: relative and absolute forms.
	for i, arg := range []string{"../repo/svc/api/Dockerfile", filepath.Join(root, "repo/svc/api/Dockerfile")} {
		out, code := sh(t, filepath.Join(root, "cwd"), `"$HARDEN" fix "`+arg+`" > ../repo.diff 2> ../err`)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", arg, code, out)
		}
		if got := names(readFile(t, "repo.diff")); len(got) != 2 || got[0] != "svc/api/Dockerfile" || got[1] != "svc/api/Dockerfile" {
			t.Errorf("%s: headers %q, want svc/api/Dockerfile", arg, got)
		}
		if e := readFile(t, "err"); !strings.Contains(e, "relative to the top of its git repository") || !strings.Contains(e, filepath.Join(root, "repo")) {
			t.Errorf("%s: stderr %q", arg, e)
		}
		if i == 0 {
			if out, code := shell(t, filepath.Join(root, "repo"), `git apply --check ../repo.diff && git apply ../repo.diff`); code != 0 {
				t.Fatalf("git apply from the top of the repository: %s", out)
			}
			wantFile(t, "repo/svc/api/Dockerfile", rootFixed)
			if out, code := shell(t, filepath.Join(root, "repo"), `git checkout -q -- svc`); code != 0 {
				t.Fatal(out)
			}
		}
	}

	// Outside it and outside any repository.
	out, code = sh(t, filepath.Join(root, "cwd"), `"$HARDEN" fix ../plain/Dockerfile > ../plain.diff 2> ../err`)
	if code != 0 {
		t.Fatalf("outside any repository: exit %d\n%s", code, out)
	}
	want := strings.TrimPrefix(filepath.ToSlash(filepath.Join(root, "plain/Dockerfile")), "/")
	if got := names(readFile(t, "plain.diff")); len(got) != 2 || got[0] != want {
		t.Errorf("outside any repository: headers %q, want %q", got, want)
	}
	if e := readFile(t, "err"); !strings.Contains(e, "git apply cannot apply it from here") || !strings.Contains(e, "patch -p1 -d /") {
		t.Errorf("outside any repository: stderr %q", e)
	}
	if out, code := shell(t, root, `patch -p1 -d / < plain.diff`); code != 0 {
		t.Fatalf("patch -p1 -d /: %s", out)
	}
	wantFile(t, "plain/Dockerfile", rootFixed)
	for _, d := range []string{"under.diff", "repo.diff", "plain.diff"} {
		if s := readFile(t, d); strings.Contains(s, "/../") || strings.Contains(s, " a//") || strings.Contains(s, " a/..") {
			t.Errorf("%s names a path outside the tree:\n%s", d, s)
		}
	}
}

// TestBinaryReadOnly: -w refuses a file whose mode has no write bit (root
// included), exits 2 and still writes the others; -w with "-" is refused.
func TestBinaryReadOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"a/Dockerfile": rootDockerfile, "b/Dockerfile": rootDockerfile, "c/Dockerfile": rootDockerfile})
	if err := os.Chmod("b/Dockerfile", 0o444); err != nil {
		t.Fatal(err)
	}
	age(t, "b/Dockerfile")
	out, code := sh(t, dir, `"$HARDEN" fix -w .`)
	if code != 2 {
		t.Errorf("exit %d, want 2\n%s", code, out)
	}
	if want := "fixed a/Dockerfile: 1 fix\nb/Dockerfile: read-only file, not written\nfixed c/Dockerfile: 1 fix\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	wantFile(t, "a/Dockerfile", rootFixed)
	wantFile(t, "c/Dockerfile", rootFixed)
	wantUntouched(t, "b/Dockerfile", rootDockerfile)
	if st, _ := os.Stat("b/Dockerfile"); st.Mode().Perm() != 0o444 {
		t.Errorf("mode %v", st.Mode())
	}
	noTempFiles(t, dir)

	out, code = sh(t, dir, `"$HARDEN" fix -w - < a/Dockerfile`)
	if code != 2 || !strings.Contains(out, `-w has nothing to write with "-"`) {
		t.Errorf("fix -w -: exit %d\n%s", code, out)
	}
}

// TestReadOnlyLock: the lock file output of -w is refused the same way.
func TestReadOnlyLock(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"a/Dockerfile": dirtyDockerfile, "deps.lock": "{}\n"})
	if err := os.Chmod("deps.lock", 0o444); err != nil {
		t.Fatal(err)
	}
	r := hardenEnv(t, &env{fixes: fakeFixes, outputs: lockOutputs("deps.lock", []byte("{}\n"), []byte("{\"x\": 1}\n"), nil)}, "fix", "-w")
	wantCode(t, r, 2)
	if r.stderr != "fixed a/Dockerfile: 1 fix\ndeps.lock: read-only file, not written\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	wantFile(t, "deps.lock", "{}\n")
	wantFile(t, "a/Dockerfile", dirtyFixed)
}

// TestBinaryArguments: extra arguments are refused everywhere.
func TestBinaryArguments(t *testing.T) {
	dir := inTempDir(t)
	for _, script := range []string{`"$HARDEN" version extra`, `"$HARDEN" --version extra`, `"$HARDEN" help fix extra`, `"$HARDEN" --help extra`, `"$HARDEN" rules non-root-user nope`} {
		out, code := sh(t, dir, script)
		if code != 2 || !strings.Contains(out, "extra") && !strings.Contains(out, "nope") {
			t.Errorf("%s: exit %d, want 2 and the argument named\n%s", script, code, out)
		}
	}
}

// TestBinaryMaxSize: a file over the limit (1 MiB, or --max-size) is
// refused unread with its name and size, even binary junk that would not
// parse; the others are still processed; standard input too.
func TestBinaryMaxSize(t *testing.T) {
	dir := inTempDir(t)
	big := strings.Repeat("\x00\xff junk\n", (1<<20)/7+1)
	justRight := "FROM debian\n" + strings.Repeat("# pad\n", (1<<20-len("FROM debian\nEXPOSE 8080\nCMD [\"x\"]\n"))/6) + "EXPOSE 8080\nCMD [\"x\"]\n"
	justRight += strings.Repeat("\n", 1<<20-len(justRight))
	writeTree(t, dir, map[string]string{"big/Dockerfile": big, "ok/Dockerfile": justRight, "small/Dockerfile": rootDockerfile})
	out, code := sh(t, dir, `"$HARDEN" fix -l . 2>err`)
	if code != 2 || out != "ok/Dockerfile\nsmall/Dockerfile\n" {
		t.Errorf("fix -l .: exit %d\n%s", code, out)
	}
	want := "big/Dockerfile: file too large (" + runner.FormatSize(int64(len(big))) + "; the limit is 1MiB, raise it with --max-size), not read\n"
	wantFile(t, "err", want)
	if out, code := sh(t, dir, `"$HARDEN" check big 2>&1`); code != 2 || out != want {
		t.Errorf("check big: exit %d\n%q\nwant %q", code, out, want)
	}
	out, code = sh(t, dir, `"$HARDEN" fix --max-size 2MiB -l . 2>&1`)
	if code != 2 || !strings.HasPrefix(out, "big/Dockerfile:") || strings.Contains(out, "too large") {
		t.Errorf("--max-size 2MiB: the big file is read (and fails to parse): exit %d\n%s", code, out)
	}
	out, code = sh(t, dir, `"$HARDEN" fix - < big/Dockerfile`)
	if code != 2 || out != "<stdin>: file too large (over 1MiB; the limit is 1MiB, raise it with --max-size), not read\n" {
		t.Errorf("fix - < big: exit %d\n%q", code, out)
	}
	for _, bad := range []string{"0", "1XB", "-5", "2TiB", "lots"} {
		if out, code := sh(t, dir, `"$HARDEN" fix --max-size `+bad+` .`); code != 2 || !strings.Contains(out, "not a size") {
			t.Errorf("--max-size %s: exit %d\n%s", bad, code, out)
		}
	}
}

// TestBinaryCheckReason: check's text says why a finding is not fixed, as
// its JSON does: a generated file is never edited.
func TestBinaryCheckReason(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": "# Code generated by gen. DO NOT EDIT.\n" + rootDockerfile})
	out, code := sh(t, dir, `"$HARDEN" check --select non-root-user`)
	if code != 1 || !strings.HasSuffix(out, " [fix: none: generated file (its header says DO NOT EDIT): change its generator]\n") ||
		!strings.HasPrefix(out, "Dockerfile:") || len(lines(out)) != 1 {
		t.Errorf("check: exit %d\n%s", code, out)
	}
}

// TestBinaryUnprintableNames: a file name with control characters is
// escaped in every message, never printed raw to a terminal.
func TestBinaryUnprintableNames(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no such names on Windows")
	}
	dir := inTempDir(t)
	name := "e\x1b[31mvil\x07"
	writeTree(t, dir, map[string]string{name + "/Dockerfile": badDockerfile, "bell\x07/Dockerfile": rootDockerfile, "ro\r/Dockerfile": rootDockerfile})
	if err := os.Chmod("ro\r/Dockerfile", 0o444); err != nil {
		t.Fatal(err)
	}
	out, code := sh(t, dir, `"$HARDEN" fix -w . 2>&1 >/dev/null`)
	if code != 2 || strings.ContainsAny(out, "\x1b\x07\r") ||
		!strings.Contains(out, `e\x1b[31mvil\a/Dockerfile:2: `) || !strings.Contains(out, `fixed bell\a/Dockerfile`) || !strings.Contains(out, `ro\r/Dockerfile: read-only`) {
		t.Errorf("exit %d, messages %q", code, out)
	}
}

// TestBinaryModuleVersion: `go install …@VERSION` gives a binary whose
// `harden version` is VERSION, read from the build information (no
// -ldflags). The module is served from a file:// proxy holding this
// checkout at v1.2.3, its dependencies from the local module cache; no
// network.
func TestBinaryModuleVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds harden again in module mode")
	}
	needTool(t, "git")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	top := filepath.Join(pkgDir, "..", "..")
	cache, err := exec.Command(goTool, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy", "github.com", "harden-dev", "harden", "@v")
	if err := os.MkdirAll(proxy, 0o755); err != nil {
		t.Fatal(err)
	}
	const v = "v1.2.3"
	// The module zip: the files git tracks, as they are in this checkout,
	// without nested modules (as the go command zips a module).
	needTool(t, "zip")
	stage := filepath.Join(tmp, "stage", "github.com", "harden-dev", "harden@"+v)
	if out, code := shell(t, top, `mkdir -p "$STAGE" && git ls-files -z | xargs -0 cp --parents -t "$STAGE" &&
		find "$STAGE" -mindepth 2 -name go.mod -printf '%h\0' | xargs -0 rm -rf && cd "$STAGE/../../.." && zip -q -r -X "$ZIP" "github.com/harden-dev/harden@`+v+`"`,
		"STAGE="+stage, "ZIP="+filepath.Join(proxy, v+".zip")); code != 0 {
		t.Fatalf("module zip: %s", out)
	}
	mod, err := os.ReadFile(filepath.Join(top, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, proxy, map[string]string{v + ".mod": string(mod), v + ".info": `{"Version":"` + v + `","Time":"2026-01-01T00:00:00Z"}`, "list": v + "\n"})
	cmd := exec.Command(goTool, "install", "github.com/harden-dev/harden/cmd/harden@"+v)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(),
		"GOBIN="+filepath.Join(tmp, "bin"), "GOMODCACHE="+filepath.Join(tmp, "modcache"),
		"GOPROXY=file://"+filepath.Join(tmp, "proxy")+",file://"+filepath.Join(strings.TrimSpace(string(cache)), "cache", "download")+",off",
		"GOSUMDB=off", "GOFLAGS=-modcacherw -trimpath", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(tmp, "bin", "harden"), "version").CombinedOutput()
	if err != nil || string(out) != "harden "+v+"\n" {
		t.Errorf("harden version = %q (%v), want %q", out, err, "harden "+v+"\n")
	}
}

// TestMakeTestCorpusNote: `make test` without the corpus says in one line
// that the corpus tests were skipped and how to run them.
func TestMakeTestCorpusNote(t *testing.T) {
	needTool(t, "make")
	top := filepath.Join(pkgDir, "..", "..")
	cmd := exec.Command("make", "-s", "test", "GO=true", "CORPUS="+filepath.Join(t.TempDir(), "none"))
	cmd.Dir = top
	cmd.Env = append(os.Environ(), "HARDEN_CORPUS=")
	out, err := cmd.CombinedOutput()
	if err != nil || len(lines(string(out))) != 1 || !strings.Contains(string(out), "corpus tests skipped") || !strings.Contains(string(out), "HARDEN_CORPUS=DIR make test") {
		t.Errorf("make test without a corpus: %v\n%s", err, out)
	}
	cmd = exec.Command("make", "-s", "test", "GO=true", "CORPUS="+t.TempDir())
	cmd.Dir = top
	cmd.Env = append(os.Environ(), "HARDEN_CORPUS="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("make test with HARDEN_CORPUS set: %v\n%s", err, out)
	}
}
