package resolve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harden-dev/harden/transform"
)

// fakeDigest is a well-formed digest derived from s.
func fakeDigest(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(h[:])
}

// fakeImages is an ImageSource with a fixed answer per key, an optional
// latency, and counters.
type fakeImages struct {
	latency time.Duration
	digests map[string]string                 // key → digest; missing keys are ErrNotFound
	configs map[string]*transform.ImageConfig // digest ref → config
	gate    chan struct{}                     // when set, lookups wait for it

	mu          sync.Mutex
	digestCalls map[string]int
	configCalls map[string]int

	inFlight, maxInFlight atomic.Int32
}

func newFakeImages(latency time.Duration) *fakeImages {
	return &fakeImages{
		latency:     latency,
		digests:     map[string]string{},
		configs:     map[string]*transform.ImageConfig{},
		digestCalls: map[string]int{},
		configCalls: map[string]int{},
	}
}

func (f *fakeImages) wait(ctx context.Context) error {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (f *fakeImages) Digest(ctx context.Context, ref string) (string, error) {
	f.mu.Lock()
	f.digestCalls[ref]++
	f.mu.Unlock()
	if err := f.wait(ctx); err != nil {
		return "", err
	}
	d, ok := f.digests[ref]
	if !ok {
		return "", fmt.Errorf("%w: MANIFEST_UNKNOWN %s", ErrNotFound, ref)
	}
	return d, nil
}

func (f *fakeImages) Config(ctx context.Context, ref string) (*transform.ImageConfig, error) {
	f.mu.Lock()
	f.configCalls[ref]++
	f.mu.Unlock()
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	c, ok := f.configs[ref]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, ref)
	}
	return c, nil
}

func (f *fakeImages) calls() (digest, config int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.digestCalls {
		digest += n
	}
	for _, n := range f.configCalls {
		config += n
	}
	return digest, config
}

// fakeURLs is a URLSource serving fixed content.
type fakeURLs struct {
	content map[string]string
	calls   atomic.Int32
}

func (f *fakeURLs) Fetch(ctx context.Context, url string) (transform.Download, error) {
	f.calls.Add(1)
	c, ok := f.content[url]
	if !ok {
		return transform.Download{}, fmt.Errorf("%w: GET %s: 404 Not Found", ErrNotFound, url)
	}
	h := sha256.Sum256([]byte(c))
	return transform.Download{SHA256: hex.EncodeToString(h[:]), Size: int64(len(c))}, nil
}
