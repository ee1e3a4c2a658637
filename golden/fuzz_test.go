package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/internal/promise"
	"github.com/harden-dev/harden/transform"
)

// FuzzFix runs every fix (unsafe ones too) over arbitrary input and holds
// the promises: no panic; input buildkit rejects comes back untouched;
// otherwise untouched lines are kept, the output parses with no new lint
// warnings, a second run changes nothing, and the diff applies to give the
// output exactly. Seeded from the corpus and the golden inputs.
//
//	go test ./golden -run '^$' -fuzz FuzzFix -fuzztime 30s
func FuzzFix(f *testing.F) {
	seeds := []string{
		"FROM debian\nRUN apt-get update\nCMD [\"x\"]\n",
		"from alpine\nrun apk add curl\n",
		"# escape=`\r\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\r\nRUN echo `\r\n  hi\r\n",
		"FROM scratch\nCOPY x /\n",
		"FROM a\nRUN <<EOF\necho hi\nEOF\nUSER root\n",
		"FROM a AS b\nRUN x \\\n# c\n  y \\",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	dir := os.Getenv("HARDEN_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) != ".md" && filepath.Ext(p) != ".tsv" {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*", "*", "input"))
	for _, p := range inputs {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	opts := transform.Options{Fixes: fixes.All(), Unsafe: true, Offline: true}
	f.Fuzz(func(t *testing.T, src []byte) {
		rep := promise.Check("Dockerfile", src, opts, promise.Options{})
		for _, p := range rep.Problems {
			t.Error(p)
		}
		if rep.ParseErr != nil || rep.Result == nil || !rep.Result.Changed() {
			return
		}
		got, err := promise.ApplyUnified(src, rep.Result.Diff())
		if err != nil {
			t.Fatalf("diff does not apply: %v\n%s", err, rep.Result.Diff())
		}
		if string(got) != string(rep.Result.Fixed) {
			t.Fatalf("applying the diff gives %q, want %q", got, rep.Result.Fixed)
		}
	})
}
