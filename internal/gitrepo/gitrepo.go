// Package gitrepo is the git of `harden pr`, through the real git binary:
// it reads a checkout (its root, HEAD, tracked files and remotes), builds
// a commit of changed files on top of HEAD without touching the working
// tree, the index or the current branch, and force-pushes it to a branch.
package gitrepo

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Repo is a git checkout.
type Repo struct {
	// Root is the top of the working tree.
	Root string
	// Env is added to git's environment (tests set HOME and identities).
	Env []string
}

// Open finds the checkout that holds dir.
func Open(ctx context.Context, dir string) (*Repo, error) {
	r := &Repo{Root: dir}
	out, err := r.git(ctx, nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("not in a git checkout: %w", err)
	}
	r.Root = strings.TrimSpace(out)
	return r, nil
}

// Error is a git command that failed, with what it printed.
type Error struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("git %s: %s", e.Args[0], msg)
}

func (e *Error) Unwrap() error { return e.Err }

// git runs git in the root with extra environment entries.
func (r *Repo) git(ctx context.Context, env []string, args ...string) (string, error) {
	return r.gitIn(ctx, env, nil, args...)
}

func (r *Repo) gitIn(ctx context.Context, env []string, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.Root
	cmd.Env = append(append(os.Environ(), r.Env...), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		return stdout.String(), &Error{Args: args, Stderr: stderr.String(), Err: err}
	}
	return stdout.String(), nil
}

// Head is the commit checked out and the branch it is on ("" when
// detached).
func (r *Repo) Head(ctx context.Context) (commit, branch string, err error) {
	out, err := r.git(ctx, nil, "rev-parse", "--verify", "HEAD")
	if err != nil {
		return "", "", err
	}
	commit = strings.TrimSpace(out)
	out, err = r.git(ctx, nil, "symbolic-ref", "--quiet", "--short", "HEAD")
	if err == nil {
		branch = strings.TrimSpace(out)
	}
	return commit, branch, nil
}

// TrackedFile is a file of HEAD's tree as git lists it.
type TrackedFile struct {
	Path string // slash separated, relative to Root
	Mode string // 100644, 100755, 120000 …
}

// Tracked lists the files of the index (git ls-files).
func (r *Repo) Tracked(ctx context.Context) ([]TrackedFile, error) {
	out, err := r.git(ctx, nil, "ls-files", "-s", "-z")
	if err != nil {
		return nil, err
	}
	var files []TrackedFile
	for _, rec := range strings.Split(strings.TrimRight(out, "\x00"), "\x00") {
		if rec == "" {
			continue
		}
		// "MODE OBJECT STAGE\tPATH"
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("git ls-files: cannot read %q", rec)
		}
		files = append(files, TrackedFile{Path: path, Mode: f[0]})
	}
	return files, nil
}

// Modified lists the tracked files whose working-tree content differs
// from HEAD (changed, staged or not).
func (r *Repo) Modified(ctx context.Context) ([]string, error) {
	out, err := r.git(ctx, nil, "diff", "--name-only", "-z", "HEAD", "--")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range strings.Split(strings.TrimRight(out, "\x00"), "\x00") {
		if n != "" {
			names = append(names, n)
		}
	}
	return names, nil
}

