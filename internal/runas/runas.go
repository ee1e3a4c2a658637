// Package runas is harden's one table of what decides who a container must
// start as: base images, programs and packages that need root, each with a
// one-line reason that fixes put in their messages.
//
// Entries are looked up by kind: ForImage (an image reference), ForProgram
// (a command's base name) and ForPackage (an installed package). The table
// is meant to grow: entries that imply an existing non-root user belong here
// too.
package runas

//go:generate go run gen.go

import (
	"fmt"
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
	// Path: Key is a path or URL that, named by the container's command,
	// its scripts or its documented run line, implies what it needs
	// ("/var/run/docker.sock", "qemu:///system").
	Path
	// File: Key is a file of the build context beside the Dockerfile that
	// says how the image is run ("action.yml").
	File
)

func (k Kind) String() string {
	switch k {
	case Image:
		return "image"
	case Program:
		return "program"
	case Package:
		return "package"
	case Path:
		return "path"
	case File:
		return "file"
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
	// Tool: a command-line or build tool that runs as one step over a
	// mounted workspace that root owns, with a $HOME root owns.
	Tool
	// Capability: it needs privileges beyond files and ports (devices,
	// raw sockets, real-time scheduling, locked memory, host sockets).
	Capability
	// Interactive: it starts the user's login shell, which a system
	// user's /sbin/nologin refuses.
	Interactive
	// NonRootUser: an image that already runs as (or is made for) a
	// non-root user of its own, given in User.
	NonRootUser
)

func (n Need) String() string {
	switch n {
	case StartsAsRoot:
		return "starts-as-root"
	case DropsPrivileges:
		return "drops-privileges"
	case BaseImage:
		return "base-image"
	case Tool:
		return "tool"
	case Capability:
		return "capability"
	case Interactive:
		return "interactive"
	case NonRootUser:
		return "non-root-user"
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
	// NonRootUser image entries: the user the image runs as or ships
	// ("1001", "jovyan 1000:100"), and whether it already runs as it
	// (Runs) or only ships it for its tooling to choose.
	User string
	Runs bool
	// Derived is true for entries generated from Debian's maintainer
	// scripts (see gen.go), false for curated ones.
	Derived bool
	// FromPackage is the Debian package a derived program entry comes from.
	FromPackage string
}

// Name is the entry's key with its option, as messages show it:
// "gosu", "chroot --userspec".
func (e *Entry) Name() string {
	if e.Option != "" {
		return e.Key + " " + e.Option
	}
	return e.Key
}

// DataServer is the reason of database and broker servers: they need
// root, or the user the Dockerfile creates for them and gives their
// directories to.
const DataServer = "is a database or broker server that writes its data, logs and pid files under directories made for root or for its own system user"

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
	image("php", master, images.TagHas("apache", "fpm"), false)
	for _, k := range []string{"wordpress", "drupal", "joomla", "nextcloud", "mediawiki"} {
		image(k, master, nil, false)
	}
	image("docker", "Docker-in-Docker runs a daemon that needs root", images.TagHas("dind"), false)

	programs(StartsAsRoot, initSystem, "init", "systemd", "supervisord", "runsvdir", "runit", "runit-init", "runsv", "my_init", "s6-svscan")
	programs(StartsAsRoot, rootDaemon, "sshd", "httpd", "apache2", "apache2ctl", "apachectl", "apache2-foreground", "httpd-foreground",
		"nginx", "lighttpd", "named", "dhcpd", "cupsd", "squid", "postfix", "slapd", "openvpn", "crond", "cron",
		"rsyslogd", "dockerd", "containerd", "kubelet", "kube-proxy", "php-fpm", "dnsmasq", "vsftpd", "proftpd",
		"smbd", "nmbd", "exim", "dovecot", "mysqld_safe", "sendmail", "xinetd", "inetd", "ntpd", "chronyd",
		"buildkitd", "libvirtd", "kea-dhcp", "ServiceMonitor")
	programs(DropsPrivileges, dropper, "gosu", "su-exec", "setpriv", "runuser", "s6-setuidgid", "chpst", "setuidgid")
	t = append(t, Entry{Kind: Program, Key: "chroot", Option: "--userspec", Need: DropsPrivileges, Reason: dropper})
	// Daemons that drop privileges themselves to the user an option names,
	// and only when started as root: memcached -u (memcached.c refuses to
	// run as root without it), uWSGI --uid (uwsgi_as_root acts only when
	// getuid() is 0). The author chose that user; a USER overrides it.
	t = append(t, Entry{Kind: Program, Key: "memcached", Option: "-u", Need: DropsPrivileges, Reason: dropper},
		Entry{Kind: Program, Key: "uwsgi", Option: "--uid", Need: DropsPrivileges, Reason: dropper})
	// Shells count as interpreters too: ForProgram answers for the names
	// of the shell package.
	programs(BaseImage, interpreter, "python", "python3", "python2", "node", "php", "irb", "ruby", "jshell", "ghci",
		"iex", "erl", "julia", "R", "perl", "lua", "tclsh")

	programs(StartsAsRoot, "starts programs as another user through sudo, and the new user has no sudoers entry", "sudo", "doas")
	programs(Tool, "is a command-line or build tool: the image runs as a step over a mounted workspace and a $HOME that root owns, which a non-root user cannot write",
		"go", "npm", "npx", "yarn", "pnpm", "mvn", "mvnw", "gradle", "gradlew", "ant", "sbt", "make", "cmake", "cargo",
		"kubectl", "gcloud", "gsutil", "helm", "terraform", "terragrunt", "packer", "ansible", "ansible-playbook",
		"rsync", "git", "aws", "az", "pulumi", "hugo", "jekyll", "mkdocs", "sphinx-build", "pandoc", "latexmk",
		"pdflatex", "xelatex", "shellcheck", "hadolint", "golangci-lint", "eslint", "prettier", "black", "flake8",
		"pylint", "mypy", "rubocop", "tflint", "trivy", "grype", "syft", "cosign", "skopeo", "crane", "jq", "yq",
		"yamllint", "markdownlint", "doctoc", "protoc", "buf", "bazel", "bazelisk", "ko", "goreleaser", "semgrep",
		"checkov", "pytest", "tox", "nox", "kustomize", "kubeval", "kubeconform", "conftest", "opa", "vale", "codespell", "ffmpeg", "convert",
		"gs", "ghostscript", "openscad", "wrk", "ab", "nmap", "certbot", "lkp", "composer", "pip", "bundle", "rake")
	programs(Capability, "needs privileges a non-root user lacks (devices, raw sockets, real-time scheduling, locked memory, mounts or network setup)",
		"cyclictest", "chrt", "hackbench", "tcpdump", "iptables", "ip6tables", "nft", "ip", "wg-quick", "wg",
		"modprobe", "sysctl", "mount", "bpftrace", "perf", "nsenter", "unshare", "capsh", "iw", "hostapd", "brctl",
		"tailscaled", "wpa_supplicant", "cgexec", "runc", "crun", "pigpiod", "alsactl", "pulseaudio", "jackd")
	programs(Interactive, "starts the user's shell ($SHELL or the passwd entry's), which /sbin/nologin refuses",
		"tmux", "screen", "mc", "ranger", "nnn", "lf", "vifm", "byobu", "zellij", "ttyd", "gotty", "wetty", "mosh-server",
		"xterm", "uxterm", "lilyterm", "gnome-terminal", "terminator", "urxvt", "rxvt", "st", "alacritty", "kitty", "konsole",
		"tilix", "guake", "lxterminal", "xfce4-terminal", "sakura", "termite", "terminology", "wezterm")
	programs(Capability, "binds a privileged port (53, 67, 123…) by default, which a non-root process may not bind",
		"coredns", "unbound", "pdns_server", "pdns_recursor", "knotd", "nsd")
	programs(Capability, "locks memory (mlock) or manages cgroups and chroots as an orchestrator agent, which needs root or capabilities",
		"vault", "nomad", "k3s", "k3s-agent", "consul-template")
	programs(StartsAsRoot, DataServer,
		"couchdb", "mongod", "redis-server", "valkey-server", "mysqld", "mariadbd", "postgres", "pg_ctl", "rabbitmq-server",
		"zkServer.sh", "kafka-server-start.sh", "cassandra", "influxd", "etcd", "qdrouterd", "activemq", "artemis")
	programs(Capability, "talks to the Docker daemon through its socket, which only root (or the host's docker group) can use",
		"watchtower", "docker", "docker-compose", "lazydocker", "dive", "ctop", "portainer", "docker-gc", "dockviz")
	programs(Capability, "reads the host's cgroups, /sys and container runtime sockets, which needs root",
		"cadvisor", "falco", "osqueryd", "node-problem-detector")
	programs(Capability, "traces other processes, which needs root or CAP_SYS_PTRACE", "strace", "ltrace", "gdb", "gdbserver", "htop", "sysdig", "bcc")
	programs(Capability, "sends raw packets, which needs root or CAP_NET_RAW", "traceroute", "mtr", "masscan", "hping3", "arping", "zmap")

	paths := func(need Need, reason string, keys ...string) {
		for _, k := range keys {
			t = append(t, Entry{Kind: Path, Key: k, Need: need, Reason: reason})
		}
	}
	paths(Capability, "is the Docker socket, which only root (or the host's docker group) can use", "/var/run/docker.sock", "/run/docker.sock")
	paths(Capability, "is libvirt's system connection, which only root can open", "qemu:///system", "/var/run/libvirt/libvirt-sock")
	paths(Capability, "is a device, which root owns unless the host says otherwise", "/dev/snd", "/dev/dri", "/dev/kvm", "/dev/net/tun", "/dev/fuse", "/dev/bus/usb", "/dev/video0", "/dev/ttyUSB0", "/dev/mem", "/dev/gpiomem")
	paths(Capability, "is the cgroup file system, which only root can change", "/sys/fs/cgroup")
	t = append(t, Entry{Kind: File, Key: "action.yml", Need: StartsAsRoot, Reason: "declares a GitHub Docker container action (runs.using: docker), which GitHub documents must run as root"},
		Entry{Kind: File, Key: "action.yaml", Need: StartsAsRoot, Reason: "declares a GitHub Docker container action (runs.using: docker), which GitHub documents must run as root"})

	// Images that already run as, or ship for their tooling, a non-root
	// user: a USER from harden is not needed, or the image's own is right.
	nonRoot := func(key, user string, runs bool, reason string, tag func(string) bool) {
		t = append(t, Entry{Kind: Image, Key: key, Need: NonRootUser, User: user, Runs: runs, Reason: reason, Tag: tag})
	}
	nonRoot("bitnami/*", "1001", true, "Bitnami images run as the non-root uid 1001", nil)
	nonRoot("jupyter/*", "jovyan 1000:100", true, "Jupyter docker-stacks images run as jovyan (1000:100)", nil)
	nonRoot("quay.io/jupyter/*", "jovyan 1000:100", true, "Jupyter docker-stacks images run as jovyan (1000:100)", nil)
	nonRoot("gitpod/workspace-*", "gitpod 33333", true, "Gitpod workspace images run as gitpod (33333)", nil)
	nonRoot("mcr.microsoft.com/dotnet/*", "app 1654 ($APP_UID)", true, ".NET -chiseled and -distroless images run as app (1654, $APP_UID)", images.TagHas("chiseled", "distroless"))
	nonRoot("registry.access.redhat.com/ubi*/*", "default 1001", true, "Red Hat UBI language (s2i) images run as default (1001)", nil)
	nonRoot("registry.redhat.io/ubi*/*", "default 1001", true, "Red Hat UBI language (s2i) images run as default (1001)", nil)
	nonRoot("quay.io/sclorg/*", "default 1001", true, "Software Collections (s2i) images run as default (1001)", nil)
	nonRoot("centos/*-centos7", "default 1001", true, "CentOS s2i images run as default (1001)", nil)
	nonRoot("openshift/*", "1001", true, "OpenShift s2i images run as 1001", nil)
	nonRoot("gcr.io/distroless/*", "nonroot 65532", true, "distroless :nonroot tags run as nonroot (65532)", images.TagHas("nonroot"))
	nonRoot("cgr.dev/*", "nonroot 65532", true, "Chainguard images run as nonroot (65532), except -dev tags", func(tag string) bool { return !strings.Contains(tag, "dev") })
	t = append(t, Entry{Kind: Image, Key: "*nanoserver*", Need: NonRootUser, User: "ContainerUser", Runs: true, Windows: true,
		Reason: "Nano Server runs as ContainerUser; a numeric USER cannot work on Windows"})
	t = append(t, Entry{Kind: Image, Key: "*", Need: NonRootUser, User: "ContainerUser", Runs: true, Windows: true, Tag: images.TagHas("nanoserver"),
		Reason: "Nano Server runs as ContainerUser; a numeric USER cannot work on Windows"})

	for _, k := range []string{
		"openssh-server", "httpd", "apache2", "nginx", "lighttpd", "slapd", "openldap-servers", "postfix",
		"exim4", "sendmail", "dovecot", "supervisor", "runit", "bind9", "bind", "cups", "squid", "samba",
		"vsftpd", "proftpd", "cron", "cronie", "rsyslog", "dnsmasq", "kea", "isc-dhcp-server",
		"openvpn", "docker-ce", "docker.io", "containerd", "mariadb-server", "mysql-server", "postgresql-server",
		// RPM and APK names of packaged daemons that create their own system user
		"couchdb", "redis", "redis-server", "valkey", "rabbitmq-server", "mosquitto", "tor", "unbound", "mongodb-server",
		"mongodb-org-server", "postgresql", "mariadb", "mysql", "haproxy", "varnish", "squid-openssl",
		"clamav-daemon", "clamd", "named", "chrony", "ntp",
	} {
		t = append(t, Entry{Kind: Package, Key: k, Need: StartsAsRoot, Reason: daemonPkg})
	}
	t = append(t, Entry{Kind: Package, Key: "libvirt-daemon", Variants: true, Need: StartsAsRoot, Reason: daemonPkg})
	// Derived from Debian's maintainer scripts (gen.go): packages that
	// create a system user, and the daemons they ship, which start as root
	// and drop privileges to that user.
	havePkg := map[string]bool{}
	for _, e := range t {
		if e.Kind == Package {
			havePkg[e.Key] = true
		}
	}
	haveProg := map[string]bool{}
	for _, e := range t {
		if e.Kind == Program {
			haveProg[e.Key] = true
		}
	}
	for _, p := range debianSystemUsers {
		reason := "daemon starts as root and drops privileges to system user " + strings.Join(p.Users, ", ") + ", which its maintainer scripts create (Debian " + p.Package + ")"
		if !havePkg[p.Package] {
			havePkg[p.Package] = true
			t = append(t, Entry{Kind: Package, Key: p.Package, Need: StartsAsRoot, Reason: reason, Derived: true})
		}
		for _, prog := range p.Daemons {
			if !haveProg[prog] && shell.KindOf(prog) == shell.NotAShell {
				haveProg[prog] = true
				t = append(t, Entry{Kind: Program, Key: prog, Need: StartsAsRoot, Derived: true, FromPackage: p.Package,
					Reason: "is the daemon of Debian's " + p.Package + ", which creates system user " + strings.Join(p.Users, ", ") + ": it starts as root and drops privileges itself"})
			}
		}
	}
	return t
}()

// byKey indexes the program, package, path and file entries.
var byKey = func() map[Kind]map[string]*Entry {
	m := map[Kind]map[string]*Entry{Program: {}, Package: {}, Path: {}, File: {}}
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
	for _, n := range []string{name, images.OfficialName(ref)} {
		if n == "" {
			continue
		}
		for i := range table {
			e := &table[i]
			if e.Kind != Image || e.Need == NonRootUser || e.Windows != windows || !images.Match(e.Key, n) {
				continue
			}
			if e.Tag != nil && !e.Tag(r.Tag) {
				continue
			}
			return e
		}
	}
	return nil
}

// ForNonRootImage returns the NonRootUser entry for an image reference:
// the image already runs as (or ships) a non-root user of its own; or nil.
func ForNonRootImage(ref string) *Entry {
	r := images.ParseRef(ref)
	windows := images.Lookup(ref).Family == images.Windows
	for _, n := range []string{r.Name(), images.OfficialName(ref)} {
		if n == "" {
			continue
		}
		for i := range table {
			e := &table[i]
			if e.Kind != Image || e.Need != NonRootUser || e.Windows != windows || !images.Match(e.Key, n) {
				continue
			}
			if e.Tag != nil && !e.Tag(r.Tag) {
				continue
			}
			if e.Key == "bitnami/*" && r.Repo == "bitnami/minideb" {
				continue // Bitnami's Debian base runs as root
			}
			if last := r.Repo[strings.LastIndex(r.Repo, "/")+1:]; strings.HasPrefix(e.Key, "registry.") && strings.HasPrefix(last, "ubi") {
				continue // UBI's base images (ubi, ubi-minimal, ubi-micro, ubi-init) run as root
			}
			return e
		}
	}
	return nil
}

// ForPath returns the entry for a path or URL named by a command, a script
// or a documented run line: the entry whose key it is or lies under; or nil.
func ForPath(p string) *Entry {
	if e := byKey[Path][p]; e != nil {
		return e
	}
	for i := range table {
		if e := &table[i]; e.Kind == Path && strings.HasPrefix(p, e.Key+"/") {
			return e
		}
	}
	return nil
}

// ForFile returns the entry for a build-context file name, or nil.
func ForFile(name string) *Entry { return byKey[File][name] }

// Describe is the table as `harden rules non-root-user` prints it: one
// line per entry, kind, key and reason, derived entries marked.
func Describe() string {
	var b strings.Builder
	for _, e := range table {
		key := e.Name()
		if e.Tag != nil && e.Kind == Image {
			key += " (some tags)"
		}
		if e.Windows {
			key += " (Windows)"
		}
		mark := ""
		if e.Derived {
			mark = " [derived from Debian]"
		}
		fmt.Fprintf(&b, "  %-8s %-14s %-34s %s%s\n", e.Kind, e.Need, key, e.Reason, mark)
	}
	return b.String()
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

// debianPackage is one package of Debian's archive whose maintainer
// scripts create a system user: its name, the users, and the daemons it
// ships in /usr/sbin (and /sbin) that start as root and drop privileges to
// them. The list is generated by gen.go from the real maintainer scripts.
type debianPackage struct {
	Package string
	Users   []string
	Daemons []string
}
