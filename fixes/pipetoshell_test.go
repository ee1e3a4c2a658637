package fixes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/harden-dev/harden/internal/fetch"
	hresolve "github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/transform"
)

// scripts is a small HTTP(S) server of install scripts whose content the
// test can change.
type scripts struct {
	mu    sync.Mutex
	files map[string]string
}

func (s *scripts) set(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = body
}

func (s *scripts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, ok := s.files[r.URL.Path]
	s.mu.Unlock()
	if r.URL.Path == "/redirect" {
		http.Redirect(w, r, "/install.sh", http.StatusFound)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write([]byte(body))
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// runFixes runs fixes online against a resolver over the test server's
// client, and returns the result and the resolver (for its lock).
func runFixes(t *testing.T, client *http.Client, src string, fixes ...*transform.Fix) (*transform.Result, *hresolve.Resolver) {
	t.Helper()
	r := hresolve.New(hresolve.Options{URLs: fetch.New(fetch.Options{Transport: client.Transport})})
	res, err := transform.Run(context.Background(), "Dockerfile", []byte(src), transform.Options{Fixes: fixes, Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	return res, r
}

// The checksum comes from what the server serves, over TLS and after
// redirects, and lands in the lock file.
func TestPipeToShellChecksumsWhatTheServerServes(t *testing.T) {
	s := &scripts{files: map[string]string{"/install.sh": "echo installed\n"}}
	srv := httptest.NewTLSServer(s)
	defer srv.Close()
	src := "FROM alpine:3.20\nRUN curl -sSL " + srv.URL + "/redirect | sh -s -- -y\n"
	res, r := runFixes(t, srv.Client(), src, NoPipeToShell)
	want := sum("echo installed\n")
	file := "/tmp/redirect." + want[:12]
	wantRun := "RUN curl -fsSL " + srv.URL + "/redirect -o " + file + ` && echo "` + want + "  " + file + `" | sha256sum -c - && sh ` + file + " -y && rm -f " + file + "\n"
	if got := string(res.Fixed); got != "FROM alpine:3.20\n"+wantRun {
		t.Errorf("got\n%s\nwant\n%s", got, wantRun)
	}
	if got := r.Lock().URLs[srv.URL+"/redirect"]; got != "sha256:"+want {
		t.Errorf("lock holds %q, want sha256:%s", got, want)
	}
}

// A URL the server does not have: a finding, no edit.
func TestPipeToShellReportsAFailedDownload(t *testing.T) {
	srv := httptest.NewTLSServer(&scripts{files: map[string]string{}})
	defer srv.Close()
	res, _ := runFixes(t, srv.Client(), "FROM debian\nRUN curl "+srv.URL+"/gone.sh | bash\n", NoPipeToShell)
	if res.Changed() || len(res.Remaining) != 1 || !strings.Contains(res.Remaining[0].Message, "could not download") {
		t.Errorf("want one finding without edit naming the failed download, got changed=%v %v", res.Changed(), res.Remaining)
	}
}

// The rewritten command really runs: with curl and wget on the host and a
// plain-HTTP server, the hardened RUN line installs the script; once the
// served script changes, the hardened line fails at sha256sum and runs
// nothing, while the original line runs the new script.
func TestPipeToShellRewriteRunsAndRefusesAChangedScript(t *testing.T) {
	for _, tool := range []string{"curl", "wget", "sha256sum", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	s := &scripts{files: map[string]string{"/install.sh": "echo \"good $1\"\n"}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, line := range []string{
		"curl -sSL " + srv.URL + "/install.sh | sh -s -- arg",
		"wget -qO- " + srv.URL + "/install.sh | sh -s arg",
		`sh -c "$(curl -fsSL ` + srv.URL + `/install.sh)" sh arg`,
		// Under set -e, in a ; list: the chain runs in a subshell, whose
		// failure set -e does not exempt.
		"set -e; curl -sSL " + srv.URL + "/install.sh | sh -s -- arg; echo after",
	} {
		s.set("/install.sh", "echo \"good $1\"\n")
		res, _ := runFixes(t, srv.Client(), "FROM debian\nRUN "+line+"\n", NoPipeToShell)
		fixed := strings.TrimPrefix(strings.TrimSuffix(string(res.Fixed), "\n"), "FROM debian\nRUN ")
		if fixed == line {
			t.Fatalf("%s: not rewritten: %v", line, res.Remaining)
		}
		run := func(script string) (string, error) {
			out, err := exec.Command("sh", "-c", script).CombinedOutput()
			return string(out), err
		}
		if out, err := run(fixed); err != nil || !strings.Contains(out, "good arg") {
			t.Errorf("%s: hardened line: %v\n%s", fixed, err, out)
		}
		s.set("/install.sh", "echo \"evil $1\"\n")
		if out, err := run(fixed); err == nil || strings.Contains(out, "evil") {
			t.Errorf("%s: hardened line ran a changed script: err=%v\n%s", fixed, err, out)
		}
		if out, _ := run(line); !strings.Contains(out, "evil arg") {
			t.Errorf("%s: the original should run the changed script, got\n%s", line, out)
		}
	}
}

// Remote ADD gets the checksum of the served file; offline without a lock
// entry, a finding says how to get one.
func TestAddChecksum(t *testing.T) {
	s := &scripts{files: map[string]string{"/tool.tgz": "tarball"}}
	srv := httptest.NewTLSServer(s)
	defer srv.Close()
	const syntax = "# syntax=docker/dockerfile:1\n"
	res, _ := runFixes(t, srv.Client(), syntax+"FROM alpine\nADD "+srv.URL+"/tool.tgz /opt/\n", AddChecksum)
	want := syntax + "FROM alpine\nADD --checksum=sha256:" + sum("tarball") + " " + srv.URL + "/tool.tgz /opt/\n"
	if string(res.Fixed) != want {
		t.Errorf("got\n%s\nwant\n%s", res.Fixed, want)
	}
	// Without a syntax line, the builder may not know the flag: unsafe.
	res, _ = runFixes(t, srv.Client(), "FROM alpine\nADD "+srv.URL+"/tool.tgz /opt/\n", AddChecksum)
	if res.Changed() || len(res.Remaining) != 1 || res.Remaining[0].Applicability != transform.Unsafe || !strings.Contains(res.Remaining[0].Message, "buildah") {
		t.Errorf("without a syntax line: want one unsafe finding naming the builders, got %v", res.Remaining)
	}
	off, err := transform.Run(context.Background(), "Dockerfile", []byte("FROM alpine\nADD "+srv.URL+"/tool.tgz /opt/\n"),
		transform.Options{Fixes: []*transform.Fix{AddChecksum}, Offline: true, Resolver: hresolve.New(hresolve.Options{Offline: true})})
	if err != nil {
		t.Fatal(err)
	}
	if off.Changed() || len(off.Remaining) != 1 || !strings.Contains(off.Remaining[0].Message, "harden fix --lock FILE") {
		t.Errorf("offline: want a finding saying how to record the checksum, got %v", off.Remaining)
	}
}

func TestOldSyntax(t *testing.T) {
	for directive, old := range map[string]bool{
		"":                                    false,
		"# syntax=docker/dockerfile:1\n":      false,
		"# syntax=docker/dockerfile:1.6\n":    false,
		"# syntax=docker/dockerfile:1.10.0\n": false,
		"# syntax=docker.io/docker/dockerfile:1.7-labs\n": false,
		"# syntax=docker/dockerfile:1.5\n":                true,
		"# syntax=docker/dockerfile:1.4.3\n":              true,
		"# syntax=docker/dockerfile:1.2@sha256:abc\n":     true,
		"# syntax=example.com/my/frontend:2\n":            true,
	} {
		if got := oldSyntax([]byte(directive+"FROM a\n")) != ""; got != old {
			t.Errorf("%q: old=%v, want %v", directive, got, old)
		}
	}
}

func TestTempFile(t *testing.T) {
	h := sum("x")
	for url, want := range map[string]string{
		"https://get.docker.com":                    "/tmp/download." + h[:12],
		"https://get.docker.com/":                   "/tmp/download." + h[:12],
		"https://deb.nodesource.com/setup_18.x":     "/tmp/setup_18.x." + h[:12],
		"https://x.io/a/install.sh?v=1&x=$(rm -rf)": "/tmp/install.sh." + h[:12],
		"https://x.io/we%20ird name;rm -rf.sh":      "/tmp/we20irdnamerm-rf.sh." + h[:12],
	} {
		if got := tempFile(url, h); got != want {
			t.Errorf("%s: %s, want %s", url, got, want)
		}
	}
}

// Edits that depend on something harden cannot see are unsafe, and say
// what to check.
func TestPipeToShellUnsafeWhenUnsure(t *testing.T) {
	s := &scripts{files: map[string]string{"/20/i.sh": "x", "/i.sh": "y"}}
	srv := httptest.NewTLSServer(s)
	defer srv.Close()
	for src, want := range map[string]string{
		"FROM debian\nARG V=20\nRUN curl -fsSL " + srv.URL + "/$V/i.sh | sh\n":   "--build-arg",
		"FROM example.com/team/base\nRUN curl -fsSL " + srv.URL + "/i.sh | sh\n": "sha256sum",
		"FROM debian\nENV V=20\nRUN curl -fsSL " + srv.URL + "/$V/i.sh | sh\n":   "",
	} {
		res, _ := runFixes(t, srv.Client(), src, NoPipeToShell)
		all := append(append([]transform.Finding{}, res.Applied...), res.Remaining...)
		if len(all) != 1 {
			t.Fatalf("%q: want one finding, got %v", src, all)
		}
		f := all[0]
		if unsafe := f.Applicability == transform.Unsafe; unsafe != (want != "") || !strings.Contains(f.Message, want) || len(f.Edits) == 0 {
			t.Errorf("%q: applicability %v, message %q; want unsafe=%v naming %q", src, f.Applicability, f.Message, want != "", want)
		}
	}
}
