package main

// The diffs harden prints apply with git apply and patch -p1 and give
// exactly what harden fix -w and harden fix - produce.

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
	"Dockerfile":             dirtyDockerfile,
	"svc/api/Dockerfile":     "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app\n\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\nEXPOSE 8080\nENTRYPOINT [\"/app\"]\n",
	"web/crlf.Dockerfile":    "FROM debian:bookworm\r\nRUN apt-get update\r\nCMD [\"x\"]\r\n",
	"tools/Containerfile":    "FROM alpine:3.20\nENTRYPOINT [\"curl\"]\nRUN apk add --no-cache curl",
	"heredoc/Dockerfile":     "# syntax=docker/dockerfile:1\nFROM ubuntu:24.04\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n",
	"net/Dockerfile":         netDockerfile,
	"ok/Dockerfile":          cleanDockerfile,
	"ok/sudo.Dockerfile":     sudoDockerfile,
	"docs/Dockerfile.sample": "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n",
}

// applyChanged is how many of applyCases change.
const applyChanged = 7

// writeDiff writes what harden fix prints in the working directory to
// ../NAME, and checks it exits 0.
func writeDiff(t *testing.T, name string, args ...string) {
	t.Helper()
	r := harden(t, append([]string{"fix"}, args...)...)
	wantCode(t, r, 0)
	if err := os.WriteFile(filepath.Join("..", name), []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
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

	writeDiff(t, "harden.diff", ".")
	out, code := shell(t, dir, `git apply --check -v ../harden.diff && git apply ../harden.diff`)
	if code != 0 {
		t.Fatalf("git apply failed (%d):\n%s", code, out)
	}
	for name, content := range want {
		wantFile(t, name, content)
	}
	changed := strings.Fields(git("diff", "--name-only"))
	if len(changed) != applyChanged {
		t.Errorf("git apply changed %d files, want %d: %v", len(changed), applyChanged, changed)
	}

	// Fixed: nothing more to do, and the repository's own diff round-trips.
	if r := harden(t, "fix", "--check", "."); r.code != 0 || r.stdout != "" {
		t.Errorf("harden fix --check after applying: %v", r)
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
	writeDiff(t, "harden.diff", ".")
	out, code := shell(t, dir, `patch -p1 --dry-run < ../harden.diff && patch -p1 --binary < ../harden.diff`)
	if code != 0 {
		t.Fatalf("patch -p1 failed (%d):\n%s", code, out)
	}
	for name, content := range want {
		wantFile(t, name, content)
	}
	if r := harden(t, "fix", "."); r.code != 0 || r.stdout != "" {
		t.Errorf("harden fix after patch: %v", r)
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
			{"git", `git init -q . && git apply ../p.diff`},
			{"patch", `patch -p1 < ../p.diff`},
		} {
			t.Run(tool.name+"/"+name, func(t *testing.T) {
				needTool(t, tool.name)
				dir := inTempDir(t)
				file := name + "/Dockerfile"
				writeTree(t, dir, map[string]string{file: dirtyDockerfile})
				writeDiff(t, "p.diff", ".")
				out, code := shell(t, dir, tool.script)
				if code != 0 {
					t.Fatalf("%s failed (%d) on the diff of %q:\n%s", tool.name, code, file, out)
				}
				wantFile(t, file, dirtyFixed)
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
