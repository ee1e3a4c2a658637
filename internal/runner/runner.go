// Package runner is the loop over files that every harden command shares:
// it finds the files PATH arguments stand for, runs the engine on each of
// them concurrently (bounded), hands the results back in stable path order
// as they complete, and collects them with the run's other outputs (such as
// a lock file). `harden fix`, `harden check` and `harden pr` all run on it;
// what they print or write is theirs.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sync"

	"github.com/harden-dev/harden/transform"
)

// ErrInterrupted ends a run whose context was cancelled (Ctrl-C): no file
// is started or handed out after it.
var ErrInterrupted = errors.New("interrupted")

// ErrStdinMixed refuses "-" (standard input) together with other paths.
var ErrStdinMixed = errors.New(`"-" (standard input) cannot be mixed with other paths`)

// Mode is what the engine does with each file.
type Mode int

const (
	// Fix runs the fixes to a fixpoint (transform.Run): File.Result holds
	// the fixed file, the applied and the remaining findings.
	Fix Mode = iota
	// Check parses the file and runs the fixes once over it
	// (transform.Collect): File.Findings holds every finding.
	Check
)

// Options configure a run.
type Options struct {
	Mode Mode
	// Engine are the engine options every file starts from.
	Engine transform.Options
	// ContextFor, when not nil, returns the build context of the file at
	// path (its display path, or "-" for standard input), which becomes
	// that file's Engine.Context, and a function that releases it once the
	// file is done (nil when there is nothing to release). nil keeps
	// Engine.Context for every file.
	ContextFor func(path string) (fsys fs.FS, release func())
	// Configure, when not nil, adjusts the engine options of the file at
	// path (as ContextFor) from the project's configuration; an error
	// (a bad configuration file) becomes that file's Err.
	Configure func(path string, eo *transform.Options) error
	// Jobs bounds how many files are processed at once; 0 means
	// runtime.GOMAXPROCS(0).
	Jobs int
	// Stdin is read for the path "-"; StdinName names it in the results
	// ("<stdin>" when empty).
	Stdin     io.Reader
	StdinName string
	// Outputs, when not nil, is called once after every file has been
	// handed out, unless the run was interrupted. It returns the run's
	// other output files (the lock file of --lock), which the caller shows,
	// lists or writes like changed Dockerfiles.
	Outputs func(ctx context.Context) ([]Output, error)
	// Warn, when not nil, is told of files a directory search skipped that
	// the user may have meant (a dangling symlink named like a Dockerfile),
	// before any file is processed. A warning does not fail the run.
	Warn func(path, msg string)
	// MaxSize is the largest file, in bytes, the run reads; a larger one
	// is refused, unread, with an *TooLargeError. 0 means DefaultMaxSize.
	MaxSize int64
}

// DefaultMaxSize is the size limit of an input file: real Dockerfiles are
// well under 100 KiB.
const DefaultMaxSize = 1 << 20

// TooLargeError refuses a file over the size limit, before it is parsed.
type TooLargeError struct {
	Size  int64 // the file's size, or -1 when only "over Limit" is known (standard input)
	Limit int64
}

func (e *TooLargeError) Error() string {
	size := "over " + FormatSize(e.Limit)
	if e.Size >= 0 {
		size = FormatSize(e.Size)
	}
	return fmt.Sprintf("file too large (%s; the limit is %s, raise it with --max-size), not read", size, FormatSize(e.Limit))
}

// FormatSize writes a byte count the way --max-size reads it: 1MiB,
// 512KiB, 1536.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// File is what the run found for one file.
type File struct {
	// Path is the file as the user sees it: clean, slash-separated and
	// relative to the working directory when inside it; StdinName for "-".
	Path string
	// Stdin marks the file read from standard input.
	Stdin bool
	// Result is the engine's result in Fix mode; nil when the file could
	// not be found or read. On an engine error it holds the original
	// unchanged (Fixed == Original).
	Result *transform.Result
	// Findings are the findings of Check mode.
	Findings []transform.Finding
	// Err is what went wrong with this file: not found, unreadable, a
	// *transform.ParseError or a *transform.FixError.
	Err error
}

// Changed reports whether the file has changes to show or write (never on
// error).
func (f *File) Changed() bool {
	return f.Err == nil && f.Result != nil && f.Result.Changed()
}

// Output is a file a run produces besides the Dockerfiles it fixes.
type Output struct {
	Path string // as the user sees it, like File.Path
	Old  []byte // the current content; nil when the file does not exist yet
	New  []byte // the content the run wants
}

// Changed reports whether New differs from Old (a file to be created
// always counts as changed).
func (o Output) Changed() bool { return o.Old == nil || string(o.Old) != string(o.New) }

