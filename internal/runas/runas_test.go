package runas

import (
	"slices"
	"strings"
	"testing"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/shell"
)

func TestEveryEntryIsComplete(t *testing.T) {
	seen := map[Kind]map[string]bool{Image: {}, Program: {}, Package: {}, Path: {}, File: {}}
	for _, e := range table {
		if e.Kind < Image || e.Kind > File || e.Need < StartsAsRoot || e.Need > NonRootUser {
			t.Errorf("%+v: unknown kind or need", e)
		}
		if e.Key == "" || strings.TrimSpace(e.Reason) == "" || strings.Contains(e.Reason, "\n") {
			t.Errorf("%s %q: every entry needs a key and a one-line reason", e.Kind, e.Key)
		}
		if seen[e.Kind][e.Key] {
			t.Errorf("%s %q is in the table twice", e.Kind, e.Key)
		}
		seen[e.Kind][e.Key] = true
		if e.Need == NonRootUser && (e.Kind != Image || e.User == "") || e.User != "" && e.Need != NonRootUser {
			t.Errorf("%s %q: a non-root-user entry is an image with its user", e.Kind, e.Key)
		}
		if (e.Tag != nil || e.Windows) && e.Kind != Image || e.Option != "" && e.Kind != Program || e.Variants && e.Kind != Package {
			t.Errorf("%s %q: a field of another kind is set", e.Kind, e.Key)
		}
		if e.Kind == Program && isShell(e.Key) {
			t.Errorf("program %q is a shell: shells are named in internal/shell only", e.Key)
		}
	}
	for _, k := range []Kind{Image, Program, Package, Path, File} {
		if len(Entries(k)) == 0 || len(Keys(k)) != len(Entries(k)) {
			t.Errorf("%s: %d entries, %d keys", k, len(Entries(k)), len(Keys(k)))
		}
	}
}

func isShell(name string) bool { return shell.KindOf(name) != shell.NotAShell }

func TestForImage(t *testing.T) {
	for ref, want := range map[string]string{
		"postgres:16":                              gosu,
		"docker.io/library/mysql:8":                gosu,
		"redis:7-alpine":                           gosu,
		"nginx:1.27-alpine":                        master,
		"php:8.3-fpm":                              master,
		"php:8.3-apache-bookworm":                  master,
		"php:8.3-cli":                              "",
		"docker:27-dind":                           "Docker-in-Docker runs a daemon that needs root",
		"docker:27-cli":                            "",
		"debian:bookworm":                          "",
		"myorg/postgres":                           "",
		"ghcr.io/acme/nginx":                       master, // a vendored copy of the official image
		"mirror.gcr.io/library/postgres:16":        gosu,
		"registry.example.com/library/redis":       gosu,
		"mongo:7.0-windowsservercore-ltsc2022":     "", // not the gosu image
		"mcr.microsoft.com/windows/servercore/iis": iis,
		"mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022":      iis,
		"mcr.microsoft.com/dotnet/framework/aspnet:4.8-windowsservercore-ltsc2022": iis,
		"mcr.microsoft.com/dotnet/framework/runtime:4.8":                           "",
	} {
		got := ""
		if e := ForImage(ref); e != nil {
			got = e.Reason
			if e.Kind != Image || e.Need != StartsAsRoot {
				t.Errorf("%s: %+v", ref, e)
			}
		}
		if got != want {
			t.Errorf("ForImage(%q) reason = %q, want %q", ref, got, want)
		}
	}
	// Every image entry is found by its own key, on the OS it is for.
	for _, e := range Entries(Image) {
		if e.Need == NonRootUser {
			continue // TestForNonRootImage
		}
		ref := strings.ReplaceAll(e.Key, "*", "x")
		switch {
		case e.Tag != nil && e.Key == "php":
			ref += ":8-fpm"
		case e.Tag != nil:
			ref += ":dind"
		}
		if images.Lookup(ref).Family == images.Windows != e.Windows {
			t.Errorf("%s: images says Windows=%v, the entry %v", ref, !e.Windows, e.Windows)
		}
		if got := ForImage(ref); got == nil || got.Key != e.Key {
			t.Errorf("ForImage(%q) = %+v, want the %q entry", ref, got, e.Key)
		}
	}
}

