package resolve

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/harden-dev/harden/transform"
)

// BenchmarkResolveShared runs the shape of the digest issue: 1,000 lookups
// (one per Dockerfile, all in flight together) naming 50 distinct
// references, against a backend answering each request after 50 ms, with
// jobs=8. A fresh Resolver per iteration: its cache lives for one run.
//
// It reports the backend calls per run (digests, and configurations in the
// "configs" case), the wall time of a run, and the floor: ⌈50/8⌉ rounds of
// 50 ms for digests alone; with configurations each reference needs a
// digest then a configuration, 100 dependent requests on 8 slots, at best
// ⌈100/8⌉ rounds.
func BenchmarkResolveShared(b *testing.B) {
	const (
		files   = 1000
		refs    = 50
		jobs    = 8
		latency = 50 * time.Millisecond
	)
	for _, configs := range []bool{false, true} {
		name := "digests"
		if configs {
			name = "configs"
		}
		b.Run(name, func(b *testing.B) {
			var calls, wall time.Duration
			var runs int
			for b.Loop() {
				f := newFakeImages(latency)
				for i := range refs {
					d := fakeDigest(fmt.Sprint(i))
					f.digests[fmt.Sprintf("docker.io/library/img%d:1.0", i)] = d
					f.configs[fmt.Sprintf("docker.io/library/img%d@%s", i, d)] = &transform.ImageConfig{User: "app"}
				}
				r := New(Options{Images: f, Jobs: jobs, SkipConfigs: !configs})
				start := time.Now()
				var wg sync.WaitGroup
				for i := range files {
					wg.Go(func() {
						if _, err := r.Image(context.Background(), fmt.Sprintf("img%d:1.0", i%refs)); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
				wall += time.Since(start)
				dc, cc := f.calls()
				want := refs
				if configs {
					want = 2 * refs
				}
				if dc+cc != want {
					b.Fatalf("%d backend calls, want %d", dc+cc, want)
				}
				calls += time.Duration(dc + cc)
				runs++
			}
			rounds := (refs + jobs - 1) / jobs
			if configs {
				rounds = (2*refs + jobs - 1) / jobs
			}
			floor := time.Duration(rounds) * latency
			b.ReportMetric(float64(calls)/float64(runs), "backend-calls/run")
			b.ReportMetric(float64(wall.Milliseconds())/float64(runs), "wall-ms/run")
			b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
			b.ReportMetric(float64(wall)/float64(runs)/float64(floor), "x-floor")
		})
	}
}
