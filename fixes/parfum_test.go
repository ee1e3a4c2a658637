package fixes

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/harden-dev/harden/transform"
)

var updateParfum = flag.Bool("update-parfum", false, "rewrite docs/parfum.md from ParfumRules")

// TestParfumRules holds harden to the bar: at least what Parfum
// repairs. Every Parfum rule that harden repairs names an existing fix that
// answers to the rule's name (so --select curlUseHttpsUrl runs it), and
// docs/parfum.md is the table.
func TestParfumRules(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range ParfumRules {
		if seen[r.Name] {
			t.Errorf("%s listed twice", r.Name)
		}
		seen[r.Name] = true
		if r.Fix == "" {
			if r.Note == "" {
				t.Errorf("%s: not repaired and no reason given", r.Name)
			}
			continue
		}
		got := Lookup(r.Name)
		if len(got) != 1 || got[0].Name != r.Fix {
			var names []string
			for _, f := range got {
				names = append(names, f.Name)
			}
			t.Errorf("--select %s runs %v, want [%s] (add %q to %s's Also)", r.Name, names, r.Fix, r.Name, r.Fix)
		}
	}
	if n := len(ParfumRules); n != 32 {
		t.Errorf("%d Parfum rules, want the 32 of docker-parfum 1.0.0", n)
	}
	want := parfumDoc()
	if *updateParfum {
		if err := os.WriteFile("../docs/parfum.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("../docs/parfum.md")
	if err != nil || string(got) != want {
		t.Errorf("docs/parfum.md is out of date: run go test ./fixes -run TestParfumRules -update-parfum")
	}
}

func parfumDoc() string {
	var b strings.Builder
	b.WriteString(`# What Parfum repairs, and what harden does

Parfum (T. Durieux, "Empirical Study of the Docker Smells Impact on the
Image Size", ICSE 2024; github.com/tdurieux/docker-parfum 1.0.0) detects 32
rules: 23 from binnacle (Henkel et al., ICSE 2020), 6 hadolint rules and 3
of its own, and repairs 30 of them. harden repairs the same smells, with
these differences. Every fix answers to the Parfum rule name too:
` + "`harden fix --select curlUseHttpsUrl`" + `. This file is generated from
fixes/parfum.go (` + "`go test ./fixes -run TestParfumRules -update-parfum`" + `).

| Parfum rule | Parfum repairs | harden fix | Differences |
|---|---|---|---|
`)
	repaired := 0
	for _, r := range ParfumRules {
		fix := "not repaired"
		if r.Fix != "" {
			fix = "`" + r.Fix + "`"
			repaired++
		}
		yes := "yes"
		if !r.Repairs {
			yes = "no"
		}
		note := r.Note
		if note == "" {
			note = "same repair"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.Name, yes, fix, strings.ReplaceAll(note, "|", "\\|"))
	}
	fmt.Fprintf(&b, "\n%d of %d rules have a harden fix.\n", repaired, len(ParfumRules))
	return b.String()
}

// TestParfumExamples runs each repaired rule's fix alone (offline, unsafe
// edits applied) on the rule's example and checks that it changes it, and
// that the output has no finding of that fix left.
func TestParfumExamples(t *testing.T) {
	for _, r := range ParfumRules {
		if r.Fix == "" {
			continue
		}
		if r.Example == "" {
			t.Errorf("%s: no example", r.Name)
			continue
		}
		fx := Lookup(r.Name)
		doc, err := transform.Parse("Dockerfile", []byte(r.Example))
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		opts := transform.Options{Fixes: fx, Offline: true, Unsafe: true}
		res, err := transform.RunDocument(context.Background(), doc, opts)
		if err != nil {
			t.Errorf("%s: %v", r.Name, err)
			continue
		}
		if string(res.Fixed) == r.Example {
			t.Errorf("%s: %s leaves its example unchanged:\n%s", r.Name, r.Fix, r.Example)
			continue
		}
		again, err := transform.Parse("Dockerfile", res.Fixed)
		if err != nil {
			t.Fatalf("%s: output does not parse: %v", r.Name, err)
		}
		for _, f := range transform.Collect(context.Background(), again, opts) {
			if len(f.Edits) > 0 {
				t.Errorf("%s: %s still has an edit after fixing: %s", r.Name, r.Fix, f.Message)
			}
		}
	}
}
