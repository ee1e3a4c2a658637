package fixes

import (
	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/transform"
)

// RunCd reports RUN cd … where WORKDIR says it better.
var RunCd = &transform.Fix{
	Name:          "run-cd",
	Summary:       "Use WORKDIR to change directory, not RUN cd",
	Also:          []string{"DL3003"},
	Applicability: transform.DisplayOnly,
	Severity:      transform.Info,
	Check:         checkRunCd,
	Doc: `What it reports
  A RUN whose script starts with cd to an absolute directory (RUN cd /app &&
  make), where the rest of the RUN runs there.

Why
  A cd lasts for one RUN: the next RUN, COPY or CMD starts in the WORKDIR
  again, which readers often forget. WORKDIR says once where the following
  instructions run (and creates the directory).

The fix a person should make (harden does not: the WORKDIR would also
apply to every later instruction and to the container's start)
      WORKDIR /app
      RUN make
  or keep the cd, in a subshell, when only this RUN should run there:
  RUN (cd /app && make). A cd in the middle of a script (cd build && cmake
  ..) is left alone.`,
}

func checkRunCd(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		sh := runShell(doc, n)
		if sh == nil || sh.Heredoc || len(sh.File.Stmts) == 0 {
			return
		}
		first := sh.File.Stmts[0]
		for {
			b, ok := first.Cmd.(*syntax.BinaryCmd)
			if !ok || b.Op != syntax.AndStmt {
				break
			}
			first = b.X
		}
		for _, c := range calls(doc, n) {
			if c.stmt == first && c.name == "cd" && len(c.args()) == 1 && c.args()[0].Literal && len(c.args()[0].Value) > 0 && c.args()[0].Value[0] == '/' {
				pass.Reportf(n.StartLine, "RUN starts with cd %s: use WORKDIR %s", c.args()[0].Value, c.args()[0].Value)
			}
		}
	})
}
