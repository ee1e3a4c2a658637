package main

// Tests of the real harden binary: what a shell sees (exit statuses,
// pipes), and that its diffs apply with git apply and patch -p1.

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// applyCases are files whose diffs must apply: LF, CRLF, no final newline,
// a heredoc, a multi-stage build, a subdirectory, and a file that needs
// nothing.
var applyCases = map[string]string{
	"Dockerfile":             rootDockerfile,
	"svc/api/Dockerfile":     "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app\n\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\nEXPOSE 8080\nENTRYPOINT [\"/app\"]\n",
	"web/crlf.Dockerfile":    "FROM debian:bookworm\r\nRUN apt-get update\r\nCMD [\"x\"]\r\n",
	"tools/Containerfile":    "FROM alpine:3.20\nENTRYPOINT [\"curl\"]\nRUN apk add --no-cache curl",
	"heredoc/Dockerfile":     "# syntax=docker/dockerfile:1\nFROM ubuntu:24.04\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nCMD [\"/usr/local/bin/app\"]\n",
	"ok/Dockerfile":          nonRootDockerfile,
	"ok/gosu.Dockerfile":     gosuDockerfile,
	"docs/Dockerfile.sample": "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n",
}

// fixedContents returns what harden makes of each file, via standard input.
func fixedContents(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, content := range files {
		r := hardenStdin(t, content, "fix", "-")
		wantCode(t, r, 0)
		out[name] = r.stdout
	}
	return out
}

// TestGitApply: `harden fix . | git apply` in a real git repository
// reproduces exactly what `harden fix -w` writes.
func TestGitApply(t *testing.T) {
	needTool(t, "git")
	dir := inTempDir(t)
	writeTree(t, dir, applyCases)
	want := fixedContents(t, applyCases)

	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), gitEnv(t)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	git("init", "-q", ".")
	git("config", "core.autocrlf", "false")
	git("add", "-A")
	git("commit", "-q", "-m", "initial")

	out, code := sh(t, dir, `"$HARDEN" fix . > ../harden.diff; echo "harden exit $?"; "$HARDEN" fix . | git apply --check -v && "$HARDEN" fix . | git apply`)
	if code != 0 {
		t.Fatalf("harden fix . | git apply failed (%d):\n%s", code, out)
	}
	if !strings.Contains(out, "harden exit 0") {
		t.Errorf("harden fix . exited non-zero:\n%s", out)
	}
	for name, content := range want {
		wantFile(t, name, content)
	}
	changed := strings.Fields(git("diff", "--name-only"))
	if len(changed) != 6 {
		t.Errorf("git apply changed %d files, want 6: %v", len(changed), changed)
	}

	// Fixed: nothing more to do, and the repository's own diff round-trips.
	if out, code := sh(t, dir, `"$HARDEN" fix --check .`); code != 0 || out != "" {
		t.Errorf("harden fix --check after applying: exit %d\n%s", code, out)
	}
	git("stash", "-q")
	git("apply", "--check", filepath.Join("..", "harden.diff"))
	git("apply", "--index", filepath.Join("..", "harden.diff"))
	for name, content := range want {
		wantFile(t, name, content)
	}
}

// TestPatchApply: the diff applies with `patch -p1` from the working
// directory and gives exactly the fixed files.
func TestPatchApply(t *testing.T) {
	needTool(t, "patch")
	dir := inTempDir(t)
	writeTree(t, dir, applyCases)
	want := fixedContents(t, applyCases)
	out, code := sh(t, dir, `"$HARDEN" fix . > ../harden.diff && patch -p1 --dry-run < ../harden.diff && patch -p1 --binary < ../harden.diff`)
	if code != 0 {
		t.Fatalf("patch -p1 failed (%d):\n%s", code, out)
	}
	for name, content := range want {
		wantFile(t, name, content)
	}
	if out, code := sh(t, dir, `"$HARDEN" fix .`); code != 0 || out != "" {
		t.Errorf("harden fix after patch: exit %d\n%s", code, out)
	}
	noLeftovers(t, dir)
}

// TestApplyUnusualPaths: paths with a space, quotes, a backslash, a tab or
// non-ASCII letters still give diffs that git apply and patch -p1 accept
// (git ends a name with a space by a tab, and C-quotes special ones).
func TestApplyUnusualPaths(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("these names are not valid on Windows")
	}
	for _, name := range []string{"my app", `say "hi"`, "back\\slash", "tab\there", "ünï cödé"} {
		for _, tool := range []struct{ name, script string }{
			{"git", `git init -q . && "$HARDEN" fix . | git apply`},
			{"patch", `"$HARDEN" fix . > ../p.diff && patch -p1 < ../p.diff`},
		} {
			t.Run(tool.name+"/"+name, func(t *testing.T) {
				needTool(t, tool.name)
				dir := inTempDir(t)
				file := name + "/Dockerfile"
				writeTree(t, dir, map[string]string{file: rootDockerfile})
				out, code := sh(t, dir, tool.script)
				if code != 0 {
					t.Fatalf("%s failed (%d) on the diff of %q:\n%s", tool.name, code, file, out)
				}
				wantFile(t, file, rootFixed)
				if r := harden(t, "fix", "-l"); r.stdout != "" {
					t.Errorf("still pending after %s: %q", tool.name, r.stdout)
				}
			})
		}
	}
}

