package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/harden-dev/harden/internal/resolve"
)

// BenchmarkPinDigestCLI is the digest issue's benchmark through the whole
// CLI path (file discovery, the runner, parsing, pin-digest, the resolver,
// the registry client, the diff): `harden fix --select pin-digest --jobs 8`
// over 1,000 Dockerfiles naming 50 distinct references (Dockerfile i names
// app(i mod 50)), against go-containerregistry's registry on 127.0.0.1
// answering every request after 50 ms.
//
// It reports the manifest requests and pings of a run (want exactly 50
// and 1; the benchmark fails otherwise), the wall time, the parse time (the
// same run offline, every answer in the lock file: no network at all), the
// floor ⌈50/8⌉ × 50 ms + one 50 ms ping + the parse time, and the ratio of
// wall time to floor (the target is within 1.2).
func BenchmarkPinDigestCLI(b *testing.B) {
	const (
		files   = 1000
		refs    = 50
		jobs    = 8
		latency = 50 * time.Millisecond
	)
	b.Setenv("DOCKER_CONFIG", b.TempDir())
	reg := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	var mu sync.Mutex
	var slow bool
	var manifests, pings int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		s := slow
		if s {
			switch {
			case strings.Contains(r.URL.Path, "/manifests/"):
				manifests++
			case r.URL.Path == "/v2/":
				pings++
			}
		}
		mu.Unlock()
		if s {
			time.Sleep(latency)
		}
		reg.ServeHTTP(w, r)
	}))
	b.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	for i := range refs {
		img, err := random.Image(64, 1)
		if err != nil {
			b.Fatal(err)
		}
		ref, _ := name.ParseReference(fmt.Sprintf("%s/team/app%d:1.0", host, i))
		if err := remote.Write(ref, img); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("svc%04d", i), "Dockerfile")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		src := fmt.Sprintf("FROM %s/team/app%d:1.0\nRUN make\nCMD [\"app\"]\n", host, i%refs)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	fix := func(args ...string) {
		var stderr strings.Builder
		e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr}
		if code := run(append([]string{"fix", "--select", "pin-digest", "--jobs", fmt.Sprint(jobs)}, append(args, dir)...), e); code != 0 {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	// A lock file with every answer, for the offline (parsing) run.
	lock := resolve.NewLock()
	for i := range refs {
		key := fmt.Sprintf("%s/team/app%d:1.0", host, i)
		ref, _ := name.ParseReference(key)
		d, err := remote.Head(ref)
		if err != nil {
			b.Fatal(err)
		}
		lock.Images[key] = d.Digest.String()
	}
	lockFile := filepath.Join(b.TempDir(), "lock.json")
	if err := os.WriteFile(lockFile, lock.Marshal(), 0o644); err != nil {
		b.Fatal(err)
	}

	var wall, parse time.Duration
	var runs int
	for b.Loop() {
		mu.Lock()
		slow, manifests, pings = true, 0, 0
		mu.Unlock()
		start := time.Now()
		fix()
		wall += time.Since(start)
		mu.Lock()
		slow = false
		m, p := manifests, pings
		mu.Unlock()
		if m != refs || p != 1 {
			b.Fatalf("%d manifest requests and %d pings, want %d and 1", m, p, refs)
		}
		start = time.Now()
		fix("--offline", "--lock", lockFile)
		parse += time.Since(start)
		runs++
	}
	n := time.Duration(runs)
	floor := time.Duration((refs+jobs-1)/jobs)*latency + latency + parse/n
	b.ReportMetric(float64(refs), "manifest-requests/run")
	b.ReportMetric(1, "pings/run")
	b.ReportMetric(float64((wall / n).Milliseconds()), "wall-ms/run")
	b.ReportMetric(float64((parse / n).Milliseconds()), "parse-ms/run")
	b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
	b.ReportMetric(float64(wall/n)/float64(floor), "x-floor")
}