// RemoteURL is the URL of a remote.
func (r *Repo) RemoteURL(ctx context.Context, remote string) (string, error) {
	out, err := r.git(ctx, nil, "remote", "get-url", remote)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// Change is a file of a commit: its path relative to Root (slash
// separated), content and mode ("" keeps HEAD's mode, or 100644 for a new
// file).
type Change struct {
	Path    string
	Content []byte
	Mode    string
}

// Identity is a commit's author and committer.
type Identity struct{ Name, Email string }

// Commit makes a commit whose parent is parent and whose tree is parent's
// with changes applied, through a temporary index: the working tree, the
// index and the branches are untouched. Its dates are parent's, so that
// the same inputs make the same commit. It returns the commit's id.
func (r *Repo) Commit(ctx context.Context, parent string, changes []Change, message string, who Identity) (string, error) {
	tmp, err := os.MkdirTemp("", "harden-index-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(tmp, "index")}
	if who.Name != "" {
		env = append(env, "GIT_AUTHOR_NAME="+who.Name, "GIT_COMMITTER_NAME="+who.Name)
	}
	if who.Email != "" {
		env = append(env, "GIT_AUTHOR_EMAIL="+who.Email, "GIT_COMMITTER_EMAIL="+who.Email)
	}
	// The parent's date: the same changes on the same parent make the
	// same commit, so a second run finds the branch up to date.
	date, err := r.git(ctx, nil, "show", "-s", "--format=%ci", parent)
	if err != nil {
		return "", err
	}
	date = strings.TrimSpace(date)
	env = append(env, "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	if _, err := r.git(ctx, env, "read-tree", parent); err != nil {
		return "", err
	}
	modes := map[string]string{}
	if out, err := r.git(ctx, env, "ls-files", "-s", "-z"); err == nil {
		for _, rec := range strings.Split(out, "\x00") {
			if meta, path, ok := strings.Cut(rec, "\t"); ok {
				modes[path] = strings.Fields(meta)[0]
			}
		}
	}
	for _, c := range changes {
		sum, err := r.gitIn(ctx, env, c.Content, "hash-object", "-w", "--stdin")
		if err != nil {
			return "", err
		}
		mode := c.Mode
		if mode == "" {
			if mode = modes[c.Path]; mode == "" {
				mode = "100644"
			}
		}
		if _, err := r.git(ctx, env, "update-index", "--add", "--cacheinfo", mode+","+strings.TrimSpace(sum)+","+c.Path); err != nil {
			return "", err
		}
	}
	tree, err := r.git(ctx, env, "write-tree")
	if err != nil {
		return "", err
	}
	out, err := r.gitIn(ctx, env, []byte(message), "commit-tree", strings.TrimSpace(tree), "-p", parent, "-F", "-")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// Push force-pushes commit to refs/heads/branch of remote (a remote name
// or URL), authenticated as authEnv says.
func (r *Repo) Push(ctx context.Context, remote, commit, branch, user, token string) error {
	_, err := r.git(ctx, r.authEnv(ctx, remote, user, token), "push", "--force", "--quiet", remote, commit+":refs/heads/"+branch)
	return hideToken(err, token)
}

// RemoteHead is the commit refs/heads/branch of remote points at, or ""
// when the branch does not exist there.
func (r *Repo) RemoteHead(ctx context.Context, remote, branch, user, token string) (string, error) {
	out, err := r.git(ctx, r.authEnv(ctx, remote, user, token), "ls-remote", "--heads", remote, "refs/heads/"+branch)
	if err != nil {
		return "", hideToken(err, token)
	}
	f := strings.Fields(out)
	if len(f) == 0 {
		return "", nil
	}
	return f[0], nil
}

// authEnv is the environment that gives git one Authorization header for
// an HTTP(S) remote (a name or URL): basic authentication with user and
// token, replacing any extraHeader configured for the remote's host (such
// as actions/checkout's). The token goes through the environment, never
// the command line. Nothing for other remotes or without a token.
func (r *Repo) authEnv(ctx context.Context, remote, user, token string) []string {
	env := []string{"GIT_TERMINAL_PROMPT=0"}
	if token == "" {
		return env
	}
	u := remote
	if !strings.Contains(u, "://") {
		var err error
		if u, err = r.RemoteURL(ctx, remote); err != nil {
			return env
		}
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") {
		return env
	}
	key := "http." + pu.Scheme + "://" + pu.Host + "/.extraheader"
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + token))
	return append(env, "GIT_CONFIG_COUNT=2",
		"GIT_CONFIG_KEY_0="+key, "GIT_CONFIG_VALUE_0=",
		"GIT_CONFIG_KEY_1="+key, "GIT_CONFIG_VALUE_1=Authorization: basic "+auth)
}

// hideToken keeps a token out of an error's text.
func hideToken(err error, token string) error {
	var ge *Error
	if token != "" && errors.As(err, &ge) {
		ge.Stderr = strings.ReplaceAll(ge.Stderr, token, "***")
	}
	return err
}

// Config is a git configuration value, "" when unset.
func (r *Repo) Config(ctx context.Context, key string) string {
	out, err := r.git(ctx, nil, "config", "--get", key)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}
