package fixes

import (
	"fmt"
	"path"
	"strings"

	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// AptListsCleanup removes apt's package lists in the RUN that downloads them.
var AptListsCleanup = &transform.Fix{
	Name:          "apt-lists-cleanup",
	Summary:       "Remove the apt package lists in the RUN that downloads them",
	Also:          []string{"DL3009", "aptGetInstallThenRemoveAptLists"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkAptListsCleanup,
	Example: `FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y curl
`,
	Doc: `What it does
  Appends "&& rm -rf /var/lib/apt/lists/*" to a RUN that runs apt-get update
  (or apt update), then apt (install, upgrade…) or a script, and does not
  remove the lists already, in the RUN's own layout (same continuation and
  indentation as its other "&&"). A RUN that only updates the lists is
  reported: apt-update-alone moves the update to the install.

Why
  apt-get update downloads the package lists (tens of MB) into
  /var/lib/apt/lists. A later RUN cannot shrink the layer that holds them:
  only the RUN that downloads them can leave them out of the image.

When it is safe, and when not
  Without the lists, a later "apt-get install" that does not run apt-get
  update first fails. So the edit is default only when every later RUN of
  the stage, and of the stages built from it, that uses apt (install,
  upgrade, build-dep, source, download, apt-cache, add-apt-repository) runs
  apt-get update before, in the same RUN. When a later RUN runs a script
  harden cannot see inside (./install.sh, bash setup.sh), the edit is
  unsafe: check that the script updates the lists before it installs. When a
  later RUN uses apt without update, the finding has no edit.
  Images built FROM the final image by other Dockerfiles must run apt-get
  update before they install, as they must with the official debian and
  ubuntu images, which ship without lists.

What it will not do
  It leaves RUNs with a cache or tmpfs mount over /var/lib/apt alone (the
  lists are not in the image), exec-form RUNs, heredocs other than a
  "RUN <<EOF" script (in one, "&& rm …" goes after its last command, so a
  failing install still fails the RUN), and scripts whose last command ends
  with ";" or "&" (reported without an edit). It
  does not run apt-get clean: the official images already delete the
  downloaded .deb files.`,
}

const aptLists = "/var/lib/apt/lists"

func checkAptListsCleanup(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, i int, n *parserNode) {
		cs := calls(doc, n)
		var update *call
		used := false // an apt command after the update reads the lists
		for k, c := range cs {
			v, _ := c.verb()
			switch {
			case isApt(c.name) && v == "update":
				update, used = &cs[k], false
			case update != nil && (isApt(c.name) || c.name == "apt-cache" || c.name == "add-apt-repository" || runsScript(c)):
				used = true
			}
			if removesAptLists(c) {
				return
			}
		}
		if update == nil || cacheMount(doc, n, aptLists) {
			return
		}
		if !used {
			pass.Report(transform.Finding{Line: n.StartLine, Message: "apt-get update leaves the package lists in the image layer, and nothing after it in the RUN uses them"})
			return
		}
		f := transform.Finding{Line: n.StartLine, Message: "apt-get update leaves the package lists in the image layer"}
		if why, blocked := laterAptUse(doc, st, i); blocked != "" {
			f.Message += "; not removed: " + blocked
			pass.Report(f)
			return
		} else if why != "" {
			f.Applicability = transform.Unsafe
			f.Message += "; check that " + why + " runs apt-get update before it installs"
		}
		if update.asOther() {
			f.Message += "; not changed: it runs as another user"
		} else if e, ok := appendCmd(doc, update.sh, update.sudo()+"rm -rf "+aptLists+"/*"); ok {
			f.Title, f.Edits = "Remove "+aptLists+"/* at the end of the RUN", []transform.Edit{e}
		}
		pass.Report(f)
	})
}

// removesAptLists reports an rm of the apt lists (or of /var/lib/apt).
func removesAptLists(c call) bool {
	if c.name != "rm" {
		return false
	}
	for _, a := range c.args() {
		if v := strings.TrimRight(a.Value, "*/"); v == aptLists || v == "/var/lib/apt" || strings.HasPrefix(a.Value, aptLists+"/") {
			return true
		}
	}
	return false
}

// laterAptUse looks at the RUNs built after RUN i of st. blocked names one
// that uses apt's lists without downloading them first; unknown names a
// script harden cannot read.
func laterAptUse(doc *transform.Document, st *transform.Stage, i int) (unknown, blocked string) {
	for _, seq := range laterRuns(doc, st, i) {
	runs:
		for _, m := range seq {
			cs := calls(doc, m)
			if cs == nil {
				if mentionsApt(doc.Text(m)) {
					return "", fmt.Sprintf("the RUN at line %d uses apt in a form harden does not read", m.StartLine)
				}
				continue
			}
			for _, c := range cs {
				v, _ := c.verb()
				switch {
				case isApt(c.name) && v == "update":
					break runs // the lists are back for every later RUN
				case (isApt(c.name) && v != "" && v != "clean" && v != "autoclean" && v != "remove" && v != "purge" && v != "autoremove") ||
					c.name == "apt-cache" || c.name == "add-apt-repository":
					return "", fmt.Sprintf("the RUN at line %d runs %s %s without apt-get update", m.StartLine, c.name, v)
				case unknown == "" && runsScript(c):
					unknown = fmt.Sprintf("the script %s (RUN at line %d)", scriptName(c), m.StartLine)
				}
			}
		}
	}
	return unknown, ""
}

func mentionsApt(s string) bool {
	return strings.Contains(s, "apt-get") || strings.Contains(s, "apt ") || strings.Contains(s, "apt-cache")
}

// runsScript reports a command that runs a script harden does not read:
// a program given by a path outside the system directories, or a shell
// given a script file.
func runsScript(c call) bool {
	name := c.words[c.prog].Value
	if strings.Contains(name, "/") {
		clean := path.Clean(name)
		for _, sys := range []string{"/usr/", "/bin/", "/sbin/"} {
			if strings.HasPrefix(clean, sys) {
				return false
			}
		}
		return true
	}
	if shell.KindOf(c.name) == shell.POSIX {
		for _, a := range c.args() {
			if !a.Literal {
				return false
			}
			if strings.HasPrefix(a.Value, "-") {
				if strings.Contains(a.Value, "c") && !strings.HasPrefix(a.Value, "--") {
					return false
				}
				continue
			}
			return true
		}
	}
	return false
}

func scriptName(c call) string {
	if strings.Contains(c.words[c.prog].Value, "/") {
		return c.words[c.prog].Value
	}
	for _, a := range c.args() {
		if !strings.HasPrefix(a.Value, "-") {
			return a.Value
		}
	}
	return c.name
}
