package main

import (
	"fmt"
	"strings"

	"github.com/harden-dev/harden/internal/runner"
	"github.com/harden-dev/harden/transform"
)

// selection holds the flags that choose which fixes run and apply.
type selection struct {
	selects, ignores []string
	unsafe, offline  bool
}

func (s *selection) register(fs *flagSet, withUnsafe bool) {
	fs.StringSliceVar(&s.selects, "select", nil, "run only these fixes: names or equivalent IDs (DL3002), comma-separated; ALL means every fix")
	fs.StringSliceVar(&s.ignores, "ignore", nil, "do not run these fixes (names, IDs or ALL)")
	if withUnsafe {
		fs.BoolVar(&s.unsafe, "unsafe", false, "also apply fixes marked unsafe (naming an unsafe fix in --select applies it too)")
	}
	fs.BoolVar(&s.offline, "offline", false, "never touch the network: fixes that need it report instead of editing")
}

// options turns the flags into engine options over the fixes of e.
func (s *selection) options(e *env) (transform.Options, error) {
	run, explicit, err := selectFixes(e.registry(), s.selects, s.ignores)
	if err != nil {
		return transform.Options{}, err
	}
	return transform.Options{Fixes: run, Unsafe: s.unsafe, Explicit: explicit, Offline: s.offline, Resolver: e.resolver}, nil
}

// resolve returns the engine options and the PATH arguments, refusing "-"
// mixed with other paths.
func (s *selection) resolve(e *env, fs *flagSet) (transform.Options, []string, error) {
	opts, err := s.options(e)
	if err != nil {
		return opts, nil, err
	}
	paths := fs.Args()
	for _, p := range paths {
		if p == "-" && len(paths) > 1 {
			return opts, nil, runner.ErrStdinMixed
		}
	}
	return opts, paths, nil
}

// lookupFixes finds the fixes of all matching a name or equivalent ID
// ("DL3002"); "ALL" matches every fix.
func lookupFixes(all []*transform.Fix, name string) []*transform.Fix {
	var out []*transform.Fix
	for _, f := range all {
		if f.Matches(name) {
			out = append(out, f)
		}
	}
	return out
}

// selectFixes resolves --select and --ignore lists (names, equivalent IDs
// or ALL) into the fixes of all to run, in the order of all, and the fixes
// named explicitly in selects (whose unsafe findings are then applied). An
// empty selects means every fix. An unknown name is an error: a typo must
// not silently select nothing. (fixes.Select is this over fixes.All.)
func selectFixes(all []*transform.Fix, selects, ignores []string) (run []*transform.Fix, explicit map[string]bool, err error) {
	enabled := map[string]bool{}
	explicit = map[string]bool{}
	if len(selects) == 0 {
		selects = []string{"ALL"}
	}
	resolve := func(flag string, names []string, do func(f *transform.Fix, name string)) error {
		for _, name := range names {
			name = strings.TrimSpace(name)
			matched := lookupFixes(all, name)
			if len(matched) == 0 {
				return fmt.Errorf("%s: unknown fix %q (see 'harden rules')", flag, name)
			}
			for _, f := range matched {
				do(f, name)
			}
		}
		return nil
	}
	if err := resolve("--select", selects, func(f *transform.Fix, name string) {
		enabled[f.Name] = true
		if !strings.EqualFold(name, "ALL") {
			explicit[f.Name] = true
		}
	}); err != nil {
		return nil, nil, err
	}
	if err := resolve("--ignore", ignores, func(f *transform.Fix, _ string) { delete(enabled, f.Name) }); err != nil {
		return nil, nil, err
	}
	for _, f := range all {
		if enabled[f.Name] {
			run = append(run, f)
		}
	}
	return run, explicit, nil
}
