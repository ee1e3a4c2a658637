// Package forge opens and updates the pull request of `harden pr` on a
// code forge: GitHub (github.com or GitHub Enterprise) or Gitea/Forgejo,
// both through go-github (Gitea's /api/v1/ answers the few calls the bot
// makes in GitHub's shape: repository lookup, list, create and edit pull
// requests, comments).
package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v84/github"
)

// Kind is the kind of forge.
type Kind string

const (
	GitHub Kind = "github"
	Gitea  Kind = "gitea" // Gitea and Forgejo
)

// Options configure a Client.
type Options struct {
	Kind Kind
	// APIURL is the API's base URL: for GitHub "" means
	// https://api.github.com/ and a GitHub Enterprise server is
	// https://HOST/api/v3/; for Gitea the server's URL, to which /api/v1/
	// is added when missing.
	APIURL string
	// Token authenticates every call. It is never printed.
	Token string
	// HTTP is the HTTP client (nil: a default one with a timeout).
	HTTP *http.Client
	// MaxWait bounds the wait on a secondary rate limit before a call is
	// retried (default one minute); a longer Retry-After fails the call.
	MaxWait time.Duration
	// Sleep waits (tests make it instant); nil waits for real.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client talks to one forge.
type Client struct {
	gh      *github.Client
	kind    Kind
	maxWait time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
}

// PR is a pull request.
type PR struct {
	Number int
	URL    string // the page a person opens
	Title  string
	Head   string // the branch it is from
	Base   string
}

// New returns a client for the forge of opts.
func New(opts Options) (*Client, error) {
	hc := opts.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	gh := github.NewClient(hc)
	if opts.Token != "" {
		gh = gh.WithAuthToken(opts.Token)
	}
	gh.UserAgent = "harden-pr"
	switch opts.Kind {
	case GitHub, "":
		if opts.APIURL != "" && strings.TrimSuffix(opts.APIURL, "/") != "https://api.github.com" {
			var err error
			if gh, err = gh.WithEnterpriseURLs(opts.APIURL, opts.APIURL); err != nil {
				return nil, fmt.Errorf("--github-api-url: %w", err)
			}
		}
	case Gitea:
		if opts.APIURL == "" {
			return nil, errors.New("gitea needs the server's URL")
		}
		u, err := url.Parse(strings.TrimSuffix(opts.APIURL, "/") + "/")
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("bad Gitea URL %q", opts.APIURL)
		}
		if !strings.HasSuffix(u.Path, "/api/v1/") {
			u.Path += "api/v1/"
		}
		gh.BaseURL = u
	default:
		return nil, fmt.Errorf("unknown forge %q (github or gitea)", opts.Kind)
	}
	c := &Client{gh: gh, kind: opts.Kind, maxWait: opts.MaxWait, sleep: opts.Sleep}
	if c.maxWait == 0 {
		c.maxWait = time.Minute
	}
	if c.sleep == nil {
		c.sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return c, nil
}

// BaseURL is the API's base URL the client calls.
func (c *Client) BaseURL() string { return c.gh.BaseURL.String() }

// call runs f, waiting out secondary rate limits (GitHub answers 403 or
// 429 with Retry-After) up to MaxWait each, three times at most.
func (c *Client) call(ctx context.Context, what string, f func(ctx context.Context) (*github.Response, error)) error {
	callCtx := ctx
	for attempt := 0; ; attempt++ {
		_, err := f(callCtx)
		var abuse *github.AbuseRateLimitError
		var rate *github.RateLimitError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &abuse) && attempt < 3:
			wait := 30 * time.Second
			if abuse.RetryAfter != nil {
				wait = *abuse.RetryAfter
			}
			if wait > c.maxWait {
				return fmt.Errorf("%s: secondary rate limit: retry after %s, longer than the %s harden waits", what, wait, c.maxWait)
			}
			if err := c.sleep(ctx, wait); err != nil {
				return err
			}
			// Waited as asked: go-github would otherwise refuse the call
			// until its own clock reaches the limit's end.
			callCtx = context.WithValue(ctx, github.BypassRateLimitCheck, true)
			continue
		case errors.As(err, &rate):
			return fmt.Errorf("%s: rate limit exceeded; it resets at %s", what, rate.Rate.Reset.Format(time.RFC3339))
		}
		return fmt.Errorf("%s: %w", what, err)
	}
}

// DefaultBranch is the repository's default branch.
func (c *Client) DefaultBranch(ctx context.Context, owner, repo string) (string, error) {
	var r *github.Repository
	err := c.call(ctx, "get repository "+owner+"/"+repo, func(ctx context.Context) (resp *github.Response, err error) {
		r, resp, err = c.gh.Repositories.Get(ctx, owner, repo)
		return resp, err
	})
	if err != nil {
		return "", err
	}
	return r.GetDefaultBranch(), nil
}

