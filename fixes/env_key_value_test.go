package fixes

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/harden-dev/harden/transform"
)

// TestEnvKeyValueSameValues: buildkit reads the rewritten ENV and LABEL
// values exactly as it read the legacy ones (expansion included), and the
// values harden must not rewrite stay as they are.
func TestEnvKeyValueSameValues(t *testing.T) {
	for _, tc := range []struct {
		head, value string
		fixed       bool
	}{
		{"", `/srv/app`, true},
		{"", `/x:$PATH`, true},
		{"", `hello   world`, true},
		{"", `"x y"`, true},
		{"", `'x $y'`, true},
		{"", `it"s x"`, true},
		{"", `C:\\go`, true},
		{"", `a\ b`, true},
		{"", `${A:-x}`, true},
		{"", `a "b c"`, false},
		{"", `a \"b`, false},
		{"# escape=`\n", "C:\\go", true},
		{"# escape=`\n", "a` b", true},
	} {
		for _, kw := range []string{"ENV", "LABEL"} {
			src := tc.head + "FROM scratch\nARG A=1\nENV PATH=/bin\n" + kw + " K " + tc.value + "\n"
			res, err := transform.Run(context.Background(), "Dockerfile", []byte(src), transform.Options{Fixes: []*transform.Fix{EnvKeyValue}})
			if err != nil {
				t.Fatalf("%q: %v", src, err)
			}
			if res.Changed() != tc.fixed {
				t.Errorf("%s %s: changed=%v, want %v:\n%s", kw, tc.value, res.Changed(), tc.fixed, res.Fixed)
				continue
			}
			if before, after := lastPair(t, src), lastPair(t, string(res.Fixed)); before != after {
				t.Errorf("%s %s: buildkit reads %q, then %q after\n%s", kw, tc.value, before, after, res.Fixed)
			}
			if tc.fixed && !strings.Contains(string(res.Fixed), kw+" K=") {
				t.Errorf("%s %s: not rewritten: %s", kw, tc.value, res.Fixed)
			}
		}
	}
}

// lastPair is the value buildkit gives the last instruction's key, with
// the stage's variables expanded as it does when building.
func lastPair(t *testing.T, src string) string {
	doc, err := transform.Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	st := doc.Stages[len(doc.Stages)-1]
	cmd := st.Parsed.Commands[len(st.Parsed.Commands)-1]
	env := doc.StageEnv(st, len(st.Nodes)-1)
	expand := func(word string) (string, error) {
		v, ok := doc.Expand(word, env)
		if !ok {
			t.Fatalf("cannot expand %q", word)
		}
		return v, nil
	}
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		if err := c.Expand(expand); err != nil {
			t.Fatal(err)
		}
		return c.Env[0].Value
	case *instructions.LabelCommand:
		if err := c.Expand(expand); err != nil {
			t.Fatal(err)
		}
		return c.Labels[0].Value
	}
	t.Fatalf("not ENV or LABEL: %T", cmd)
	return ""
}
