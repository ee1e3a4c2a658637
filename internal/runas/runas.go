// Package runas is harden's one table of what decides who a container must
// start as: base images, programs and packages that need root, each with a
// one-line reason that fixes put in their messages.
//
// Entries are looked up by kind: ForImage (an image reference), ForProgram
// (a command's base name) and ForPackage (an installed package). The table
// is meant to grow: entries that imply an existing non-root user belong here
// too.
package runas

import (
	"strings"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/shell"
)

// Kind is what an entry's Key names.
type Kind int

const (
	// Image: Key is a pattern over an image's registry and repository
	// ("postgres", "mcr.microsoft.com/windows/servercore/iis"), where '*'
	// matches any run of characters; Tag narrows it.
	Image Kind = iota + 1
	// Program: Key is a program's base name as a command starts it ("sshd").
	Program
	// Package: Key is a package name as a package manager installs it.
	Package
)

func (k Kind) String() string {
	switch k {
	case Image:
		return "image"
	case Program:
		return "program"
	case Package:
		return "package"
	}
	return "unknown"
}

// Need is what an entry says about the user a container starts as.
type Need int

const (
	// StartsAsRoot: it must start as root (an init system, a daemon that
	// binds privileged ports or drops privileges itself, an image whose
	// entrypoint does).
	StartsAsRoot Need = iota + 1
	// DropsPrivileges: it runs a command as another user, so an
	// entrypoint that uses it starts as root on purpose.
	DropsPrivileges
	// BaseImage: as a container's whole command (an interpreter or shell
	// with nothing to run), it makes the image a base or toolbox image for
	// others, whose builds a USER would change.
	BaseImage
)

func (n Need) String() string {
	switch n {
	case StartsAsRoot:
		return "starts-as-root"
	case DropsPrivileges:
		return "drops-privileges"
	case BaseImage:
		return "base-image"
	}
	return "unknown"
}

// Entry is one line of the table.
type Entry struct {
	Kind Kind
	Key  string
	Need Need
	// Reason is one line, worded to follow the subject in a fix's message:
	// "its command sshd " + Reason, "base image postgres must start as
	// root: " + Reason.
	Reason string

	// Image entries: Tag, if set, must hold for the reference's tag;
	// Windows entries apply to Windows images only, the others to Linux
	// images only (mongo's Windows tags are not the gosu image).
	Tag     func(tag string) bool
	Windows bool
	// Program entries: the command must have this option ("--userspec"
	// for chroot), if set.
	Option string
	// Package entries: Variants also matches Key-* packages
	// (libvirt-daemon-driver-qemu).
	Variants bool
}

// Name is the entry's key with its option, as messages show it:
// "gosu", "chroot --userspec".
func (e *Entry) Name() string {
	if e.Option != "" {
		return e.Key + " " + e.Option
	}
	return e.Key
}

// Reasons shared by many entries.
const (
	gosu        = "its entrypoint starts as root and drops privileges itself (gosu/su-exec)"
	master      = "its server starts as root to bind its port and drops privileges to a worker user itself"
	iis         = "IIS's ServiceMonitor controls the w3svc service, which needs ContainerAdministrator"
	initSystem  = "is an init system or supervisor, which must start as root"
	rootDaemon  = "is a daemon that starts as root (privileged ports, privilege drop or system access)"
	dropper     = "drops privileges"
	daemonPkg   = "daemon likely starts as root"
	interpreter = "it is a base image for others, whose builds would run as the new user"
)

func tagHas(words ...string) func(string) bool {
	return func(tag string) bool {
		for _, w := range words {
			if strings.Contains(tag, w) {
				return true
			}
		}
		return false
	}
}

