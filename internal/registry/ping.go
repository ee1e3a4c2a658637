package registry

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// pingCache answers go-containerregistry's registry pings ("GET /v2/"
// without credentials) from the first answer of each registry.
// go-containerregistry pings once per repository to learn how to
// authenticate, but the answer belongs to the registry: a run naming fifty
// repositories of one registry needs one ping, not fifty. Only definite
// answers (200 and 401) are kept; concurrent first pings of one registry
// wait for a single request.
type pingCache struct {
	inner   http.RoundTripper
	mu      sync.Mutex
	entries map[string]*pingEntry // scheme://host
}

type pingEntry struct {
	mu     sync.Mutex // held while the first ping is in flight
	cached bool
	status int
	header http.Header
	body   []byte
}

const maxPingBody = 64 << 10

func (p *pingCache) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.URL.Path != "/v2/" || req.URL.RawQuery != "" || req.Header.Get("Authorization") != "" {
		return p.inner.RoundTrip(req)
	}
	key := req.URL.Scheme + "://" + req.URL.Host
	p.mu.Lock()
	e, ok := p.entries[key]
	if !ok {
		e = &pingEntry{}
		p.entries[key] = e
	}
	p.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cached {
		return e.response(req), nil
	}
	resp, err := p.inner.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized) {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPingBody))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	e.cached, e.status, e.header, e.body = true, resp.StatusCode, resp.Header.Clone(), body
	return e.response(req), nil
}

func (e *pingEntry) response(req *http.Request) *http.Response {
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", e.status, http.StatusText(e.status)),
		StatusCode:    e.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        e.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(e.body)),
		ContentLength: int64(len(e.body)),
		Request:       req,
	}
}
