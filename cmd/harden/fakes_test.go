package main

// Fake fixes: the CLI tests drive the engine with these, so that they test
// the CLI's contract (flags, exit codes, outputs, files) and not the
// wording of any real fix. Each has one predictable behaviour.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/transform"
)

// fakeFixes is the registry of the CLI tests, in run order.
func fakeFixes() []*transform.Fix {
	return []*transform.Fix{fakeLabel, fakeUnsafe, fakeNetwork, fakeDisplay, fakeLoop, fakeBreak}
}

// fakeLabel (safe) appends LABEL harden=1 after the last instruction of a
// file that has no such line.
var fakeLabel = &transform.Fix{
	Name:    "add-label",
	Summary: "Label the image as hardened",
	Doc: `What it does
  Appends LABEL harden=1 to a file that lacks it.

Why
  A labelled image tells the reader
  it went through harden.

  A second paragraph that is not the rationale.
`,
	Example:       "FROM debian\nRUN make\n",
	Also:          []string{"FK001", "LBL1"},
	Applicability: transform.Safe,
	Check: func(p *transform.Pass) {
		if lineIndex(p.Doc, "LABEL harden=1") > 0 {
			return
		}
		nodes := p.Doc.Instructions()
		last := nodes[len(nodes)-1]
		p.Report(transform.Finding{Line: last.StartLine, Message: "Image has no harden label",
			Title: "Append LABEL harden=1", Edits: []transform.Edit{p.Doc.InsertAfter(last, p.Doc.Lines("LABEL harden=1"))}})
	},
}

// fakeUnsafe (unsafe) replaces a line "USER root" by "USER 1000".
var fakeUnsafe = &transform.Fix{
	Name:          "pin-user",
	Summary:       "Run as user 1000",
	Doc:           "What it does\n  Replaces USER root by USER 1000.\n",
	Also:          []string{"FK002"},
	Applicability: transform.Unsafe,
	Check: func(p *transform.Pass) {
		replaceLine(p, "USER root", "USER 1000", "Runs as root: files it writes may need another owner", "Replace USER root with USER 1000")
	},
}

// fakeNetwork (needs the network) pins FROM registry.example/… to the
// digest the resolver gives; without an answer it reports only.
var fakeNetwork = &transform.Fix{
	Name:          "pin-digest",
	Summary:       "Pin base images by digest",
	Doc:           "What it does\n  Pins registry.example images.\n",
	Applicability: transform.Safe,
	Needs:         transform.NeedsNetwork,
	Check: func(p *transform.Pass) {
		for _, n := range p.Doc.Instructions() {
			if !strings.EqualFold(n.Value, "from") || n.Next == nil {
				continue
			}
			ref := n.Next.Value
			if !strings.HasPrefix(ref, "registry.example/") || strings.Contains(ref, "@") {
				continue
			}
			img, err := p.Resolver.Image(p.Ctx, ref)
			if err != nil {
				p.Reportf(n.StartLine, "%s is not pinned: %v", ref, err)
				continue
			}
			at := p.Doc.LineStart(n.StartLine) + strings.Index(p.Doc.Line(n.StartLine), ref) + len(ref)
			p.Report(transform.Finding{Line: n.StartLine, Message: ref + " is not pinned",
				Title: "Pin " + ref + " to its digest", Edits: []transform.Edit{{Start: at, End: at, New: "@" + img.Digest}}})
		}
	},
}

// fakeDisplay reports RUN lines using sudo, with no fix.
var fakeDisplay = &transform.Fix{
	Name:          "no-sudo",
	Summary:       "Do not use sudo",
	Doc:           "What it does\n  Reports sudo.\n",
	Applicability: transform.Safe,
	Check: func(p *transform.Pass) {
		for i := 1; i <= p.Doc.LineCount(); i++ {
			if strings.HasPrefix(p.Doc.Line(i), "RUN sudo ") {
				p.Reportf(i, "RUN uses sudo, which a container does not need")
			}
		}
	},
}

// fakeLoop never converges: each round adds another "LABEL loop=1" line after
// the first one.
var fakeLoop = &transform.Fix{
	Name:          "loop",
	Summary:       "Never settles",
	Doc:           "What it does\n  Adds lines forever.\n",
	Applicability: transform.Safe,
	Check: func(p *transform.Pass) {
		if l := lineIndex(p.Doc, "LABEL loop=1"); l > 0 {
			at := p.Doc.LineEnd(l)
			p.Report(transform.Finding{Line: l, Message: "loop", Title: "Add one more LABEL loop=1",
				Edits: []transform.Edit{{Start: at, End: at, New: "LABEL loop=1\n"}}})
		}
	},
}

