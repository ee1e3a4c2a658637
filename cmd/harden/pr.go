package main

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/harden-dev/harden/internal/forge"
	"github.com/harden-dev/harden/internal/gitrepo"
	"github.com/harden-dev/harden/internal/report"
	"github.com/harden-dev/harden/internal/runner"
)

const prDescription = `Open (or update) a pull request with harden's fixes.

In a git checkout: runs the fixes (the same flags as 'harden fix', and
.harden.yaml) over every Dockerfile git tracks, commits the changes on top of
HEAD on --branch (without touching the working tree, the index or the current
branch), force-pushes that branch to --remote and opens a pull request into
--base, or updates the one already open from the branch (title and body). With
nothing to fix it pushes nothing and says so.

The token comes from the environment: GITHUB_TOKEN (for Gitea: GITEA_TOKEN,
else GITHUB_TOKEN); it authenticates the push over HTTPS and the API calls and
is never printed. --dry-run prints the branch, the commit message and the
pull request's title and body instead, and needs no token.`

// prFlags are the flags of harden pr besides the fix flags.
type prFlags struct {
	branch, base, remote, repo string
	forge, forgeURL, githubAPI string
	author                     string
	dryRun                     bool
}

func runPR(e *env, name string, args []string) error {
	fs := newFlagSet(e, name, "", prDescription)
	var p prFlags
	fs.StringVar(&p.branch, "branch", "harden/fixes", "`BRANCH` to commit the fixes on and open the pull request from")
	fs.StringVar(&p.base, "base", "", "`BRANCH` the pull request merges into (default: the repository's default branch; with --dry-run the current branch)")
	fs.StringVar(&p.remote, "remote", "origin", "git `REMOTE` to push to, and to read the repository from")
	fs.StringVar(&p.repo, "repo", "", "the repository as `OWNER/NAME` (default: read from the remote's URL)")
	fs.StringVar(&p.forge, "forge", "github", "forge: github (also GitHub Enterprise) or gitea (also Forgejo)")
	fs.StringVar(&p.forgeURL, "forge-url", "", "Gitea's `URL` (default: the remote's https://HOST)")
	fs.StringVar(&p.githubAPI, "github-api-url", "", "GitHub's API `URL`: https://HOST/api/v3/ for GitHub Enterprise (default: $GITHUB_API_URL, else https://api.github.com/)")
	fs.StringVar(&p.author, "author", "", "commit author as `\"NAME <EMAIL>\"` (default: git's user.name and user.email, else harden <harden@users.noreply.github.com>)")
	fs.BoolVar(&p.dryRun, "dry-run", false, "print the branch, commit message and pull request without committing, pushing or calling the forge")
	var sel selection
	sel.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("pr takes no PATH: it fixes every Dockerfile git tracks (use .harden.yaml overrides to leave some alone)")
	}
	if p.forge != string(forge.GitHub) && p.forge != string(forge.Gitea) {
		return fmt.Errorf("--forge must be github or gitea, not %q", p.forge)
	}
	ctx := e.context()
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	repo, err := gitrepo.Open(ctx, wd)
	if err != nil {
		return err
	}
	head, current, err := repo.Head(ctx)
	if err != nil {
		return fmt.Errorf("no commit checked out: %w", err)
	}

	// The Dockerfiles git tracks, unchanged since HEAD.
	tracked, err := repo.Tracked(ctx)
	if err != nil {
		return err
	}
	modified, err := repo.Modified(ctx)
	if err != nil {
		return err
	}
	dirty := map[string]bool{}
	for _, m := range modified {
		dirty[m] = true
	}
	var paths []string
	for _, f := range tracked {
		if f.Mode == "120000" || f.Mode == "160000" || !runner.IsDockerfileName(filepath.Base(f.Path)) || skippedDir(f.Path) {
			continue
		}
		if dirty[f.Path] {
			return fmt.Errorf("%s has uncommitted changes: commit or stash them first (harden pr commits on top of HEAD)", f.Path)
		}
		paths = append(paths, filepath.Join(repo.Root, filepath.FromSlash(f.Path)))
	}
	if len(paths) == 0 {
		fmt.Fprintln(e.stderr, "harden pr: git tracks no Dockerfile here: nothing to fix, nothing pushed")
		return nil
	}

	// The fix run, as harden fix would do it.
	ro, _, err := sel.prepare(e, fs, runner.Fix, "")
	if err != nil {
		return err
	}
	var files []report.FixedFile
	var changes []gitrepo.Change
	failed := false
	rel := func(display string) (string, error) {
		abs, err := filepath.Abs(display)
		if err != nil {
			return "", err
		}
		r, err := filepath.Rel(repo.Root, abs)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "", fmt.Errorf("%s is outside the repository", display)
		}
		return filepath.ToSlash(r), nil
	}
	res, err := runner.Run(ctx, paths, ro, func(f *runner.File) error {
		if f.Err != nil {
			failed = true
			reportError(e.stderr, f.Path, f.Err)
			return nil
		}
		if !f.Changed() {
			return nil
		}
		name, err := rel(f.Path)
		if err != nil {
			return err
		}
		files = append(files, report.FixedFile{Path: name, Old: f.Result.Original, New: f.Result.Fixed,
			Applied: f.Result.Applied, Remaining: f.Result.Remaining})
		changes = append(changes, gitrepo.Change{Path: name, Content: f.Result.Fixed})
		return nil
	})
	if err != nil {
		return err
	}
	for _, o := range res.Outputs {
		if !o.Changed() {
			continue
		}
		name, err := rel(o.Path)
		if err != nil {
			return fmt.Errorf("--lock: %w", err)
		}
		files = append(files, report.FixedFile{Path: name, Old: o.Old, New: o.New})
		changes = append(changes, gitrepo.Change{Path: name, Content: o.New})
	}
	if len(changes) == 0 {
		fmt.Fprintf(e.stderr, "harden pr: nothing to fix in %s: nothing pushed, no pull request opened or changed\n", plural(len(paths), "Dockerfile", "Dockerfiles"))
		return status(failed, false)
	}

	title, message := prMessage(files)
	var body strings.Builder
	if err := report.WriteMarkdown(&body, files); err != nil {
		return err
	}
	fmt.Fprintf(&body, "\n---\nOpened by [`harden pr`](https://github.com/harden-dev/harden) %s. It updates this pull request (force-pushing `%s`) when it runs again; close it to decline these changes, or add a `.harden.yaml` to choose the fixes.\n", versionString(), p.branch)

	if p.dryRun {
		base := p.base
		if base == "" {
			base = current
		}
		fmt.Fprintf(e.stdout, "branch: %s\nbase: %s\n\n--- commit message:\n%s\n--- pull request title:\n%s\n\n--- pull request body:\n%s", p.branch, base, message, title, body.String())
		fmt.Fprintln(e.stderr, "harden pr: dry run: nothing committed, pushed or opened")
		return status(failed, false)
	}

	if err := p.publish(ctx, e, repo, head, changes, title, message, body.String()); err != nil {
		return err
	}
	return status(failed, false)
}

