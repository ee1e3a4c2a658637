package golden

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/internal/promise"
	"github.com/harden-dev/harden/transform"
)

// The corpus is mostly careful Dockerfiles (docker-library's, for one):
// they already clean up, verify and pin, so the cleanup, gpg and download
// fixes find little there. mutations undo that care, as a less careful
// author would have written the same files, so that those fixes meet
// realistic inputs that need them; and generated-file headers go, so that
// harden edits those files too.
var mutations = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?m)^#.*(DO NOT EDIT|[Gg]enerated|GENERATED).*\n`), ""},
	{regexp.MustCompile(`\brm -rf "\$GNUPGHOME"[^;&\\\n]*`), "true"},
	{regexp.MustCompile(`\bgpgconf --kill all\b`), "true"},
	{regexp.MustCompile(`\bgpg --batch `), "gpg "},
	{regexp.MustCompile(`(curl[^\n|;&]*?)https://`), "${1}http://"},
	{regexp.MustCompile(`curl -f(s?S)L`), "curl -${1}"},
	{regexp.MustCompile(`(echo "\$\{?\w+\}?)  (\S+")`), "$1 $2"},
	{regexp.MustCompile(`\brm (-[a-z]+ )?[\w./${}-]*\.tar\.(gz|xz|bz2)\b`), "true"},
	{regexp.MustCompile(`\brm -rf /usr/src/[\w.-]+`), "true"},
	{regexp.MustCompile(`npm cache clean --force`), "npm cache clean"},
	{regexp.MustCompile(`keyserver\.ubuntu\.com`), "ha.pool.sks-keyservers.net"},
}

func mutate(src string) string {
	for _, m := range mutations {
		src = m.re.ReplaceAllString(src, m.repl)
	}
	return src
}

// TestCorpusMutated holds the four promises, with every fix and unsafe
// edits applied, on the corpus files that the mutations change.
func TestCorpusMutated(t *testing.T) {
	dir := corpusDir(t)
	opts := transform.Options{Fixes: fixes.All(), Unsafe: true, Offline: true}
	var changed []promise.File
	mutated := 0
	for _, name := range corpusFiles(t, dir) {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		m := mutate(string(src))
		if m == string(src) {
			continue
		}
		mutated++
		rep := promise.Check(name, []byte(m), opts, promise.Options{})
		for _, p := range rep.Problems {
			t.Errorf("%s (mutated): %s", name, p)
		}
		if rep.ParseErr == nil && rep.Result.Changed() {
			changed = append(changed, promise.File{Path: name, In: []byte(m), Out: rep.Result.Fixed, Diff: rep.Result.Diff()})
		}
	}
	if mutated < 100 {
		t.Fatalf("only %d corpus files mutated: the mutations no longer match the corpus", mutated)
	}
	problems, err := promise.ApplyDiffs(t.TempDir(), changed)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("%d files mutated, %d changed by harden", mutated, len(changed))
}

func TestMutate(t *testing.T) {
	in := "# DO NOT EDIT\nRUN gpg --batch --verify a.asc a && rm -rf \"$GNUPGHOME\" a.asc; echo \"$SHA  f\" | sha256sum -c -\n"
	want := "RUN gpg --verify a.asc a && true; echo \"$SHA f\" | sha256sum -c -\n"
	if got := mutate(in); got != want {
		t.Errorf("mutate:\n got %q\nwant %q", got, want)
	}
	if !strings.Contains(mutate("RUN curl -fsSL https://x/y"), "curl -sS http://x/y") {
		t.Error("curl not mutated")
	}
}
