package integrations

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/harden-dev/harden/internal/runner"
)

// repoRoot is the root of this checkout.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// requireTool returns the path of a tool, skipping the test when it is
// missing, unless HARDEN_REQUIRE_TOOLS=1 (set by .ci/run), which makes a
// missing tool a failure.
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("HARDEN_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s is not installed (HARDEN_REQUIRE_TOOLS=1): %s", name, install)
	}
	t.Skipf("%s is not installed: %s (set HARDEN_REQUIRE_TOOLS=1 to make this a failure)", name, install)
	return ""
}

type hook struct {
	ID            string `yaml:"id"`
	Name          string `yaml:"name"`
	Entry         string `yaml:"entry"`
	Language      string `yaml:"language"`
	Files         string `yaml:"files"`
	PassFilenames *bool  `yaml:"pass_filenames"`
}

func readHooks(t *testing.T) map[string]hook {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []hook
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	m := map[string]hook{}
	for _, h := range hooks {
		m[h.ID] = h
	}
	return m
}

func TestHooksDeclared(t *testing.T) {
	hooks := readHooks(t)
	for id, entry := range map[string]string{"harden": "harden fix --write", "harden-check": "harden fix --check"} {
		h, ok := hooks[id]
		if !ok {
			t.Fatalf("no hook %q", id)
		}
		if h.Entry != entry || h.Language != "golang" {
			t.Errorf("hook %s: entry %q language %q, want %q golang", id, h.Entry, h.Language, entry)
		}
		if h.PassFilenames != nil && !*h.PassFilenames {
			t.Errorf("hook %s does not pass the staged files", id)
		}
	}
	if len(hooks) != 2 {
		t.Errorf("hooks %v, want harden and harden-check", hooks)
	}
}

// TestHookFilesMatchDiscovery checks that the hooks' `files` pattern
// (a Python regular expression, here in the RE2 subset both share) takes
// every file name harden's directory search finds, and not other files.
func TestHookFilesMatchDiscovery(t *testing.T) {
	hooks := readHooks(t)
	names := []string{
		"Dockerfile", "Containerfile", "dockerfile", "DOCKERFILE", "containerfile",
		"Dockerfile.prod", "Dockerfile.dev.arm64", "Containerfile.rhel", "dockerfile.test",
		"Dockerfile-prod", "Dockerfile_prod", "Containerfile-ubi", "containerfile_x",
		"api.Dockerfile", "api.dockerfile", "web.Containerfile", "web.containerfile", "a.b.DOCKERFILE",
		// never found by the search
		"README.md", "Dockerfile.go.txt/x", "Dockerfiles", "MyDockerfile", "dockerfile.d/x",
		".dockerignore", "Containerfiles", "docker-compose.yml", "Dockerfilex", "xDockerfile",
		"Makefile", "api.Dockerfile.bak/y",
	}
	mustMatch := map[string]bool{}
	for _, n := range names[:18] {
		mustMatch[n] = true
	}
	for id, h := range hooks {
		re, err := regexp.Compile(h.Files)
		if err != nil {
			t.Fatalf("hook %s: files: %v", id, err)
		}
		for _, name := range names {
			base := name[strings.LastIndex(name, "/")+1:]
			found := runner.IsDockerfileName(base)
			for _, p := range []string{name, "sub/dir/" + name} {
				matched := re.MatchString(p)
				if found && !matched {
					t.Errorf("hook %s: %q is found by harden's search but not matched by files", id, p)
				}
				if mustMatch[name] && !matched {
					t.Errorf("hook %s: %q is a Dockerfile name but not matched", id, p)
				}
				if !mustMatch[name] && matched {
					t.Errorf("hook %s: %q matched, but is no Dockerfile", id, p)
				}
			}
		}
	}
}

// preCommit runs the real pre-commit, hermetically: its cache, git's
// configuration and GOPATH live in the test's temporary directory; the Go
// module cache is the one already on the machine (else the Go module
// proxy), and the build cache is shared, so building harden is quick.
type preCommit struct {
	t        *testing.T
	bin, dir string
	env      []string
}

