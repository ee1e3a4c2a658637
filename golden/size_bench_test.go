package golden

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/transform"
)

// Memory against input size, measured by `make bench`: the whole pipeline
// (every fix, and readEverything computing every span, shell parse and
// fact) over generated Dockerfiles of 64 KiB, 256 KiB and 1 MiB (harden's
// default --max-size) of two shapes:
//   - plain: stages of ordinary instructions (RUN apt-get with
//     continuations, COPY, WORKDIR, EXPOSE, comments), some built FROM the
//     stage before;
//   - argenv: one long stage of ARG and ENV lines that reference each other
//     (and RUNs using them), the shape that made expansion costly;
//   - chain: a stage of ENV lines, then the deepest chain harden accepts
//     (transform.MaxChainDepth stages, each FROM the one before) each
//     setting a variable of its own: the worst case of the facts' sharing,
//     where each stage copies the variables.
// Each reports B/op and allocs/op (-benchmem), peak-B (the highest heap in
// use seen while it ran) and B/in-B (B/op per byte of input): memory is
// proportional to the input when B/in-B stays flat as the size grows.

var sizeShapes = []struct {
	name string
	gen  func(size int) []byte
}{
	{"plain", plainDockerfile},
	{"argenv", argEnvDockerfile},
	{"chain", chainDockerfile},
}

var sizeSteps = []int{64 << 10, 256 << 10, 1 << 20}

// plainDockerfile is an ordinary multi-stage Dockerfile of about size bytes.
func plainDockerfile(size int) []byte {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		from := "debian:bookworm"
		if i > 0 && i%3 != 0 {
			from = fmt.Sprintf("s%d", i-1)
		}
		fmt.Fprintf(&b, "# stage %d\nFROM %s AS s%d\nWORKDIR /app/%d\n", i, from, i, i)
		fmt.Fprintf(&b, "RUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl ca-certificates git \\\n    && rm -rf /var/lib/apt/lists/*\n")
		fmt.Fprintf(&b, "COPY src/%d /app/%d/\nRUN make -C /app/%d build && ./configure --prefix=/usr/local\n", i, i, i)
		fmt.Fprintf(&b, "EXPOSE %d\nCMD [\"/app/%d/run\", \"--port\", \"%d\"]\n\n", 8000+i%1000, i, 8000+i%1000)
	}
	return []byte(b.String())
}

// argEnvDockerfile is one stage of about size bytes made of ARG and ENV
// lines that reference earlier ones, with a RUN, COPY and USER using them
// now and then.
func argEnvDockerfile(size int) []byte {
	var b strings.Builder
	b.WriteString("ARG BASE=debian:bookworm\nFROM ${BASE}\nARG A0=root\nENV E0=/opt\n")
	for i := 1; b.Len() < size; i++ {
		fmt.Fprintf(&b, "ARG A%d=${A%d}-%d\n", i, i/2, i)
		fmt.Fprintf(&b, "ENV E%d=${E%d}/${A%d} F%d=$A%d\n", i, i/2, i-1, i, i)
		if i%16 == 0 {
			fmt.Fprintf(&b, "RUN mkdir -p ${E%d} && chown ${A%d} $F%d\nCOPY x ${E%d}/\nWORKDIR ${E%d}\n", i, i, i, i, i)
		}
	}
	b.WriteString("CMD [\"sh\"]\n")
	return []byte(b.String())
}

// chainDockerfile is a stage of about size bytes of ENV lines, then a
// chain of stages, each FROM the one before and setting a variable.
func chainDockerfile(size int) []byte {
	var b strings.Builder
	b.WriteString("FROM debian:bookworm AS s0\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "ENV V%d=value-%d\n", i, i)
	}
	for i := 1; i < transform.MaxChainDepth; i++ {
		fmt.Fprintf(&b, "FROM s%d AS s%d\nENV W%d=%d\n", i-1, i, i, i)
	}
	b.WriteString("CMD [\"x\"]\n")
	return []byte(b.String())
}

func BenchmarkSize(b *testing.B) {
	opts := transform.Options{Fixes: append(fixes.All(), readEverything), Offline: true}
	for _, shape := range sizeShapes {
		for _, size := range sizeSteps {
			src := shape.gen(size)
			b.Run(fmt.Sprintf("%s/%dKiB", shape.name, size>>10), func(b *testing.B) {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				peak := heapPeak()
				b.ReportAllocs()
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					res, err := transform.Run(context.Background(), "Dockerfile", src, opts)
					if err != nil {
						b.Fatal(err)
					}
					if res.Changed() {
						_ = res.Diff()
					}
				}
				b.ReportMetric(float64(peak()), "peak-B")
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(src)), "B/in-B")
			})
		}
	}
}

// heapPeak samples the heap in use every millisecond until the returned
// function is called, which stops it and returns the highest value seen.
func heapPeak() func() uint64 {
	var max atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > max.Load() {
				max.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		wg.Wait()
		return max.Load()
	}
}
