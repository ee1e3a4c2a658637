// Package forgetest is a GitHub REST API server for tests of harden pr: the
// handful of calls the bot makes, answered as GitHub documents them
// (https://docs.github.com/rest), with their requests checked: path, method,
// JSON body and the Authorization header. It keeps pull requests and
// comments in memory.
package forgetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// PR is a pull request the server holds.
type PR struct {
	Number                  int
	Title, Body, Head, Base string
	State                   string
	Comments                []string
}

// Server is a fake GitHub API.
type Server struct {
	*httptest.Server
	t      *testing.T
	Owner  string
	Repo   string
	Token  string
	Prefix string // "" for api.github.com, "/api/v3" for GitHub Enterprise

	mu    sync.Mutex
	PRs   []*PR
	Calls []string // "METHOD PATH" of every call, in order
	// Hooks answer a call instead of the server when they return true
	// (rate limits, races).
	Hooks []func(w http.ResponseWriter, r *http.Request) bool
}

// New starts a server for OWNER/REPO that accepts token.
func New(t *testing.T, owner, repo, token, prefix string) *Server {
	s := &Server{t: t, Owner: owner, Repo: repo, Token: token, Prefix: prefix}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// URL of the API root, as --github-api-url takes it.
func (s *Server) APIURL() string { return s.Server.URL + s.Prefix + "/" }

// CallsMade returns the calls so far.
func (s *Server) CallsMade() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.Calls...)
}

func (s *Server) fail(w http.ResponseWriter, code int, msg string) {
	s.t.Errorf("fake GitHub: %s", msg)
	writeJSON(w, code, map[string]any{"message": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) pr(p *PR) map[string]any {
	html := fmt.Sprintf("https://github.example/%s/%s/pull/%d", s.Owner, s.Repo, p.Number)
	repo := map[string]any{"name": s.Repo, "full_name": s.Owner + "/" + s.Repo, "owner": map[string]any{"login": s.Owner}}
	return map[string]any{
		"number": p.Number, "state": p.State, "title": p.Title, "body": p.Body, "html_url": html,
		"head": map[string]any{"ref": p.Head, "label": s.Owner + ":" + p.Head, "repo": repo},
		"base": map[string]any{"ref": p.Base, "label": s.Owner + ":" + p.Base, "repo": repo},
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Calls = append(s.Calls, r.Method+" "+r.URL.Path)
	if got := r.Header.Get("Authorization"); got != "Bearer "+s.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
		s.t.Errorf("fake GitHub: %s %s: Authorization %q", r.Method, r.URL.Path, got)
		return
	}
	for _, h := range s.Hooks {
		if h(w, r) {
			return
		}
	}
	path, ok := strings.CutPrefix(r.URL.Path, s.Prefix+"/repos/"+s.Owner+"/"+s.Repo)
	if !ok {
		s.fail(w, http.StatusNotFound, "unexpected path "+r.URL.Path)
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			s.fail(w, http.StatusUnsupportedMediaType, "content type "+ct)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			s.fail(w, http.StatusBadRequest, "body: "+err.Error())
			return
		}
	}
	str := func(k string) string { v, _ := body[k].(string); return v }
	switch {
	case r.Method == http.MethodGet && path == "":
		writeJSON(w, http.StatusOK, map[string]any{"name": s.Repo, "full_name": s.Owner + "/" + s.Repo,
			"default_branch": "main", "owner": map[string]any{"login": s.Owner}})
	case r.Method == http.MethodGet && path == "/pulls":
		q := r.URL.Query()
		if q.Get("state") != "open" {
			s.fail(w, http.StatusBadRequest, "list without state=open")
			return
		}
		out := []any{}
		for _, p := range s.PRs {
			if p.State == "open" && (q.Get("head") == "" || q.Get("head") == s.Owner+":"+p.Head) {
				out = append(out, s.pr(p))
			}
		}
		writeJSON(w, http.StatusOK, out)
	case r.Method == http.MethodPost && path == "/pulls":
		for _, k := range []string{"title", "head", "base", "body"} {
			if str(k) == "" {
				s.fail(w, http.StatusUnprocessableEntity, "create without "+k)
				return
			}
		}
		for _, p := range s.PRs {
			if p.State == "open" && p.Head == str("head") {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
					"message": "Validation Failed",
					"errors": []any{map[string]any{"resource": "PullRequest", "code": "custom",
						"message": "A pull request already exists for " + s.Owner + ":" + p.Head + "."}},
					"documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"})
				return
			}
		}
		p := &PR{Number: len(s.PRs) + 1, Title: str("title"), Body: str("body"), Head: str("head"), Base: str("base"), State: "open"}
		s.PRs = append(s.PRs, p)
		writeJSON(w, http.StatusCreated, s.pr(p))
	case r.Method == http.MethodPatch && strings.HasPrefix(path, "/pulls/"):
		p := s.find(strings.TrimPrefix(path, "/pulls/"))
		if p == nil {
			s.fail(w, http.StatusNotFound, "no pull request "+path)
			return
		}
		for k := range body {
			if k != "title" && k != "body" {
				s.fail(w, http.StatusUnprocessableEntity, "edit sets "+k)
				return
			}
		}
		p.Title, p.Body = str("title"), str("body")
		writeJSON(w, http.StatusOK, s.pr(p))
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/issues/") && strings.HasSuffix(path, "/comments"):
		p := s.find(strings.TrimSuffix(strings.TrimPrefix(path, "/issues/"), "/comments"))
		if p == nil || str("body") == "" {
			s.fail(w, http.StatusNotFound, "bad comment "+path)
			return
		}
		p.Comments = append(p.Comments, str("body"))
		writeJSON(w, http.StatusCreated, map[string]any{"id": len(p.Comments), "body": str("body")})
	default:
		s.fail(w, http.StatusNotFound, "unexpected call "+r.Method+" "+r.URL.Path)
	}
}

func (s *Server) find(num string) *PR {
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > len(s.PRs) {
		return nil
	}
	return s.PRs[n-1]
}
