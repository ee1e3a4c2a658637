package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/harden-dev/harden/internal/registry/registrytest"
	"github.com/harden-dev/harden/internal/resolve"
)

// testRegistry is go-containerregistry's registry in process, behind a
// front server whose middleware lets a test break the protocol.
type testRegistry = registrytest.Server

func newTestRegistry(t testing.TB, tls bool) *testRegistry { return registrytest.New(t, tls) }

// image returns a random image with the given platform and config.
func image(t testing.TB, os, arch string, cfg v1.Config) v1.Image {
	return registrytest.Image(t, os, arch, cfg)
}

// served is the digest go-containerregistry's remote.Head (what crane
// digest prints) reports for ref.
func served(t testing.TB, ref string, opts ...remote.Option) string {
	t.Helper()
	n, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(n, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return desc.Digest.String()
}

func newRegistry(t testing.TB, opts Options) *Registry {
	t.Helper()
	if opts.Keychain == nil {
		opts.Keychain = noCreds{}
	}
	if opts.Backoff == 0 {
		opts.Backoff = time.Millisecond
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// noCreds keeps the tests away from the machine's Docker configuration.
type noCreds struct{}

func (noCreds) Resolve(authn.Resource) (authn.Authenticator, error) { return authn.Anonymous, nil }

func TestDigestAndConfigOfImage(t *testing.T) {
	tr := newTestRegistry(t, false)
	img := image(t, "linux", "amd64", v1.Config{
		User: "app", Env: []string{"PATH=/usr/bin", "LANG=C.UTF-8"},
		Entrypoint: []string{"/entrypoint.sh"}, Cmd: []string{"serve", "--port=80"}, WorkingDir: "/srv",
	})
	tr.PushImage(t, "team/app:v1", img)
	r := newRegistry(t, Options{})
	ref := tr.Host + "/team/app:v1"

	got, err := r.Digest(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if got != want.String() || got != served(t, tr.Push+"/team/app:v1") {
		t.Fatalf("digest %s, want %s", got, want)
	}
	if h, g := tr.Count("HEAD", "/manifests/v1"), tr.Count("GET", "/manifests/"); h != 1 || g != 0 {
		t.Fatalf("%d HEAD and %d GET manifest requests, want 1 and 0", h, g)
	}

	cfg, err := r.Config(context.Background(), tr.Host+"/team/app@"+got)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User != "app" || cfg.WorkingDir != "/srv" || cfg.OS != "linux" ||
		strings.Join(cfg.Env, " ") != "PATH=/usr/bin LANG=C.UTF-8" ||
		strings.Join(cfg.Entrypoint, " ") != "/entrypoint.sh" || strings.Join(cfg.Cmd, " ") != "serve --port=80" {
		t.Fatalf("config %+v", cfg)
	}
}

func TestMultiPlatformIndex(t *testing.T) {
	tr := newTestRegistry(t, false)
	arm := image(t, "linux", "arm64", v1.Config{User: "arm"})
	amd := image(t, "linux", "amd64", v1.Config{User: "amd"})
	att := image(t, "unknown", "unknown", v1.Config{})
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
		mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
			Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"},
		}},
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
	)
	tr.PushIndex(t, "library/python:3.12-slim", idx)
	r := newRegistry(t, Options{})

	got, err := r.Digest(context.Background(), tr.Host+"/library/python:3.12-slim")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := idx.Digest()
	amdDigest, _ := amd.Digest()
	if got != want.String() || got != served(t, tr.Push+"/library/python:3.12-slim") || got == amdDigest.String() {
		t.Fatalf("digest %s, want the index digest %s", got, want)
	}
	cfg, err := r.Config(context.Background(), tr.Host+"/library/python@"+got)
	if err != nil || cfg.User != "amd" || cfg.OS != "linux" {
		t.Fatalf("config %+v, %v; want linux/amd64's", cfg, err)
	}
}

func TestWindowsOnlyIndex(t *testing.T) {
	tr := newTestRegistry(t, false)
	win := image(t, "windows", "amd64", v1.Config{User: "ContainerUser"})
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: win, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.1"}}},
	)
	tr.PushIndex(t, "windows/servercore:ltsc2022", idx)
	r := newRegistry(t, Options{})
	d, err := r.Digest(context.Background(), tr.Host+"/windows/servercore:ltsc2022")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := r.Config(context.Background(), tr.Host+"/windows/servercore@"+d)
	if err != nil || cfg.OS != "windows" || cfg.User != "ContainerUser" {
		t.Fatalf("config %+v, %v", cfg, err)
	}
}

