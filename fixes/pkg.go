package fixes

import (
	"strings"

	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/internal/shell"
)

// What the package-hygiene fixes share about apt-get and friends, read
// from the words of a call (pkgmgr holds the per-manager tables).

// aptFlags are apt-get's short options without a value (clusters such as
// -qy are read with them).
const aptFlags = "qydfmbsuVhv"

// isApt reports apt-get, apt and aptitude.
func isApt(name string) bool { return name == "apt-get" || name == "apt" || name == "aptitude" }

// verb is the call's package-manager subcommand and its index in args().
func (c call) verb() (string, int) { return pkgmgr.Verb(c.name, c.args()) }

// aptAssumesYes reports an apt-get call that answers its prompts itself:
// -y, --yes, --assume-yes, --force-yes, -qq (implies -y), -q=2, or an
// -o APT::Get::Assume-Yes option.
func aptAssumesYes(args []shell.Word) bool {
	if pkgmgr.HasShort(args, 'y', aptFlags) || pkgmgr.HasLong(args, "--yes", "--assume-yes", "--force-yes") {
		return true
	}
	for _, a := range args {
		v := a.Value
		switch {
		case !a.Literal:
		case v == "-q=2" || v == "--quiet=2" || strings.Contains(strings.ToLower(v), "assume-yes"):
			return true
		case len(v) > 2 && v[0] == '-' && v[1] != '-' && strings.Count(v, "q") >= 2 && strings.Trim(v[1:], aptFlags) == "":
			return true
		}
	}
	return false
}
