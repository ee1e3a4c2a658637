package main

// End-to-end tests with the real fixes: the harden binary as a shell sees
// it (exit statuses, pipes, version), the README example, `harden rules`
// and one fix run. Everything else about the CLI is tested on fake fixes.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harden-dev/harden/fixes"
)

// Small realistic Dockerfiles for the real fixes.
const (
	// rootDockerfile runs as root: non-root-user adds a user before CMD.
	rootDockerfile = "FROM debian:bookworm\nRUN apt-get update\nEXPOSE 8080\nCMD [\"x\"]\n"
	// rootFixed is what harden fix makes of rootDockerfile.
	rootFixed = "FROM debian:bookworm\nRUN apt-get update\n" +
		"RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --no-log-init --shell /sbin/nologin app\n" +
		"USER 10001:10001\n" +
		"EXPOSE 8080\n" +
		"CMD [\"x\"]\n"
	// nonRootDockerfile already runs as a non-root user: nothing to change.
	nonRootDockerfile = "FROM debian\nUSER 1000\n"
	// gosuDockerfile ends as root but drops privileges in its entrypoint:
	// a finding with no automatic fix.
	gosuDockerfile = "FROM debian\nUSER root\nENTRYPOINT [\"gosu\", \"app\", \"x\"]\n"
)

// hardenReal runs the CLI in-process with the real fixes, but for
// pin-digest, which asks registries on the network (the tests have none):
// its own tests run it against a registry on 127.0.0.1
// (TestRealPinDigest, fixes/pindigest_test.go, golden and e2e).
func hardenReal(t *testing.T, stdin string, args ...string) hardenResult {
	t.Helper()
	return hardenEnv(t, &env{stdin: strings.NewReader(stdin)}, withoutNetwork(args)...)
}

// withoutNetwork adds --ignore pin-digest to fix and check arguments.
func withoutNetwork(args []string) []string {
	if len(args) > 0 && (args[0] == "fix" || args[0] == "check") {
		return append([]string{args[0], "--ignore", "pin-digest"}, args[1:]...)
	}
	return args
}

// TestRealFix: the real registry is the default one: harden fix and check
// run non-root-user.
func TestRealFix(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"a/Dockerfile": rootDockerfile, "g/Dockerfile": gosuDockerfile, "ok/Dockerfile": nonRootDockerfile})
	r := hardenReal(t, rootDockerfile, "fix", "-")
	if r.code != 0 || r.stdout != rootFixed {
		t.Errorf("harden fix -: %v", r)
	}
	r = hardenReal(t, "", "check")
	wantCode(t, r, 1)
	var got []string // the other real fixes report on these files too
	for _, l := range lines(r.stdout) {
		if strings.Contains(l, ": non-root-user: ") {
			got = append(got, l)
		}
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "a/Dockerfile:") || !strings.Contains(got[0], ": non-root-user: ") ||
		!strings.HasPrefix(got[1], "g/Dockerfile:2: non-root-user: ") || !strings.Contains(got[1], "gosu") || !strings.HasSuffix(got[1], "[fix: none]") {
		t.Errorf("harden check:\n%s", r.stdout)
	}
}

// TestRealReadmeExample: the README's first command, exactly as written
// (every fix, offline: it must work on a machine with no network), shows a
// diff for examples/Dockerfile, and that diff is what harden fix - makes of
// it.
func TestRealReadmeExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(pkgDir, "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const command = "go run ./cmd/harden fix --offline examples/Dockerfile"
	if !strings.Contains(string(readme), command) {
		t.Fatalf("README no longer shows `%s`", command)
	}
	t.Chdir(filepath.Join(pkgDir, "..", ".."))
	src := readFile(t, "examples/Dockerfile")
	r := hardenEnv(t, &env{}, strings.Fields(command)[3:]...)
	wantCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "--- a/examples/Dockerfile\n+++ b/examples/Dockerfile\n@@ ") {
		t.Fatalf("harden fix examples/Dockerfile printed no diff:\n%v", r)
	}
	fixed := hardenReal(t, src, "fix", "-")
	if fixed.code != 0 || fixed.stdout == src || !strings.Contains(fixed.stdout, "\nUSER ") {
		t.Errorf("harden fix - < examples/Dockerfile: %v", fixed)
	}
}

// TestRealRules: harden rules lists the registry, and documents
// non-root-user with its equivalents, what can break and an example diff.
func TestRealRules(t *testing.T) {
	r := hardenReal(t, "", "rules")
	wantCode(t, r, 0)
	if body := lines(r.stdout)[1:]; len(body) != len(fixes.All()) {
		t.Errorf("%d rows for %d fixes:\n%s", len(body), len(fixes.All()), r.stdout)
	}
	if !strings.Contains(r.stdout, "non-root-user") || !strings.Contains(r.stdout, "DL3002") || !strings.Contains(r.stdout, "DS002") {
		t.Errorf("rules list lacks non-root-user, DL3002 or DS002:\n%s", r.stdout)
	}
	doc := hardenReal(t, "", "rules", "non-root-user")
	wantCode(t, doc, 0)
	for _, want := range []string{"Run the final stage as a non-root user", "What it does", "Why", "What it will not do",
		"1024", "harden:ignore=non-root-user", "\nExample\n", "+USER "} {
		if !strings.Contains(doc.stdout, want) {
			t.Errorf("harden rules non-root-user lacks %q", want)
		}
	}
	if r := hardenReal(t, "", "rules", "dl3002"); r.stdout != doc.stdout {
		t.Errorf("harden rules dl3002 differs from harden rules non-root-user")
	}
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