func TestNotFound(t *testing.T) {
	tr := newTestRegistry(t, false)
	tr.PushImage(t, "team/app:v1", image(t, "linux", "amd64", v1.Config{}))
	r := newRegistry(t, Options{})
	for _, ref := range []string{tr.Host + "/team/app:v2", tr.Host + "/team/nothing:v1"} {
		_, err := r.Digest(context.Background(), ref)
		if !errors.Is(err, resolve.ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", ref, err)
		}
	}
	_, err := r.Config(context.Background(), tr.Host+"/team/app@sha256:"+strings.Repeat("0", 64))
	if !errors.Is(err, resolve.ErrNotFound) {
		t.Errorf("config of a missing digest: %v", err)
	}
}

// stripDigest drops the Docker-Content-Digest header of a response.
type stripDigest struct{ http.ResponseWriter }

func (s stripDigest) WriteHeader(code int) {
	s.Header().Del("Docker-Content-Digest")
	s.ResponseWriter.WriteHeader(code)
}

func isManifest(r *http.Request) bool { return strings.Contains(r.URL.Path, "/manifests/") }

func TestHeadWithoutDigestFallsBackToGet(t *testing.T) {
	tr := newTestRegistry(t, false)
	img := image(t, "linux", "amd64", v1.Config{})
	tr.PushImage(t, "team/app:v1", img)
	tr.SetWrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodHead && isManifest(r) {
			w = stripDigest{w}
		}
		next.ServeHTTP(w, r)
	})
	got, err := newRegistry(t, Options{}).Digest(context.Background(), tr.Host+"/team/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := img.Digest(); got != want.String() {
		t.Fatalf("digest %s, want %s", got, want)
	}
	if h, g := tr.Count("HEAD", "/manifests/v1"), tr.Count("GET", "/manifests/v1"); h != 1 || g != 1 {
		t.Fatalf("%d HEAD and %d GET, want 1 and 1", h, g)
	}
}

