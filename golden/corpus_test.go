package golden

import (
	"github.com/harden-dev/harden/internal/corpus"

	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/internal/buildctx"
	"github.com/harden-dev/harden/internal/promise"
	"github.com/harden-dev/harden/transform"
)

// requireCorpus is the environment variable that makes a missing corpus a
// failure instead of a skip; .ci/run sets it.
const requireCorpus = "HARDEN_REQUIRE_CORPUS"

// skipNote prints, once per test binary, that the corpus tests were
// skipped and how to run them.
var skipNote sync.Once

// corpusDir is ../shared/corpus beside the checkout (HARDEN_CORPUS
// overrides). When it is missing the test is skipped, or fails when
// HARDEN_REQUIRE_CORPUS=1.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("HARDEN_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		if os.Getenv(requireCorpus) == "1" {
			tb.Fatalf("corpus not found at %s and %s=1: %v", dir, requireCorpus, err)
		}
		skipNote.Do(func() {
			fmt.Fprintf(os.Stderr, "golden: corpus tests skipped: no corpus at %s; run them with HARDEN_CORPUS=DIR go test ./golden\n", dir)
		})
		tb.Skipf("corpus not found at %s (set HARDEN_CORPUS=DIR): %v", dir, err)
	}
	return dir
}

// corpusFiles lists the corpus files from its MANIFEST.tsv.
func corpusFiles(tb testing.TB, dir string) []string {
	files, err := corpus.Files(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) < 100 {
		tb.Fatalf("corpus manifest lists only %d files", len(files))
	}
	return files
}

// rejectedByBuildkit are the corpus files buildkit's own parser refuses,
// with the line it names.
var rejectedByBuildkit = map[string]int{
	"fedora-cloud__Fedora-Dockerfiles/haskell/Dockerfile":                   32,
	"moby__buildkit/frontend/dockerfile/parser/testfiles/flags/Dockerfile":  3,
	"moby__buildkit/frontend/dockerfile/parser/testfiles/health/Dockerfile": 4,
}

// TestCorpus holds the four promises on every corpus file: no panic,
// untouched lines kept, output parses with no new buildkit lint warnings,
// a second run changes nothing, and the diffs apply with git apply and
// patch -p1 to give exactly harden's output.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	files := corpusFiles(t, dir)
	for _, mode := range []struct {
		name string
		opts transform.Options
	}{
		{"default", transform.Options{Fixes: fixes.All()}},
		{"unsafe", transform.Options{Fixes: fixes.All(), Unsafe: true}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			if mode.opts.Unsafe && !anyUnsafe() {
				t.Skip("no fix is unsafe yet: --unsafe would repeat the default run")
			}
			var mu sync.Mutex
			var changed []promise.File
			rejected := map[string]int{}
			t.Run("files", func(t *testing.T) {
				for _, name := range files {
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						src, err := os.ReadFile(filepath.Join(dir, name))
						if err != nil {
							t.Fatal(err)
						}
						rep := promise.Check(name, src, mode.opts, promise.Options{})
						for _, p := range rep.Problems {
							t.Error(p)
						}
						mu.Lock()
						defer mu.Unlock()
						if rep.ParseErr != nil {
							rejected[name] = rep.ParseErr.Line
							return
						}
						if rep.Result.Changed() {
							changed = append(changed, promise.File{Path: name, In: src, Out: rep.Result.Fixed, Diff: rep.Result.Diff()})
						}
					})
				}
			})
			if len(rejected) != len(rejectedByBuildkit) {
				t.Errorf("buildkit rejected %d files, want %d: %v", len(rejected), len(rejectedByBuildkit), rejected)
			}
			for name, line := range rejectedByBuildkit {
				if got, ok := rejected[name]; !ok || got != line {
					t.Errorf("%s: want a parse error at line %d, got line %d (rejected: %v)", name, line, got, ok)
				}
			}
			if len(changed) == 0 {
				t.Fatal("no corpus file changed: the fixes did nothing")
			}
			sort.Slice(changed, func(i, j int) bool { return changed[i].Path < changed[j].Path })
			problems, err := promise.ApplyDiffs(t.TempDir(), changed)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Error(p)
			}
			t.Logf("%d of %d files changed; diffs apply with git apply and patch -p1", len(changed), len(files))
		})
	}
}

// TestCorpusCLI runs the harden binary over the whole corpus directory, as
// a user would: the three files buildkit rejects get a PATH:LINE error and
// exit status 2 while every other file is processed; --ignore ALL prints
// nothing; and the printed diff is exactly the library's, file by file.
func TestCorpusCLI(t *testing.T) {
	dir := corpusDir(t)
	files := corpusFiles(t, dir)

	stdout, stderr, code := runHarden(t, dir, nil, "fix", "--ignore", "ALL", ".")
	if code != 2 || stdout != "" {
		t.Errorf("--ignore ALL: exit %d, %d bytes of diff; want exit 2 (three bad files) and no diff", code, len(stdout))
	}
	errLines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(errLines) != len(rejectedByBuildkit) {
		t.Fatalf("want %d errors, got:\n%s", len(rejectedByBuildkit), stderr)
	}
	for _, l := range errLines {
		path, rest, _ := strings.Cut(l, ":")
		line, _, _ := strings.Cut(rest, ":")
		if want, ok := rejectedByBuildkit[path]; !ok || line != fmt.Sprint(want) {
			t.Errorf("error %q: want PATH:LINE for one of %v", l, rejectedByBuildkit)
		}
	}

	stdout, stderr2, code := runHarden(t, dir, nil, "fix", "--offline", ".")
	if code != 2 || stderr2 != stderr {
		t.Errorf("fix: exit %d, stderr:\n%s", code, stderr2)
	}
	var want strings.Builder
	for _, name := range files {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		// The CLI reads each file's directory as its build context.
		opts := transform.Options{Fixes: fixes.All(), Offline: true}
		if c, err := buildctx.Open(filepath.Join(dir, filepath.Dir(name)), buildctx.Options{}); err == nil {
			opts.Context = c
			defer c.Close()
		}
		res, err := transform.Run(context.Background(), name, src, opts)
		if err == nil {
			want.WriteString(res.Diff())
		}
	}
	if stdout != want.String() {
		t.Errorf("the CLI's diff of the corpus (%d bytes) differs from the library's (%d bytes)", len(stdout), want.Len())
	}
}

// anyUnsafe reports whether some fix is applied only with --unsafe.
func anyUnsafe() bool {
	for _, f := range fixes.All() {
		if f.Applicability == transform.Unsafe {
			return true
		}
	}
	return false
}
