package main

import (
	"errors"
	"runtime"
	"sync"

	"github.com/harden-dev/harden/fixes"
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

// options turns the flags into engine options.
func (s *selection) options() (transform.Options, error) {
	run, explicit, err := fixes.Select(s.selects, s.ignores)
	if err != nil {
		return transform.Options{}, err
	}
	return transform.Options{Fixes: run, Unsafe: s.unsafe, Explicit: explicit, Offline: s.offline}, nil
}

// resolve returns the engine options and the PATH arguments, refusing "-"
// mixed with other paths.
func (s *selection) resolve(fs *flagSet) (transform.Options, []string, error) {
	opts, err := s.options()
	if err != nil {
		return opts, nil, err
	}
	paths := fs.Args()
	for _, p := range paths {
		if p == "-" && len(paths) > 1 {
			return opts, nil, errors.New(`"-" (standard input) cannot be mixed with other paths`)
		}
	}
	return opts, paths, nil
}

// forEach runs work on every input with up to GOMAXPROCS workers and calls
// emit for each in input order as soon as it and all before it are done, so
// output streams in a stable order.
func forEach[T any](inputs []input, work func(input) T, emit func(input, T)) {
	results := make([]T, len(inputs))
	done := make([]chan struct{}, len(inputs))
	for i := range done {
		done[i] = make(chan struct{})
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = work(inputs[i])
				close(done[i])
			}
		}()
	}
	go func() {
		for i := range inputs {
			next <- i
		}
		close(next)
	}()
	for i := range inputs {
		<-done[i]
		emit(inputs[i], results[i])
	}
	wg.Wait()
}
