package main

import (
	"io"
	"log"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestRealPinDigest: pin-digest through the CLI against a registry on
// 127.0.0.1 (go-containerregistry's, in process): a reference that cannot
// be resolved fails the run (exit 2) while the rest of the file is fixed;
// the lock file then answers offline, where a missing key is no failure.
func TestRealPinDigest(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // anonymous
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host + "/team/app:1.0")
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()

	dir := inTempDir(t)
	src := "FROM " + host + "/team/missing:1 AS deps\nFROM " + host + "/team/app:1.0\n"
	writeTree(t, dir, map[string]string{"Dockerfile": src})
	run := func(args ...string) hardenResult {
		return hardenEnv(t, &env{}, append([]string{"fix", "--select", "pin-digest"}, args...)...)
	}

	r := run("--lock", "lock.json", "-w", "Dockerfile")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "Dockerfile:1: pin-digest: "+host+"/team/missing:1 cannot be pinned: ") || !strings.Contains(r.stderr, "not found") {
		t.Errorf("stderr does not name the failing reference:\n%s", r.stderr)
	}
	pinned := "FROM " + host + "/team/missing:1 AS deps\nFROM " + host + "/team/app:1.0@" + d.String() + "\n"
	wantFile(t, "Dockerfile", pinned)
	if lock := readFile(t, "lock.json"); !strings.Contains(lock, `"`+host+`/team/app:1.0": "`+d.String()+`"`) {
		t.Errorf("lock file:\n%s", lock)
	}

	// Offline: the lock answers; the missing reference is reported, not failed.
	writeTree(t, dir, map[string]string{"Dockerfile": src})
	r = run("--lock", "lock.json", "--offline", "Dockerfile")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "+FROM "+host+"/team/app:1.0@"+d.String()) {
		t.Errorf("offline diff:\n%s", r.stdout)
	}
	r = hardenEnv(t, &env{}, "check", "--select", "pin-digest", "--lock", "lock.json", "--offline", "Dockerfile")
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "lock file does not hold it") {
		t.Errorf("offline check:\n%s", r.stdout)
	}
	// Online check: findings and a failed lookup: exit 2.
	r = hardenEnv(t, &env{}, "check", "--select", "pin-digest", "Dockerfile")
	wantCode(t, r, 2)
	if _, err := os.Stat("lock.json"); err != nil {
		t.Fatal(err)
	}
}