// skippedDir reports whether a tracked path lies in a directory harden's
// search skips (vendor, node_modules).
func skippedDir(p string) bool {
	parts := strings.Split(p, "/")
	for _, d := range parts[:len(parts)-1] {
		if d == "node_modules" || d == "vendor" || d == ".git" {
			return true
		}
	}
	return false
}

// prMessage is the pull request's title and the commit message (the title,
// then one line per applied fix).
func prMessage(files []report.FixedFile) (title, message string) {
	var names []string
	seen := map[string]bool{}
	var lines []string
	nfiles := 0
	for _, f := range files {
		if len(f.Applied) > 0 {
			nfiles++
		}
		for _, a := range f.Applied {
			if !seen[a.Fix.Name] {
				seen[a.Fix.Name] = true
				names = append(names, a.Fix.Name)
			}
			lines = append(lines, fmt.Sprintf("- %s:%d: %s: %s", f.Path, a.Line, a.Fix.Name, a.Title))
		}
		if len(f.Applied) == 0 {
			lines = append(lines, fmt.Sprintf("- %s: updated by the run", f.Path))
		}
	}
	sort.Strings(names)
	title = fmt.Sprintf("harden: %s in %s", strings.Join(names, ", "), plural(nfiles, "Dockerfile", "Dockerfiles"))
	if nfiles == 0 {
		title = "harden: update " + files[0].Path
	}
	return title, title + "\n\n" + strings.Join(lines, "\n") + "\n"
}