func TestBasicAuthFromDockerConfig(t *testing.T) {
	tr := newTestRegistry(t, false)
	img := image(t, "linux", "amd64", v1.Config{User: "secret"})
	tr.PushImage(t, "private/app:v1", img)
	tr.SetWrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if u, p, ok := r.BasicAuth(); ok && u == "alice" && p == "s3cret" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
	})
	ref := tr.Host + "/private/app:v1"
	dockerConfig := func(user, pass string) {
		dir := t.TempDir()
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		cfg := fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, tr.Host, auth)
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("DOCKER_CONFIG", dir)
	}
	// The default keychain looks at $HOME/.docker first: keep the
	// machine's own configuration out.
	t.Setenv("HOME", t.TempDir())
	t.Setenv("REGISTRY_AUTH_FILE", "")
	t.Setenv("XDG_RUNTIME_DIR", "")

	dockerConfig("alice", "s3cret")
	r, err := New(Options{Backoff: time.Millisecond}) // authn.DefaultKeychain
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Digest(context.Background(), ref)
	if want, _ := img.Digest(); err != nil || got != want.String() {
		t.Fatalf("digest %s, %v; want %s", got, err, want)
	}
	cfg, err := r.Config(context.Background(), tr.Host+"/private/app@"+got)
	if err != nil || cfg.User != "secret" {
		t.Fatalf("config %+v, %v", cfg, err)
	}

	for _, c := range []struct{ user, pass string }{{"alice", "wrong"}, {"", ""}} {
		if c.user == "" {
			t.Setenv("DOCKER_CONFIG", t.TempDir()) // no config.json: anonymous
		} else {
			dockerConfig(c.user, c.pass)
		}
		r, err := New(Options{Backoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Digest(context.Background(), ref)
		if !errors.Is(err, resolve.ErrUnauthorized) {
			t.Errorf("user %q: got %v, want ErrUnauthorized", c.user, err)
		}
	}
}

func TestRetries429HonouringRetryAfter(t *testing.T) {
	t.Parallel()
	tr := newTestRegistry(t, false)
	img := image(t, "linux", "amd64", v1.Config{})
	tr.PushImage(t, "team/app:v1", img)
	var mu sync.Mutex
	failures := 0
	tr.SetWrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		mu.Lock()
		fail := isManifest(r) && failures < 2
		if fail {
			failures++
		}
		n := failures
		mu.Unlock()
		switch {
		case fail && n == 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case fail:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			next.ServeHTTP(w, r)
		}
	})
	start := time.Now()
	got, err := newRegistry(t, Options{}).Digest(context.Background(), tr.Host+"/team/app:v1")
	if want, _ := img.Digest(); err != nil || got != want.String() {
		t.Fatalf("digest %s, %v; want %s", got, err, want)
	}
	if el := time.Since(start); el < time.Second {
		t.Fatalf("answered after %s: Retry-After: 1 not honoured", el)
	}
	if h := tr.Count("HEAD", "/manifests/v1"); h != 3 {
		t.Fatalf("%d HEAD requests, want 3 (429, 503, 200)", h)
	}
}

func TestPersistent5xxIsAnError(t *testing.T) {
	t.Parallel()
	tr := newTestRegistry(t, false)
	tr.SetWrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if isManifest(r) {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		next.ServeHTTP(w, r)
	})
	_, err := newRegistry(t, Options{Attempts: 3}).Digest(context.Background(), tr.Host+"/team/app:v1")
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("got %v, want a 502 error", err)
	}
	// HEAD tried 3 times, then the GET fallback 3 times.
	if h, g := tr.Count("HEAD", "/manifests/v1"), tr.Count("GET", "/manifests/v1"); h != 3 || g != 3 {
		t.Fatalf("%d HEAD and %d GET, want 3 and 3", h, g)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	tr := newTestRegistry(t, false)
	tr.SetWrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if isManifest(r) {
			<-r.Context().Done() // never answers
			return
		}
		next.ServeHTTP(w, r)
	})
	start := time.Now()
	_, err := newRegistry(t, Options{Timeout: 200 * time.Millisecond}).Digest(context.Background(), tr.Host+"/team/app:v1")
	if !errors.Is(err, resolve.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("timed out after %s", el)
	}
}

func TestCallerCancellationIsNotATimeout(t *testing.T) {
	t.Parallel()
	tr := newTestRegistry(t, false)
	tr.SetWrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) { <-r.Context().Done() })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := newRegistry(t, Options{}).Digest(ctx, tr.Host+"/team/app:v1")
	if !errors.Is(err, context.Canceled) || errors.Is(err, resolve.ErrTimeout) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestTLSRegistry(t *testing.T) {
	t.Parallel()
	tr := newTestRegistry(t, true)
	img := image(t, "linux", "amd64", v1.Config{})
	tr.PushImage(t, "team/app:v1", img)
	got, err := newRegistry(t, Options{Transport: tr.Front.Client().Transport}).Digest(context.Background(), tr.Host+"/team/app:v1")
	if want, _ := img.Digest(); err != nil || got != want.String() {
		t.Fatalf("digest %s, %v; want %s", got, err, want)
	}
}

