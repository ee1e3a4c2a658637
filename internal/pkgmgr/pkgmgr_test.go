package pkgmgr

import (
	"sort"
	"strings"
	"testing"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/shell"
)

func TestInstalls(t *testing.T) {
	for script, want := range map[string]string{
		"apt-get update && apt-get install -y --no-install-recommends curl ca-certificates=2023": "curl ca-certificates=2023",
		"apt-get -o Dpkg::Options::=--force-confnew install -y vim":                              "vim",
		"apk add --no-cache --virtual .build-deps gcc musl-dev":                                  "gcc musl-dev",
		"dnf install -y --setopt=tsflags=nodocs shadow-utils && dnf clean all":                   "shadow-utils",
		"microdnf install -y shadow-utils":                                                       "shadow-utils",
		"sudo yum -y install httpd":                                                              "httpd",
		"zypper --non-interactive in git":                                                        "git",
		"apt-get update":                                                                         "",
		"echo apt-get install nope":                                                              "",
	} {
		cmds, ok := shell.Commands(script)
		if !ok {
			t.Fatalf("%q does not parse", script)
		}
		var got []string
		for _, c := range cmds {
			got = append(got, Installs(c)...)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%q: got %q, want %q", script, got, want)
		}
	}
}

func TestInstallsPackage(t *testing.T) {
	cmds, _ := shell.Commands("yum install -y shadow-utils-4.9 shadow-utils==4.9")
	if !InstallsPackage(cmds[0], "shadow-utils") {
		t.Error("a pinned version must count")
	}
	if InstallsPackage(cmds[0], "shadow") {
		t.Error("a prefix must not count")
	}
}

func TestFamilyAndNames(t *testing.T) {
	for cmd, want := range map[string]images.Family{
		"apt-get": images.Useradd, "dnf": images.Useradd, "apk": images.BusyBox,
		"microdnf": images.Minimal, "npm": images.Unknown,
	} {
		if got := Family(cmd); got != want {
			t.Errorf("Family(%q) = %v, want %v", cmd, got, want)
		}
	}
	names := Names()
	if len(names) != len(managers) || !sort.StringsAreSorted(names) {
		t.Errorf("Names() = %v: want every manager, sorted", names)
	}
	for _, n := range names {
		if Family(n) == images.Unknown {
			t.Errorf("Names() has %q, whose family is unknown", n)
		}
	}
	if Name("py3-pip<24") != "py3-pip" || Name("curl") != "curl" {
		t.Error("Name must drop version pins")
	}
}

func TestHasShort(t *testing.T) {
	w := func(ss ...string) []shell.Word {
		var out []shell.Word
		for _, s := range ss {
			out = append(out, shell.Word{Value: s, Literal: true})
		}
		return out
	}
	for _, tc := range []struct {
		args []string
		c    byte
		want bool
	}{
		{[]string{"-y"}, 'y', true},
		{[]string{"-qy"}, 'y', true},
		{[]string{"-qO-"}, 'q', true},
		{[]string{"-oAPT::Get::y"}, 'y', false},
		{[]string{"--yes"}, 'y', false},
		{[]string{"--", "-y"}, 'y', false},
		{[]string{"-q", "x"}, 'y', false},
	} {
		if got := HasShort(w(tc.args...), tc.c, "qyO"[:2]); got != tc.want {
			t.Errorf("HasShort(%q, %c) = %v, want %v", tc.args, tc.c, got, tc.want)
		}
	}
}
