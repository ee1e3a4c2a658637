package pkgmgr

import (
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

func TestFamilyAndRootDaemon(t *testing.T) {
	for cmd, want := range map[string]images.Family{
		"apt-get": images.Useradd, "dnf": images.Useradd, "apk": images.BusyBox,
		"microdnf": images.Minimal, "npm": images.Unknown,
	} {
		if got := Family(cmd); got != want {
			t.Errorf("Family(%q) = %v, want %v", cmd, got, want)
		}
	}
	for script, want := range map[string]string{
		"apt-get install -y openssh-server=1:9.2":     "openssh-server",
		"dnf install -y libvirt-daemon-driver-qemu":   "libvirt-daemon",
		"apk add --no-cache nginx":                    "nginx",
		"apt-get install -y nginx-doc openssh-client": "",
		"echo httpd": "",
	} {
		cmds, _ := shell.Commands(script)
		got := ""
		for _, c := range cmds {
			if d := RootDaemon(c); d != "" {
				got = d
			}
		}
		if got != want {
			t.Errorf("%q: RootDaemon = %q, want %q", script, got, want)
		}
	}
	if Name("py3-pip<24") != "py3-pip" || Name("curl") != "curl" {
		t.Error("Name must drop version pins")
	}
}