// noLeftovers fails on .orig/.rej files patch leaves after a bad hunk.
func noLeftovers(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(p, ".orig") || strings.HasSuffix(p, ".rej")) {
			t.Errorf("patch left %s", p)
		}
		return nil
	})
}

// TestShellExitCodes: the exit statuses a shell (or CI) sees.
func TestShellExitCodes(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"dirty/Dockerfile": rootDockerfile,
		"clean/Dockerfile": nonRootDockerfile,
		"bad/Dockerfile":   badDockerfile,
		"gosu/Dockerfile":  gosuDockerfile,
	})
	for _, tc := range []struct {
		script string
		code   int
	}{
		{`"$HARDEN" fix clean`, 0},
		{`"$HARDEN" fix dirty`, 0},
		{`"$HARDEN" fix --check clean`, 0},
		{`"$HARDEN" fix --check dirty`, 1},
		{`"$HARDEN" fix --check -l dirty`, 1},
		{`"$HARDEN" fix --check dirty clean gosu`, 1},
		{`"$HARDEN" fix bad`, 2},
		{`"$HARDEN" fix --check bad dirty`, 2},
		{`"$HARDEN" fix missing`, 2},
		{`"$HARDEN" check clean`, 0},
		{`"$HARDEN" check dirty`, 1},
		{`"$HARDEN" check gosu`, 1},
		{`"$HARDEN" check bad`, 2},
		{`"$HARDEN" check --format sarif dirty`, 1},
		{`"$HARDEN" fix --check - < dirty/Dockerfile`, 1},
		{`"$HARDEN" fix --check - < clean/Dockerfile`, 0},
		{`"$HARDEN" fix - < bad/Dockerfile`, 2},
		{`"$HARDEN" fix --ignore ALL --check dirty`, 0},
		{`"$HARDEN" fix --select nope dirty`, 2},
		{`"$HARDEN" rules`, 0},
		{`"$HARDEN" rules nope`, 2},
		{`"$HARDEN" --help`, 0},
		{`"$HARDEN" fix --help`, 0},
		{`"$HARDEN" bogus`, 2},
		{`"$HARDEN" fix --bogus`, 2},
		{`"$HARDEN"`, 2},
		{`"$HARDEN" fix --check dirty || echo "would change"`, 0},
	} {
		out, code := sh(t, dir, tc.script)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.script, code, tc.code, out)
		}
	}
	wantFile(t, "dirty/Dockerfile", rootDockerfile)
	wantFile(t, "bad/Dockerfile", badDockerfile)
}

// TestShellStdin: `harden fix - < in > out` writes the patched file; a
// parse error writes the input back so the pipe loses nothing.
func TestShellStdin(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": rootDockerfile, "bad": badDockerfile})
	if out, code := sh(t, dir, `"$HARDEN" fix - < Dockerfile > fixed`); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	wantFile(t, "fixed", rootFixed)
	out, code := sh(t, dir, `"$HARDEN" fix - < bad > out 2> err`)
	if code != 2 {
		t.Errorf("exit %d, want 2\n%s", code, out)
	}
	wantFile(t, "out", badDockerfile)
	if e := readFile(t, "err"); !strings.HasPrefix(e, "<stdin>:2: ") {
		t.Errorf("stderr %q", e)
	}
	// Idempotent through a pipe.
	if out, code := sh(t, dir, `"$HARDEN" fix - < Dockerfile | "$HARDEN" fix - | cmp - fixed`); code != 0 {
		t.Errorf("fix | fix differs from fix:\n%s", out)
	}
}

// TestBinaryVersion: the version set with -ldflags -X main.version is what
// harden version prints.
func TestBinaryVersion(t *testing.T) {
	dir := inTempDir(t)
	for _, args := range []string{"version", "--version"} {
		out, code := sh(t, dir, `"$HARDEN" `+args)
		if code != 0 || out != "harden "+binVersion+"\n" {
			t.Errorf("harden %s = %q (exit %d), want %q", args, out, code, "harden "+binVersion+"\n")
		}
	}
	// --format json carries the version too.
	writeTree(t, dir, map[string]string{"Dockerfile": nonRootDockerfile})
	out, _ := sh(t, dir, `"$HARDEN" fix --format json`)
	if !strings.Contains(out, `"version": "`+binVersion+`"`) {
		t.Errorf("JSON lacks the version:\n%s", out)
	}
}
