package fixes

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/transform"
)

// ShellPipefail sets a SHELL with pipefail before the first RUN that pipes.
var ShellPipefail = &transform.Fix{
	Name:          "shell-pipefail",
	Summary:       "Fail a RUN when any command of a pipe fails",
	Also:          []string{"DL4006"},
	Applicability: transform.Unsafe,
	Severity:      transform.Warning,
	Check:         checkShellPipefail,
	Example: `FROM debian:bookworm-slim
RUN curl -fsSL https://example.com/key.asc | gpg --dearmor -o /usr/share/keyrings/example.gpg
`,
	Doc: `What it does
  Inserts SHELL ["/bin/bash", "-o", "pipefail", "-c"] (on Alpine and
  BusyBox bases ["/bin/ash", "-o", "pipefail", "-c"]) before the first RUN
  of a stage that uses a pipe, when the stage (and the stages it is built
  from) sets no SHELL and the RUN does not "set -o pipefail" itself.

Why
  /bin/sh takes a pipeline's status from its last command: in
  "curl URL | tar -x", a failed download gives tar an empty stream and the
  build goes on. With pipefail the RUN fails where the pipe broke.

Why it is unsafe
  Every later RUN of the stage, its shell-form CMD and ENTRYPOINT, the
  stages built from it and images built FROM the image then run under bash
  (or ash) with pipefail, not /bin/sh: dash-only behaviour (echo -e, [[
  ]] absence) changes, and pipelines that end early on purpose ("yes |
  cmd", "cmd | head -1") now fail the build (SIGPIPE). Build the image and
  check that every RUN still succeeds.

What it will not do
  It reports without an edit a stage whose base it does not know to have
  bash or ash (distroless, scratch, unknown images), Windows stages, and a
  stage whose SHELL is set without pipefail.`,
}

func checkShellPipefail(pass *transform.Pass) {
	doc := pass.Doc
	edited := map[*transform.Stage]bool{}
stages:
	for _, st := range doc.Stages {
		for _, p := range doc.Chain(st)[1:] {
			if edited[p] {
				continue stages // it inherits the SHELL added there
			}
		}
		facts := doc.Facts(st)
		for _, n := range st.Nodes {
			if !strings.EqualFold(n.Value, "run") {
				continue
			}
			sh := runShell(doc, n)
			if sh == nil || !hasPipe(sh.File) || strings.Contains(sh.Text, "pipefail") {
				continue
			}
			f := transform.Finding{Line: n.StartLine, Message: "a pipe in RUN hides the failure of any command but the last"}
			if facts.Shell != nil || facts.ShellNode != nil {
				if facts.ShellNode == nil || !strings.Contains(doc.Text(facts.ShellNode), "pipefail") {
					f.Message += "; not changed: the stage sets its own SHELL"
					pass.Report(f)
				}
				break
			}
			var shell string
			switch facts.Family() {
			case images.Useradd:
				shell = "/bin/bash"
			case images.BusyBox:
				shell = "/bin/ash"
			}
			if shell == "" || !facts.Image.Known && facts.Family() != images.Useradd {
				f.Message += "; not changed: harden does not know that this base has bash or ash"
				pass.Report(f)
				break
			}
			line := doc.Keyword("SHELL") + ` ["` + shell + `", "-o", "pipefail", "-c"]`
			f.Title = "Insert " + line + " before the RUN"
			f.Edits = []transform.Edit{doc.InsertBeforeComments(n, doc.Lines(line))}
			pass.Report(f)
			edited[st] = true
			break
		}
	}
}

// hasPipe reports a "|" (or "|&") pipeline in the script.
func hasPipe(f *syntax.File) bool {
	found := false
	syntax.Walk(f, func(n syntax.Node) bool {
		if b, ok := n.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) {
			found = true
		}
		return !found
	})
	return found
}
