package resolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-dev/harden/transform"
)

const pyKey = "docker.io/library/python:3.12-slim"

func pyFake() (*fakeImages, string) {
	f := newFakeImages(0)
	d := fakeDigest("python")
	f.digests[pyKey] = d
	f.configs["docker.io/library/python@"+d] = &transform.ImageConfig{User: "", Cmd: []string{"python3"}, Env: []string{"PATH=/usr/local/bin:/usr/bin"}, OS: "linux"}
	return f, d
}

func TestImageOnlineRecordsAndCaches(t *testing.T) {
	f, d := pyFake()
	var progress bytes.Buffer
	r := New(Options{Images: f, Progress: &progress})
	for _, ref := range []string{"python:3.12-slim", "docker.io/python:3.12-slim", "index.docker.io/library/python:3.12-slim"} {
		img, err := r.Image(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if img.Digest != d || img.Config == nil || img.Config.Cmd[0] != "python3" || img.Config.OS != "linux" {
			t.Fatalf("%s: got %+v", ref, img)
		}
	}
	if dc, cc := f.calls(); dc != 1 || cc != 1 {
		t.Fatalf("backend calls: %d digest, %d config; want 1 and 1", dc, cc)
	}
	data, changed := r.LockFile()
	if !changed {
		t.Fatal("lock not marked changed")
	}
	l, err := ParseLock(data)
	if err != nil {
		t.Fatal(err)
	}
	if l.Images[pyKey] != d || l.Configs[d].Cmd[0] != "python3" {
		t.Fatalf("lock: %s", data)
	}
	want := "resolving " + pyKey + "…\nreading the configuration of docker.io/library/python@" + d + "…\n"
	if progress.String() != want {
		t.Fatalf("progress:\n%q\nwant\n%q", progress.String(), want)
	}
}

func TestImageLockFirst(t *testing.T) {
	f, d := pyFake()
	lock := NewLock()
	lock.Images[pyKey] = d
	var progress bytes.Buffer
	r := New(Options{Images: f, Lock: lock, Progress: &progress})
	img, err := r.Image(context.Background(), "python:3.12-slim")
	if err != nil || img.Digest != d || img.Config == nil {
		t.Fatalf("got %+v, %v", img, err)
	}
	// The digest came from the lock; the missing config from the network.
	if dc, cc := f.calls(); dc != 0 || cc != 1 {
		t.Fatalf("backend calls: %d digest, %d config; want 0 and 1", dc, cc)
	}
	if strings.Contains(progress.String(), "resolving") {
		t.Fatalf("progress reported a lock hit: %q", progress.String())
	}
	// With the config recorded, a second run asks nothing.
	r2 := New(Options{Images: f, Lock: r.Lock()})
	if _, err := r2.Image(context.Background(), "python:3.12-slim"); err != nil {
		t.Fatal(err)
	}
	if dc, cc := f.calls(); dc != 0 || cc != 1 {
		t.Fatalf("second run asked the backend: %d digest, %d config", dc, cc)
	}
	if _, changed := r2.LockFile(); changed {
		t.Fatal("a run answered wholly from the lock changed it")
	}
}

func TestImageLockWinsOverMovedTag(t *testing.T) {
	f, d := pyFake()
	lock := NewLock()
	old := fakeDigest("old python")
	lock.Images[pyKey] = old
	lock.Configs[old] = transform.ImageConfig{User: "1000"}
	img, err := New(Options{Images: f, Lock: lock}).Image(context.Background(), "python:3.12-slim")
	if err != nil || img.Digest != old || img.Config.User != "1000" {
		t.Fatalf("got %+v, %v; want the locked %s", img, err, old)
	}
	_ = d
}

func TestImageUpdate(t *testing.T) {
	f, d := pyFake()
	lock := NewLock()
	old := fakeDigest("old python")
	other := fakeDigest("pinned elsewhere")
	lock.Images[pyKey] = old
	lock.Configs[old] = transform.ImageConfig{User: "1000"}
	lock.Configs[other] = transform.ImageConfig{User: "2000"}
	lock.Configs[d] = transform.ImageConfig{User: "from-lock"}
	r := New(Options{Images: f, Lock: lock, Update: true})
	img, err := r.Image(context.Background(), "python:3.12-slim")
	if err != nil || img.Digest != d {
		t.Fatalf("got %+v, %v; want %s", img, err, d)
	}
	// Configs are keyed by digest: the lock's answer still stands.
	if img.Config.User != "from-lock" {
		t.Fatalf("config %+v, want the lock's", img.Config)
	}
	if dc, cc := f.calls(); dc != 1 || cc != 0 {
		t.Fatalf("backend calls: %d digest, %d config; want 1 and 0", dc, cc)
	}
	l := r.Lock()
	if l.Images[pyKey] != d {
		t.Fatalf("lock image %s, want %s", l.Images[pyKey], d)
	}
	if _, ok := l.Configs[old]; ok {
		t.Fatal("config of the replaced digest kept")
	}
	if _, ok := l.Configs[other]; !ok {
		t.Fatal("config of an unrelated digest dropped")
	}
}

func TestImageOffline(t *testing.T) {
	f, d := pyFake()
	lock := NewLock()
	lock.Images[pyKey] = d
	r := New(Options{Images: f, Lock: lock, Offline: true, Update: true})
	img, err := r.Image(context.Background(), "python:3.12-slim")
	if err != nil || img.Digest != d || img.Config != nil {
		t.Fatalf("got %+v, %v; want the locked digest and no config", img, err)
	}
	_, err = r.Image(context.Background(), "nginx")
	if !errors.Is(err, ErrNotInLock) {
		t.Fatalf("got %v, want ErrNotInLock", err)
	}
	if want := "image docker.io/library/nginx:latest: not in lock file"; err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	if dc, cc := f.calls(); dc+cc != 0 {
		t.Fatalf("offline run asked the backend %d times", dc+cc)
	}
	if _, changed := r.LockFile(); changed {
		t.Fatal("offline run changed the lock")
	}
}

func TestImagePinnedReference(t *testing.T) {
	f, d := pyFake()
	r := New(Options{Images: f})
	img, err := r.Image(context.Background(), "python:3.12-slim@"+d)
	if err != nil || img.Digest != d || img.Config == nil {
		t.Fatalf("got %+v, %v", img, err)
	}
	if dc, cc := f.calls(); dc != 0 || cc != 1 {
		t.Fatalf("backend calls: %d digest, %d config; want 0 and 1", dc, cc)
	}
	if l := r.Lock(); len(l.Images) != 0 || len(l.Configs) != 1 {
		t.Fatalf("lock %s", l.Marshal())
	}
}

func TestImageSkipConfigs(t *testing.T) {
	f, d := pyFake()
	r := New(Options{Images: f, SkipConfigs: true})
	img, err := r.Image(context.Background(), "python:3.12-slim")
	if err != nil || img.Digest != d || img.Config != nil {
		t.Fatalf("got %+v, %v", img, err)
	}
	if dc, cc := f.calls(); dc != 1 || cc != 0 {
		t.Fatalf("backend calls: %d digest, %d config; want 1 and 0", dc, cc)
	}
}

func TestImageErrorsNameKeyAndAreRemembered(t *testing.T) {
	f := newFakeImages(0)
	r := New(Options{Images: f})
	for range 3 {
		_, err := r.Image(context.Background(), "ghcr.io/o/missing:v1")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
		var le *LookupError
		if !errors.As(err, &le) || le.Key != "ghcr.io/o/missing:v1" || !strings.HasPrefix(err.Error(), "image ghcr.io/o/missing:v1: not found") {
			t.Fatalf("error %q does not name the key", err)
		}
	}
	if dc, _ := f.calls(); dc != 1 {
		t.Fatalf("%d backend calls for one failing key, want 1", dc)
	}
	if _, err := r.Image(context.Background(), "${BASE}"); err == nil || !strings.Contains(err.Error(), "${BASE}") {
		t.Fatalf("unparsable reference: %v", err)
	}
	if _, changed := r.LockFile(); changed {
		t.Fatal("failures changed the lock")
	}
}

func TestImageNoBackend(t *testing.T) {
	_, err := New(Options{}).Image(context.Background(), "alpine:3")
	if err == nil || !strings.Contains(err.Error(), "no registry") {
		t.Fatalf("got %v", err)
	}
}

func TestConcurrentLookupsShareOneRequest(t *testing.T) {
	f, d := pyFake()
	f.gate = make(chan struct{})
	r := New(Options{Images: f, SkipConfigs: true})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			img, err := r.Image(context.Background(), "python:3.12-slim")
			if err == nil && img.Digest != d {
				err = fmt.Errorf("digest %s", img.Digest)
			}
			errs <- err
		})
	}
	// Let every caller join the flight before it completes.
	waitFor(t, func() bool { return f.inFlight.Load() == 1 })
	time.Sleep(10 * time.Millisecond)
	close(f.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if dc, _ := f.calls(); dc != 1 {
		t.Fatalf("%d backend calls, want 1", dc)
	}
}

