package fixes

import (
	"strings"

	"github.com/harden-dev/harden/transform"
)

// AptNoInstallRecommends adds --no-install-recommends to apt-get install.
var AptNoInstallRecommends = &transform.Fix{
	Name:          "apt-no-install-recommends",
	Summary:       "Install only the packages needed, without recommended ones",
	Also:          []string{"DL3015", "aptGetInstallUseNoRec"},
	Applicability: transform.Unsafe,
	Severity:      transform.Info,
	Check:         checkAptNoInstallRecommends,
	Example: `FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y python3
`,
	Doc: `What it does
  Adds --no-install-recommends right after "install" in apt-get and apt
  install commands that do not already set it (--no-install-recommends,
  --install-recommends=false, -o APT::Install-Recommends=…).

Why
  apt installs each package's "Recommends" too: often as much again as what
  was asked for (documentation tools, fonts, a second toolchain), each one
  more thing to patch and to scan.

Why it is unsafe
  The image may rely on a recommended package without naming it: ca-certificates
  (recommended by curl and wget: HTTPS fails without it), gnupg, less,
  python3's pip wheels, locales. Build the image and run its tests; add the
  packages it needed by name.

What it will not do
  It leaves aptitude, commands inside "sh -c '…'" strings and exec-form RUNs
  alone.`,
}

func checkAptNoInstallRecommends(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			if c.name != "apt-get" && c.name != "apt" {
				continue
			}
			v, i := c.verb()
			if v != "install" || setsRecommends(c) {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: c.name + " install also installs the recommended packages"}
			if e, ok := c.sh.InsertWordAfter(c.arg(i), "--no-install-recommends"); ok {
				f.Title, f.Edits = "Add --no-install-recommends (check that the image needs none of them)", []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}

func setsRecommends(c call) bool {
	for _, a := range c.args() {
		l := strings.ToLower(a.Value)
		if strings.Contains(l, "install-recommends") || strings.Contains(l, "no-install-recommends") {
			return true
		}
	}
	return false
}
