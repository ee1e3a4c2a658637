package forge_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harden-dev/harden/internal/forge"
	"github.com/harden-dev/harden/internal/forge/forgetest"
)

func newClient(t *testing.T, s *forgetest.Server, slept *[]time.Duration) *forge.Client {
	t.Helper()
	c, err := forge.New(forge.Options{Kind: forge.GitHub, APIURL: s.Server.URL + "/", Token: s.Token, MaxWait: 10 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { *slept = append(*slept, d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A GitHub Enterprise server is https://HOST/api/v3/: given the host's URL,
// the client calls under /api/v3/.
func TestEnterpriseURLAndFlow(t *testing.T) {
	ctx := context.Background()
	s := forgetest.New(t, "acme", "web", "s3cret", "/api/v3")
	var slept []time.Duration
	c := newClient(t, s, &slept)
	if got := c.BaseURL(); got != s.Server.URL+"/api/v3/" {
		t.Errorf("base URL %q", got)
	}
	if b, err := c.DefaultBranch(ctx, "acme", "web"); err != nil || b != "main" {
		t.Fatalf("default branch %q %v", b, err)
	}
	if pr, err := c.OpenPR(ctx, "acme", "web", "harden/fixes"); err != nil || pr != nil {
		t.Fatalf("open PR before any: %+v %v", pr, err)
	}
	pr, existed, err := c.Create(ctx, "acme", "web", "harden/fixes", "main", "T", "B")
	if err != nil || existed || pr.Number != 1 || pr.URL != "https://github.example/acme/web/pull/1" {
		t.Fatalf("create: %+v %v %v", pr, existed, err)
	}
	if pr, err := c.Update(ctx, "acme", "web", 1, "T2", "B2"); err != nil || pr.Title != "T2" {
		t.Fatalf("update: %+v %v", pr, err)
	}
	if err := c.Comment(ctx, "acme", "web", 1, "hello"); err != nil {
		t.Fatal(err)
	}
	if p := s.PRs[0]; p.Title != "T2" || p.Body != "B2" || p.Head != "harden/fixes" || p.Base != "main" || len(p.Comments) != 1 {
		t.Errorf("server holds %+v", p)
	}
	want := []string{"GET /api/v3/repos/acme/web", "GET /api/v3/repos/acme/web/pulls", "POST /api/v3/repos/acme/web/pulls",
		"PATCH /api/v3/repos/acme/web/pulls/1", "POST /api/v3/repos/acme/web/issues/1/comments"}
	if got := s.CallsMade(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// GitHub answers 422 "A pull request already exists" when one is open from
// the branch (another run won the race): Create finds and returns it.
func TestCreateWhenAlreadyExists(t *testing.T) {
	ctx := context.Background()
	s := forgetest.New(t, "acme", "web", "tok", "/api/v3")
	s.PRs = append(s.PRs, &forgetest.PR{Number: 1, Title: "old", Body: "old", Head: "harden/fixes", Base: "main", State: "open"})
	var slept []time.Duration
	c := newClient(t, s, &slept)
	pr, existed, err := c.Create(ctx, "acme", "web", "harden/fixes", "main", "T", "B")
	if err != nil || !existed || pr.Number != 1 {
		t.Fatalf("got %+v %v %v", pr, existed, err)
	}
	// Any other 422 is an error.
	s.Hooks = append(s.Hooks, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write([]byte(`{"message":"Validation Failed","errors":[{"resource":"PullRequest","field":"base","code":"invalid"}]}`))
		return true
	})
	if _, _, err := c.Create(ctx, "acme", "web", "other", "nope", "T", "B"); err == nil || !strings.Contains(err.Error(), "422") {
		t.Errorf("invalid base: %v", err)
	}
}

// A secondary rate limit (403 with Retry-After, as GitHub documents) is
// waited out and the call retried; a wait longer than MaxWait fails.
func TestSecondaryRateLimit(t *testing.T) {
	ctx := context.Background()
	s := forgetest.New(t, "acme", "web", "tok", "/api/v3")
	limited := 2
	retryAfter := "7"
	s.Hooks = append(s.Hooks, func(w http.ResponseWriter, r *http.Request) bool {
		if limited == 0 {
			return false
		}
		limited--
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`))
		return true
	})
	var slept []time.Duration
	c := newClient(t, s, &slept)
	if _, err := c.DefaultBranch(ctx, "acme", "web"); err != nil {
		t.Fatal(err)
	}
	if len(slept) != 2 || slept[0] != 7*time.Second || len(s.CallsMade()) != 3 {
		t.Errorf("slept %v, calls %v", slept, s.CallsMade())
	}
	limited, retryAfter = 1, "3600"
	c = newClient(t, s, &slept)
	if _, err := c.DefaultBranch(ctx, "acme", "web"); err == nil || !strings.Contains(err.Error(), "secondary rate limit: retry after 1h0m0s") {
		t.Errorf("long wait: %v", err)
	}
	// The primary limit: X-RateLimit-Remaining 0 is reported with its reset.
	s.Hooks = append(s.Hooks[:0], func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "4102444800")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message":"API rate limit exceeded for user ID 1."}`))
		return true
	})
	c = newClient(t, s, &slept)
	if _, err := c.DefaultBranch(ctx, "acme", "web"); err == nil || !strings.Contains(err.Error(), "rate limit exceeded; it resets at 2100-01-01") {
		t.Errorf("primary limit: %v", err)
	}
}

func TestGiteaBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:3000":      "http://127.0.0.1:3000/api/v1/",
		"https://git.example/gitea/": "https://git.example/gitea/api/v1/",
		"https://git.example/api/v1": "https://git.example/api/v1/",
	} {
		c, err := forge.New(forge.Options{Kind: forge.Gitea, APIURL: in})
		if err != nil || c.BaseURL() != want {
			t.Errorf("%s: %v %v, want %s", in, c.BaseURL(), err, want)
		}
	}
	if _, err := forge.New(forge.Options{Kind: forge.Gitea, APIURL: "git.example"}); err == nil {
		t.Error("a URL without scheme is refused")
	}
}

func TestParseRemote(t *testing.T) {
	for in, want := range map[string]forge.Remote{
		"https://github.com/acme/web.git":              {Web: "https://github.com", Owner: "acme", Name: "web"},
		"https://github.com/acme/web":                  {Web: "https://github.com", Owner: "acme", Name: "web"},
		"git@github.com:acme/web.git":                  {Web: "https://github.com", Owner: "acme", Name: "web"},
		"ssh://git@ghe.corp:2222/acme/web.git":         {Web: "https://ghe.corp", Owner: "acme", Name: "web"},
		"http://127.0.0.1:3000/bot/demo.git":           {Web: "http://127.0.0.1:3000", Owner: "bot", Name: "demo"},
		"https://x:tok@git.example/gitea/acme/web.git": {Web: "https://git.example/gitea", Owner: "acme", Name: "web"},
	} {
		got, err := forge.ParseRemote(in)
		if err != nil || got != want {
			t.Errorf("%s: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"/srv/git/web.git", "https://github.com/web", "web"} {
		if _, err := forge.ParseRemote(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