// OpenPR is the open pull request from branch (of the repository itself)
// into the repository, or nil.
func (c *Client) OpenPR(ctx context.Context, owner, repo, branch string) (*PR, error) {
	opts := &github.PullRequestListOptions{State: "open", Head: owner + ":" + branch, ListOptions: github.ListOptions{PerPage: 50}}
	for {
		var prs []*github.PullRequest
		var resp *github.Response
		err := c.call(ctx, "list pull requests of "+owner+"/"+repo, func(ctx context.Context) (r *github.Response, err error) {
			prs, resp, err = c.gh.PullRequests.List(ctx, owner, repo, opts)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		// The head filter is GitHub's; Gitea lists every open pull
		// request: match the branch (and its repository) here.
		for _, p := range prs {
			h := p.GetHead()
			if h.GetRef() != branch {
				continue
			}
			if hr := h.GetRepo(); hr != nil && hr.GetOwner().GetLogin() != "" && !strings.EqualFold(hr.GetOwner().GetLogin(), owner) {
				continue
			}
			return toPR(p), nil
		}
		if resp == nil || resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

// Create opens a pull request from head into base. When GitHub answers
// that one already exists (422), it is found and returned with existed set.
func (c *Client) Create(ctx context.Context, owner, repo, head, base, title, body string) (pr *PR, existed bool, err error) {
	var p *github.PullRequest
	err = c.call(ctx, "open a pull request", func(ctx context.Context) (resp *github.Response, err error) {
		p, resp, err = c.gh.PullRequests.Create(ctx, owner, repo, &github.NewPullRequest{
			Title: &title, Head: &head, Base: &base, Body: &body})
		return resp, err
	})
	if err != nil {
		var ge *github.ErrorResponse
		if errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusUnprocessableEntity && alreadyExists(ge) {
			found, ferr := c.OpenPR(ctx, owner, repo, head)
			if ferr == nil && found != nil {
				return found, true, nil
			}
		}
		return nil, false, err
	}
	return toPR(p), false, nil
}

// alreadyExists recognises GitHub's "A pull request already exists for
// owner:branch." validation error.
func alreadyExists(ge *github.ErrorResponse) bool {
	if strings.Contains(ge.Message, "already exists") {
		return true
	}
	for _, e := range ge.Errors {
		if strings.Contains(e.Message, "already exists") {
			return true
		}
	}
	return false
}

// Update sets the title and body of a pull request.
func (c *Client) Update(ctx context.Context, owner, repo string, number int, title, body string) (*PR, error) {
	var p *github.PullRequest
	err := c.call(ctx, fmt.Sprintf("update pull request #%d", number), func(ctx context.Context) (resp *github.Response, err error) {
		p, resp, err = c.gh.PullRequests.Edit(ctx, owner, repo, number, &github.PullRequest{Title: &title, Body: &body})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	return toPR(p), nil
}

// Comment adds a comment to a pull request.
func (c *Client) Comment(ctx context.Context, owner, repo string, number int, body string) error {
	return c.call(ctx, fmt.Sprintf("comment on pull request #%d", number), func(ctx context.Context) (resp *github.Response, err error) {
		_, resp, err = c.gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: &body})
		return resp, err
	})
}

func toPR(p *github.PullRequest) *PR {
	return &PR{Number: p.GetNumber(), URL: p.GetHTMLURL(), Title: p.GetTitle(),
		Head: p.GetHead().GetRef(), Base: p.GetBase().GetRef()}
}

// Remote is a repository named by a git remote URL.
type Remote struct {
	// Web is the forge's web root (scheme://host[/path]); Owner and Name
	// name the repository.
	Web, Owner, Name string
}

// ParseRemote reads a git remote URL: https://HOST/OWNER/NAME(.git),
// ssh://[USER@]HOST[:PORT]/OWNER/NAME(.git) or [USER@]HOST:OWNER/NAME(.git).
// A web root under a path (https://HOST/gitea/OWNER/NAME) keeps the path.
func ParseRemote(remote string) (Remote, error) {
	var scheme, host, p string
	switch {
	case strings.Contains(remote, "://"):
		u, err := url.Parse(remote)
		if err != nil {
			return Remote{}, err
		}
		scheme, host, p = u.Scheme, u.Host, u.Path
		if scheme == "ssh" || scheme == "git" {
			scheme, host = "https", u.Hostname()
		}
	case strings.Contains(remote, ":"):
		at := strings.Index(remote, "@")
		colon := strings.Index(remote, ":")
		if at > colon {
			at = -1
		}
		scheme, host, p = "https", remote[at+1:colon], "/"+remote[colon+1:]
	default:
		return Remote{}, fmt.Errorf("cannot read a forge repository from remote %q", remote)
	}
	p = strings.TrimSuffix(strings.TrimSuffix(p, "/"), ".git")
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if host == "" || len(parts) < 2 || parts[len(parts)-1] == "" || parts[len(parts)-2] == "" {
		return Remote{}, fmt.Errorf("cannot read OWNER/NAME from remote %q", remote)
	}
	n := len(parts)
	web := scheme + "://" + host
	if n > 2 {
		web += "/" + strings.Join(parts[:n-2], "/")
	}
	return Remote{Web: web, Owner: parts[n-2], Name: parts[n-1]}, nil
}
