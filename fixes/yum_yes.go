package fixes

import (
	"strings"

	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/transform"
)

// YumYes adds -y to yum, dnf and zypper installs.
var YumYes = &transform.Fix{
	Name:          "yum-yes",
	Summary:       "Answer yes to yum, dnf and zypper installs",
	Also:          []string{"DL3030", "DL3038", "DL3034", "yumInstallForceYes"},
	Applicability: transform.Safe,
	Severity:      transform.Warning,
	Check:         checkYumYes,
	Example: `FROM rockylinux:9
RUN dnf install httpd
`,
	Doc: `What it does
  Adds -y right after the subcommand of yum and dnf install, groupinstall,
  localinstall, update, upgrade and remove, and of zypper install (in),
  when they do not answer yes already (-y, --assumeyes,
  --setopt=assumeyes=…; for zypper -n, --non-interactive, --no-confirm).

Why
  A build has no terminal: at the "Is this ok [y/N]" prompt yum and dnf read
  end-of-file and abort ("Operation aborted"), and zypper does the same.
  With -y the same packages are installed; only the abort goes away.

What it will not do
  microdnf never prompts, and is left alone; so are commands inside
  "sh -c '…'" strings and exec-form RUNs.`,
}

var yumYesVerbs = map[string]bool{"install": true, "groupinstall": true, "localinstall": true, "update": true, "upgrade": true, "remove": true, "erase": true, "reinstall": true, "downgrade": true}

func checkYumYes(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			v, i := c.verb()
			var yes bool
			switch c.name {
			case "yum", "dnf":
				if !yumYesVerbs[v] {
					continue
				}
				yes = pkgmgr.HasShort(c.args(), 'y', "yqvCbhtR") || pkgmgr.HasLong(c.args(), "--assumeyes")
				for _, a := range c.args() {
					yes = yes || strings.Contains(a.Value, "assumeyes")
				}
			case "zypper":
				if v != "install" && v != "in" {
					continue
				}
				yes = pkgmgr.HasShort(c.args(), 'n', "nqvy") || pkgmgr.HasShort(c.args(), 'y', "ylf") ||
					pkgmgr.HasLong(c.args(), "--non-interactive", "--no-confirm")
			default:
				continue
			}
			if yes {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: c.name + " " + v + " without -y aborts at its prompt"}
			if e, ok := c.sh.InsertWordAfter(c.arg(i), "-y"); ok {
				f.Title, f.Edits = "Add -y to "+c.name+" "+v, []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}