func TestJobsBoundLookups(t *testing.T) {
	f := newFakeImages(0)
	f.gate = make(chan struct{})
	for i := range 20 {
		f.digests[fmt.Sprintf("docker.io/library/img%d:1", i)] = fakeDigest(fmt.Sprint(i))
	}
	r := New(Options{Images: f, SkipConfigs: true, Jobs: 3})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := r.Image(context.Background(), fmt.Sprintf("img%d:1", i)); err != nil {
				t.Error(err)
			}
		})
	}
	// Three lookups reach the backend; the other seventeen wait for a slot.
	waitFor(t, func() bool { return f.inFlight.Load() == 3 })
	time.Sleep(20 * time.Millisecond)
	close(f.gate)
	wg.Wait()
	if m := f.maxInFlight.Load(); m != 3 {
		t.Fatalf("max %d lookups in flight, want 3", m)
	}
	if dc, _ := f.calls(); dc != 20 {
		t.Fatalf("%d backend calls, want 20", dc)
	}
}

func TestAbandonedLookupIsCancelledAndRetried(t *testing.T) {
	f, d := pyFake()
	f.gate = make(chan struct{})
	r := New(Options{Images: f, SkipConfigs: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := r.Image(ctx, "python:3.12-slim")
		done <- err
	}()
	waitFor(t, func() bool { return f.inFlight.Load() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	// The backend lookup itself was cancelled, not left running.
	waitFor(t, func() bool { return f.inFlight.Load() == 0 })
	close(f.gate)
	img, err := r.Image(context.Background(), "python:3.12-slim")
	if err != nil || img.Digest != d {
		t.Fatalf("retry: %+v, %v", img, err)
	}
	if dc, _ := f.calls(); dc != 2 {
		t.Fatalf("%d backend calls, want 2 (abandoned, then retried)", dc)
	}
}

func TestOneCallerGivingUpDoesNotCancelOthers(t *testing.T) {
	f, d := pyFake()
	f.gate = make(chan struct{})
	r := New(Options{Images: f, SkipConfigs: true})
	ctx, cancel := context.WithCancel(context.Background())
	quitter := make(chan error)
	stayer := make(chan error)
	go func() { _, err := r.Image(ctx, "python:3.12-slim"); quitter <- err }()
	waitFor(t, func() bool { return f.inFlight.Load() == 1 })
	go func() {
		img, err := r.Image(context.Background(), "python:3.12-slim")
		if err == nil && img.Digest != d {
			err = fmt.Errorf("digest %s", img.Digest)
		}
		stayer <- err
	}()
	waitFor(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		fl := r.flights["image "+pyKey]
		return fl != nil && fl.waiters == 2
	})
	cancel()
	if err := <-quitter; !errors.Is(err, context.Canceled) {
		t.Fatalf("quitter: %v", err)
	}
	close(f.gate)
	if err := <-stayer; err != nil {
		t.Fatalf("stayer: %v", err)
	}
	if dc, _ := f.calls(); dc != 1 {
		t.Fatalf("%d backend calls, want 1", dc)
	}
}

func TestURL(t *testing.T) {
	u := &fakeURLs{content: map[string]string{"https://example.com/install.sh?a=1&b=2": "echo hi\n"}}
	var progress bytes.Buffer
	r := New(Options{URLs: u, Progress: &progress})
	for range 3 {
		d, err := r.URL(context.Background(), "https://example.com/install.sh?a=1&b=2")
		if err != nil || d.Size != 8 || len(d.SHA256) != 64 {
			t.Fatalf("got %+v, %v", d, err)
		}
	}
	if n := u.calls.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	if progress.String() != "fetching https://example.com/install.sh?a=1&b=2…\n" {
		t.Fatalf("progress %q", progress.String())
	}
	data, changed := r.LockFile()
	if !changed || !bytes.Contains(data, []byte(`"https://example.com/install.sh?a=1&b=2": "sha256:`)) {
		t.Fatalf("lock (changed=%v):\n%s", changed, data)
	}
	// Offline, the lock answers; the size is unknown.
	l, err := ParseLock(data)
	if err != nil {
		t.Fatal(err)
	}
	off := New(Options{Lock: l, Offline: true})
	d, err := off.URL(context.Background(), "https://example.com/install.sh?a=1&b=2")
	if err != nil || d.Size != -1 || "sha256:"+d.SHA256 != l.URLs["https://example.com/install.sh?a=1&b=2"] {
		t.Fatalf("offline: %+v, %v", d, err)
	}
	_, err = off.URL(context.Background(), "https://example.com/other.sh")
	if !errors.Is(err, ErrNotInLock) || err.Error() != "url https://example.com/other.sh: not in lock file" {
		t.Fatalf("offline miss: %v", err)
	}
	_, err = r.URL(context.Background(), "https://example.com/404")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "url https://example.com/404: not found") {
		t.Fatalf("404: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
