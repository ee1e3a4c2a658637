package integrations

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/transform"
)

// The claims of two fixes checked against the real programs they edit
// commands for: the original and the fixed RUN scripts are run with sh in
// a scratch directory.

// fixedScripts runs fix alone (offline) on a one-stage Dockerfile whose
// RUNs are scripts, and returns each RUN's shell text before and after.
func fixedScripts(t *testing.T, fix string, scripts ...string) (before, after []string) {
	t.Helper()
	src := "FROM debian:bookworm\n"
	for _, s := range scripts {
		src += "RUN " + s + "\n"
	}
	runs := func(src []byte) []string {
		doc, err := transform.Parse("Dockerfile", src)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range doc.Instructions() {
			if strings.EqualFold(n.Value, "run") {
				out = append(out, doc.Shell(n).Text)
			}
		}
		return out
	}
	doc, err := transform.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := transform.RunDocument(context.Background(), doc, transform.Options{Fixes: fixes.Lookup(fix), Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	return runs([]byte(src)), runs(res.Fixed)
}

func runScript(t *testing.T, dir string, env []string, shell, script string) (string, error) {
	t.Helper()
	cmd := exec.Command(shell, "-c", script)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestGPGBatchWithGnuPG: gpg-batch's edits keep a working verify working.
// "gpg --verify X.asc" finds X only without --batch, so the fix names X;
// a clear-signed file keeps its one argument. The naive edit (--batch
// alone) is shown to fail, so that the test would catch a regression.
func TestGPGBatchWithGnuPG(t *testing.T) {
	gpg := requireTool(t, "gpg", "apt-get install gpg")
	dir := t.TempDir()
	home := filepath.Join(dir, "gnupg")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"GNUPGHOME=" + home}
	t.Cleanup(func() {
		if gpgconf, err := exec.LookPath("gpgconf"); err == nil {
			_, _ = runScript(t, dir, env, "sh", gpgconf+" --kill all")
		}
	})
	setup := gpg + ` --batch --passphrase '' --quick-gen-key 'harden test <t@example.com>' default default never &&
printf 'data\n' > tool.tar.gz &&
` + gpg + ` --batch --detach-sign --armor -o tool.tar.gz.asc tool.tar.gz &&
printf 'abc  node.tar.xz\n' > SHASUMS256.txt &&
` + gpg + ` --batch --clearsign -o SHASUMS256.txt.asc SHASUMS256.txt && rm SHASUMS256.txt`
	if out, err := runScript(t, dir, env, "sh", setup); err != nil {
		t.Fatalf("setting up GnuPG: %v\n%s", err, out)
	}

	before, after := fixedScripts(t, "gpg-batch",
		"curl -fsSLo tool.tar.gz https://example.com/tool.tar.gz && gpg --verify tool.tar.gz.asc",
		"curl -fsSLO https://example.com/SHASUMS256.txt.asc && gpg --verify SHASUMS256.txt.asc")
	for i := range before {
		// The downloads are already done: run the verify alone.
		b := before[i][strings.Index(before[i], "gpg"):]
		a := after[i][strings.Index(after[i], "gpg"):]
		if a == b || !strings.Contains(a, "--batch") {
			t.Fatalf("gpg-batch did not edit %q: %q", b, a)
		}
		if out, err := runScript(t, dir, env, "sh", b); err != nil {
			t.Fatalf("the original %q fails: %v\n%s", b, err, out)
		}
		if out, err := runScript(t, dir, env, "sh", a); err != nil {
			t.Errorf("the fixed %q fails where the original works: %v\n%s", a, err, out)
		}
	}
	if !strings.Contains(after[0], "tool.tar.gz.asc tool.tar.gz") {
		t.Errorf("the detached verify does not name the signed file: %q", after[0])
	}
	if out, err := runScript(t, dir, env, "sh", "gpg --batch --verify tool.tar.gz.asc"); err == nil {
		t.Errorf("gpg --batch --verify X.asc (one argument) works here, so the test proves nothing:\n%s", out)
	}
}

// TestChecksumLineWithBusyBox: BusyBox's sha256sum -c rejects a line with
// one space between hash and name, GNU's accepts both; checksum-line's two
// spaces work with both.
func TestChecksumLineWithBusyBox(t *testing.T) {
	busybox := requireTool(t, "busybox", "apt-get install busybox")
	requireTool(t, "sha256sum", "apt-get install coreutils")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tool.tgz"), []byte("tool\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runScript(t, dir, nil, "sh", "sha256sum tool.tgz")
	if err != nil {
		t.Fatal(err)
	}
	hash := strings.Fields(out)[0]
	before, after := fixedScripts(t, "checksum-line", `echo "`+hash+` tool.tgz" | sha256sum -c -`)
	b, a := before[0], after[0]
	if a == b {
		t.Fatalf("checksum-line did not edit %q", b)
	}
	// BusyBox's own applet, whatever sha256sum the PATH has.
	bb := func(script string) string { return strings.Replace(script, "sha256sum", busybox+" sha256sum", 1) }
	if _, err := runScript(t, dir, nil, "sh", bb(b)); err == nil {
		t.Errorf("BusyBox accepts the one-space line %q: the fix's premise is gone", b)
	}
	for _, script := range []string{bb(a), a} {
		if out, err := runScript(t, dir, nil, "sh", script); err != nil {
			t.Errorf("%q fails: %v\n%s", script, err, out)
		}
	}
	if out, err := runScript(t, dir, nil, "sh", b); err != nil {
		t.Errorf("GNU sha256sum fails the original %q: %v\n%s", b, err, out)
	}
}
