package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/harden-dev/harden/transform"
)

// labelFix appends "LABEL x=1" to files that lack it.
var labelFix = &transform.Fix{
	Name: "label", Summary: "label", Applicability: transform.Safe,
	Check: func(p *transform.Pass) {
		if strings.Contains(string(p.Doc.Src), "LABEL x=1") {
			return
		}
		nodes := p.Doc.Instructions()
		last := nodes[len(nodes)-1]
		p.Report(transform.Finding{Line: last.StartLine, Message: "no label", Title: "add it",
			Edits: []transform.Edit{p.Doc.InsertAfter(last, p.Doc.Lines("LABEL x=1"))}})
	},
}

// tree writes files under a fresh directory and makes it the working
// directory.
func tree(t *testing.T, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
}

func paths(files []*File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

// TestRunOrderAndBound: files come out in path order whatever order the
// workers finish in, and no more than Jobs run at once.
func TestRunOrderAndBound(t *testing.T) {
	files := map[string]string{}
	var want []string
	for i := 0; i < 24; i++ {
		name := fmt.Sprintf("d%02d/Dockerfile", i)
		files[name] = "FROM a\n"
		want = append(want, name)
	}
	tree(t, files)
	var running, peak atomic.Int32
	slow := &transform.Fix{Name: "slow", Applicability: transform.Safe, Check: func(p *transform.Pass) {
		n := running.Add(1)
		for {
			m := peak.Load()
			if n <= m || peak.CompareAndSwap(m, n) {
				break
			}
		}
		// Earlier files take longer, so later ones finish first.
		d := 24 - int(p.Doc.Path[1]-'0')*10 - int(p.Doc.Path[2]-'0')
		time.Sleep(time.Duration(d) * 200 * time.Microsecond)
		running.Add(-1)
	}}
	var emitted []string
	res, err := Run(context.Background(), nil, Options{Engine: transform.Options{Fixes: []*transform.Fix{slow, labelFix}}, Jobs: 3},
		func(f *File) error { emitted = append(emitted, f.Path); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(emitted, " ") != strings.Join(want, " ") || strings.Join(paths(res.Files), " ") != strings.Join(want, " ") {
		t.Errorf("order:\n%q\nwant\n%q", emitted, want)
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..3 with Jobs 3", p)
	}
	for _, f := range res.Files {
		if !f.Changed() || string(f.Result.Fixed) != "FROM a\nLABEL x=1\n" {
			t.Errorf("%s: %+v", f.Path, f.Result)
		}
	}
}

// TestRunErrorsInPlace: a missing path and a file that does not parse are
// handed out in their place with Err; the others are processed.
func TestRunErrorsInPlace(t *testing.T) {
	tree(t, map[string]string{"a/Dockerfile": "FROM a\n", "b/Dockerfile": "FROM a\nCOPY\n", "c/Dockerfile": "FROM a\nLABEL x=1\n"})
	res, err := Run(context.Background(), []string{"a", "missing", "b", "c"}, Options{Engine: transform.Options{Fixes: []*transform.Fix{labelFix}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(paths(res.Files), " "); got != "a/Dockerfile missing b/Dockerfile c/Dockerfile" {
		t.Fatalf("files %s", got)
	}
	f := res.Files
	var pe *transform.ParseError
	if !f[0].Changed() || !errors.Is(f[1].Err, fs.ErrNotExist) || f[1].Result != nil ||
		!errors.As(f[2].Err, &pe) || pe.Line != 2 || f[2].Changed() || f[3].Changed() || f[3].Err != nil {
		t.Errorf("results: %+v %+v %+v %+v", f[0], f[1], f[2], f[3])
	}
	if !res.Failed() {
		t.Error("Failed() is false with errors")
	}
}

// TestRunCheckMode: Check collects the findings of one pass.
func TestRunCheckMode(t *testing.T) {
	tree(t, map[string]string{"Dockerfile": "FROM a\n"})
	res, err := Run(context.Background(), nil, Options{Mode: Check, Engine: transform.Options{Fixes: []*transform.Fix{labelFix}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Files[0]; f.Result != nil || len(f.Findings) != 1 || f.Findings[0].Message != "no label" || f.Findings[0].Line != 1 {
		t.Errorf("check: %+v", f)
	}
}

// TestRunStdin: "-" reads Options.Stdin and is named StdinName; it cannot
// be mixed with other paths.
func TestRunStdin(t *testing.T) {
	res, err := Run(context.Background(), []string{"-"}, Options{Engine: transform.Options{Fixes: []*transform.Fix{labelFix}},
		Stdin: strings.NewReader("FROM a\n"), StdinName: "web/Dockerfile"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Files[0]; !f.Stdin || f.Path != "web/Dockerfile" || f.Result.Path != "web/Dockerfile" || string(f.Result.Fixed) != "FROM a\nLABEL x=1\n" {
		t.Errorf("stdin: %+v", f)
	}
	if _, err := Run(context.Background(), []string{"-", "x"}, Options{}, nil); !errors.Is(err, ErrStdinMixed) {
		t.Errorf("mixed: %v", err)
	}
}

// TestRunContextFor: each file's engine sees the build context ContextFor
// gives for its path, and each context is released once its file is done.
func TestRunContextFor(t *testing.T) {
	tree(t, map[string]string{"a/Dockerfile": "FROM a\n", "b/Dockerfile": "FROM a\n"})
	var mu sync.Mutex
	seen := map[string]string{}
	reader := &transform.Fix{Name: "reader", Applicability: transform.Safe, Check: func(p *transform.Pass) {
		b, err := fs.ReadFile(p.Context, "marker")
		mu.Lock()
		defer mu.Unlock()
		seen[p.Doc.Path] = fmt.Sprint(string(b), err)
	}}
	released := map[string]int{}
	opts := Options{Engine: transform.Options{Fixes: []*transform.Fix{reader}}, ContextFor: func(path string) (fs.FS, func()) {
		release := func() {
			mu.Lock()
			defer mu.Unlock()
			if _, ok := seen[path]; !ok {
				t.Errorf("%s: context released before the fix read it", path)
			}
			released[path]++
		}
		if path == "a/Dockerfile" {
			return fstest.MapFS{"marker": {Data: []byte("context of a")}}, release
		}
		return nil, release
	}}
	if _, err := Run(context.Background(), nil, opts, nil); err != nil {
		t.Fatal(err)
	}
	if released["a/Dockerfile"] != 1 || released["b/Dockerfile"] != 1 {
		t.Errorf("contexts released %v, want each once", released)
	}
	if seen["a/Dockerfile"] != "context of a<nil>" || !strings.Contains(seen["b/Dockerfile"], "not exist") {
		t.Errorf("contexts seen: %q", seen)
	}
}

// TestRunInterrupted: once the context is cancelled no file is started or
// handed out, Run returns ErrInterrupted and skips the Outputs hook.
func TestRunInterrupted(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 40; i++ {
		files[fmt.Sprintf("d%02d/Dockerfile", i)] = "FROM a\n"
	}
	files["d05/Dockerfile"] = "FROM a\nLABEL stop=1\n"
	tree(t, files)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	started := map[string]bool{} // a file runs the fixes once per round
	atCancel := -1               // files started when the run was cancelled
	stopper := &transform.Fix{Name: "stop", Applicability: transform.Safe, Check: func(p *transform.Pass) {
		mu.Lock()
		started[p.Doc.Path] = true
		if strings.Contains(string(p.Doc.Src), "stop=1") && atCancel < 0 {
			atCancel = len(started)
			cancel()
		}
		mu.Unlock()
	}}
	hookCalled := false
	var emitted []string
	res, err := Run(ctx, nil, Options{Engine: transform.Options{Fixes: []*transform.Fix{stopper, labelFix}}, Jobs: 2,
		Outputs: func(context.Context) ([]Output, error) { hookCalled = true; return nil, nil }},
		func(f *File) error { emitted = append(emitted, f.Path); return nil })
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err %v, want ErrInterrupted", err)
	}
	for _, p := range emitted {
		if p >= "d05" {
			t.Errorf("%s handed out after the interruption", p)
		}
	}
	if len(res.Files) != len(emitted) || hookCalled {
		t.Errorf("%d files collected, %d emitted, hook called %v", len(res.Files), len(emitted), hookCalled)
	}
	// After the cancel, only files already handed to a worker may start:
	// the other worker's, and one the dispatcher had in hand. (How many
	// started before the cancel depends on scheduling: a worker can stall
	// in a read while the other goes on.)
	if n := len(started); atCancel < 0 || n > atCancel+2 {
		t.Errorf("%d files started, %d of them before the cancel, with 2 workers", n, atCancel)
	}
}

// TestRunEmitError: an error from emit stops the run and is returned.
func TestRunEmitError(t *testing.T) {
	tree(t, map[string]string{"a/Dockerfile": "FROM a\n", "b/Dockerfile": "FROM a\n", "c/Dockerfile": "FROM a\n"})
	boom := errors.New("stdout closed")
	n := 0
	_, err := Run(context.Background(), nil, Options{Engine: transform.Options{Fixes: []*transform.Fix{labelFix}}}, func(*File) error {
		n++
		return boom
	})
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("err %v after %d emits, want %v after 1", err, n, boom)
	}
}

// TestRunOutputs: the Outputs hook runs once, after every file, and its
// files or error end the run.
func TestRunOutputs(t *testing.T) {
	tree(t, map[string]string{"Dockerfile": "FROM a\n"})
	var order []string
	opts := Options{Engine: transform.Options{Fixes: []*transform.Fix{labelFix}}, Outputs: func(context.Context) ([]Output, error) {
		order = append(order, "outputs")
		return []Output{{Path: "lock", Old: nil, New: []byte("x")}, {Path: "same", Old: []byte("y"), New: []byte("y")}}, nil
	}}
	res, err := Run(context.Background(), nil, opts, func(f *File) error { order = append(order, f.Path); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, " ") != "Dockerfile outputs" || len(res.Outputs) != 2 || !res.Outputs[0].Changed() || res.Outputs[1].Changed() {
		t.Errorf("order %q, outputs %+v", order, res.Outputs)
	}
	boom := errors.New("lock unwritable")
	opts.Outputs = func(context.Context) ([]Output, error) { return nil, boom }
	if _, err := Run(context.Background(), nil, opts, nil); !errors.Is(err, boom) {
		t.Errorf("hook error: %v", err)
	}
}
