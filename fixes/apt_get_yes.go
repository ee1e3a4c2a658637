package fixes

import (
	"github.com/harden-dev/harden/transform"
)

// AptGetYes adds -y to apt-get install.
var AptGetYes = &transform.Fix{
	Name:          "apt-get-yes",
	Summary:       "Answer yes to apt-get install",
	Also:          []string{"DL3014", "aptGetInstallUseY"},
	Applicability: transform.Safe,
	Severity:      transform.Warning,
	Check:         checkAptGetYes,
	Example: `FROM debian:bookworm-slim
RUN apt-get update && apt-get install curl
`,
	Doc: `What it does
  Adds -y right after "install" in apt-get, apt and aptitude install
  commands of a RUN that do not already answer yes (-y, --yes,
  --assume-yes, -qq, -q=2 or -o APT::Get::Assume-Yes=true).

Why
  A build has no terminal: when apt-get wants to install more than the
  packages named (their dependencies), it asks "Do you want to continue?",
  reads end-of-file and aborts. Whether that happens depends on what the
  base image already holds, so the build breaks the day the base changes.
  With -y the same packages are installed; only the abort goes away.

What it will not do
  It does not touch commands inside "sh -c '…'" strings, exec-form RUNs,
  RUNs under a non-POSIX SHELL, or commands whose words come from variables
  ($APT_GET install). It adds nothing to apt-get remove, purge or upgrade.`,
}

func checkAptGetYes(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			if !isApt(c.name) {
				continue
			}
			v, i := c.verb()
			if v != "install" || aptAssumesYes(c.args()) {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: c.name + " install without -y aborts at its first prompt"}
			if e, ok := c.sh.InsertWordAfter(c.arg(i), "-y"); ok {
				f.Title, f.Edits = "Add -y to "+c.name+" install", []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}