// table is the one table. Image entries are tried in order (the first match
// wins); program and package keys are unique per kind.
var table = func() []Entry {
	var t []Entry
	image := func(key, reason string, tag func(string) bool, windows bool) {
		t = append(t, Entry{Kind: Image, Key: key, Need: StartsAsRoot, Reason: reason, Tag: tag, Windows: windows})
	}
	programs := func(need Need, reason string, keys ...string) {
		for _, k := range keys {
			t = append(t, Entry{Kind: Program, Key: k, Need: need, Reason: reason})
		}
	}

	// Windows images whose service must run as administrator.
	image("mcr.microsoft.com/windows/servercore/iis", iis, nil, true)
	image("mcr.microsoft.com/dotnet/framework/aspnet", iis, nil, true) // .NET Framework's ASP.NET images run IIS
	// Official images whose own entrypoint or server must start as root.
	for _, k := range []string{"postgres", "mysql", "mariadb", "mongo", "redis", "rabbitmq", "cassandra", "couchdb"} {
		image(k, gosu, nil, false)
	}
	for _, k := range []string{"nginx", "httpd"} {
		image(k, master, nil, false)
	}
	image("php", master, tagHas("apache", "fpm"), false)
	for _, k := range []string{"wordpress", "drupal", "joomla", "nextcloud", "mediawiki"} {
		image(k, master, nil, false)
	}
	image("docker", "Docker-in-Docker runs a daemon that needs root", tagHas("dind"), false)

	programs(StartsAsRoot, initSystem, "init", "systemd", "supervisord", "runsvdir", "runit", "runit-init", "runsv", "my_init", "s6-svscan")
	programs(StartsAsRoot, rootDaemon, "sshd", "httpd", "apache2", "apache2ctl", "apachectl", "apache2-foreground", "httpd-foreground",
		"nginx", "lighttpd", "named", "dhcpd", "cupsd", "squid", "postfix", "slapd", "openvpn", "crond", "cron",
		"rsyslogd", "dockerd", "containerd", "kubelet", "kube-proxy", "php-fpm", "dnsmasq", "vsftpd", "proftpd",
		"smbd", "nmbd", "exim", "dovecot", "mysqld_safe", "sendmail", "xinetd", "inetd", "ntpd", "chronyd",
		"buildkitd", "libvirtd", "kea-dhcp", "ServiceMonitor")
	programs(DropsPrivileges, dropper, "gosu", "su-exec", "setpriv", "runuser", "s6-setuidgid", "chpst", "setuidgid")
	t = append(t, Entry{Kind: Program, Key: "chroot", Option: "--userspec", Need: DropsPrivileges, Reason: dropper})
	// Shells count as interpreters too: ForProgram answers for the names
	// of the shell package.
	programs(BaseImage, interpreter, "python", "python3", "python2", "node", "php", "irb", "ruby", "jshell", "ghci",
		"iex", "erl", "julia", "R", "perl", "lua", "tclsh")

	for _, k := range []string{
		"openssh-server", "httpd", "apache2", "nginx", "lighttpd", "slapd", "openldap-servers", "postfix",
		"exim4", "sendmail", "dovecot", "supervisor", "runit", "bind9", "bind", "cups", "squid", "samba",
		"vsftpd", "proftpd", "cron", "cronie", "rsyslog", "dnsmasq", "kea", "isc-dhcp-server",
		"openvpn", "docker-ce", "docker.io", "containerd", "mariadb-server", "mysql-server", "postgresql-server",
	} {
		t = append(t, Entry{Kind: Package, Key: k, Need: StartsAsRoot, Reason: daemonPkg})
	}
	t = append(t, Entry{Kind: Package, Key: "libvirt-daemon", Variants: true, Need: StartsAsRoot, Reason: daemonPkg})
	return t
}()

// byKey indexes the program and package entries.
var byKey = func() map[Kind]map[string]*Entry {
	m := map[Kind]map[string]*Entry{Program: {}, Package: {}}
	for i := range table {
		e := &table[i]
		if e.Kind != Image {
			m[e.Kind][e.Key] = e
		}
	}
	return m
}()

// Entries returns the table's entries of a kind, in table order (a copy).
func Entries(kind Kind) []Entry {
	var out []Entry
	for _, e := range table {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// Keys returns the keys of a kind's entries, in table order: for instance
// the words that make a RUN worth reading.
func Keys(kind Kind) []string {
	var out []string
	for _, e := range table {
		if e.Kind == kind {
			out = append(out, e.Key)
		}
	}
	return out
}

// ForImage returns the entry for an image reference (ARGs already
// substituted), or nil.
func ForImage(ref string) *Entry {
	r := images.ParseRef(ref)
	name := r.Name()
	windows := images.Lookup(ref).Family == images.Windows
	for i := range table {
		e := &table[i]
		if e.Kind != Image || e.Windows != windows || !images.Match(e.Key, name) {
			continue
		}
		if e.Tag != nil && !e.Tag(r.Tag) {
			continue
		}
		return e
	}
	return nil
}

// shellEntry answers ForProgram for shells, whose names the shell package
// holds.
var shellEntry = Entry{Kind: Program, Need: BaseImage, Reason: interpreter}

// ForProgram returns the entry for a program's base name, exactly as
// written ("php-fpm8.2" is not "php-fpm": normalize first), or nil.
// Shells (sh, bash, pwsh, cmd…) are BaseImage entries.
func ForProgram(name string) *Entry {
	if e := byKey[Program][name]; e != nil {
		return e
	}
	if shell.KindOf(name) != shell.NotAShell {
		e := shellEntry
		e.Key = name
		return &e
	}
	return nil
}

// ForPackage returns the entry for a package name (without a version pin),
// or nil.
func ForPackage(name string) *Entry {
	if e := byKey[Package][name]; e != nil {
		return e
	}
	for i := range table {
		if e := &table[i]; e.Kind == Package && e.Variants && strings.HasPrefix(name, e.Key+"-") {
			return e
		}
	}
	return nil
}