// Result is a whole run: every file in the order it was handed out, and the
// other outputs.
type Result struct {
	Files   []*File
	Outputs []Output
}

// Failed reports whether any file has an error.
func (r *Result) Failed() bool {
	for _, f := range r.Files {
		if f.Err != nil {
			return true
		}
	}
	return false
}

// Run processes the files paths stand for (see DisplayPath and
// IsDockerfileName; none means ".") and calls emit, from the calling
// goroutine, for each file in path order as soon as it and every file
// before it are done, so output streams in a stable order however the
// workers finish. Files that cannot be found or read are handed out too,
// with Err set, in their place. An error returned by emit stops the run
// and is returned.
//
// When ctx is cancelled no new file is started and none is handed out
// any more; Run returns ErrInterrupted once the files in progress have
// stopped. Run itself never writes a file.
func Run(ctx context.Context, paths []string, opts Options, emit func(*File) error) (*Result, error) {
	for _, p := range paths {
		if p == "-" && len(paths) > 1 {
			return nil, ErrStdinMixed
		}
	}
	inputs := collect(paths, opts.Warn)
	res := &Result{Files: make([]*File, 0, len(inputs))}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	files := make([]*File, len(inputs))
	done := make([]chan struct{}, len(inputs))
	for i := range done {
		done[i] = make(chan struct{})
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(jobs, len(inputs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				files[i] = opts.process(runCtx, inputs[i])
				close(done[i])
			}
		}()
	}
	go func() {
		defer close(next)
		skip := func(from int) { // never started: files[j] stays nil
			for j := from; j < len(inputs); j++ {
				close(done[j])
			}
		}
		for i := range inputs {
			if runCtx.Err() != nil { // the select below would pick at random
				skip(i)
				return
			}
			select {
			case next <- i:
			case <-runCtx.Done():
				skip(i)
				return
			}
		}
	}()

	var err error
	for i := range inputs {
		<-done[i]
		if err != nil {
			continue // drain
		}
		if ctx.Err() != nil || files[i] == nil {
			err = ErrInterrupted
			cancel()
			continue
		}
		res.Files = append(res.Files, files[i])
		if emit != nil {
			if err = emit(files[i]); err != nil {
				cancel()
			}
		}
	}
	wg.Wait()
	if err == nil && ctx.Err() != nil {
		err = ErrInterrupted
	}
	if err != nil {
		return res, err
	}
	if opts.Outputs != nil {
		outs, err := opts.Outputs(ctx)
		if ctx.Err() != nil {
			return res, ErrInterrupted
		}
		if err != nil {
			return res, err
		}
		res.Outputs = outs
	}
	return res, nil
}

// process reads one file and runs the engine on it.
func (opts *Options) process(ctx context.Context, in input) *File {
	f := &File{Path: in.path}
	if in.path == "-" {
		f.Stdin = true
		f.Path = opts.StdinName
		if f.Path == "" {
			f.Path = "<stdin>"
		}
	}
	if in.err != nil {
		f.Err = in.err
		return f
	}
	if ctx.Err() != nil {
		return nil
	}
	src, err := opts.read(in.path)
	if err != nil {
		f.Err = err
		return f
	}
	eo := opts.Engine
	if opts.Configure != nil {
		if err := opts.Configure(in.path, &eo); err != nil {
			f.Err = err
			return f
		}
	}
	if opts.ContextFor != nil {
		fsys, release := opts.ContextFor(in.path)
		if fsys != nil {
			eo.Context = fsys
		}
		if release != nil {
			defer release()
		}
	}
	switch opts.Mode {
	case Check:
		doc, err := transform.Parse(f.Path, src)
		if err != nil {
			f.Err = err
			break
		}
		f.Findings = transform.Collect(ctx, doc, eo)
	default:
		f.Result, f.Err = transform.Run(ctx, f.Path, src, eo)
	}
	if ctx.Err() != nil {
		return nil // stopped half-way: not a result
	}
	return f
}

// read reads a file, or standard input for "-", refusing one over the size
// limit before reading it (standard input: after reading one byte more).
func (opts *Options) read(path string) ([]byte, error) {
	limit := opts.MaxSize
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	var r io.Reader
	if path == "-" {
		if opts.Stdin == nil {
			return nil, fmt.Errorf("no standard input")
		}
		r = opts.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
			return nil, &TooLargeError{Size: st.Size(), Limit: limit}
		}
		r = f
	}
	// A file may grow, or report no size (/proc): read at most one byte
	// over the limit.
	src, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(src)) > limit {
		return nil, &TooLargeError{Size: -1, Limit: limit}
	}
	return src, nil
}