// publish commits, pushes and opens or updates the pull request.
func (p *prFlags) publish(ctx context.Context, e *env, repo *gitrepo.Repo, head string, changes []gitrepo.Change, title, message, body string) error {
	kind := forge.Kind(p.forge)
	token := os.Getenv("GITHUB_TOKEN")
	if kind == forge.Gitea && os.Getenv("GITEA_TOKEN") != "" {
		token = os.Getenv("GITEA_TOKEN")
	}
	if token == "" {
		if kind == forge.Gitea {
			return errors.New("no token: set GITEA_TOKEN (or GITHUB_TOKEN), or use --dry-run")
		}
		return errors.New("no token: set GITHUB_TOKEN, or use --dry-run")
	}
	remoteURL, err := repo.RemoteURL(ctx, p.remote)
	if err != nil {
		return err
	}
	owner, name := "", ""
	var remote forge.Remote
	if r, err := forge.ParseRemote(remoteURL); err == nil {
		remote = r
		owner, name = r.Owner, r.Name
	}
	if p.repo != "" {
		o, n, ok := strings.Cut(p.repo, "/")
		if !ok || o == "" || n == "" || strings.Contains(n, "/") {
			return fmt.Errorf("--repo must be OWNER/NAME, not %q", p.repo)
		}
		owner, name = o, n
	}
	if owner == "" {
		return fmt.Errorf("cannot read the repository from remote %s (%s): give --repo OWNER/NAME", p.remote, redact(remoteURL))
	}
	opts := forge.Options{Kind: kind, Token: token}
	switch kind {
	case forge.Gitea:
		opts.APIURL = p.forgeURL
		if opts.APIURL == "" {
			if remote.Web == "" {
				return fmt.Errorf("give --forge-url: cannot read Gitea's URL from remote %s", p.remote)
			}
			opts.APIURL = remote.Web
		}
	default:
		opts.APIURL = p.githubAPI
		if opts.APIURL == "" {
			opts.APIURL = os.Getenv("GITHUB_API_URL")
		}
	}
	client, err := forge.New(opts)
	if err != nil {
		return err
	}
	base := p.base
	if base == "" {
		if base, err = client.DefaultBranch(ctx, owner, name); err != nil {
			return err
		}
	}
	who, err := p.identity(ctx, repo)
	if err != nil {
		return err
	}
	commit, err := repo.Commit(ctx, head, changes, message, who)
	if err != nil {
		return err
	}
	const pushUser = "x-access-token" // GitHub's; Gitea reads the password as the token
	current, err := repo.RemoteHead(ctx, p.remote, p.branch, pushUser, token)
	if err != nil {
		return err
	}
	pushed := current != commit
	if pushed {
		if err := repo.Push(ctx, p.remote, commit, p.branch, pushUser, token); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "pushed %s to %s (%s)\n", shortID(commit), p.branch, plural(len(changes), "file", "files"))
	} else {
		fmt.Fprintf(e.stderr, "%s is up to date (%s)\n", p.branch, shortID(commit))
	}
	pr, err := client.OpenPR(ctx, owner, name, p.branch)
	if err != nil {
		return err
	}
	if pr == nil {
		var existed bool
		if pr, existed, err = client.Create(ctx, owner, name, p.branch, base, title, body); err != nil {
			return err
		}
		if !existed {
			fmt.Fprintf(e.stdout, "opened pull request #%d: %s\n", pr.Number, pr.URL)
			return nil
		}
	}
	if pr, err = client.Update(ctx, owner, name, pr.Number, title, body); err != nil {
		return err
	}
	if pushed {
		note := fmt.Sprintf("harden pushed %s: %s on top of %s. The description above is up to date.", shortID(commit), title, shortID(head))
		if err := client.Comment(ctx, owner, name, pr.Number, note); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "updated pull request #%d: %s\n", pr.Number, pr.URL)
	return nil
}

// identity is the commit's author and committer.
func (p *prFlags) identity(ctx context.Context, repo *gitrepo.Repo) (gitrepo.Identity, error) {
	if p.author != "" {
		a, err := mail.ParseAddress(p.author)
		if err != nil || a.Name == "" {
			return gitrepo.Identity{}, fmt.Errorf("--author must be \"NAME <EMAIL>\", not %q", p.author)
		}
		return gitrepo.Identity{Name: a.Name, Email: a.Address}, nil
	}
	who := gitrepo.Identity{Name: repo.Config(ctx, "user.name"), Email: repo.Config(ctx, "user.email")}
	if who.Name == "" || who.Email == "" {
		who = gitrepo.Identity{Name: "harden", Email: "harden@users.noreply.github.com"}
	}
	return who, nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// redact drops the password of a URL with credentials.
func redact(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if at := strings.Index(u[i+3:], "@"); at >= 0 && !strings.Contains(u[i+3:i+3+at], "/") {
			return u[:i+3] + "***@" + u[i+3+at+1:]
		}
	}
	return u
}
