package fixes

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/harden-dev/harden/internal/registry"
	"github.com/harden-dev/harden/internal/registry/registrytest"
	imageref "github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/transform"
)

// pinRegistry is go-containerregistry's registry on 127.0.0.1
// (registrytest), with the names these tests use.
type pinRegistry struct {
	*registrytest.Server
	host string
}

func newPinRegistry(t *testing.T) *pinRegistry {
	t.Helper()
	s := registrytest.New(t, false)
	return &pinRegistry{Server: s, host: s.Host}
}

func (pr *pinRegistry) setWrap(f func(w http.ResponseWriter, r *http.Request, next http.Handler)) {
	pr.SetWrap(f)
}

func randomImage(t *testing.T, os, arch string) v1.Image {
	t.Helper()
	return registrytest.Image(t, os, arch, v1.Config{User: "app"})
}

func (pr *pinRegistry) push(t *testing.T, repoTag string, img v1.Image) {
	t.Helper()
	pr.PushImage(t, repoTag, img)
}

func (pr *pinRegistry) pushIndex(t *testing.T, repoTag string) v1.ImageIndex {
	t.Helper()
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: randomImage(t, "linux", "amd64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: randomImage(t, "linux", "arm64"), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
	)
	ref, err := name.ParseReference(pr.host + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

// served is what remote.Head (crane digest) says ref points to.
func (pr *pinRegistry) served(t *testing.T, repoTag string) string {
	t.Helper()
	ref, err := name.ParseReference(pr.host + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(ref)
	if err != nil {
		t.Fatal(err)
	}
	return d.Digest.String()
}

type anonymous struct{}

func (anonymous) Resolve(authn.Resource) (authn.Authenticator, error) { return authn.Anonymous, nil }

func newResolver(t *testing.T, opts imageref.Options, timeout time.Duration) *imageref.Resolver {
	t.Helper()
	reg, err := registry.New(registry.Options{Keychain: anonymous{}, Timeout: timeout, Backoff: time.Millisecond, Attempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	opts.Images = reg
	opts.SkipConfigs = true
	return imageref.New(opts)
}

func pin(t *testing.T, r transform.Resolver, src string, update bool) *transform.Result {
	t.Helper()
	res, err := transform.Run(context.Background(), "Dockerfile", []byte(src), transform.Options{
		Fixes: []*transform.Fix{PinDigest}, Resolver: r, Update: update})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPinDigestAgainstRegistry(t *testing.T) {
	pr := newPinRegistry(t)
	h := pr.host
	pr.push(t, "team/app:1.0", randomImage(t, "linux", "amd64"))
	pr.pushIndex(t, "team/multi:2.1")
	pr.push(t, "team/tool:3", randomImage(t, "linux", "amd64"))
	pr.push(t, "team/frontend:1", randomImage(t, "linux", "amd64"))
	pr.pushIndex(t, "docker/dockerfile:1")
	app, multi, tool, fe, syn := pr.served(t, "team/app:1.0"), pr.served(t, "team/multi:2.1"),
		pr.served(t, "team/tool:3"), pr.served(t, "team/frontend:1"), pr.served(t, "docker/dockerfile:1")

	src := "# syntax=" + h + "/docker/dockerfile:1\n" +
		"ARG BASE=" + h + "/team/app:1.0\n" +
		"FROM --platform=$BUILDPLATFORM " + h + "/team/multi:2.1 AS build\n" +
		"RUN --mount=type=bind,from=" + h + "/team/tool:3,target=/tool /tool/run\n" +
		"FROM ${BASE}\n" +
		"COPY --from=build /out /out\n" +
		"COPY --from=" + h + "/team/frontend:1 /dist /dist\n" +
		"COPY --from=0 /x /x\n"
	want := "# syntax=" + h + "/docker/dockerfile:1@" + syn + "\n" +
		"ARG BASE=" + h + "/team/app:1.0@" + app + "\n" +
		"FROM --platform=$BUILDPLATFORM " + h + "/team/multi:2.1@" + multi + " AS build\n" +
		"RUN --mount=type=bind,from=" + h + "/team/tool:3@" + tool + ",target=/tool /tool/run\n" +
		"FROM ${BASE}\n" +
		"COPY --from=build /out /out\n" +
		"COPY --from=" + h + "/team/frontend:1@" + fe + " /dist /dist\n" +
		"COPY --from=0 /x /x\n"
	r := newResolver(t, imageref.Options{}, 5*time.Second)
	res := pin(t, r, src, false)
	if got := string(res.Fixed); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if len(res.Applied) != 5 {
		t.Errorf("%d findings applied, want 5", len(res.Applied))
	}
	// The multi-platform image is pinned by its index digest, not a platform's.
	if idx, _ := pr.pushIndex(t, "team/other:1").Digest(); idx.String() == multi {
		t.Fatal("two random indexes share a digest")
	}

	// Offline, the lock the online run recorded gives the same answer.
	off := imageref.New(imageref.Options{Lock: r.Lock(), Offline: true})
	if got := string(pin(t, off, src, false).Fixed); got != want {
		t.Fatalf("offline from the lock:\n%s", got)
	}
	// Pinned references are left alone, with no lookup at all.
	pr.Reset()
	again := pin(t, newResolver(t, imageref.Options{}, 5*time.Second), want, false)
	if again.Changed() || len(pr.Requests()) != 0 {
		t.Fatalf("a pinned file changed or was looked up: %v", pr.Requests())
	}
}

func TestPinDigestLatestFindsVersionTag(t *testing.T) {
	pr := newPinRegistry(t)
	cur := randomImage(t, "linux", "amd64")
	old := randomImage(t, "linux", "amd64")
	for _, tag := range []string{"latest", "1.27.3", "1.27", "1", "mainline"} {
		pr.push(t, "web/nginx:"+tag, cur)
	}
	for _, tag := range []string{"1.26.2", "1.26", "1.29-rc1", "20240801"} {
		pr.push(t, "web/nginx:"+tag, old)
	}
	pr.push(t, "web/plain:latest", cur)
	pr.push(t, "web/plain:2.0", old)
	d := pr.served(t, "web/nginx:latest")
	h := pr.host

	r := newResolver(t, imageref.Options{}, 5*time.Second)
	src := "FROM " + h + "/web/nginx\nFROM " + h + "/web/plain:latest\n"
	want := "FROM " + h + "/web/nginx:1.27.3@" + d + "\nFROM " + h + "/web/plain:latest@" + d + "\n"
	if got := string(pin(t, r, src, false).Fixed); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	// The lock holds what offline runs need to give the same answer.
	lock := r.Lock()
	off := imageref.New(imageref.Options{Lock: lock, Offline: true})
	if got := string(pin(t, off, src, false).Fixed); got != want {
		t.Fatalf("offline:\n%s", got)
	}
	if _, ok := lock.Images[h+"/web/nginx:1.27.3"]; !ok {
		t.Fatalf("lock lacks the version tag: %v", lock.Images)
	}
}

func TestPinDigestUpdate(t *testing.T) {
	pr := newPinRegistry(t)
	h := pr.host
	pr.push(t, "team/app:1.0", randomImage(t, "linux", "amd64"))
	old := pr.served(t, "team/app:1.0")
	pinned := "FROM " + h + "/team/app:1.0@" + old + "\n"
	pr.push(t, "team/app:1.0", randomImage(t, "linux", "amd64")) // the tag moves
	moved := pr.served(t, "team/app:1.0")

	if res := pin(t, newResolver(t, imageref.Options{}, 5*time.Second), pinned, false); res.Changed() {
		t.Fatal("without --update-digests a pinned reference changed")
	}
	lock := imageref.NewLock()
	lock.Images[h+"/team/app:1.0"] = old
	res := pin(t, newResolver(t, imageref.Options{Update: true, Lock: lock}, 5*time.Second), pinned, true)
	if want := "FROM " + h + "/team/app:1.0@" + moved + "\n"; string(res.Fixed) != want {
		t.Fatalf("update: got %q, want %q", res.Fixed, want)
	}
	// Not moved: nothing to do.
	if res := pin(t, newResolver(t, imageref.Options{Update: true}, 5*time.Second), string(res.Fixed), true); res.Changed() {
		t.Fatal("an up-to-date pin changed")
	}
}

// A reference that cannot be resolved is a finding with Err, and the other
// references of the file are still pinned.
func TestPinDigestLookupErrors(t *testing.T) {
	pr := newPinRegistry(t)
	h := pr.host
	pr.push(t, "team/app:1.0", randomImage(t, "linux", "amd64"))
	pr.push(t, "team/locked:1", randomImage(t, "linux", "amd64"))
	pr.push(t, "team/slow:1", randomImage(t, "linux", "amd64"))
	app := pr.served(t, "team/app:1.0")
	pr.setWrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		switch {
		case strings.Contains(r.URL.Path, "/team/locked/"):
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"no"}]}`, http.StatusUnauthorized)
			return
		case strings.Contains(r.URL.Path, "/team/slow/"):
			time.Sleep(300 * time.Millisecond)
		}
		next.ServeHTTP(w, r)
	})
	src := "FROM " + h + "/team/missing:1 AS a\n" +
		"FROM " + h + "/team/locked:1 AS b\n" +
		"FROM " + h + "/team/slow:1 AS c\n" +
		"FROM " + h + "/team/app:1.0\n"
	res := pin(t, newResolver(t, imageref.Options{}, 100*time.Millisecond), src, false)
	want := strings.Replace(src, "/team/app:1.0\n", "/team/app:1.0@"+app+"\n", 1)
	if string(res.Fixed) != want {
		t.Fatalf("got:\n%s", res.Fixed)
	}
	kinds := map[int]error{1: imageref.ErrNotFound, 2: imageref.ErrUnauthorized, 3: imageref.ErrTimeout}
	for _, f := range res.Remaining {
		if want, ok := kinds[f.Line]; ok {
			if !errors.Is(f.Err, want) || !strings.Contains(f.Message, want.Error()) {
				t.Errorf("line %d: err %v, message %q; want %v", f.Line, f.Err, f.Message, want)
			}
			delete(kinds, f.Line)
		}
	}
	if len(kinds) > 0 {
		t.Errorf("no failing finding for lines %v: %v", kinds, res.Remaining)
	}

	// Offline, a reference missing from the lock is no failure.
	res = pin(t, imageref.New(imageref.Options{Offline: true}), src, false)
	for _, f := range res.Remaining {
		if f.Err != nil || !strings.Contains(f.Message, "lock file") {
			t.Errorf("offline: %v (err %v)", f.Message, f.Err)
		}
	}
	if res.Changed() || len(res.Remaining) != 4 {
		t.Errorf("offline: changed %v, %d findings", res.Changed(), len(res.Remaining))
	}
}

// Every reference form is read, and what is not an image is not touched.
func TestPinDigestSites(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	lock := imageref.NewLock()
	for _, k := range []string{"docker.io/library/python:3.12", "docker.io/library/golang:1.23", "docker.io/library/alpine:3.20"} {
		lock.Images[k] = d
	}
	r := imageref.New(imageref.Options{Lock: lock, Offline: true})
	for _, tc := range []struct{ name, src, want string }{
		{"stage names and scratch", "FROM golang:1.23 AS build\nFROM build\nCOPY --from=build /a /a\nFROM scratch\nCOPY --from=1 /b /b\n",
			"FROM golang:1.23@" + d + " AS build\nFROM build\nCOPY --from=build /a /a\nFROM scratch\nCOPY --from=1 /b /b\n"},
		{"stage name used before its stage", "FROM alpine:3.20\nCOPY --from=later /a /a\nFROM golang:1.23 AS later\n",
			"FROM alpine:3.20@" + d + "\nCOPY --from=later /a /a\nFROM golang:1.23@" + d + " AS later\n"},
		{"ARG used elsewhere", "ARG IMG=python:3.12\nFROM $IMG\nRUN echo $IMG\n", ""},
		{"ARG used for images only", "ARG IMG=\"python:3.12\"\nFROM $IMG AS a\nFROM ${IMG}\n",
			"ARG IMG=\"python:3.12@" + d + "\"\nFROM $IMG AS a\nFROM ${IMG}\n"},
		{"partial variable", "ARG V=3.12\nFROM python:${V}\n", ""},
		{"unresolved variable", "FROM python:${V}\n", ""},
		{"stage ARG for --from", "FROM alpine:3.20\nARG IMG=golang:1.23\nCOPY --from=$IMG /a /a\n", "FROM alpine:3.20@" + d + "\nARG IMG=golang:1.23\nCOPY --from=$IMG /a /a\n"},
		{"invalid reference", "FROM Python:3.12\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := pin(t, r, tc.src, false)
			want := tc.want
			if want == "" {
				want = tc.src
			}
			if string(res.Fixed) != want {
				t.Fatalf("got:\n%s\nwant:\n%s", res.Fixed, want)
			}
			if tc.want == "" && len(res.Remaining) == 0 {
				t.Error("left alone without a finding")
			}
		})
	}
}

func TestCompareVersionsDesc(t *testing.T) {
	tags := []string{"1", "1.27", "1.26.2", "1.27.3", "v1.27.3", "2", "1.27.10"}
	slices.SortFunc(tags, compareVersionsDesc)
	if got, want := strings.Join(tags, " "), "2 1.27.10 1.27.3 v1.27.3 1.27 1.26.2 1"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// A pin to one platform's image of a tag's index stays on that platform:
// --update-digests leaves it while the index still lists it, and moves it
// to the same platform's image of the new index, online and offline from
// the lock the online run wrote.
func TestPinDigestUpdateKeepsPlatform(t *testing.T) {
	pr := newPinRegistry(t)
	h := pr.host
	platformImage := func(idx v1.ImageIndex, arch string) string {
		t.Helper()
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range im.Manifests {
			if d.Platform.Architecture == arch {
				return d.Digest.String()
			}
		}
		t.Fatalf("no %s image", arch)
		return ""
	}
	idx1 := pr.pushIndex(t, "team/multi:2")
	arm1 := platformImage(idx1, "arm64")
	pinned := "FROM " + h + "/team/multi:2@" + arm1 + "\n"
	ctx := context.Background()

	// Not moved: the arm64 image is still one of the tag's index.
	if res := pin(t, newResolver(t, imageref.Options{Update: true}, 5*time.Second), pinned, true); res.Changed() || len(res.Remaining) != 0 {
		t.Fatalf("an up-to-date platform pin changed: %+v", res.Remaining)
	}

	// The old index is in the lock (an earlier online run wrote it): the
	// old arm64 image is known from it.
	r0 := newResolver(t, imageref.Options{}, 5*time.Second)
	if _, err := r0.Manifest(ctx, h+"/team/multi@"+pr.served(t, "team/multi:2")); err != nil {
		t.Fatal(err)
	}
	oldLock := r0.Lock()

	idx2 := pr.pushIndex(t, "team/multi:2") // the tag moves
	arm2 := platformImage(idx2, "arm64")
	want := "FROM " + h + "/team/multi:2@" + arm2 + "\n"
	if arm2 == arm1 || pr.served(t, "team/multi:2") == arm2 {
		t.Fatal("test setup: the new index should have a new arm64 image")
	}

	// Online, asking the registry what the old digest is.
	r := newResolver(t, imageref.Options{Update: true}, 5*time.Second)
	res := pin(t, r, pinned, true)
	if string(res.Fixed) != want {
		t.Fatalf("update: got %q, want %q (findings %+v)", res.Fixed, want, res.Remaining)
	}
	if m := r.Lock().Manifests[arm1]; m.Platform != "linux/arm64" {
		t.Fatalf("the lock does not record the old image's platform: %+v", r.Lock().Manifests)
	}
	// Offline from that lock: the same answer.
	if res := pin(t, newResolver(t, imageref.Options{Offline: true, Update: true, Lock: r.Lock()}, 5*time.Second), pinned, true); string(res.Fixed) != want {
		t.Fatalf("offline update: got %q, want %q (findings %+v)", res.Fixed, want, res.Remaining)
	}
	// Online from the old lock, which knows the old image through the old
	// index: the same answer.
	if res := pin(t, newResolver(t, imageref.Options{Update: true, Lock: oldLock}, 5*time.Second), pinned, true); string(res.Fixed) != want {
		t.Fatalf("update from the old lock: got %q, want %q (findings %+v)", res.Fixed, want, res.Remaining)
	}
	// Offline with a lock that knows the new tag but not what the old
	// digest was: reported, not guessed.
	bare := imageref.NewLock()
	bare.Images[h+"/team/multi:2"] = pr.served(t, "team/multi:2")
	res = pin(t, newResolver(t, imageref.Options{Offline: true, Lock: bare}, 5*time.Second), pinned, true)
	if res.Changed() || len(res.Remaining) != 1 || !strings.Contains(res.Remaining[0].Message, "cannot be told") {
		t.Fatalf("offline without manifests: changed %v, findings %+v", res.Changed(), res.Remaining)
	}

	// The tag moves to a single amd64 image: no arm64 image to pin to.
	pr.push(t, "team/multi:2", randomImage(t, "linux", "amd64"))
	res = pin(t, newResolver(t, imageref.Options{Update: true}, 5*time.Second), pinned, true)
	if res.Changed() || len(res.Remaining) != 1 || !strings.Contains(res.Remaining[0].Message, "no longer has one image of that platform") {
		t.Fatalf("tag without arm64: changed %v, findings %+v", res.Changed(), res.Remaining)
	}
	// A pin to the old index itself follows the tag to its new digest.
	idxPinned := "FROM " + h + "/team/multi:2@" + digestOf(t, idx2) + "\n"
	res = pin(t, newResolver(t, imageref.Options{Update: true}, 5*time.Second), idxPinned, true)
	if want := "FROM " + h + "/team/multi:2@" + pr.served(t, "team/multi:2") + "\n"; string(res.Fixed) != want {
		t.Fatalf("index pin: got %q, want %q", res.Fixed, want)
	}
}

func digestOf(t *testing.T, idx v1.ImageIndex) string {
	t.Helper()
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}
