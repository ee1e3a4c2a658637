//go:build e2e

package e2e

// harden pr against a real forge: Gitea, built once from the Go module
// proxy by e2e/forge/build-gitea.sh into $HARDEN_E2E_CACHE/gitea (make e2e
// does it), started here on 127.0.0.1 with SQLite in a temporary directory.
//
//	go test -tags e2e ./e2e -v -count=1 -run TestForgeGitea
//
// HARDEN_E2E_GITEA names another Gitea directory (holding gitea and src/).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type gitea struct {
	t               *testing.T
	bin, dir, url   string
	token, password string
	env             []string
}

func startGitea(t *testing.T) *gitea {
	t.Helper()
	dir := os.Getenv("HARDEN_E2E_GITEA")
	if dir == "" {
		cache := os.Getenv("HARDEN_E2E_CACHE")
		if cache == "" {
			cache = "/var/cache/harden-e2e"
		}
		dir = filepath.Join(cache, "gitea")
	}
	bin := filepath.Join(dir, "gitea")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no Gitea at %s: build it with `bash e2e/forge/build-gitea.sh %s` (make e2e does)", bin, dir)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	work := t.TempDir()
	g := &gitea{t: t, bin: bin, dir: work, url: fmt.Sprintf("http://127.0.0.1:%d", port), password: "harden-e2e-Passw0rd"}
	ini := fmt.Sprintf(`APP_NAME = harden-e2e
RUN_MODE = prod
WORK_PATH = %[1]s

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = %[2]d
ROOT_URL = %[3]s/
DISABLE_SSH = true
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = %[4]s
APP_DATA_PATH = %[1]s/data

[database]
DB_TYPE = sqlite3
PATH = %[1]s/gitea.db

[repository]
ROOT = %[1]s/repos

[security]
INSTALL_LOCK = true

[service]
DISABLE_REGISTRATION = true

[mailer]
ENABLED = false

[actions]
ENABLED = false

[log]
MODE = file
LEVEL = Warn
ROOT_PATH = %[1]s/log
`, work, port, g.url, filepath.Join(dir, "src"))
	if err := os.MkdirAll(filepath.Join(work, "custom", "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(work, "custom", "conf", "app.ini")
	if err := os.WriteFile(conf, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	g.env = append(os.Environ(), "GITEA_WORK_DIR="+work, "GITEA_CUSTOM="+filepath.Join(work, "custom"),
		"GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true", "HOME="+work, "USER=root")
	g.gitea("--config", conf, "migrate")
	g.gitea("--config", conf, "admin", "user", "create", "--username", "bot", "--password", g.password,
		"--email", "bot@example.com", "--admin", "--must-change-password=false")
	// --raw prints the token alone on the last line (warnings about root
	// may come before it).
	out := strings.Fields(g.gitea("--config", conf, "admin", "user", "generate-access-token",
		"--username", "bot", "--token-name", "harden", "--scopes", "all", "--raw"))
	if len(out) == 0 {
		t.Fatal("gitea printed no token")
	}
	g.token = out[len(out)-1]

	ctx, cancel := context.WithCancel(context.Background())
	web := exec.CommandContext(ctx, bin, "--config", conf, "web")
	web.Env, web.Dir = g.env, work
	logf, err := os.Create(filepath.Join(work, "web.log"))
	if err != nil {
		t.Fatal(err)
	}
	web.Stdout, web.Stderr = logf, logf
	if err := web.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		web.Wait()
		logf.Close()
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(work, "web.log"))
			t.Logf("gitea web log:\n%s", tail(string(data), 40))
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(g.url + "/api/v1/version")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gitea did not start: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	return g
}

func (g *gitea) gitea(args ...string) string {
	g.t.Helper()
	cmd := exec.Command(g.bin, args...)
	cmd.Env, cmd.Dir = g.env, g.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("gitea %s: %v\n%s\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// api calls Gitea's API as the bot and decodes the answer into v.
func (g *gitea) api(method, path string, body, v any) {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, g.url+"/api/v1"+path, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+g.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		g.t.Fatalf("%s %s: %s\n%s", method, path, resp.Status, data)
	}
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			g.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

type giteaPR struct {
	Number   int    `json:"number"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	Comments int    `json:"comments"`
	Head     struct {
		Ref string `json:"ref"`
	} `json:"head"`
	Base struct {
		Ref string `json:"ref"`
	} `json:"base"`
}

func (g *gitea) openPRs(repo string) []giteaPR {
	var prs []giteaPR
	g.api("GET", "/repos/bot/"+repo+"/pulls?state=open", nil, &prs)
	return prs
}

// checkout makes a repository on Gitea and a checkout of it with files,
// pushed to main; origin is the plain URL (no credentials).
func (g *gitea) checkout(name string, files map[string]string) string {
	g.t.Helper()
	g.api("POST", "/user/repos", map[string]any{"name": name, "default_branch": "main"}, nil)
	dir := filepath.Join(g.t.TempDir(), name)
	for path, content := range files {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			g.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			g.t.Fatal(err)
		}
	}
	origin := g.url + "/bot/" + name + ".git"
	withPassword := strings.Replace(origin, "http://", "http://bot:"+g.password+"@", 1)
	g.git(dir, "init", "-q", "-b", "main")
	g.git(dir, "add", "-A")
	g.git(dir, "commit", "-qm", "init")
	g.git(dir, "remote", "add", "origin", origin)
	g.git(dir, "push", "-q", withPassword, "main")
	// Gitea takes in a push in the background: wait until the repository
	// is no longer empty (its pull requests answer 404 until then).
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		var repo struct{ Empty bool }
		g.api("GET", "/repos/bot/"+name, nil, &repo)
		if !repo.Empty {
			break
		}
		if time.Now().After(deadline) {
			g.t.Fatalf("%s stays empty after the push", name)
		}
	}
	return dir
}

func (g *gitea) gitEnv() []string {
	return append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "HOME="+g.dir,
		"GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com", "GIT_COMMITTER_NAME=e2e",
		"GIT_COMMITTER_EMAIL=e2e@example.com", "GIT_TERMINAL_PROMPT=0")
}

func (g *gitea) git(dir string, args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, g.gitEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// pr runs harden pr in dir against Gitea, with the token in GITEA_TOKEN.
func (g *gitea) pr(harden, dir string) (stdout, stderr string) {
	g.t.Helper()
	cmd := exec.Command(harden, "pr", "--forge", "gitea", "--offline")
	cmd.Dir = dir
	cmd.Env = append(g.gitEnv(), "GITEA_TOKEN="+g.token, "GITHUB_TOKEN=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("harden pr: %v\n%s\n%s", err, out.String(), errb.String())
	}
	if strings.Contains(out.String()+errb.String(), g.token) {
		g.t.Fatalf("harden pr printed the token")
	}
	return out.String(), errb.String()
}

const forgeDockerfile = "FROM debian:bookworm-slim\nCOPY app /app\nEXPOSE 8080\nCMD [\"/app\"]\n"

// forgeApp is the compiled program forgeDockerfile copies from its build
// context: non-root-user edits by default only when it sees what the image
// starts.
const forgeApp = "\x7fELF\x02\x01\x01\x00 a compiled program"

func TestForgeGitea(t *testing.T) {
	harden := hardenBinary(t)
	g := startGitea(t)
	var version struct{ Version string }
	g.api("GET", "/version", nil, &version)
	t.Logf("Gitea %s at %s", version.Version, g.url)

	dir := g.checkout("demo", map[string]string{"Dockerfile": forgeDockerfile, "app": forgeApp, "README.md": "demo\n"})

	// 1. The bot pushes the branch over HTTP and opens the pull request.
	out, errOut := g.pr(harden, dir)
	if !strings.Contains(out, "opened pull request #1: "+g.url+"/bot/demo/pulls/1") {
		t.Fatalf("first run:\n%s%s", out, errOut)
	}
	prs := g.openPRs("demo")
	if len(prs) != 1 || prs[0].Head.Ref != "harden/fixes" || prs[0].Base.Ref != "main" ||
		prs[0].Title != "harden: non-root-user in 1 Dockerfile" || !strings.Contains(prs[0].Body, "+USER 10001:10001") {
		t.Fatalf("pull requests after the first run: %+v", prs)
	}
	var file struct{ Content string }
	g.api("GET", "/repos/bot/demo/contents/Dockerfile?ref=harden/fixes", nil, &file)
	if file.Content == "" {
		t.Fatal("no Dockerfile on harden/fixes")
	}

	// 2. main moves on: the branch is force-pushed, the same pull request
	// updated (title, body, a comment), none opened beside it.
	if err := os.WriteFile(filepath.Join(dir, "worker.Dockerfile"), []byte(forgeDockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	g.git(dir, "add", "-A")
	g.git(dir, "commit", "-qm", "worker")
	g.git(dir, "push", "-q", strings.Replace(g.url, "http://", "http://bot:"+g.password+"@", 1)+"/bot/demo.git", "main")
	out, errOut = g.pr(harden, dir)
	if !strings.Contains(out, "updated pull request #1") || !strings.Contains(errOut, "pushed ") {
		t.Fatalf("second run:\n%s%s", out, errOut)
	}
	prs = g.openPRs("demo")
	if len(prs) != 1 || prs[0].Title != "harden: non-root-user in 2 Dockerfiles" || !strings.Contains(prs[0].Body, "worker.Dockerfile") || prs[0].Comments != 1 {
		t.Fatalf("pull requests after the second run: %+v", prs)
	}

	// 3. Nothing new: nothing pushed, the pull request refreshed in place.
	out, errOut = g.pr(harden, dir)
	if !strings.Contains(errOut, "harden/fixes is up to date") || !strings.Contains(out, "updated pull request #1") {
		t.Fatalf("third run:\n%s%s", out, errOut)
	}
	if prs = g.openPRs("demo"); len(prs) != 1 || prs[0].Comments != 1 {
		t.Fatalf("pull requests after the third run: %+v", prs)
	}

	// 4. A repository with nothing to fix: no branch, no pull request.
	fixed := "FROM debian:bookworm-slim\nCOPY app /app\nUSER 10001:10001\nEXPOSE 8080\nCMD [\"/app\"]\n"
	clean := g.checkout("clean", map[string]string{"Dockerfile": fixed})
	out, errOut = g.pr(harden, clean)
	if !strings.Contains(errOut, "nothing to fix in 1 Dockerfile: nothing pushed") || out != "" {
		t.Fatalf("clean run:\n%s%s", out, errOut)
	}
	heads := g.git(clean, "ls-remote", "--heads", "origin")
	if !strings.HasSuffix(heads, "\trefs/heads/main") || strings.Count(heads, "refs/heads/") != 1 || len(g.openPRs("clean")) != 0 {
		t.Fatalf("clean repository: branches %q", heads)
	}
}
