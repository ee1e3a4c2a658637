package main

import (
	"strings"
	"testing"
)

// .harden.yaml: select, ignore and unsafe per file, flags over the file,
// overrides by path.
func TestConfigSelectsPerFile(t *testing.T) {
	dir := inTempDir(t)
	src := "FROM debian\nUSER root\n"
	others := "[add-label, pin-digest, no-sudo, loop, breaker]"
	writeTree(t, dir, map[string]string{
		".git/HEAD":              "ref: refs/heads/main\n",
		".harden.yaml":           "select: [add-label, pin-user]\noverrides:\n  - paths: [\"legacy/**\"]\n    ignore: [FK001]\n",
		"Dockerfile":             src,
		"legacy/Dockerfile":      src,
		"other/.harden.yaml":     "select: [pin-user]\n", // the nearest file wins
		"other/Dockerfile":       src,
		"safe/.harden.yaml":      "ignore: " + others + "\nunsafe: false\noverrides:\n  - paths: [unsafe.Dockerfile]\n    unsafe: true\n",
		"safe/Dockerfile":        src,
		"safe/unsafe.Dockerfile": src,
	})
	r := harden(t, "fix", "-l")
	wantCode(t, r, 0)
	want := "Dockerfile legacy/Dockerfile other/Dockerfile safe/unsafe.Dockerfile"
	if got := strings.Join(lines(r.stdout), " "); got != want {
		t.Fatalf("changed files %q, want %q\n%v", got, want, r)
	}
	r = harden(t, "fix", "legacy", "other")
	if strings.Contains(r.stdout, "LABEL") || strings.Count(r.stdout, "+USER 1000") != 2 {
		t.Errorf("legacy/ ignores add-label, other/ selects pin-user only:\n%v", r)
	}
	r = harden(t, "fix", "Dockerfile")
	for _, want := range []string{"+USER 1000", "+LABEL harden=1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q:\n%v", want, r)
		}
	}
	// Flags win over the file, key by key: --select replaces the files'
	// select, but legacy/ and safe/ still ignore add-label.
	r = harden(t, "fix", "--select", "add-label", "-l")
	if got := strings.Join(lines(r.stdout), " "); got != "Dockerfile other/Dockerfile" {
		t.Errorf("--select over the file: %q\n%v", got, r)
	}
	r = harden(t, "fix", "--ignore", "pin-user", "Dockerfile")
	if strings.Contains(r.stdout, "USER 1000") || !strings.Contains(r.stdout, "LABEL harden=1") {
		t.Errorf("--ignore over the file:\n%v", r)
	}
	r = harden(t, "fix", "--unsafe", "-l", "safe")
	if got := strings.Join(lines(r.stdout), " "); got != "safe/Dockerfile safe/unsafe.Dockerfile" {
		t.Errorf("--unsafe over the file: %q\n%v", got, r)
	}

	// check reads it too.
	r = harden(t, "check", "other/Dockerfile")
	if !strings.Contains(r.stdout, "pin-user") || strings.Contains(r.stdout, "add-label") {
		t.Errorf("check over other/.harden.yaml:\n%v", r)
	}
}

func TestConfigErrorsNameFileAndLine(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		".git/HEAD":         "x\n",
		"Dockerfile":        "FROM debian\n",
		"sub/.harden.yaml":  "select: [add-label]\nuser:\n  uid: root\n",
		"sub/Dockerfile":    "FROM debian\n",
		"typo/.harden.yaml": "selct: [x]\n",
		"typo/Dockerfile":   "FROM debian\n",
		"bad/.harden.yaml":  "select: [no-such-fix]\n",
		"bad/Dockerfile":    "FROM debian\n",
	})
	r := harden(t, "fix")
	wantCode(t, r, 2)
	for _, want := range []string{
		`sub/.harden.yaml:3: user.uid: want a whole number, not "root"`,
		`typo/.harden.yaml:1: unknown key "selct"`,
		`bad/.harden.yaml: --select: unknown fix "no-such-fix"`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("missing %q in stderr:\n%v", want, r)
		}
	}
	// The file at the root is fine: its Dockerfile is still fixed.
	if !strings.Contains(r.stdout, "+++ b/Dockerfile") {
		t.Errorf("other files are still processed:\n%v", r)
	}
	// --config names the one file; a bad one stops the run.
	r = harden(t, "fix", "--config", "typo/.harden.yaml", "Dockerfile")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, `typo/.harden.yaml:1: unknown key "selct"`) {
		t.Errorf("--config:\n%v", r)
	}
	r = harden(t, "fix", "--config", "missing.yaml")
	wantCode(t, r, 2)
}

func TestConfigCommandAndRunSettings(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		".git/HEAD": "x\n",
		".harden.yaml": `lock: locks/harden.lock
user: {name: svc, uid: 1500, gid: 1600}
registry: {jobs: 3, timeout: 7s, insecure: ["localhost:5000"]}
runtime-images:
  - {builder: golang, runtime: gcr.io/distroless/static-debian12}
overrides:
  - paths: ["*.dev.Dockerfile"]
    unsafe: true
    user: {name: dev}
`,
		"api.dev.Dockerfile": "FROM debian\n",
		"Dockerfile":         "FROM debian\n",
	})
	r := harden(t, "config", "api.dev.Dockerfile", "--jobs", "9")
	wantCode(t, r, 0)
	for _, want := range []string{
		"path: api.dev.Dockerfile\n", "config: .harden.yaml\n", "overrides-matched:\n  - '*.dev.Dockerfile'\n",
		"unsafe: true\n", "user:\n  name: dev\n  uid: 1500\n  gid: 1600\n", "lock: locks/harden.lock\n",
		"jobs: 9\n", "timeout: 7s\n", "insecure:\n    - localhost:5000\n",
		"runtime: gcr.io/distroless/static-debian12",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q:\n%v", want, r)
		}
	}
	r = harden(t, "config")
	if strings.Count(r.stdout, "path: ") != 2 || !strings.Contains(r.stdout, "---\n") {
		t.Errorf("config over a directory lists each Dockerfile:\n%v", r)
	}
	r = harden(t, "config", "--config", "/dev/null", "Dockerfile")
	if !strings.Contains(r.stdout, "name: app\n  uid: 10001\n") || !strings.Contains(r.stdout, "lock: \"\"") {
		t.Errorf("--config /dev/null: defaults:\n%v", r)
	}
}

// The user of .harden.yaml reaches the real non-root-user fix.
func TestConfigUserReachesNonRootUser(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		".git/HEAD":    "x\n",
		".harden.yaml": "user:\n  name: svc\n  uid: 1500\n  gid: 1600\n",
		"Dockerfile":   "FROM debian:bookworm-slim\nCOPY app /app\nCMD [\"/app\"]\n",
	})
	r := hardenEnv(t, &env{images: &fakeRegistry{}}, "fix", "--offline", "--select", "non-root-user")
	for _, want := range []string{"+RUN groupadd --system --gid 1600 svc && useradd --system --uid 1500 --gid svc ", "+USER 1500:1600\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q:\n%v", want, r)
		}
	}
}
