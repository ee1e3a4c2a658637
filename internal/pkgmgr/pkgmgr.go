// Package pkgmgr knows the package managers Dockerfiles run: which command
// installs what. Fixes ask it instead of keeping their own lists.
package pkgmgr

import (
	"strings"

	"github.com/harden-dev/harden/internal/shell"
)

// installVerbs maps a package manager to the subcommands that install.
var installVerbs = map[string][]string{
	"apt-get":  {"install"},
	"apt":      {"install"},
	"aptitude": {"install"},
	"apk":      {"add"},
	"yum":      {"install"},
	"dnf":      {"install"},
	"microdnf": {"install"},
	"tdnf":     {"install"},
	"zypper":   {"install", "in"},
	"pacman":   {"-S", "-Sy", "-Syu"},
}

// optionsWithValue are options that take the next word as their value.
var optionsWithValue = map[string]bool{
	"-o": true, "-c": true, "-t": true, "--target-release": true, "--option": true,
	"--virtual": true, "-X": true, "--repository": true, "--root": true, "-p": true,
	"--setopt": true, "--enablerepo": true, "--disablerepo": true, "--installroot": true,
	"--releasever": true, "--repo": true,
}

// Installs returns the packages a command installs (names as written,
// version pins included), or nil when it is not an install.
func Installs(cmd shell.Command) []string {
	verbs, ok := installVerbs[cmd.Name]
	if !ok {
		return nil
	}
	var pkgs []string
	installing := false
	for i := 0; i < len(cmd.Args); i++ {
		a := cmd.Args[i]
		if !installing {
			for _, v := range verbs {
				if a.Literal && a.Value == v {
					installing = true
				}
			}
			continue
		}
		if a.Literal && strings.HasPrefix(a.Value, "-") {
			if optionsWithValue[a.Value] {
				i++
			}
			continue
		}
		pkgs = append(pkgs, a.Value)
	}
	return pkgs
}

// InstallsPackage reports whether cmd installs pkg (any version of it).
func InstallsPackage(cmd shell.Command, pkg string) bool {
	for _, p := range Installs(cmd) {
		name := p
		if i := strings.IndexAny(name, "=<>"); i > 0 {
			name = name[:i]
		}
		if name == pkg {
			return true
		}
	}
	return false
}
