package golden

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/internal/promise"
	"github.com/harden-dev/harden/transform"
)

// urlResolver answers every URL with a made-up checksum (the sha256 of
// the URL), so that the fixes that checksum downloads make their edits
// over the corpus without a network. Images are not resolved.
type urlResolver struct{}

func (urlResolver) Image(context.Context, string) (transform.Image, error) {
	return transform.Image{}, transform.ErrNoResolver
}
func (urlResolver) Tags(context.Context, string) ([]string, error) {
	return nil, transform.ErrNoResolver
}
func (urlResolver) URL(_ context.Context, url string) (transform.Download, error) {
	h := sha256.Sum256([]byte(url))
	return transform.Download{SHA256: hex.EncodeToString(h[:]), Size: -1}, nil
}

// TestCorpusURLFixes holds the four promises over the corpus for the
// fixes that need URL checksums, with every URL answered, so that their
// edits are exercised (the plain corpus run has no resolver). With
// HARDEN_REVIEW=N it prints a sample of N edited findings (fixed seed) for
// a maintainer's review.
func TestCorpusURLFixes(t *testing.T) {
	dir := corpusDir(t)
	files := corpusFiles(t, dir)
	urlFixes := []*transform.Fix{fixes.NoPipeToShell, fixes.AddChecksum}
	type edited struct{ file, fix, msg, before, after string }
	var all []edited
	var changed []promise.File
	var reports int
	for _, name := range files {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		opts := transform.Options{Fixes: urlFixes, Unsafe: true, Resolver: urlResolver{}}
		rep := promise.Check(name, src, opts, promise.Options{})
		for _, p := range rep.Problems {
			t.Error(p)
		}
		if rep.ParseErr != nil || rep.Result == nil {
			continue
		}
		res := rep.Result
		if res.Changed() {
			changed = append(changed, promise.File{Path: name, In: src, Out: res.Fixed, Diff: res.Diff()})
		}
		reports += len(res.Remaining)
		for _, f := range res.Remaining {
			t.Logf("report %s:%d: %s: %s", name, f.Line, f.Fix.Name, f.Message)
		}
		for _, f := range res.Applied {
			var before, after strings.Builder
			for _, e := range f.Edits {
				fmt.Fprintf(&before, "%s", src[e.Start:e.End])
				fmt.Fprintf(&after, "%s", e.New)
			}
			all = append(all, edited{name, f.Fix.Name, fmt.Sprintf("%d: %s [%s]", f.Line, f.Message, f.Applicability), before.String(), after.String()})
		}
	}
	if len(all) == 0 {
		t.Fatal("no URL fix made an edit over the corpus")
	}
	problems, err := promise.ApplyDiffs(t.TempDir(), changed)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("%d edits in %d files, %d findings without edit", len(all), len(changed), reports)
	if n := os.Getenv("HARDEN_REVIEW"); n != "" {
		var k int
		fmt.Sscan(n, &k)
		sort.Slice(all, func(i, j int) bool { return all[i].file+all[i].msg < all[j].file+all[j].msg })
		rng := rand.New(rand.NewSource(10))
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		for i := 0; i < k && i < len(all); i++ {
			e := all[i]
			t.Logf("REVIEW %d %s %s\n  %s\n  - %s\n  + %s", i+1, e.file, e.fix, e.msg, e.before, e.after)
		}
	}
}