// fakeBreak replaces a line "LABEL break=1" by a COPY without arguments,
// which buildkit refuses.
var fakeBreak = &transform.Fix{
	Name:          "breaker",
	Summary:       "Breaks the file",
	Doc:           "What it does\n  Writes an invalid COPY.\n",
	Applicability: transform.Safe,
	Check: func(p *transform.Pass) {
		replaceLine(p, "LABEL break=1", "COPY", "break me", "Replace LABEL break=1 with COPY")
	},
}

// cancelFix is a fix that calls cancel when it sees a line "LABEL cancel=1",
// as Ctrl-C would while that file is being processed.
func cancelFix(cancel func()) *transform.Fix {
	return &transform.Fix{
		Name: "cancel", Summary: "Cancels the run", Applicability: transform.Safe,
		Check: func(p *transform.Pass) {
			if lineIndex(p.Doc, "LABEL cancel=1") > 0 {
				cancel()
			}
		},
	}
}

// lineIndex is the first line of doc equal to text, or 0.
func lineIndex(doc *transform.Document, text string) int {
	for i := 1; i <= doc.LineCount(); i++ {
		if doc.Line(i) == text {
			return i
		}
	}
	return 0
}

// replaceLine reports every line equal to old with an edit replacing it by
// new (the line ending kept).
func replaceLine(p *transform.Pass, old, new, message, title string) {
	for i := 1; i <= p.Doc.LineCount(); i++ {
		if p.Doc.Line(i) == old {
			start := p.Doc.LineStart(i)
			p.Report(transform.Finding{Line: i, Message: message, Title: title,
				Edits: []transform.Edit{{Start: start, End: start + len(old), New: new}}})
		}
	}
}

// fakeDigest is what fakeResolver answers for every image.
const fakeDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// fakeRegistry is the image backend of the CLI tests: it answers every
// image with fakeDigest, except those whose reference contains "missing",
// and counts its lookups. The CLI puts the real resolver (lock file,
// --offline, run-wide cache) in front of it.
type fakeRegistry struct {
	mu      sync.Mutex
	lookups int
}

func (r *fakeRegistry) Digest(_ context.Context, ref string) (string, error) {
	r.mu.Lock()
	r.lookups++
	r.mu.Unlock()
	if strings.Contains(ref, "missing") {
		return "", fmt.Errorf("%w: manifest unknown", resolve.ErrNotFound)
	}
	return fakeDigest, nil
}

func (r *fakeRegistry) Config(context.Context, string) (*transform.ImageConfig, error) {
	return nil, errors.New("no configurations in tests")
}

// Dockerfiles for the fake fixes.
const (
	// dirtyDockerfile lacks the label: add-label appends it.
	dirtyDockerfile = "FROM debian\nRUN make\nCMD [\"x\"]\n"
	// dirtyFixed is what harden fix makes of dirtyDockerfile.
	dirtyFixed = dirtyDockerfile + "LABEL harden=1\n"
	// cleanDockerfile needs nothing.
	cleanDockerfile = "FROM debian\nLABEL harden=1\n"
	// badDockerfile is rejected by buildkit at line 2.
	badDockerfile = "FROM debian\nCOPY\n"
	// sudoDockerfile has a finding with no fix (no-sudo, line 2) and nothing
	// to change.
	sudoDockerfile = "FROM debian\nRUN sudo make\nLABEL harden=1\n"
	// unsafeDockerfile has an unsafe finding (pin-user, line 2).
	unsafeDockerfile = "FROM debian\nUSER root\nLABEL harden=1\n"
	unsafeFixed      = "FROM debian\nUSER 1000\nLABEL harden=1\n"
	// netDockerfile has a finding that needs the network (pin-digest, line 1).
	netDockerfile = "FROM registry.example/app:1\nLABEL harden=1\n"
	netFixed      = "FROM registry.example/app:1@" + fakeDigest + "\nLABEL harden=1\n"
	// loopDockerfile makes the loop fix run forever.
	loopDockerfile = "FROM debian\nLABEL loop=1\nLABEL harden=1\n"
	// breakDockerfile makes breaker produce a file buildkit refuses.
	breakDockerfile = "FROM debian\nLABEL break=1\nLABEL harden=1\n"
)

// dirtyDiff is the unified diff harden prints for dirtyDockerfile at path.
func dirtyDiff(path string) string {
	return "--- a/" + path + "\n+++ b/" + path + "\n" +
		"@@ -1,3 +1,4 @@\n" +
		" FROM debian\n" +
		" RUN make\n" +
		" CMD [\"x\"]\n" +
		"+LABEL harden=1\n"
}