func TestInsecureRegistry(t *testing.T) {
	t.Parallel()
	tr := newTestRegistry(t, false)
	img := image(t, "linux", "amd64", v1.Config{})
	tr.PushImage(t, "team/app:v1", img)
	// A registry name outside go-containerregistry's localhost heuristic,
	// dialled on the test server: HTTPS is tried unless it is insecure.
	_, port, _ := net.SplitHostPort(tr.Host)
	host := "registry.harden.test:" + port
	dial := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, tr.Host)
	}}
	ref := host + "/team/app:v1"
	if _, err := newRegistry(t, Options{Transport: dial}).Digest(context.Background(), ref); err == nil {
		t.Fatal("plain HTTP registry reached without being marked insecure")
	}
	got, err := newRegistry(t, Options{Transport: dial, Insecure: []string{host}}).Digest(context.Background(), ref)
	if want, _ := img.Digest(); err != nil || got != want.String() {
		t.Fatalf("digest %s, %v; want %s", got, err, want)
	}
}

func TestPinnedReferenceIsItsOwnDigest(t *testing.T) {
	d := "sha256:" + strings.Repeat("a", 64)
	got, err := newRegistry(t, Options{}).Digest(context.Background(), "registry.invalid/x@"+d)
	if err != nil || got != d {
		t.Fatalf("got %s, %v", got, err)
	}
}

func TestArtifactHasNoConfig(t *testing.T) {
	tr := newTestRegistry(t, false)
	art := mutate.ConfigMediaType(image(t, "linux", "amd64", v1.Config{}), "application/vnd.cncf.helm.config.v1+json")
	tr.PushImage(t, "charts/app:1.0", art)
	r := newRegistry(t, Options{})
	d, err := r.Digest(context.Background(), tr.Host+"/charts/app:1.0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := r.Config(context.Background(), tr.Host+"/charts/app@"+d)
	if err != nil || cfg != nil {
		t.Fatalf("config %+v, %v; want none", cfg, err)
	}
}

// pings counts the requests to the registry's /v2/ endpoint.
func pingCount(tr *testRegistry) int {
	n := 0
	for _, r := range tr.Requests() {
		if r == "GET /v2/" {
			n++
		}
	}
	return n
}

func TestOnePingPerRegistry(t *testing.T) {
	tr := newTestRegistry(t, false)
	for i := range 5 {
		tr.PushImage(t, fmt.Sprintf("team/app%d:v1", i), image(t, "linux", "amd64", v1.Config{}))
	}
	r := newRegistry(t, Options{})
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if _, err := r.Digest(context.Background(), fmt.Sprintf("%s/team/app%d:v1", tr.Host, i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := pingCount(tr); n != 1 {
		t.Fatalf("%d pings for 5 repositories of one registry, want 1", n)
	}
	if n := tr.Count("HEAD", "/manifests/"); n != 5 {
		t.Fatalf("%d manifest requests, want 5", n)
	}
}

// TestResolverOverRegistry runs the resolver on the real backend: many
// files naming a few references, one request per reference.
func TestResolverOverRegistry(t *testing.T) {
	tr := newTestRegistry(t, false)
	img := image(t, "linux", "amd64", v1.Config{User: "app", Cmd: []string{"run"}})
	tr.PushImage(t, "team/app:v1", img)
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	tr.PushIndex(t, "team/multi:v1", idx)
	res := resolve.New(resolve.Options{Images: newRegistry(t, Options{})})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			ref := tr.Host + "/team/app:v1"
			if i%2 == 1 {
				ref = tr.Host + "/team/multi:v1"
			}
			got, err := res.Image(context.Background(), ref)
			if err != nil || got.Config == nil || got.Config.User != "app" {
				t.Errorf("%s: %+v, %v", ref, got, err)
			}
		})
	}
	wg.Wait()
	if h := tr.Count("HEAD", "/manifests/v1"); h != 2 {
		t.Fatalf("%d HEAD requests for 2 references, want 2", h)
	}
	data, changed := res.LockFile()
	imgDigest, _ := img.Digest()
	idxDigest, _ := idx.Digest()
	for _, want := range []string{
		fmt.Sprintf("%q: %q", tr.Host+"/team/app:v1", imgDigest.String()),
		fmt.Sprintf("%q: %q", tr.Host+"/team/multi:v1", idxDigest.String()),
	} {
		if !changed || !strings.Contains(string(data), want) {
			t.Fatalf("lock lacks %s:\n%s", want, data)
		}
	}
}

