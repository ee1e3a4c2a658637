// Command nonrootstats prints what the non-root-user fix does over a corpus
// of Dockerfiles (../shared/corpus by default): how many files get a default
// edit, an unsafe edit or a report only, with the most frequent reasons, and
// a random sample (fixed seed) of the files with a default edit, for a
// maintainer's review.
//
//	go run ./internal/nonrootstats [-corpus DIR] [-sample 40] [-seed 7] [-diff]
//
// Each Dockerfile is checked with its own directory as build context, as
// `harden fix` does by default.
package main

import (
	"github.com/harden-dev/harden/internal/corpus"

	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/internal/buildctx"
	"github.com/harden-dev/harden/transform"
)

func main() {
	corpusDir := flag.String("corpus", filepath.Join("..", "shared", "corpus"), "corpus directory (with MANIFEST.tsv)")
	sample := flag.Int("sample", 40, "files with a default edit to sample for review")
	seed := flag.Uint64("seed", 7, "seed of the sample")
	showDiff := flag.Bool("diff", false, "print the sampled files' diffs")
	top := flag.Int("top", 12, "reasons shown per outcome")
	flag.Parse()

	files, err := corpus.Files(*corpusDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	counts := map[string]int{}
	reasons := map[string]map[string]int{}
	var defaults []string
	for _, name := range files {
		p := filepath.Join(*corpusDir, name)
		src, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		outcome, msg := classify(p, src)
		counts[outcome]++
		if reasons[outcome] == nil {
			reasons[outcome] = map[string]int{}
		}
		reasons[outcome][reasonKey(msg)]++
		if outcome == "default edit" {
			defaults = append(defaults, name)
		}
	}
	fmt.Printf("non-root-user over %d files in %s\n", len(files), *corpusDir)
	for _, o := range []string{"default edit", "unsafe edit", "report only", "generated or fixture (reported)", "no finding"} {
		fmt.Printf("  %-32s %d\n", o, counts[o])
	}
	fmt.Printf("  with --unsafe: %d files edited (%d default + %d unsafe), %d reported only\n",
		counts["default edit"]+counts["unsafe edit"], counts["default edit"], counts["unsafe edit"], counts["report only"])
	for _, o := range []string{"unsafe edit", "report only", "generated or fixture (reported)"} {
		fmt.Printf("\ntop reasons, %s:\n", o)
		type kv struct {
			k string
			n int
		}
		var list []kv
		for k, n := range reasons[o] {
			list = append(list, kv{k, n})
		}
		sort.Slice(list, func(i, j int) bool { return list[i].n > list[j].n || list[i].n == list[j].n && list[i].k < list[j].k })
		for i, e := range list {
			if i == *top {
				break
			}
			fmt.Printf("  %4d  %s\n", e.n, e.k)
		}
	}
	r := rand.New(rand.NewPCG(*seed, *seed))
	r.Shuffle(len(defaults), func(i, j int) { defaults[i], defaults[j] = defaults[j], defaults[i] })
	if len(defaults) > *sample {
		defaults = defaults[:*sample]
	}
	sort.Strings(defaults)
	fmt.Printf("\nsample of %d default edits (seed %d):\n", len(defaults), *seed)
	for _, name := range defaults {
		fmt.Println("  " + name)
		if *showDiff {
			p := filepath.Join(*corpusDir, name)
			src, _ := os.ReadFile(p)
			res, err := run(p, src, false)
			if err == nil {
				fmt.Print(indent(transform.UnifiedDiff(name, res.Original, res.Fixed)))
			}
		}
	}
}

func indent(s string) string {
	return "      " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n      ") + "\n"
}

func run(p string, src []byte, unsafe bool) (*transform.Result, error) {
	opts := transform.Options{Fixes: []*transform.Fix{fixes.NonRootUser}, Offline: true, Unsafe: unsafe}
	if c, err := buildctx.Open(filepath.Dir(p), buildctx.Options{}); err == nil {
		defer c.Close()
		opts.Context = c
	}
	return transform.Run(context.Background(), p, src, opts)
}

// classify runs the fix on one file and names its outcome.
func classify(p string, src []byte) (outcome, msg string) {
	res, err := run(p, src, false)
	if err != nil {
		return "no finding", ""
	}
	if len(res.Applied) > 0 {
		return "default edit", res.Applied[0].Message
	}
	for _, f := range res.Remaining {
		switch {
		case f.Applicability == transform.Unsafe:
			return "unsafe edit", f.Message
		case len(f.Edits) > 0:
			return "generated or fixture (reported)", f.Reason
		default:
			return "report only", f.Message
		}
	}
	return "no finding", ""
}

var (
	lineNo  = regexp.MustCompile(`\(line \d+\)|line \d+`)
	quoted  = regexp.MustCompile("`[^`]*`|\"[^\"]*\"")
	pathArg = regexp.MustCompile(`(^|\s)[/$~.][^\s,;:)]*`)
)

// reasonKey shortens a message to its kind: what follows "but" up to the
// first colon, with paths, quotes and line numbers blanked.
func reasonKey(msg string) string {
	if _, after, ok := strings.Cut(msg, ", but "); ok {
		msg = after
	}
	if _, after, ok := strings.Cut(msg, "may break it: "); ok {
		msg = after
	}
	if i := strings.Index(msg, ": "); i > 0 {
		msg = msg[:i]
	}
	msg = lineNo.ReplaceAllString(msg, "line N")
	msg = quoted.ReplaceAllString(msg, "…")
	msg = pathArg.ReplaceAllString(msg, "$1PATH")
	if len(msg) > 110 {
		msg = msg[:110] + "…"
	}
	return msg
}
