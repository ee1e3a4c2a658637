package fixes

import (
	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/transform"
)

// WgetProgress makes wget print a terse progress.
var WgetProgress = &transform.Fix{
	Name:          "wget-progress",
	Summary:       "Keep wget's progress output short in build logs",
	Also:          []string{"DL3047"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkWgetProgress,
	Example: `FROM debian:bookworm-slim
RUN wget https://example.com/app.tar.gz
`,
	Doc: `What it does
  Adds --progress=dot:giga right after wget when it has none of -q,
  --quiet, -nv, --no-verbose or --progress, in stages whose wget is GNU
  wget: a Debian, Ubuntu, RHEL-like or other glibc base (useradd family),
  or a stage that installs the wget package.

Why
  Without a terminal, GNU wget prints a dot per kilobyte: a 100 MB download
  adds thousands of lines to the build log. dot:giga prints one per
  megabyte-sized block. The file downloaded is the same.

What it will not do
  BusyBox wget (Alpine, BusyBox images) has no --progress option and would
  fail: there, and on bases harden does not know, it reports without an
  edit unless the stage installs GNU wget. Commands inside "sh -c '…'"
  strings are left alone.`,
}

const wgetFlags = "qvcNrkpSmbdxEHKL46"

func checkWgetProgress(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, _ int, n *parserNode) {
		var facts *transform.Facts
		for _, c := range calls(doc, n) {
			if c.name != "wget" {
				continue
			}
			args := c.args()
			if pkgmgr.HasShort(args, 'q', wgetFlags) || pkgmgr.HasLong(args, "--quiet", "-nv", "--no-verbose", "--progress", "--show-progress") {
				continue
			}
			if facts == nil {
				facts = doc.Facts(st)
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: "wget prints a dot per kilobyte into the build log"}
			if facts.Family() == images.Useradd || facts.Installs("wget") {
				if e, ok := c.sh.InsertWordAfter(c.progWord(), "--progress=dot:giga"); ok {
					f.Title, f.Edits = "Add --progress=dot:giga to wget", []transform.Edit{e}
				}
			} else {
				f.Message += " (not changed: this stage's wget may be BusyBox wget, which has no --progress)"
			}
			pass.Report(f)
		}
	})
}
