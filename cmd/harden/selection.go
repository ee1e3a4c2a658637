package main

import (
	"fmt"
	"runtime"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/internal/runner"
	"github.com/harden-dev/harden/transform"
)

// networkFilesPerJob is how many files per --jobs slot are processed at
// once in a run whose fixes use the network.
const networkFilesPerJob = 4

// selection holds the flags that choose which fixes run and apply, and
// those of the services they use.
type selection struct {
	selects, ignores []string
	unsafe, offline  bool
	maxSize          sizeFlag
	svc              services
	cfg              configFlags // .harden.yaml (config.go)
}

func (s *selection) register(fs *flagSet, withUnsafe bool) {
	fs.StringSliceVar(&s.selects, "select", nil, "run only these fixes: names or equivalent IDs (DL3002), comma-separated; ALL means every fix")
	fs.StringSliceVar(&s.ignores, "ignore", nil, "do not run these fixes (names, IDs or ALL)")
	if withUnsafe {
		fs.BoolVar(&s.unsafe, "unsafe", false, "also apply fixes marked unsafe (naming an unsafe fix in --select applies it too)")
	}
	s.maxSize = runner.DefaultMaxSize
	fs.Var(&s.maxSize, "max-size", "refuse files larger than this, unread (1536, 512KiB, 4MiB)")
	fs.BoolVar(&s.offline, "offline", false, "never touch the network: only the lock file answers, and fixes report what it cannot")
	s.svc.register(fs)
	s.cfg.register(fs)
}

// options turns the flags into engine options over the fixes of e.
func (s *selection) options(e *env) (transform.Options, error) {
	run, explicit, err := fixes.SelectFrom(e.registry(), s.selects, s.ignores)
	if err != nil {
		return transform.Options{}, err
	}
	return transform.Options{Fixes: run, Unsafe: s.unsafe, Explicit: explicit, Offline: s.offline, Update: s.svc.update}, nil
}

// prepare returns the runner options of a command in mode and the PATH
// arguments, refusing "-" mixed with other paths. It starts the services
// (lock file, resolver, build contexts) the run's fixes reach.
func (s *selection) prepare(e *env, fs *flagSet, mode runner.Mode, stdinName string) (runner.Options, []string, error) {
	paths := fs.Args()
	for _, p := range paths {
		if p == "-" && len(paths) > 1 {
			return runner.Options{}, nil, runner.ErrStdinMixed
		}
	}
	configure, err := s.cfg.apply(e, s)
	if err != nil {
		return runner.Options{}, nil, err
	}
	opts, err := s.options(e)
	if err != nil {
		return runner.Options{}, nil, err
	}
	r, err := s.svc.start(e, opts)
	if err != nil {
		return runner.Options{}, nil, err
	}
	opts.Resolver = r.resolver
	ro := runner.Options{Mode: mode, Engine: opts, ContextFor: r.contextFor, Configure: configure, Stdin: e.stdin, StdinName: stdinName,
		MaxSize: int64(s.maxSize),
		Warn: func(path, msg string) {
			fmt.Fprintf(e.stderr, "harden: warning: %s: %s\n", printable(path), msg)
		}}
	if !opts.Offline && anyNeeds(opts.Fixes, transform.NeedsNetwork) {
		// Files wait on the network, not on the CPU: enough of them in
		// progress keep the --jobs lookup slots busy (one file per CPU would
		// leave them idle and serialise the lookups).
		ro.Jobs = max(runtime.GOMAXPROCS(0), networkFilesPerJob*s.svc.jobs)
	}
	if mode == runner.Fix {
		ro.Outputs = r.outputs(s.svc.lock, e.outputs)
	}
	return ro, paths, nil
}
