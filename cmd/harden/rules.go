package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/transform"
)

const rulesDescription = `List harden's fixes: name, whether 'harden fix' applies it by default or
only with --unsafe, equivalent rule IDs of other tools (hadolint DL…, Trivy
DS…, buildkit checks) and a summary. With NAME (or an equivalent ID), print
that fix's full documentation with an example diff.`

func runRules(e *env, name string, args []string) error {
	fs := newFlagSet(e, name, "[NAME]", rulesDescription)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		writeRulesTable(e.stdout, e.registry())
		return nil
	}
	for i, arg := range fs.Args() {
		matched := fixes.LookupIn(e.registry(), arg)
		if len(matched) == 0 || strings.EqualFold(arg, "ALL") {
			return fmt.Errorf("unknown fix %q (run 'harden rules' for the list)", arg)
		}
		for j, f := range matched {
			if i+j > 0 {
				fmt.Fprintln(e.stdout)
			}
			if err := writeRuleDoc(e.stdout, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeRulesTable prints one line per fix.
func writeRulesTable(w io.Writer, all []*transform.Fix) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tAPPLIED\tEQUIVALENTS\tSUMMARY")
	for _, f := range all {
		also := strings.Join(f.Also, ",")
		if also == "" {
			also = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, f.Applicability, also, f.Summary)
	}
	tw.Flush()
}

// writeRuleDoc prints a fix's documentation and the diff it makes to its
// example, computed now by the engine so it cannot go stale.
func writeRuleDoc(w io.Writer, f *transform.Fix) error {
	fmt.Fprintf(w, "%s: %s\n\n", f.Name, f.Summary)
	fmt.Fprintf(w, "Applied: %s", f.Applicability)
	if f.Applicability == transform.Unsafe {
		fmt.Fprint(w, " (only with --unsafe or --select "+f.Name+")")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Severity: %s\n", f.Level())
	if len(f.Also) > 0 {
		fmt.Fprintf(w, "Equivalents: %s\n", strings.Join(f.Also, ", "))
	}
	fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(f.Doc))
	if f.Example == "" {
		return nil
	}
	opts := transform.Options{Fixes: []*transform.Fix{f}, Explicit: map[string]bool{f.Name: true}, Offline: true}
	if f.Needs&transform.NeedsNetwork != 0 {
		opts.Resolver = exampleResolver{}
	}
	res, err := transform.Run(context.Background(), "Dockerfile", []byte(f.Example), opts)
	if err != nil {
		return fmt.Errorf("example of %s: %w", f.Name, err)
	}
	fmt.Fprintf(w, "\nExample\n")
	if f.Needs&transform.NeedsNetwork != 0 {
		fmt.Fprintf(w, "  (offline: the example's digests and checksums are made up; harden looks up the real ones)\n")
	}
	for _, line := range strings.SplitAfter(res.Diff(), "\n") {
		if line != "" {
			fmt.Fprintf(w, "  %s", line)
		}
	}
	return nil
}

// exampleResolver answers the lookups of a rule's example without the
// network, with made-up answers (the sha256 of the reference or URL
// itself; no tags), so that the example shows the shape of the edit.
type exampleResolver struct{}

func madeUp(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func (exampleResolver) Image(_ context.Context, ref string) (transform.Image, error) {
	return transform.Image{Digest: "sha256:" + madeUp(ref)}, nil
}

func (exampleResolver) Tags(context.Context, string) ([]string, error) { return nil, nil }

func (exampleResolver) URL(_ context.Context, url string) (transform.Download, error) {
	return transform.Download{SHA256: madeUp(url), Size: -1}, nil
}
