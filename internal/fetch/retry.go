package fetch

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// Retry is an http.RoundTripper that retries GET and HEAD requests answered
// with 408, 429 or a 5xx status (500, 502, 503, 504), or broken by a reset
// connection. It waits with exponential backoff and jitter, or as long as a
// Retry-After header asks when it asks for no more than MaxWait. Waits end
// early when the request's context is done. Other methods pass through once.
type Retry struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Attempts is the number of tries in all, 1 or more; 0 means 4.
	Attempts int
	// Backoff is the first wait; each later wait doubles it (±20% jitter).
	// 0 means 250ms.
	Backoff time.Duration
	// MaxWait caps one wait. A Retry-After beyond it is not waited for:
	// the response is returned as it is. 0 means 30s.
	MaxWait time.Duration
}

// RoundTrip implements http.RoundTripper.
func (t *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if (req.Method != http.MethodGet && req.Method != http.MethodHead) || (req.Body != nil && req.Body != http.NoBody) {
		return base.RoundTrip(req)
	}
	attempts := t.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	backoff := t.Backoff
	if backoff <= 0 {
		backoff = 250 * time.Millisecond
	}
	maxWait := t.MaxWait
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	for attempt := 1; ; attempt++ {
		resp, err := base.RoundTrip(req)
		if attempt >= attempts || !retryable(resp, err) {
			return resp, err
		}
		wait := jitter(backoff << (attempt - 1))
		if resp != nil {
			if after, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				if after > maxWait {
					return resp, nil
				}
				wait = after
			}
		}
		wait = min(wait, maxWait)
		if resp != nil {
			// Drain a little so the connection can be reused, then close.
			_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
			resp.Body.Close()
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// retryable reports whether a response or error is worth another try.
func retryable(resp *http.Response, err error) bool {
	if err != nil {
		return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) ||
			(errors.Is(err, io.EOF) && !errors.Is(err, context.Canceled))
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter parses a Retry-After value: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// jitter returns d ±20%.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
