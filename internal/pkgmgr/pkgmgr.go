// Package pkgmgr knows the package managers Dockerfiles run: which command
// installs what. Fixes ask it instead of keeping their own lists.
package pkgmgr

import (
	"sort"
	"strings"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/shell"
)

// manager is one package manager: the subcommands that install, and the
// family of images it runs on (how users are created there).
type manager struct {
	install []string
	family  images.Family
}

// managers is harden's one table of package managers.
var managers = map[string]manager{
	"apt-get":  {[]string{"install"}, images.Useradd},
	"apt":      {[]string{"install"}, images.Useradd},
	"aptitude": {[]string{"install"}, images.Useradd},
	"dpkg":     {[]string{"-i", "--install"}, images.Useradd},
	"yum":      {[]string{"install"}, images.Useradd},
	"dnf":      {[]string{"install"}, images.Useradd},
	"rpm":      {[]string{"-i", "-ivh", "-Uvh", "--install"}, images.Useradd},
	"tdnf":     {[]string{"install"}, images.Useradd},
	"zypper":   {[]string{"install", "in"}, images.Useradd},
	"pacman":   {[]string{"-S", "-Sy", "-Syu"}, images.Useradd},
	"apk":      {[]string{"add"}, images.BusyBox},
	// microdnf runs on ubi-minimal, which has no useradd of its own.
	"microdnf": {[]string{"install"}, images.Minimal},
}

// Names lists the package managers' command names, sorted.
func Names() []string {
	names := make([]string, 0, len(managers))
	for n := range managers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Family is the image family a package-manager command implies, or
// images.Unknown when cmd is not a package manager.
func Family(cmd string) images.Family {
	if m, ok := managers[cmd]; ok {
		return m.family
	}
	return images.Unknown
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
	m, ok := managers[cmd.Name]
	if !ok {
		return nil
	}
	verbs := m.install
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

// Name drops a version pin from a package argument: "curl=7.88", "py3-pip<24",
// "musl>1.2" give "curl", "py3-pip", "musl".
func Name(pkg string) string {
	if i := strings.IndexAny(pkg, "=<>"); i > 0 {
		return pkg[:i]
	}
	return pkg
}

// InstallsPackage reports whether cmd installs pkg (any version of it).
func InstallsPackage(cmd shell.Command, pkg string) bool {
	for _, p := range Installs(cmd) {
		if Name(p) == pkg {
			return true
		}
	}
	return false
}