func newPreCommit(t *testing.T) *preCommit {
	bin := requireTool(t, "pre-commit", "apt-get install pre-commit")
	requireTool(t, "git", "apt-get install git")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	tmp := t.TempDir()
	goenv := func(name string) string {
		out, err := exec.Command(goBin, "env", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(tmp, "home"),
		"PRE_COMMIT_HOME=" + filepath.Join(tmp, "pre-commit"),
		"GIT_CONFIG_GLOBAL=" + filepath.Join(tmp, "gitconfig"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GOMODCACHE=" + goenv("GOMODCACHE"),
		"GOCACHE=" + goenv("GOCACHE"),
		"GOPROXY=" + goenv("GOPROXY"),
		"GOFLAGS=-buildvcs=false",
		"GOTOOLCHAIN=local",
	}
	if err := os.MkdirAll(filepath.Join(tmp, "home"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "gitconfig"), []byte("[init]\n\tdefaultBranch = main\n[safe]\n\tdirectory = *\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "project")
	p := &preCommit{t: t, bin: bin, dir: dir, env: env}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p.git(dir, "init", "-q")
	return p
}

func (p *preCommit) git(dir string, args ...string) string {
	p.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// run runs pre-commit in the project and returns its exit status and output.
func (p *preCommit) run(args ...string) (int, string) {
	p.t.Helper()
	cmd := exec.Command(p.bin, args...)
	cmd.Dir, cmd.Env = p.dir, p.env
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			p.t.Fatalf("pre-commit %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return code, string(out)
}

const rootDockerfile = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nCOPY server /usr/local/bin/server\nEXPOSE 8080\nCMD [\"server\"]\n"

// server is the compiled program rootDockerfile copies from its build
// context (non-root-user edits by default only when it can see what the
// image starts).
const server = "\x7fELF\x02\x01\x01\x00 a compiled program"

func (p *preCommit) writeStaged(name, content string) {
	p.t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.git(p.dir, "add", name)
}

func (p *preCommit) read(name string) string {
	p.t.Helper()
	data, err := os.ReadFile(filepath.Join(p.dir, name))
	if err != nil {
		p.t.Fatal(err)
	}
	return string(data)
}

// TestPreCommitHooks runs both hooks of this checkout (as it is, through
// `pre-commit try-repo`) over a repository with a root-running Dockerfile.
func TestPreCommitHooks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds harden through pre-commit")
	}
	p := newPreCommit(t)
	p.writeStaged("Dockerfile", rootDockerfile)
	p.writeStaged("server", server)
	p.writeStaged("services/api.Dockerfile", rootDockerfile)
	p.writeStaged("services/server", server)
	p.writeStaged("README.md", "FROM debian\n") // not a Dockerfile: never passed to harden
	// The hooks run the default fixes; the test machine has no registry to
	// pin from (pin-digest is tested against a local registry elsewhere),
	// so the repository's configuration leaves it out, as a user could.
	p.writeStaged(".harden.yaml", "ignore: [pin-digest]\n")
	root := repoRoot(t)

	// harden-check fails and writes nothing.
	code, out := p.run("try-repo", root, "harden-check", "--all-files", "--verbose")
	if code != 1 || !strings.Contains(out, "+USER 10001:10001") {
		t.Fatalf("harden-check: exit %d, want 1 with the diff:\n%s", code, out)
	}
	if got := p.read("Dockerfile"); got != rootDockerfile {
		t.Fatalf("harden-check wrote the file:\n%s", got)
	}

	// harden fixes the files and fails the run, which then passes.
	code, out = p.run("try-repo", root, "harden", "--all-files", "--verbose")
	if code != 1 || !strings.Contains(out, "files were modified by this hook") {
		t.Fatalf("harden: exit %d, want 1 (files modified):\n%s", code, out)
	}
	for _, name := range []string{"Dockerfile", "services/api.Dockerfile"} {
		if got := p.read(name); !strings.Contains(got, "\nUSER 10001:10001\n") {
			t.Errorf("%s not fixed:\n%s", name, got)
		}
	}
	if got := p.read("README.md"); got != "FROM debian\n" {
		t.Errorf("README.md changed: %q", got)
	}
	p.git(p.dir, "add", "-A")
	code, out = p.run("try-repo", root, "harden", "--all-files")
	if code != 0 {
		t.Fatalf("second run: exit %d, want 0:\n%s", code, out)
	}
	code, out = p.run("try-repo", root, "harden-check", "--all-files")
	if code != 0 {
		t.Fatalf("harden-check after the fix: exit %d, want 0:\n%s", code, out)
	}
}

// TestPreCommitConfigOffline uses the hook as a project would, from a
// .pre-commit-config.yaml at a commit of this checkout, with the
// documented air-gapped arguments: only the staged file is passed.
func TestPreCommitConfigOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds harden through pre-commit")
	}
	p := newPreCommit(t)
	// A repository holding this checkout's files as they are now.
	hooksRepo := filepath.Join(t.TempDir(), "harden")
	out, err := exec.Command("git", "-C", repoRoot(t), "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range bytes.Split(bytes.TrimRight(out, "\x00"), []byte{0}) {
		src := filepath.Join(repoRoot(t), string(name))
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or not a file
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(hooksRepo, string(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	p.git(hooksRepo, "init", "-q")
	p.git(hooksRepo, "add", "-A")
	p.git(hooksRepo, "commit", "-q", "-m", "harden")
	rev := p.git(hooksRepo, "rev-parse", "HEAD")

	config := "repos:\n  - repo: " + hooksRepo + "\n    rev: " + rev + "\n    hooks:\n      - id: harden\n        args: [--offline]\n"
	p.writeStaged(".pre-commit-config.yaml", config)
	p.writeStaged("Dockerfile", rootDockerfile)
	p.writeStaged("server", server)
	p.writeStaged("app/server", server)
	p.git(p.dir, "commit", "-q", "--no-verify", "-m", "base")
	// Staged: app/Containerfile. Not staged: Dockerfile, changed again.
	p.writeStaged("app/Containerfile", rootDockerfile)
	if err := os.WriteFile(filepath.Join(p.dir, "Dockerfile"), []byte(rootDockerfile+"# edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, outs := p.run("run", "--verbose")
	if code != 1 || !strings.Contains(outs, "files were modified by this hook") {
		t.Fatalf("pre-commit run: exit %d, want 1:\n%s", code, outs)
	}
	if got := p.read("app/Containerfile"); !strings.Contains(got, "\nUSER 10001:10001\n") {
		t.Errorf("staged app/Containerfile not fixed:\n%s", got)
	}
	if got := p.read("Dockerfile"); got != rootDockerfile+"# edited\n" {
		t.Errorf("unstaged Dockerfile was touched:\n%s", got)
	}
	p.git(p.dir, "add", "app/Containerfile")
	if code, outs := p.run("run"); code != 0 {
		t.Fatalf("second run: exit %d:\n%s", code, outs)
	}
}
