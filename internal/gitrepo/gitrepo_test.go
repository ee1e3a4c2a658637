package gitrepo

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func testRepo(t *testing.T) *Repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	r := &Repo{Root: dir, Env: []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull, "HOME=" + dir,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}}
	ctx := context.Background()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"remote", "add", "origin", "https://git.example/acme/web.git"}} {
		if _, err := r.git(ctx, nil, args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(dir+"/Dockerfile", []byte("FROM x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/run.sh", []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"add", "-A"}, {"commit", "-qm", "init"}} {
		if _, err := r.git(ctx, nil, args...); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// Commit builds on the parent through a temporary index, keeps modes, and
// is deterministic; the working tree, index and branch are untouched.
func TestCommit(t *testing.T) {
	ctx := context.Background()
	r := testRepo(t)
	head, branch, err := r.Head(ctx)
	if err != nil || branch != "main" {
		t.Fatal(head, branch, err)
	}
	changes := []Change{{Path: "Dockerfile", Content: []byte("FROM x\nUSER 1\n")}, {Path: "run.sh", Content: []byte("#!/bin/sh\nexit 0\n")}, {Path: "new/lock.json", Content: []byte("{}\n")}}
	c1, err := r.Commit(ctx, head, changes, "msg\n", Identity{Name: "bot", Email: "bot@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := r.Commit(ctx, head, changes, "msg\n", Identity{Name: "bot", Email: "bot@example.com"})
	if c1 != c2 {
		t.Errorf("not deterministic: %s %s", c1, c2)
	}
	out, _ := r.git(ctx, nil, "ls-tree", "-r", c1)
	for _, want := range []string{"100644 blob", "100755 blob"} {
		if !strings.Contains(out, want) {
			t.Errorf("tree lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "new/lock.json") {
		t.Errorf("new file missing:\n%s", out)
	}
	if out, _ := r.git(ctx, nil, "log", "-1", "--format=%an <%ae> %P", c1); strings.TrimSpace(out) != "bot <bot@example.com> "+head {
		t.Errorf("author and parent: %q", out)
	}
	if out, _ := r.git(ctx, nil, "status", "--porcelain"); out != "" {
		t.Errorf("working tree or index changed: %q", out)
	}
	if now, _, _ := r.Head(ctx); now != head {
		t.Errorf("HEAD moved")
	}
}

// The token reaches git as one basic Authorization header in the
// environment, replacing an extraheader such as actions/checkout's; it is
// kept out of errors.
func TestAuthEnvAndHiddenToken(t *testing.T) {
	ctx := context.Background()
	r := testRepo(t)
	env := r.authEnv(ctx, "origin", "x-access-token", "tok123")
	joined := strings.Join(env, "\n")
	want := "GIT_CONFIG_KEY_1=http.https://git.example/.extraheader\nGIT_CONFIG_VALUE_1=Authorization: basic " +
		base64.StdEncoding.EncodeToString([]byte("x-access-token:tok123"))
	if !strings.Contains(joined, "GIT_CONFIG_COUNT=2") || !strings.Contains(joined, "GIT_CONFIG_VALUE_0=\n") || !strings.Contains(joined, want) {
		t.Errorf("env:\n%s", joined)
	}
	if env := r.authEnv(ctx, "/srv/git/web.git", "u", "tok123"); len(env) != 1 {
		t.Errorf("a path remote gets no header: %v", env)
	}
	err := hideToken(&Error{Args: []string{"push"}, Stderr: "fatal: https://u:tok123@git.example denied", Err: errors.New("exit 128")}, "tok123")
	if strings.Contains(err.Error(), "tok123") {
		t.Errorf("token in %v", err)
	}
}