func TestForNonRootImage(t *testing.T) {
	for ref, want := range map[string]string{
		"bitnami/redis:7.2":                                             "1001",
		"bitnami/minideb:bookworm":                                      "",
		"jupyter/scipy-notebook":                                        "jovyan 1000:100",
		"quay.io/jupyter/base-notebook:latest":                          "jovyan 1000:100",
		"gitpod/workspace-full":                                         "gitpod 33333",
		"mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled":            "app 1654 ($APP_UID)",
		"mcr.microsoft.com/dotnet/runtime:8.0-azurelinux3.0-distroless": "app 1654 ($APP_UID)",
		"mcr.microsoft.com/dotnet/aspnet:8.0":                           "",
		"registry.access.redhat.com/ubi9/python-311":                    "default 1001",
		"registry.access.redhat.com/ubi9/ubi":                           "",
		"registry.access.redhat.com/ubi9/ubi-minimal":                   "",
		"quay.io/sclorg/python-311-c9s":                                 "default 1001",
		"centos/python-36-centos7":                                      "default 1001",
		"gcr.io/distroless/static:nonroot":                              "nonroot 65532",
		"gcr.io/distroless/static":                                      "",
		"cgr.dev/chainguard/static":                                     "nonroot 65532",
		"cgr.dev/chainguard/python:latest-dev":                          "",
		"mcr.microsoft.com/windows/nanoserver:ltsc2022":                 "ContainerUser",
		"mcr.microsoft.com/windows/nanoserver/insider:10.0.26100.1":     "ContainerUser",
		"mcr.microsoft.com/nanoserver":                                  "ContainerUser",
		"node:20-nanoserver-ltsc2022":                                   "ContainerUser",
		"mcr.microsoft.com/windows/servercore:ltsc2022":                 "",
		"node:20": "",
		"debian":  "",
	} {
		got := ""
		if e := ForNonRootImage(ref); e != nil {
			got = e.User
		}
		if got != want {
			t.Errorf("ForNonRootImage(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestForPathAndFile(t *testing.T) {
	for p, want := range map[string]bool{
		"/var/run/docker.sock": true, "qemu:///system": true, "/dev/snd": true, "/dev/snd/pcmC0D0p": true,
		"/dev/null": false, "/var/run/docker.sockets": false, "/app": false,
	} {
		if got := ForPath(p) != nil; got != want {
			t.Errorf("ForPath(%q) = %v, want %v", p, got, want)
		}
	}
	if ForFile("action.yml") == nil || ForFile("README.md") != nil {
		t.Error("ForFile")
	}
}

func TestForProgram(t *testing.T) {
	for name, want := range map[string]Need{
		"sshd": StartsAsRoot, "systemd": StartsAsRoot, "php-fpm": StartsAsRoot, "ServiceMonitor": StartsAsRoot,
		"gosu": DropsPrivileges, "su-exec": DropsPrivileges, "chroot": DropsPrivileges,
		"python3": BaseImage, "node": BaseImage,
		// shells, from internal/shell
		"sh": BaseImage, "bash": BaseImage, "dash": BaseImage, "pwsh": BaseImage, "cmd": BaseImage,
		"app": 0, "php-fpm8.2": 0, "SSHD": 0,
	} {
		var got Need
		if e := ForProgram(name); e != nil {
			got = e.Need
			if e.Key != name || e.Kind != Program || e.Reason == "" {
				t.Errorf("ForProgram(%q) = %+v", name, e)
			}
		}
		if got != want {
			t.Errorf("ForProgram(%q) need = %v, want %v", name, got, want)
		}
	}
	if e := ForProgram("chroot"); e.Option != "--userspec" || e.Name() != "chroot --userspec" {
		t.Errorf("chroot drops privileges only with --userspec: %+v", e)
	}
	if e := ForProgram("memcached"); e == nil || e.Need != DropsPrivileges || e.Name() != "memcached -u" {
		t.Errorf("memcached drops privileges only with -u: %+v", e)
	}
	if e := ForProgram("uwsgi"); e == nil || e.Need != DropsPrivileges || e.Name() != "uwsgi --uid" {
		t.Errorf("uwsgi drops privileges only with --uid: %+v", e)
	}
	if e := ForProgram("gosu"); e.Name() != "gosu" {
		t.Errorf("Name() = %q", e.Name())
	}
	// A shell's entry is a copy: asking for two shells gives two keys.
	if ForProgram("sh").Key != "sh" || ForProgram("zsh").Key != "zsh" {
		t.Error("shell entries must carry their own name")
	}
}

func TestForPackage(t *testing.T) {
	for name, want := range map[string]string{
		"openssh-server":             "openssh-server",
		"nginx":                      "nginx",
		"libvirt-daemon":             "libvirt-daemon",
		"libvirt-daemon-driver-qemu": "libvirt-daemon",
		"libvirt-daemonx":            "",
		"nginx-doc":                  "",
		"openssh-client":             "",
		"supervisor":                 "supervisor",
	} {
		got := ""
		if e := ForPackage(name); e != nil {
			got = e.Key
			if e.Kind != Package || e.Need != StartsAsRoot {
				t.Errorf("ForPackage(%q) = %+v", name, e)
			}
		}
		if got != want {
			t.Errorf("ForPackage(%q) = %q, want %q", name, got, want)
		}
	}
	if keys := Keys(Package); !slices.Contains(keys, "openssh-server") || slices.Contains(keys, "sshd") {
		t.Errorf("Keys(Package) = %v", keys)
	}
}
