package fixes

import (
	"strings"

	"github.com/harden-dev/harden/transform"
)

// AptGetOverApt replaces apt with apt-get in scripts.
var AptGetOverApt = &transform.Fix{
	Name:          "apt-get-over-apt",
	Summary:       "Use apt-get, not apt, in scripts",
	Also:          []string{"DL3027"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkAptGetOverApt,
	Example: `FROM ubuntu:24.04
RUN apt update && apt install -y curl
`,
	Doc: `What it does
  Replaces the command name apt with apt-get in RUN commands whose
  subcommand means the same to both: update, install, remove, purge and
  autoremove (options are the same).

Why
  apt is the interactive front end: its output and behaviour may change
  between releases ("apt does not have a stable CLI interface", it warns).
  apt-get is the stable interface meant for scripts.

What can change
  apt removes the .deb files it downloaded after installing them; apt-get
  keeps them in /var/cache/apt/archives unless the image configures
  otherwise. The official debian and ubuntu images do (docker-clean), and
  harden's apt-lists-cleanup removes the package lists; on other bases the
  image may grow by the size of the downloaded packages. Nothing the image
  runs changes.

What it will not do
  It leaves apt upgrade and apt full-upgrade (apt upgrade installs new
  dependencies, apt-get upgrade does not), apt list, search and show
  (apt-get has none of them) and commands inside "sh -c '…'" strings alone.`,
}

// aptSameVerbs are the apt subcommands apt-get runs the same way.
var aptSameVerbs = map[string]bool{"update": true, "install": true, "remove": true, "purge": true, "autoremove": true}

func checkAptGetOverApt(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			if c.name != "apt" {
				continue
			}
			v, _ := c.verb()
			if !aptSameVerbs[v] {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: "apt " + v + " in a script: apt has no stable command-line interface"}
			w := c.progWord()
			if lit := w.Lit(); lit != "" && (lit == "apt" || strings.HasSuffix(lit, "/apt")) {
				if sp, ok := c.sh.NodeSpan(w); ok {
					f.Title = "Use apt-get " + v
					f.Edits = append(f.Edits, sp.Replace(strings.TrimSuffix(lit, "apt")+"apt-get"))
				}
			}
			pass.Report(f)
		}
	})
}
