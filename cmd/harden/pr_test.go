package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harden-dev/harden/internal/forge/forgetest"
)

const prDockerfile = "FROM debian:bookworm-slim\nCOPY app /app\nEXPOSE 8080\nCMD [\"/app\"]\n"

// prApp is the compiled program prDockerfile copies from its build
// context: non-root-user reads the context, and edits by default only
// when what the image starts is there.
const prApp = "\x7fELF\x02\x01\x01\x00 a compiled program"

// prRepo makes a git checkout of branch main in the working directory
// with a bare repository as its origin, and returns the bare repository.
func prRepo(t *testing.T, files map[string]string) (dir, bare string) {
	t.Helper()
	needTool(t, "git")
	dir = inTempDir(t)
	for _, kv := range gitEnv(t) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	bare = t.TempDir()
	if out, code := shell(t, bare, "git init -q --bare"); code != 0 {
		t.Fatal(out)
	}
	writeTree(t, dir, files)
	if out, code := shell(t, dir, "git init -q -b main && git add -A && git commit -qm init && git remote add origin "+bare+" && git push -q origin main"); code != 0 {
		t.Fatal(out)
	}
	return dir, bare
}

func git(t *testing.T, dir, script string) string {
	t.Helper()
	out, code := shell(t, dir, script)
	if code != 0 {
		t.Fatalf("%s: %s", script, out)
	}
	return strings.TrimSpace(out)
}

func TestPROpensUpdatesAndStops(t *testing.T) {
	dir, bare := prRepo(t, map[string]string{
		"Dockerfile":          prDockerfile,
		"app":                 prApp,
		"svc/api.Dockerfile":  prDockerfile,
		"svc/app":             prApp,
		"README.md":           "FROM debian\n",
		"vendor/x/Dockerfile": prDockerfile, // never searched
	})
	const token = "tok-3f9a1c"
	t.Setenv("GITHUB_TOKEN", token)
	t.Setenv("GITEA_TOKEN", "")
	srv := forgetest.New(t, "acme", "web", token, "/api/v3")
	args := []string{"pr", "--offline", "--repo", "acme/web", "--github-api-url", srv.APIURL()}
	pr := func() hardenResult {
		t.Helper()
		r := hardenEnv(t, &env{images: &fakeRegistry{}}, args...)
		if strings.Contains(r.stdout+r.stderr, token) {
			t.Fatalf("the token was printed:\n%v", r)
		}
		return r
	}
	main := git(t, dir, "git rev-parse HEAD")

	r := pr()
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "opened pull request #1: https://github.example/acme/web/pull/1") {
		t.Fatalf("not opened:\n%v", r)
	}
	// The branch: one commit on main with both Dockerfiles fixed.
	if got := git(t, bare, "git rev-parse harden/fixes^"); got != main {
		t.Errorf("parent %s, want main %s", got, main)
	}
	files := git(t, bare, "git diff --name-only main harden/fixes")
	if files != "Dockerfile\nsvc/api.Dockerfile" {
		t.Errorf("changed files %q", files)
	}
	if got := git(t, bare, "git show harden/fixes:Dockerfile"); !strings.Contains(got, "USER 10001:10001") {
		t.Errorf("branch Dockerfile:\n%s", got)
	}
	msg := git(t, bare, "git log -1 --format=%B harden/fixes")
	if !strings.HasPrefix(msg, "harden: non-root-user in 2 Dockerfiles\n\n- Dockerfile:1: non-root-user: Create user app") {
		t.Errorf("commit message:\n%s", msg)
	}
	// The checkout is untouched: same branch, clean tree, index and files.
	if got := git(t, dir, "git status --porcelain && git symbolic-ref --short HEAD"); got != "main" {
		t.Errorf("checkout changed: %q", got)
	}
	wantFile(t, "Dockerfile", prDockerfile)
	p := srv.PRs[0]
	if p.Head != "harden/fixes" || p.Base != "main" || p.Title != "harden: non-root-user in 2 Dockerfiles" {
		t.Errorf("pull request %+v", p)
	}
	for _, want := range []string{"| `svc/api.Dockerfile` | 1 | `non-root-user` |", "### What to check before merging", "now runs as `10001:10001`",
		"<summary>Full diff</summary>", "+USER 10001:10001"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, p.Body)
		}
	}

	// Again: the same commit, so nothing pushed; the one pull request is
	// refreshed, not duplicated.
	srv.PRs[0].Title = "edited by hand"
	r = pr()
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "harden/fixes is up to date") || !strings.Contains(r.stdout, "updated pull request #1") {
		t.Fatalf("second run:\n%v", r)
	}
	if len(srv.PRs) != 1 || srv.PRs[0].Title != "harden: non-root-user in 2 Dockerfiles" || len(srv.PRs[0].Comments) != 0 {
		t.Errorf("after the second run: %+v", srv.PRs)
	}

	// main moves on: the branch is rebuilt on it, force-pushed, and the
	// pull request updated with a comment.
	writeTree(t, dir, map[string]string{"worker/Containerfile": prDockerfile, "worker/app": prApp})
	git(t, dir, "git add -A && git commit -qm worker && git push -q origin main")
	r = pr()
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "pushed ") || !strings.Contains(r.stdout, "updated pull request #1") {
		t.Fatalf("third run:\n%v", r)
	}
	if got := git(t, bare, "git diff --name-only main harden/fixes | wc -l"); got != "3" {
		t.Errorf("files on the branch: %s", got)
	}
	if len(srv.PRs) != 1 || len(srv.PRs[0].Comments) != 1 || !strings.Contains(srv.PRs[0].Title, "in 3 Dockerfiles") {
		t.Errorf("after the third run: %+v", srv.PRs[0])
	}

	// Nothing left to fix: no push, no call to the forge.
	git(t, dir, "git fetch -q origin harden/fixes")
	for _, f := range []string{"Dockerfile", "svc/api.Dockerfile", "worker/Containerfile"} {
		git(t, dir, "git show FETCH_HEAD:"+f+" > "+f)
	}
	git(t, dir, "git commit -qam fixed")
	before := git(t, bare, "git rev-parse harden/fixes")
	calls := len(srv.CallsMade())
	r = pr()
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "nothing to fix in 3 Dockerfiles: nothing pushed") {
		t.Errorf("nothing to fix:\n%v", r)
	}
	if len(srv.CallsMade()) != calls || git(t, bare, "git rev-parse harden/fixes") != before {
		t.Errorf("a run with nothing to fix called the forge or pushed: %v", srv.CallsMade()[calls:])
	}
}

