package resolve

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
)

// fakeTags adds tag listing to fakeImages.
type fakeTags struct {
	*fakeImages
	tags map[string][]string // repository → tags

	mu    sync.Mutex
	calls int
}

func (f *fakeTags) Tags(ctx context.Context, repository string) ([]string, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	t, ok := f.tags[repository]
	if !ok {
		return nil, ErrNotFound
	}
	return t, nil
}

func TestTagsOnlineOncePerRepository(t *testing.T) {
	src := &fakeTags{fakeImages: newFakeImages(0), tags: map[string][]string{
		"docker.io/library/nginx": {"latest", "1.27.3", "1", "1.27", "1.27"},
	}}
	r := New(Options{Images: src})
	var wg sync.WaitGroup
	for _, ref := range []string{"nginx", "nginx:1.27", "docker.io/library/nginx", "index.docker.io/library/nginx:latest"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := r.Tags(context.Background(), ref)
			if err != nil {
				t.Error(err)
				return
			}
			if want := []string{"1", "1.27", "1.27.3", "latest"}; !slices.Equal(got, want) {
				t.Errorf("%s: tags %v, want %v (sorted, without duplicates)", ref, got, want)
			}
		}()
	}
	wg.Wait()
	if src.calls != 1 {
		t.Errorf("%d listings, want 1 per repository per run", src.calls)
	}
	if _, err := r.Tags(context.Background(), "ghcr.io/o/missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing repository: %v, want ErrNotFound", err)
	}
}

// Offline, the tags of a repository are those the lock records for it.
func TestTagsOfflineFromLock(t *testing.T) {
	lock := NewLock()
	lock.Images["docker.io/library/nginx:latest"] = fakeDigest("a")
	lock.Images["docker.io/library/nginx:1.27.3"] = fakeDigest("a")
	lock.Images["docker.io/library/nginxx:9"] = fakeDigest("b")
	lock.Images["ghcr.io/library/nginx:2"] = fakeDigest("c")
	src := &fakeTags{fakeImages: newFakeImages(0)}
	r := New(Options{Images: src, Lock: lock, Offline: true})
	got, err := r.Tags(context.Background(), "nginx")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1.27.3", "latest"}; !slices.Equal(got, want) {
		t.Errorf("tags %v, want %v", got, want)
	}
	if src.calls != 0 {
		t.Errorf("offline run listed tags %d times", src.calls)
	}
	// A registry with a port: the tag follows the last colon.
	lock.Images["localhost:5000/team/web:1.2"] = fakeDigest("d")
	lock.Images["localhost:5000/team/web:latest"] = fakeDigest("d")
	lock.Images["localhost:5000/team/webapp:3"] = fakeDigest("e")
	r = New(Options{Images: src, Lock: lock, Offline: true})
	got, err = r.Tags(context.Background(), "localhost:5000/team/web")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1.2", "latest"}; !slices.Equal(got, want) {
		t.Errorf("tags with a port %v, want %v", got, want)
	}
}

// A backend that cannot list tags gives a clear error, not a panic.
func TestTagsWithoutLister(t *testing.T) {
	r := New(Options{Images: newFakeImages(0)})
	_, err := r.Tags(context.Background(), "nginx")
	var le *LookupError
	if !errors.As(err, &le) || le.Kind != "tags" {
		t.Errorf("got %v, want a tags LookupError", err)
	}
}
