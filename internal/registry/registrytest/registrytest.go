// Package registrytest runs a real registry in process for tests:
// go-containerregistry's pkg/registry on 127.0.0.1, behind a front server
// that logs every request and lets a test put a middleware in front of it
// (to break the protocol on purpose). Images are pushed to the registry
// directly, so pushing never shows in the log.
package registrytest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Server is a registry in process.
type Server struct {
	Host  string // 127.0.0.1:port of the front server, what lookups use
	Push  string // 127.0.0.1:port of the bare registry, what pushes use
	Front *httptest.Server

	mu       sync.Mutex
	requests []string // "METHOD /path" seen by the front server
	wrap     func(w http.ResponseWriter, r *http.Request, next http.Handler)
}

// New starts a registry (its front over TLS when tls is true) and stops
// it when the test ends.
func New(t testing.TB, tls bool) *Server {
	t.Helper()
	reg := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	s := &Server{}
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		wrap := s.wrap
		s.mu.Unlock()
		if wrap != nil {
			wrap(w, r, reg)
			return
		}
		reg.ServeHTTP(w, r)
	})
	if tls {
		s.Front = httptest.NewTLSServer(front)
	} else {
		s.Front = httptest.NewServer(front)
	}
	pushSrv := httptest.NewServer(reg)
	t.Cleanup(s.Front.Close)
	t.Cleanup(pushSrv.Close)
	s.Host = strings.TrimPrefix(strings.TrimPrefix(s.Front.URL, "https://"), "http://")
	s.Push = strings.TrimPrefix(pushSrv.URL, "http://")
	return s
}

// SetWrap puts a middleware in front of the registry (nil removes it).
func (s *Server) SetWrap(wrap func(w http.ResponseWriter, r *http.Request, next http.Handler)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wrap = wrap
}

// Requests returns the "METHOD /path" of every request the front server
// has seen, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Count returns how many requests had method and a path containing
// contains.
func (s *Server) Count(method, contains string) int {
	n := 0
	for _, r := range s.Requests() {
		if strings.HasPrefix(r, method+" ") && strings.Contains(r, contains) {
			n++
		}
	}
	return n
}

// Image returns a random image with the given platform and config.
func Image(t testing.TB, os, arch string, cfg v1.Config) v1.Image {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config = os, arch, cfg
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// PushImage pushes img as repoTag ("library/nginx:1.27").
func (s *Server) PushImage(t testing.TB, repoTag string, img v1.Image) {
	t.Helper()
	ref, err := name.ParseReference(s.Push + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
}

// PushIndex pushes idx as repoTag.
func (s *Server) PushIndex(t testing.TB, repoTag string, idx v1.ImageIndex) {
	t.Helper()
	ref, err := name.ParseReference(s.Push + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
}

// Reset forgets the requests seen so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}
