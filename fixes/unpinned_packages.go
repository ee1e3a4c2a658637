package fixes

import (
	"strings"

	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/transform"
)

// UnpinnedPackages reports package installs without versions.
var UnpinnedPackages = &transform.Fix{
	Name:          "unpinned-packages",
	Summary:       "Pin the versions of the packages a RUN installs",
	Also:          []string{"DL3008", "DL3013", "DL3018", "DL3033", "DL3037", "DL3041"},
	Applicability: transform.DisplayOnly,
	Severity:      transform.Info,
	Check:         checkUnpinnedPackages,
	Doc: `What it reports
  apt-get/apt install (DL3008), pip install (DL3013), apk add (DL3018),
  yum/dnf/microdnf install (DL3033, DL3041) and zypper install (DL3037) of
  packages named without a version. Local files (./x.deb, *.whl, paths),
  requirement files (-r) and packages given by variables are not counted.

Why
  The same Dockerfile builds a different image every time the repository
  moves on: a rebuild for a small change can bring a new major version.

The fix a person should make (harden cannot: it would have to pick a
version, and the repository drops old versions)
      RUN apt-get install -y curl=7.88.1-10+deb12u8
      RUN apk add --no-cache curl=8.9.1-r1
      RUN pip install flask==3.0.3        (or -r requirements.txt with hashes)
  or pin the base image by digest and rebuild on purpose, which fixes the
  package repository's state for Debian snapshot-based or Alpine images
  only in part.`,
}

func checkUnpinnedPackages(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			var pkgs []string
			switch {
			case isApt(c.name) || c.name == "yum" || c.name == "dnf" || c.name == "microdnf" || c.name == "zypper" || c.name == "apk":
				for _, p := range pkgmgr.Installs(commandOf(c)) {
					if !pinned(c.name, p) {
						pkgs = append(pkgs, p)
					}
				}
			case pkgmgr.IsPip(c.name):
				args := c.args()
				if v, i := pkgmgr.Verb("pip", args); v == "install" {
					skip := false
					for _, a := range args[i+1:] {
						switch {
						case skip:
							skip = false
						case strings.HasPrefix(a.Value, "-"):
							skip = pkgmgr.TakesValue("pip", a.Value)
						case a.Literal && !pinned("pip", a.Value):
							pkgs = append(pkgs, a.Value)
						}
					}
				}
			}
			if len(pkgs) > 0 {
				pass.Reportf(lineOf(doc, c.sh, c.stmt), "%s installs %s without a version", c.name, strings.Join(pkgs, ", "))
			}
		}
	})
}

// pinned reports a package argument with a version, or one that is not a
// repository package (a path, a URL, a file, a variable).
func pinned(mgr, p string) bool {
	if p == "" || strings.ContainsAny(p, "/$") || strings.HasSuffix(p, ".deb") || strings.HasSuffix(p, ".rpm") ||
		strings.HasSuffix(p, ".whl") || strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".apk") || p == "." {
		return true
	}
	switch {
	case mgr == "pip":
		return strings.ContainsAny(p, "=<>~@")
	case mgr == "apk":
		return strings.ContainsAny(p, "=<>~")
	case mgr == "yum" || mgr == "dnf" || mgr == "microdnf" || mgr == "zypper":
		// name-version: a dash followed by a digit.
		for i := 0; i+1 < len(p); i++ {
			if p[i] == '-' && p[i+1] >= '0' && p[i+1] <= '9' {
				return true
			}
		}
		return strings.ContainsAny(p, "=<>") || strings.HasPrefix(p, "@")
	}
	return strings.Contains(p, "=")
}
