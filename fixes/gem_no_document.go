package fixes

import (
	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/transform"
)

// GemNoDocument adds --no-document to gem install.
var GemNoDocument = &transform.Fix{
	Name:          "gem-no-document",
	Summary:       "Install Ruby gems without generating documentation",
	Also:          []string{"gemUpdateNoDocument"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkGemNoDocument,
	Example: `FROM ruby:3.3-slim
RUN gem install bundler
`,
	Doc: `What it does
  Adds --no-document right after "install" in gem install (and gem update)
  commands that do not choose already (--no-document, -N, --document,
  --no-rdoc, --no-ri).

Why
  gem builds ri and rdoc documentation for every gem it installs: slower
  builds, and megabytes in the image that nothing reads. The gems installed
  are the same.

What it will not do
  It leaves "gem" commands inside "sh -c '…'" strings and bundle install
  alone. RubyGems before 2.0 (Ruby 1.9) lacks --no-document.`,
}

func checkGemNoDocument(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			if c.name != "gem" {
				continue
			}
			v, i := c.verb()
			args := c.args()
			if v != "install" && v != "update" || pkgmgr.HasShort(args, 'N', "") ||
				pkgmgr.HasLong(args, "--no-document", "--document", "--no-rdoc", "--no-ri", "--rdoc", "--ri") {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: "gem " + v + " generates documentation into the image"}
			if e, ok := c.sh.InsertWordAfter(c.arg(i), "--no-document"); ok {
				f.Title, f.Edits = "Add --no-document to gem "+v, []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}
