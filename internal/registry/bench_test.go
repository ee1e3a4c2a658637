package registry

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/harden-dev/harden/internal/resolve"
)

// BenchmarkPinShape is the digest issue's benchmark on the real backend:
// 1,000 lookups naming 50 distinct references (50 repositories of one
// registry), a registry that answers every request after 50 ms, jobs=8,
// digests only. It reports the manifest requests and pings per run (want
// 50 and 1), the wall time, and the floor ⌈50/8⌉ × 50 ms plus one ping.
func BenchmarkPinShape(b *testing.B) {
	const (
		files   = 1000
		refs    = 50
		jobs    = 8
		latency = 50 * time.Millisecond
	)
	tr := newTestRegistry(b, false)
	for i := range refs {
		tr.PushImage(b, fmt.Sprintf("team/app%d:1.0", i), image(b, "linux", "amd64", v1.Config{}))
	}
	tr.SetWrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		time.Sleep(latency)
		next.ServeHTTP(w, r)
	})
	var wall time.Duration
	var manifests, pings, runs int
	for b.Loop() {
		tr.Reset()
		reg := newRegistry(b, Options{})
		res := resolve.New(resolve.Options{Images: reg, Jobs: jobs, SkipConfigs: true})
		start := time.Now()
		var wg sync.WaitGroup
		for i := range files {
			wg.Go(func() {
				if _, err := res.Image(context.Background(), fmt.Sprintf("%s/team/app%d:1.0", tr.Host, i%refs)); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		wall += time.Since(start)
		m := tr.Count("HEAD", "/manifests/") + tr.Count("GET", "/manifests/")
		if m != refs {
			b.Fatalf("%d manifest requests, want %d", m, refs)
		}
		manifests += m
		pings += pingCount(tr)
		runs++
	}
	floor := time.Duration((refs+jobs-1)/jobs)*latency + latency
	b.ReportMetric(float64(manifests)/float64(runs), "manifest-requests/run")
	b.ReportMetric(float64(pings)/float64(runs), "pings/run")
	b.ReportMetric(float64(wall.Milliseconds())/float64(runs), "wall-ms/run")
	b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
	b.ReportMetric(float64(wall)/float64(runs)/float64(floor), "x-floor")
}