// pageTags serves the tag list in pages of n, with the Link header of the
// distribution spec, as Docker Hub and other registries do.
func pageTags(n int) func(w http.ResponseWriter, r *http.Request, next http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			next.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		q.Set("n", strconv.Itoa(n))
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r2)
		if rec.Code != http.StatusOK {
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		var page struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if len(page.Tags) == n {
			nq := url.Values{"n": {strconv.Itoa(n)}, "last": {page.Tags[n-1]}}
			w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, r.URL.Path, nq.Encode()))
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(page)
	}
}

func TestTagsFollowPagination(t *testing.T) {
	tr := newTestRegistry(t, false)
	img := image(t, "linux", "amd64", v1.Config{})
	want := []string{"1", "1.27", "1.27.3", "1.27.3-bookworm", "bookworm", "latest", "mainline"}
	for _, tag := range want {
		tr.PushImage(t, "library/nginx:"+tag, img)
	}
	tr.SetWrap(pageTags(2))
	r := newRegistry(t, Options{})
	got, err := r.Tags(context.Background(), tr.Host+"/library/nginx")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("tags %v, want %v", got, want)
	}
	if pages := tr.Count("GET", "/tags/list"); pages != 4 {
		t.Errorf("%d tag-list requests, want 4 pages of 2", pages)
	}
	if _, err := r.Tags(context.Background(), tr.Host+"/library/missing"); !errors.Is(err, resolve.ErrNotFound) {
		t.Errorf("missing repository: %v, want ErrNotFound", err)
	}
}

func TestManifestOfIndexAndOfItsImages(t *testing.T) {
	tr := newTestRegistry(t, false)
	arm := image(t, "linux", "arm64", v1.Config{})
	amd := image(t, "linux", "amd64", v1.Config{})
	att := image(t, "unknown", "unknown", v1.Config{})
	armv7 := image(t, "linux", "arm", v1.Config{})
	cf, _ := armv7.ConfigFile()
	cf = cf.DeepCopy()
	cf.Variant = "v7"
	armv7, err := mutate.ConfigFile(armv7, cf)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
		mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
			Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
			Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"},
		}},
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: armv7, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}}},
	)
	tr.PushIndex(t, "o/app:1", idx)
	r := newRegistry(t, Options{})
	ctx := context.Background()
	idxD, _ := idx.Digest()
	digest := func(img v1.Image) string {
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}
	m, err := r.Manifest(ctx, tr.Host+"/o/app@"+idxD.String())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"linux/arm64": digest(arm), "linux/amd64": digest(amd), "linux/arm/v7": digest(armv7)}
	if m.Platform != "" || !maps.Equal(m.Platforms, want) {
		t.Fatalf("index manifest %+v, want platforms %v", m, want)
	}
	for p, d := range want {
		m, err := r.Manifest(ctx, tr.Host+"/o/app@"+d)
		if err != nil || m.Platform != p || m.Platforms != nil {
			t.Errorf("manifest of the %s image: %+v, %v", p, m, err)
		}
	}
	if _, err := r.Manifest(ctx, tr.Host+"/o/app@sha256:"+strings.Repeat("0", 64)); !errors.Is(err, resolve.ErrNotFound) {
		t.Errorf("missing manifest: %v, want ErrNotFound", err)
	}
}
