package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/harden-dev/harden/internal/buildctx"
	"github.com/harden-dev/harden/internal/fetch"
	"github.com/harden-dev/harden/internal/registry"
	"github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/internal/runner"
	"github.com/harden-dev/harden/transform"
)

// services holds the flags of what fixes reach through the Pass besides
// the Dockerfile: the lock file, registries and URLs, and the build context.
type services struct {
	lock     string
	context  string
	jobs     int
	insecure []string
	timeout  time.Duration
	update   bool
}

func (s *services) register(fs *flagSet) {
	fs.StringVar(&s.lock, "lock", "", "lock `FILE` of image digests and URL checksums: answers first, records new answers (shown in the diff, written with -w); with --offline the only source")
	fs.StringVar(&s.context, "context", "", "build context `DIR` of every Dockerfile, whose scripts and configs fixes read (default: each Dockerfile's directory)")
	fs.IntVar(&s.jobs, "jobs", resolve.DefaultJobs, "network lookups in flight at once")
	fs.StringSliceVar(&s.insecure, "insecure-registry", nil, "registry `HOST[:PORT]` reached over plain HTTP (repeatable)")
	fs.DurationVar(&s.timeout, "timeout", registry.DefaultTimeout, "time limit of one registry lookup or download")
	fs.BoolVar(&s.update, "update-digests", false, "resolve the tags of images already pinned by digest again, and update the digests of those that moved (the lock file's answers too)")
}

// running is what a command's run is given by its services.
type running struct {
	resolver   *resolve.Resolver
	contextFor func(path string) (fs.FS, func())
	// lockOld is the lock file as read (nil when absent).
	lockOld []byte
}

// start prepares the services of one run: the resolver over the lock file
// and the network, and the build context of each file.
func (s *services) start(e *env, opts transform.Options) (*running, error) {
	if s.jobs < 1 {
		return nil, fmt.Errorf("--jobs must be at least 1, not %d", s.jobs)
	}
	r := &running{}
	lock := resolve.NewLock()
	if s.lock != "" {
		data, err := os.ReadFile(s.lock)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if lock, err = resolve.ParseLock(data); err != nil {
				return nil, fmt.Errorf("%s: %w", s.lock, err)
			}
			r.lockOld = data
		}
	}
	images, urls := e.images, e.urls
	if images == nil {
		reg, err := registry.New(registry.Options{Insecure: s.insecure, Timeout: s.timeout})
		if err != nil {
			return nil, err
		}
		images = reg
	}
	if urls == nil {
		urls = fetch.New(fetch.Options{Timeout: s.timeout})
	}
	ro := resolve.Options{Images: images, URLs: urls, Lock: lock, Offline: opts.Offline, Update: s.update,
		Jobs: s.jobs, SkipConfigs: !anyNeeds(opts.Fixes, transform.NeedsImageConfig)}
	if isTerminal(e.stderr) {
		ro.Progress = e.stderr
	}
	r.resolver = resolve.New(ro)

	if s.context != "" {
		if fi, err := os.Stat(s.context); err != nil {
			return nil, fmt.Errorf("--context: %w", err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("--context: %s is not a directory", s.context)
		}
	}
	r.contextFor = func(path string) (fs.FS, func()) {
		dir := s.context
		if dir == "" {
			if path == "-" {
				return nil, nil // standard input has no directory of its own
			}
			dir = filepath.Dir(path)
		}
		c, err := buildctx.Open(dir, buildctx.Options{})
		if err != nil {
			return nil, nil // an unreadable directory is an empty context
		}
		return c, func() { c.Close() }
	}
	return r, nil
}

// outputs is the hook that gives the lock file as a run output when the
// run changed it, followed by what extra gives.
func (r *running) outputs(lockPath string, extra func(context.Context) ([]runner.Output, error)) func(context.Context) ([]runner.Output, error) {
	return func(ctx context.Context) ([]runner.Output, error) {
		var out []runner.Output
		if lockPath != "" {
			if data, changed := r.resolver.LockFile(); changed {
				out = append(out, runner.Output{Path: runner.DisplayPath(lockPath), Old: r.lockOld, New: data})
			}
		}
		if extra != nil {
			more, err := extra(ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
		return out, nil
	}
}

func anyNeeds(fixes []*transform.Fix, n transform.Needs) bool {
	for _, f := range fixes {
		if f.Needs&n != 0 {
			return true
		}
	}
	return false
}

// isTerminal reports whether w is a terminal, where progress lines help a
// person waiting on the network (and would only clutter a log).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