func TestPRDryRunAndRefusals(t *testing.T) {
	dir, bare := prRepo(t, map[string]string{"Dockerfile": prDockerfile, "app": prApp})
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GITEA_TOKEN", "")
	r := hardenEnv(t, &env{images: &fakeRegistry{}}, "pr", "--offline", "--dry-run", "--branch", "bot/x")
	wantCode(t, r, 0)
	for _, want := range []string{"branch: bot/x\nbase: main\n", "--- commit message:\nharden: non-root-user in 1 Dockerfile\n",
		"--- pull request body:\n## harden", "+USER 10001:10001"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%v", want, r)
		}
	}
	if got := git(t, bare, "git branch --list"); strings.Contains(got, "bot/x") {
		t.Errorf("dry run pushed: %s", got)
	}
	// Without a token (and not a dry run): an error before any commit.
	r = hardenEnv(t, &env{images: &fakeRegistry{}}, "pr", "--offline", "--repo", "a/b")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "no token: set GITHUB_TOKEN") {
		t.Errorf("no token:\n%v", r)
	}
	// A Dockerfile changed since HEAD: refused.
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(prDockerfile+"# wip\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = hardenEnv(t, &env{images: &fakeRegistry{}}, "pr", "--offline", "--dry-run")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "Dockerfile has uncommitted changes") {
		t.Errorf("dirty:\n%v", r)
	}
	r = hardenEnv(t, &env{images: &fakeRegistry{}}, "pr", "--forge", "gitlab")
	wantCode(t, r, 2)
}
