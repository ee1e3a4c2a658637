// Package promise checks the four promises every harden fix keeps, on any
// input: untouched bytes stay byte-identical; a second run changes nothing;
// the output parses with buildkit and has no new buildkit lint warnings; the
// diff applies with git apply and patch -p1.
//
// It imports buildkit's full Dockerfile frontend for the linter (hundreds of
// modules), so only tests import it: it is not part of the harden binary.
package promise

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// stubResolver answers every image lookup with an empty linux/amd64 config,
// so that linting never touches a registry.
type stubResolver struct{}

func (stubResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}`)
	return ref, digest.FromBytes(cfg), cfg, nil
}

// Lint runs buildkit's Dockerfile checks (what `docker build --check`
// reports) offline and returns each warning as "RuleName: description".
// A build error is returned as err.
func Lint(src []byte) (warnings []string, err error) {
	defer func() {
		if r := recover(); r != nil { // a buildkit bug, not harden's: report, do not crash
			err = fmt.Errorf("buildkit linter panicked: %v", r)
		}
	}()
	caps := pb.Caps.CapSet(pb.Caps.All())
	st := llb.Scratch()
	def, err := st.Marshal(context.Background())
	if err != nil {
		return nil, err
	}
	sm := llb.NewSourceMap(&st, "Dockerfile", "Dockerfile", src)
	sm.Definition = def
	res, err := dockerfile2llb.DockerfileLint(context.Background(), src, dockerfile2llb.ConvertOpt{
		Config:       dockerui.Config{},
		SourceMap:    sm,
		MetaResolver: stubResolver{},
		LLBCaps:      &caps,
	})
	if err != nil {
		return nil, err
	}
	if res.Error != nil {
		return nil, fmt.Errorf("lint: %s", res.Error.Message)
	}
	var out []string
	for _, w := range res.Warnings {
		out = append(out, w.RuleName+": "+w.Detail)
	}
	sort.Strings(out)
	return out, nil
}

// NewWarnings returns the warnings in after that before does not have (as a
// multiset: a warning twice in after but once in before is new once).
func NewWarnings(before, after []string) []string {
	count := map[string]int{}
	for _, w := range before {
		count[w]++
	}
	var added []string
	for _, w := range after {
		if count[w] > 0 {
			count[w]--
			continue
		}
		added = append(added, w)
	}
	return added
}

func joinLines(ss []string) string { return strings.Join(ss, "\n") }
