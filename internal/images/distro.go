package images

import (
	"path"
	"strings"
)

// What the package-hygiene fixes need to know about a base image's
// distribution, beyond its users: whether it is Debian or Ubuntu, whether
// it ships dpkg-dev, and whether its yum is yum 3. Each question takes an
// expanded reference; a mirror of an official image answers as the image.

// debianOfficial are official images whose tags, unless they name Alpine
// or Windows, are Debian or Ubuntu.
var debianOfficial = map[string]bool{
	"debian": true, "ubuntu": true, "buildpack-deps": true,
	"python": true, "node": true, "ruby": true, "perl": true, "gcc": true, "rust": true, "golang": true, "php": true,
}

// dpkgDevOfficial are the official images built FROM buildpack-deps (which
// installs dpkg-dev) in their full Debian variants.
var dpkgDevOfficial = map[string]bool{"buildpack-deps": true, "python": true, "node": true, "ruby": true, "perl": true, "gcc": true, "rust": true}

// officialRef is ref parsed, with the name of the official image it
// mirrors (its own name otherwise).
func officialRef(ref string) (Ref, string) {
	r := ParseRef(ref)
	if o := OfficialName(ref); o != "" {
		return r, o
	}
	return r, r.Name()
}

// notDebianTag reports a tag naming an Alpine or Windows variant.
func notDebianTag(tag string) bool {
	for _, w := range []string{"alpine", "windows", "nanoserver", "servercore", "ltsc"} {
		if strings.Contains(tag, w) {
			return true
		}
	}
	return false
}

// DebianBased reports an official image (or a mirror of one) known to be
// Debian or Ubuntu: debian, ubuntu, buildpack-deps and the language images
// built on them, unless the tag names an Alpine or Windows variant.
func DebianBased(ref string) bool {
	r, name := officialRef(ref)
	return debianOfficial[name] && !notDebianTag(r.Tag)
}

// HasDpkgDev reports an image known to include dpkg-dev: buildpack-deps
// (not its -curl and -scm variants) and the full (not slim) Debian
// variants of the official images built FROM it.
func HasDpkgDev(ref string) bool {
	r, name := officialRef(ref)
	tag := r.Tag
	return dpkgDevOfficial[name] && !notDebianTag(tag) && !strings.Contains(tag, "slim") &&
		!strings.HasSuffix(tag, "curl") && !strings.HasSuffix(tag, "scm")
}

// Yum3 reports an image whose yum is yum 3, not dnf: CentOS 5-7, Amazon
// Linux 1 and 2, Oracle Linux 5-7, RHEL and UBI 7, Scientific Linux.
func Yum3(ref string) bool {
	r := ParseRef(ref)
	name, tag := path.Base(r.Repo), r.Tag
	major := func(vs ...string) bool {
		for _, v := range vs {
			if tag == v || strings.HasPrefix(tag, v+".") || strings.HasPrefix(tag, v+"-") || strings.HasPrefix(tag, "centos"+v) {
				return true
			}
		}
		return false
	}
	switch {
	case name == "centos" || name == "oraclelinux" || name == "scientificlinux" || name == "sl":
		return major("5", "6", "7")
	case name == "amazonlinux":
		return major("1", "2", "2018", "2017")
	}
	for _, part := range strings.Split(r.Repo, "/") { // ubi7/ubi, rhscl/…-rhel7
		if strings.HasPrefix(part, "rhel7") || strings.HasPrefix(part, "ubi7") {
			return true
		}
	}
	return false
}
