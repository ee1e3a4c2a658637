package resolve

import (
	"errors"
	"strings"
	"testing"

	"github.com/harden-dev/harden/transform"
)

func TestParseImage(t *testing.T) {
	d := fakeDigest("x")
	cases := []struct{ in, want, key string }{
		{"python:3.12-slim", "docker.io/library/python:3.12-slim", "docker.io/library/python:3.12-slim"},
		{"python", "docker.io/library/python:latest", "docker.io/library/python:latest"},
		{"docker.io/python:3", "docker.io/library/python:3", "docker.io/library/python:3"},
		{"index.docker.io/library/python:3", "docker.io/library/python:3", "docker.io/library/python:3"},
		{"bitnami/redis:7", "docker.io/bitnami/redis:7", "docker.io/bitnami/redis:7"},
		{"ghcr.io/o/r:v1", "ghcr.io/o/r:v1", "ghcr.io/o/r:v1"},
		{"localhost:5000/app", "localhost:5000/app:latest", "localhost:5000/app:latest"},
		{"127.0.0.1:5000/a/b:c", "127.0.0.1:5000/a/b:c", "127.0.0.1:5000/a/b:c"},
		{"python:3.12@" + d, "docker.io/library/python:3.12@" + d, "docker.io/library/python:3.12"},
		{"python@" + d, "docker.io/library/python@" + d, ""},
	}
	for _, c := range cases {
		r, err := ParseImage(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if r.String() != c.want {
			t.Errorf("%s: got %s, want %s", c.in, r, c.want)
		}
		if r.Tag != "" && r.Key() != c.key {
			t.Errorf("%s: key %s, want %s", c.in, r.Key(), c.key)
		}
	}
	for _, bad := range []string{"${BASE}", "Python:3", "python:", "python@sha256:abc", ""} {
		if r, err := ParseImage(bad); err == nil {
			t.Errorf("%q: no error, got %s", bad, r)
		}
	}
}

func TestLockRoundTrip(t *testing.T) {
	l := NewLock()
	l.Images["docker.io/library/python:3.12-slim"] = fakeDigest("p")
	l.Images["docker.io/library/alpine:3.20"] = fakeDigest("a")
	l.URLs["https://example.com/install.sh?x=1&y=<2>"] = fakeDigest("u")
	l.Configs[fakeDigest("p")] = transform.ImageConfig{User: "app", Env: []string{"A=1"}, Cmd: []string{}, OS: "linux"}
	data := l.Marshal()
	s := string(data)
	if !strings.HasSuffix(s, "}\n") || strings.Index(s, "alpine") > strings.Index(s, "python") {
		t.Fatalf("not sorted or no final newline:\n%s", s)
	}
	if !strings.Contains(s, "x=1&y=<2>") {
		t.Fatalf("URL HTML-escaped:\n%s", s)
	}
	if strings.Contains(s, `"Cmd"`) || strings.Contains(s, `"WorkingDir"`) {
		t.Fatalf("empty config fields written:\n%s", s)
	}
	back, err := ParseLock(data)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Marshal()) != s {
		t.Fatalf("round trip changed the lock:\n%s\n---\n%s", s, back.Marshal())
	}
	if !strings.HasPrefix(s, "{\n  \"version\": 1,\n  \"images\": {") {
		t.Fatalf("layout:\n%s", s)
	}
}

func TestParseLockEmptyAndMinimal(t *testing.T) {
	for _, in := range []string{"", "  \n", `{"version": 1}`} {
		l, err := ParseLock([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if len(l.Images)+len(l.URLs)+len(l.Configs) != 0 || l.Images == nil || l.URLs == nil || l.Configs == nil {
			t.Fatalf("%q: %+v", in, l)
		}
	}
}

func TestParseLockErrors(t *testing.T) {
	d := fakeDigest("x")
	cases := map[string]string{
		`{"version": 2}`:             "version 2",
		`{}`:                         "version 0",
		`{"version": 1, "extra": 1}`: "unknown field",
		`{"version": 1, "images": {"python:3": "` + d + `"}}`:                           `image key "python:3"`,
		`{"version": 1, "images": {"docker.io/library/python:3": "sha256:12"}}`:         "bad digest",
		`{"version": 1, "urls": {"https://x/y": "` + d[len("sha256:"):] + `"}}`:         "bad checksum",
		`{"version": 1, "configs": {"latest": {}}}`:                                     `config key "latest"`,
		`{"version": 1} {"version": 1}`:                                                 "after the JSON",
		`{"version": 1, "images": {"docker.io/library/python@` + d + `": "` + d + `"}}`: "image key",
	}
	for in, want := range cases {
		_, err := ParseLock([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error containing %q", in, err, want)
		}
	}
}

func TestLockFileUnchangedForSameEntries(t *testing.T) {
	d := fakeDigest("p")
	hand := `{"images":{"docker.io/library/python:3":"` + d + `"},"version":1}`
	l, err := ParseLock([]byte(hand))
	if err != nil {
		t.Fatal(err)
	}
	r := New(Options{Lock: l, Offline: true})
	if _, err := r.Image(t.Context(), "python:3"); err != nil {
		t.Fatal(err)
	}
	if _, changed := r.LockFile(); changed {
		t.Fatal("same entries in another layout reported as a change")
	}
}

// Manifests round-trip through the lock file, a lock without them keeps
// its old form, and offline the resolver answers a platform's image from
// the index the lock records.
func TestLockManifests(t *testing.T) {
	idx, arm, amd := fakeDigest("idx"), fakeDigest("arm"), fakeDigest("amd")
	l := NewLock()
	if strings.Contains(string(l.Marshal()), "manifests") {
		t.Fatal("an empty manifests map is written")
	}
	l.Manifests[idx] = transform.Manifest{Platforms: map[string]string{"linux/arm64": arm, "linux/amd64": amd}}
	got, err := ParseLock(l.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Marshal()) != string(l.Marshal()) {
		t.Fatalf("round trip:\n%s\nvs\n%s", got.Marshal(), l.Marshal())
	}
	if _, err := ParseLock([]byte(`{"version":1,"manifests":{"sha256:x":{}}}`)); err == nil {
		t.Error("a manifest key that is no digest is accepted")
	}
	if _, err := ParseLock([]byte(`{"version":1,"manifests":{"` + idx + `":{"platforms":{"linux/amd64":"nope"}}}}`)); err == nil {
		t.Error("a bad platform digest is accepted")
	}
	r := New(Options{Offline: true, Lock: got})
	ctx := t.Context()
	if m, err := r.Manifest(ctx, "o/app:1@"+arm); err != nil || m.Platform != "linux/arm64" {
		t.Errorf("arm64 image: %+v, %v", m, err)
	}
	if m, err := r.Manifest(ctx, "o/app@"+idx); err != nil || len(m.Platforms) != 2 {
		t.Errorf("index: %+v, %v", m, err)
	}
	if _, err := r.Manifest(ctx, "o/app@"+fakeDigest("other")); !errors.Is(err, ErrNotInLock) {
		t.Errorf("unknown digest offline: %v, want ErrNotInLock", err)
	}
}
