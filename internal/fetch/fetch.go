// Package fetch downloads a URL and returns the sha256 and size of its
// content, the answer harden records for `curl … | sh` replacements and
// remote ADD checksums. It follows redirects, takes proxies from the
// environment, retries transient failures, and caps both the time and the
// size of a download. Nothing fetched is kept or run.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/transform"
)

// Defaults of Options.
const (
	DefaultTimeout = 60 * time.Second
	DefaultMaxSize = 64 << 20 // 64 MiB
	maxRedirects   = 10
)

// ErrTooLarge is returned when a body exceeds Options.MaxSize.
var ErrTooLarge = errors.New("content too large")

// Options configure a Fetcher. The zero value is ready to use.
type Options struct {
	// Transport sends requests. nil means a transport like
	// http.DefaultTransport, with proxies from the environment
	// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). Tests pass an httptest server's
	// client transport here to trust its certificate.
	Transport http.RoundTripper
	// Timeout bounds one fetch, redirects and body included; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxSize is the largest body accepted, in bytes; 0 means DefaultMaxSize.
	MaxSize int64
	// Attempts and Backoff tune the retries of 408, 429 and 5xx answers
	// (see Retry); 0 means Retry's defaults.
	Attempts int
	Backoff  time.Duration
	// UserAgent is sent with every request; "" means "harden".
	UserAgent string
}

// Fetcher downloads URLs. It is safe for concurrent use.
type Fetcher struct {
	client    *http.Client
	timeout   time.Duration
	maxSize   int64
	userAgent string
}

// New returns a Fetcher configured by opts.
func New(opts Options) *Fetcher {
	base := opts.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = http.ProxyFromEnvironment
		base = t
	}
	f := &Fetcher{
		timeout:   opts.Timeout,
		maxSize:   opts.MaxSize,
		userAgent: opts.UserAgent,
	}
	if f.timeout <= 0 {
		f.timeout = DefaultTimeout
	}
	if f.maxSize <= 0 {
		f.maxSize = DefaultMaxSize
	}
	if f.userAgent == "" {
		f.userAgent = "harden"
	}
	f.client = &http.Client{
		Transport: &Retry{Base: base, Attempts: opts.Attempts, Backoff: opts.Backoff},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
			}
			return nil
		},
	}
	return f
}

// Fetch downloads rawURL and returns the sha256 (lowercase hex) and size of
// its body. Errors wrap resolve.ErrNotFound (404, 410),
// resolve.ErrUnauthorized (401, 403), resolve.ErrTimeout, ErrTooLarge, or
// a *StatusError for other non-2xx answers.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (transform.Download, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return transform.Download{}, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return transform.Download{}, fmt.Errorf("unsupported URL scheme %q (want http or https)", u.Scheme)
	}
	if u.Host == "" {
		return transform.Download{}, fmt.Errorf("URL %q has no host", rawURL)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	d, err := f.fetch(ctx, u)
	if err != nil && !errors.Is(err, resolve.ErrTimeout) && ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("%w after %s: %w", resolve.ErrTimeout, f.timeout, err)
	}
	return d, err
}

func (f *Fetcher) fetch(ctx context.Context, u *url.URL) (transform.Download, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return transform.Download{}, err
	}
	req.Header.Set("User-Agent", f.userAgent)
	// Checksum the bytes as served: a transparent gzip decoding would
	// checksum something else than curl -o writes.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := f.client.Do(req)
	if err != nil {
		return transform.Download{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return transform.Download{}, statusError(resp)
	}
	if resp.ContentLength > f.maxSize {
		return transform.Download{}, fmt.Errorf("%w: %d bytes announced, limit %d", ErrTooLarge, resp.ContentLength, f.maxSize)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, f.maxSize+1))
	if err != nil {
		return transform.Download{}, fmt.Errorf("reading body: %w", err)
	}
	if n > f.maxSize {
		return transform.Download{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, f.maxSize)
	}
	return transform.Download{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// StatusError is a non-2xx answer.
type StatusError struct {
	URL    string // the URL that answered (after redirects)
	Code   int
	Status string
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: %s", e.URL, e.Status) }

func statusError(resp *http.Response) error {
	se := &StatusError{URL: resp.Request.URL.Redacted(), Code: resp.StatusCode, Status: resp.Status}
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone:
		return fmt.Errorf("%w: %w", resolve.ErrNotFound, se)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w: %w", resolve.ErrUnauthorized, se)
	}
	return se
}
