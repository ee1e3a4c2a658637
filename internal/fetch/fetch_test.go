package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-dev/harden/internal/resolve"
)

const script = "#!/bin/sh\necho installed\n"

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func serve(t *testing.T, tls bool, h http.Handler) (*httptest.Server, *Fetcher) {
	t.Helper()
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, New(Options{Transport: srv.Client().Transport, Backoff: time.Millisecond, Timeout: 5 * time.Second})
}

func TestFetchSuccess(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv, f := serve(t, tls, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/install.sh" {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(script))
		}))
		d, err := f.Fetch(context.Background(), srv.URL+"/install.sh")
		if err != nil {
			t.Fatalf("tls=%v: %v", tls, err)
		}
		if d.SHA256 != sum(script) || d.Size != int64(len(script)) {
			t.Errorf("tls=%v: got %+v, want sha %s size %d", tls, d, sum(script), len(script))
		}
	}
}

func TestFetchTLSNeedsTrust(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(script)) }))
	defer srv.Close()
	// Without the test server's CA the certificate must be refused.
	_, err := New(Options{Timeout: 5 * time.Second}).Fetch(context.Background(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("got %v, want a certificate error", err)
	}
}

func TestFetchNotFound(t *testing.T) {
	srv, f := serve(t, false, http.NotFoundHandler())
	_, err := f.Fetch(context.Background(), srv.URL+"/missing.sh")
	if !errors.Is(err, resolve.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 404 || !strings.Contains(err.Error(), "/missing.sh") {
		t.Fatalf("got %v, want a 404 StatusError naming the URL", err)
	}
}

func TestFetchStatusKinds(t *testing.T) {
	for code, want := range map[int]error{401: resolve.ErrUnauthorized, 403: resolve.ErrUnauthorized, 410: resolve.ErrNotFound} {
		srv, f := serve(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
		if _, err := f.Fetch(context.Background(), srv.URL); !errors.Is(err, want) {
			t.Errorf("%d: got %v, want %v", code, err, want)
		}
	}
	srv, f := serve(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) }))
	_, err := f.Fetch(context.Background(), srv.URL)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 418 || errors.Is(err, resolve.ErrNotFound) {
		t.Errorf("418: got %v", err)
	}
}

func TestFetchTooLarge(t *testing.T) {
	big := strings.Repeat("x", 1000)
	for _, announce := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !announce {
				w.(http.Flusher).Flush() // chunked: no Content-Length
			}
			w.Write([]byte(big))
		}))
		f := New(Options{MaxSize: 999, Timeout: 5 * time.Second})
		_, err := f.Fetch(context.Background(), srv.URL)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("announce=%v: got %v, want ErrTooLarge", announce, err)
		}
		// Exactly at the cap is accepted.
		d, err := New(Options{MaxSize: 1000}).Fetch(context.Background(), srv.URL)
		if err != nil || d.Size != 1000 {
			t.Errorf("announce=%v at the cap: %+v, %v", announce, d, err)
		}
		srv.Close()
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	_, err := New(Options{Timeout: 100 * time.Millisecond}).Fetch(context.Background(), srv.URL)
	if !errors.Is(err, resolve.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("timeout took %s", el)
	}
}

func TestFetchCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := New(Options{}).Fetch(ctx, srv.URL)
	if !errors.Is(err, context.Canceled) || errors.Is(err, resolve.ErrTimeout) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestFetchRedirect(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/latest", http.RedirectHandler("/v2/install.sh", http.StatusFound))
	mux.HandleFunc("/v2/install.sh", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(script)) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv, f := serve(t, true, mux)
	d, err := f.Fetch(context.Background(), srv.URL+"/latest")
	if err != nil || d.SHA256 != sum(script) {
		t.Fatalf("got %+v, %v", d, err)
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/loop"); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("redirect loop: got %v", err)
	}
}

func TestFetchRetriesHonourRetryAfter(t *testing.T) {
	var calls atomic.Int32
	srv, _ := serve(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.Write([]byte(script))
		}
	}))
	f := New(Options{Backoff: time.Millisecond})
	start := time.Now()
	d, err := f.Fetch(context.Background(), srv.URL)
	if err != nil || d.SHA256 != sum(script) {
		t.Fatalf("got %+v, %v", d, err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	if el := time.Since(start); el < time.Second {
		t.Fatalf("returned after %s: Retry-After: 1 not honoured", el)
	}
}

func TestFetchRejectsOtherSchemes(t *testing.T) {
	for _, u := range []string{"file:///etc/passwd", "ftp://example.com/x", "https:///nohost"} {
		if _, err := New(Options{}).Fetch(context.Background(), u); err == nil {
			t.Errorf("%s: no error", u)
		}
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, c := range cases {
		got, ok := retryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestRetryGivesUpOnLongRetryAfter(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	_, err := New(Options{}).Fetch(context.Background(), srv.URL)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 429 || calls.Load() != 1 {
		t.Fatalf("got %v after %d calls, want one 429", err, calls.Load())
	}
}
