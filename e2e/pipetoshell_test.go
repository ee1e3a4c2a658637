//go:build e2e

package e2e

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestE2EPipeToShell: a Dockerfile that installs a tool with
// `wget -qO- http://127.0.0.1:PORT/install.sh | sh` (the BusyBox stand-in
// has wget and sha256sum, no curl; buildah's chroot isolation shares the
// host's network, so the build reaches a server on 127.0.0.1). harden
// (online, against that server) rewrites it; the hardened image builds and
// its tool works. Then the served script changes: the original still builds
// and silently installs the new script, while the hardened build fails at
// sha256sum.
func TestE2EPipeToShell(t *testing.T) {
	setEnv(t)
	for _, tool := range []string{"buildah", "podman"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: run `bash e2e/setup.sh` (or `make e2e`) first", tool)
		}
	}
	var mu sync.Mutex
	script := "#!/bin/sh\nprintf '#!/bin/sh\\necho tool v1 says %s\\n' \"$1\" > /usr/local/bin/tool\nchmod +x /usr/local/bin/tool\n"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/install.sh" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write([]byte(script))
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	work := t.TempDir()
	url := "http://" + ln.Addr().String() + "/install.sh"
	dockerfile := "FROM busybox\nRUN mkdir -p /usr/local/bin && \\\n    wget -qO- " + url + " | sh -s -- hello\nCMD [\"tool\"]\n"
	orig := filepath.Join(work, "Dockerfile")
	if err := os.WriteFile(orig, []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	harden := hardenBinary(t)
	lock := filepath.Join(work, "harden.lock")
	cmd := exec.Command(harden, "fix", "--select", "no-pipe-to-shell", "--lock", lock, "-")
	cmd.Stdin = strings.NewReader(dockerfile)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harden fix: %v", err)
	}
	hardened := string(out)
	t.Logf("hardened Dockerfile:\n%s", hardened)
	if !strings.Contains(hardened, "sha256sum -c -") {
		t.Fatalf("harden did not rewrite the wget | sh")
	}
	fixedPath := filepath.Join(work, "Dockerfile.fixed")
	if err := os.WriteFile(fixedPath, out, 0o644); err != nil {
		t.Fatal(err)
	}

	origImage, fixedImage := imagePrefix+"pipe-to-shell-i10:orig", imagePrefix+"pipe-to-shell-i10:fixed"
	removeImages(origImage, fixedImage)
	defer removeImages(origImage, fixedImage)
	r := &result{name: "pipe-to-shell"}
	c := Case{Name: "pipe-to-shell"}
	check := func(what, image, want string) {
		got, _ := run(t, r, what, image, c, want, 0)
		if !strings.Contains(got, want) {
			t.Errorf("%s: printed %q, want %q", what, got, want)
		}
	}
	if build(t, r, "original", origImage, orig, work, filepath.Join(work, "orig.log"), "never") {
		check("original", origImage, "tool v1 says hello")
	}
	if build(t, r, "hardened", fixedImage, fixedPath, work, filepath.Join(work, "fixed.log"), "never") {
		check("hardened", fixedImage, "tool v1 says hello")
	}

	// The served script changes.
	mu.Lock()
	script = strings.Replace(script, "tool v1", "tool EVIL", 1)
	mu.Unlock()
	removeImages(origImage, fixedImage)
	if build(t, r, "original after the change", origImage, orig, work, filepath.Join(work, "orig2.log"), "never") {
		check("original after the change", origImage, "tool EVIL says hello")
	}
	r2 := &result{}
	if build(t, r2, "hardened after the change", fixedImage, fixedPath, work, filepath.Join(work, "fixed2.log"), "never") {
		t.Errorf("the hardened build took the changed script")
	} else if b, _ := os.ReadFile(filepath.Join(work, "fixed2.log")); !strings.Contains(string(b), "FAILED") && !strings.Contains(string(b), "sha256") {
		t.Errorf("the hardened build failed, but not at the checksum:\n%s", tail(string(b), logTail))
	} else {
		t.Logf("hardened build refused the changed script:\n%s", tail(string(b), 6))
	}
	for _, f := range r.failures {
		t.Error(f)
	}
}
