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

// valueOptions are, per package manager, the options that take the next
// word as their value (so that the word after them is not the verb).
var valueOptions = func() map[string]map[string]bool {
	m := map[string]map[string]bool{
		"apt-get": {"-o": true, "-c": true, "-t": true, "--option": true, "--config-file": true, "--target-release": true, "--default-release": true},
		"yum":     {"-c": true, "-d": true, "-e": true, "-R": true, "-x": true, "--exclude": true, "--enablerepo": true, "--disablerepo": true, "--installroot": true, "--releasever": true, "--setopt": true, "--config": true, "--repo": true, "--repoid": true},
		"zypper":  {"-c": true, "-D": true, "-r": true, "-x": true, "--config": true, "--root": true, "--reposd-dir": true, "--cache-dir": true, "--raw-cache-dir": true, "--installroot": true},
		"apk":     {"-X": true, "--repository": true, "-p": true, "--root": true, "--arch": true, "--cache-dir": true, "--keys-dir": true, "--repositories-file": true},
		"pip":     {"-r": true, "-c": true, "-e": true, "-i": true, "-t": true, "--target": true, "--index-url": true, "--extra-index-url": true, "--requirement": true, "--constraint": true, "--editable": true, "--prefix": true, "--root": true, "--find-links": true, "-f": true, "--trusted-host": true, "--cache-dir": true, "--src": true, "--python": true},
	}
	m["npm"] = map[string]bool{"--prefix": true, "-C": true, "--workspace": true, "-w": true, "--userconfig": true, "--cache": true, "--registry": true}
	m["yarn"] = map[string]bool{"--cwd": true, "--cache-folder": true, "--modules-folder": true, "--registry": true}
	m["gem"] = map[string]bool{"--source": true, "-s": true, "--config-file": true}
	m["apt"], m["aptitude"] = m["apt-get"], m["apt-get"]
	m["dnf"], m["microdnf"], m["tdnf"] = m["yum"], m["yum"], m["yum"]
	return m
}()

// Verb returns the subcommand of a package-manager command ("install",
// "update", "add"…) and its index in args, skipping options and their
// values; "", -1 when there is none or it is not a literal word.
func Verb(name string, args []shell.Word) (string, int) {
	vals := valueOptions[ManagerOf(name)]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.Literal {
			return "", -1
		}
		if strings.HasPrefix(a.Value, "-") {
			if vals[a.Value] {
				i++
			}
			continue
		}
		return a.Value, i
	}
	return "", -1
}

// ManagerOf folds a command name onto the package manager it runs:
// "pip3" and "pip3.12" are "pip"; other names are returned as they are.
func ManagerOf(name string) string {
	if IsPip(name) {
		return "pip"
	}
	return name
}

// IsPip reports a pip command name: pip, pip3, pip3.12.
func IsPip(name string) bool {
	if !strings.HasPrefix(name, "pip") {
		return false
	}
	for _, c := range name[3:] {
		if c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// HasShort reports whether args hold the short option letter c on its own
// ("-y") or in a cluster ("-qy", "-qO-"), before any "--". A cluster is
// read as getopt reads it: letters in flags (options without a value) go
// on, any other letter takes the rest as its value, so that "-oAPT::x=y"
// is not read as holding "y".
func HasShort(args []shell.Word, c byte, flags string) bool {
	for _, a := range args {
		v := a.Value
		if !a.Literal || v == "--" {
			if v == "--" {
				return false
			}
			continue
		}
		if len(v) < 2 || v[0] != '-' || v[1] == '-' {
			continue
		}
		for i := 1; i < len(v); i++ {
			if v[i] == c {
				return true
			}
			if strings.IndexByte(flags, v[i]) < 0 {
				break
			}
		}
	}
	return false
}

// HasLong reports whether args hold one of the long options (exactly, or
// as "--opt=value").
func HasLong(args []shell.Word, opts ...string) bool {
	for _, a := range args {
		if !a.Literal {
			continue
		}
		for _, o := range opts {
			if a.Value == o || strings.HasPrefix(a.Value, o+"=") {
				return true
			}
		}
	}
	return false
}

// TakesValue reports an option of the package manager name that takes the
// next word as its value ("-r" of pip, "-o" of apt-get).
func TakesValue(name, opt string) bool { return valueOptions[ManagerOf(name)][opt] }
