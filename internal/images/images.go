// Package images is harden's knowledge of base images: which distribution
// family an image belongs to (so a fix knows how to create a user), which
// users it ships, and whether it already runs as non-root. All of it lives
// in the tables of this file, so that no fix grows its own list.
package images

import (
	"strconv"
	"strings"
)

// Family is how users are created in an image.
type Family int

const (
	// Unknown: nothing is known; no shell can be assumed.
	Unknown Family = iota
	// Useradd: shadow-utils (groupadd/useradd): Debian, Ubuntu, RHEL,
	// CentOS, Fedora, UBI, Amazon Linux, SUSE, Arch.
	Useradd
	// BusyBox: BusyBox addgroup/adduser applets: Alpine, BusyBox, Wolfi.
	BusyBox
	// Minimal: no tools to create users (scratch, distroless, ubi-minimal,
	// ubi-micro): only a numeric USER.
	Minimal
	// Windows: Windows Server Core and Nano Server.
	Windows
)

func (f Family) String() string {
	return [...]string{"unknown", "useradd", "busybox", "minimal", "windows"}[f]
}

// User is an account shipped in an image.
type User struct {
	Name     string
	UID, GID int
}

// IDs is "UID:GID".
func (u User) IDs() string { return strconv.Itoa(u.UID) + ":" + strconv.Itoa(u.GID) }

// Info is what harden knows about one image reference.
type Info struct {
	Family Family
	// Shell is true when the image has /bin/sh, so a RUN can be added.
	Shell bool
	// Ships is a non-root user the image already has, or nil.
	Ships *User
	// NonRoot is true when the image's configured user is not root.
	NonRoot bool
	// Exempt explains why the image is not a container that runs an app
	// (e.g. bootc host images), or "".
	Exempt string
	// ShadowPackage names the package that provides useradd when the image
	// lacks it: the Useradd family applies only once a RUN installs it.
	ShadowPackage string
	// Known is false when no table entry matched.
	Known bool
}

// Ref is a parsed image reference.
type Ref struct {
	Registry string // "" for Docker Hub
	Repo     string // "library/" removed for official images: "debian", "gcr.io/distroless/static" keeps its path
	Tag      string
	Digest   string
}

// ParseRef splits an image reference; it never fails (odd input gives odd
// fields, which simply match nothing).
func ParseRef(s string) Ref {
	var r Ref
	if i := strings.Index(s, "@"); i >= 0 {
		s, r.Digest = s[:i], s[i+1:]
	}
	if i := strings.LastIndex(s, ":"); i >= 0 && !strings.Contains(s[i:], "/") {
		s, r.Tag = s[:i], s[i+1:]
	}
	s = strings.ToLower(s)
	if i := strings.Index(s, "/"); i >= 0 {
		first := s[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" {
			r.Registry, s = first, s[i+1:]
		}
	}
	switch r.Registry {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		r.Registry = ""
	}
	if r.Registry == "" {
		s = strings.TrimPrefix(s, "library/")
	}
	r.Repo = s
	return r
}

// Name is the registry and repository, "gcr.io/distroless/static" or "debian".
func (r Ref) Name() string {
	if r.Registry == "" {
		return r.Repo
	}
	return r.Registry + "/" + r.Repo
}

// OfficialName is the name of the Docker Hub official image that a
// reference from another registry or path mirrors, or "": a proxy cache or
// vendored copy (mirror.gcr.io/library/node, registry.example.com/library/node,
// registry.example.com/team/node) holds the same image as node.
func OfficialName(ref string) string {
	r := ParseRef(ref)
	if r.Registry == "" && !strings.Contains(r.Repo, "/") {
		return "" // already an official image
	}
	repo := r.Repo
	if r.Registry == "" {
		return "" // Docker Hub's user/name is someone's own image
	}
	if i := strings.LastIndex(repo, "/"); i >= 0 {
		repo = repo[i+1:]
	}
	if repo == "" || repo == r.Name() {
		return ""
	}
	return repo
}

// DevContainerUser is the user dev container images ship (vscode, 1000).
var DevContainerUser = &User{"vscode", 1000, 1000}

// rule is one line of the knowledge table. Name is a path.Match pattern
// over Ref.Name(); When, if set, narrows the match by tag.
type rule struct {
	Name string
	When func(tag string) bool
	Info Info
}

var (
	nodeUser       = &User{"node", 1000, 1000}
	nonrootUser    = &User{"nonroot", 65532, 65532}
	vscodeUser     = DevContainerUser
	dotnetAppUser  = &User{"app", 1654, 1654}
	redHatAppUser  = &User{"default", 1001, 0}
	useradd        = Info{Family: Useradd, Shell: true, Known: true}
	busybox        = Info{Family: BusyBox, Shell: true, Known: true}
	minimal        = Info{Family: Minimal, Known: true}
	shadowUtils    = Info{Family: Useradd, Shell: true, ShadowPackage: "shadow-utils", Known: true}
	windowsRoot    = Info{Family: Windows, Shell: true, Known: true}
	windowsNonRoot = Info{Family: Windows, Shell: true, NonRoot: true, Known: true}
)

// TagHas returns a tag condition: the tag contains one of words.
func TagHas(words ...string) func(string) bool {
	return func(tag string) bool {
		for _, w := range words {
			if strings.Contains(tag, w) {
				return true
			}
		}
		return false
	}
}

// dotnet8 matches .NET tags of version 8 and later, which ship user app (1654).
func dotnet8(tag string) bool {
	major, _, _ := strings.Cut(tag, ".")
	n, err := strconv.Atoi(major)
	return err == nil && n >= 8
}

var alpineTag = TagHas("alpine")

// Debian-, Ubuntu- and RHEL-based official images and well-known bases.
var useraddImages = []string{
	"debian", "ubuntu", "centos", "fedora", "rockylinux", "almalinux", "oraclelinux",
	"archlinux", "opensuse/leap", "opensuse/tumbleweed", "kalilinux/*",
	"buildpack-deps", "python", "golang", "ruby", "php", "perl", "rust", "gcc", "openjdk",
	"eclipse-temurin", "ibm-semeru-runtimes", "sapmachine", "maven",
	"gradle", "elixir", "erlang", "haskell", "clojure", "julia", "swift", "r-base",
	"rocker/*", "tomcat", "jetty", "ros", "bitnami/minideb", "brimstone/ubuntu",
	"quay.io/centos/centos", "registry.fedoraproject.org/fedora", "mcr.microsoft.com/powershell",
	"registry.access.redhat.com/ubi*", "registry.redhat.io/ubi*", "registry.redhat.io/ubi*/ubi",
	"registry.suse.com/bci/bci-base",
}

// rules: the first match wins. Keep the specific before the general.
var rules = func() []rule {
	const bootc = "bootc images boot a host; the container USER is not used"
	rs := []rule{
		{Name: "scratch", Info: minimal},
		// Host images built as containers: a USER does not apply to them.
		{Name: "quay.io/centos-bootc/*", Info: Info{Exempt: bootc, Known: true}},
		{Name: "quay.io/fedora/fedora-bootc", Info: Info{Exempt: bootc, Known: true}},
		{Name: "registry.redhat.io/rhel*/rhel-bootc", Info: Info{Exempt: bootc, Known: true}},
		// Windows. Nano Server runs as ContainerUser by default; Server Core as
		// ContainerAdministrator (IIS's image whatever its tag). .NET
		// Framework images are Windows Server Core. Which of them must start
		// as administrator is in internal/runas.
		{Name: "mcr.microsoft.com/windows/servercore/iis", Info: windowsRoot},
		{Name: "mcr.microsoft.com/dotnet/framework/*", Info: windowsRoot},
		{Name: "mcr.microsoft.com/windows/nanoserver", Info: windowsNonRoot},
		{Name: "*nanoserver*", Info: windowsNonRoot}, // mcr.microsoft.com/nanoserver, …/nanoserver/insider
		{Name: "*windowsservercore*", Info: windowsRoot},
		{Name: "*servercore*", Info: windowsRoot},
		{Name: "*", When: TagHas("nanoserver"), Info: windowsNonRoot},
		{Name: "mcr.microsoft.com/windows*", Info: windowsRoot},
		{Name: "*", When: TagHas("windowsservercore", "servercore", "ltsc20", "1809", "20h2"), Info: windowsRoot},
		{Name: "mcr.microsoft.com/*", When: TagHas("ltsc"), Info: windowsRoot},
		// Distroless ships nonroot (65532); the :nonroot tags run as it.
		{Name: "gcr.io/distroless/*", When: TagHas("nonroot"), Info: Info{Family: Minimal, Ships: nonrootUser, NonRoot: true, Known: true}},
		{Name: "gcr.io/distroless/*", Info: Info{Family: Minimal, Ships: nonrootUser, Known: true}},
		// Chainguard images run as nonroot (65532) except the -dev variants.
		{Name: "cgr.dev/chainguard/wolfi-base", Info: busybox},
		{Name: "cgr.dev/*", When: TagHas("dev"), Info: Info{Family: BusyBox, Shell: true, Ships: nonrootUser, Known: true}},
		{Name: "cgr.dev/*", Info: Info{Family: Minimal, Ships: nonrootUser, NonRoot: true, Known: true}},
		// Red Hat's minimal images have no useradd unless shadow-utils is
		// installed; ubi-micro has no package manager; the language images run as 1001.
	}
	for _, reg := range []string{"registry.access.redhat.com", "registry.redhat.io"} {
		rs = append(rs,
			rule{Name: reg + "/ubi*-micro", Info: minimal},
			rule{Name: reg + "/ubi*/ubi-micro", Info: minimal},
			rule{Name: reg + "/ubi*-minimal", Info: shadowUtils},
			rule{Name: reg + "/ubi*/ubi-minimal", Info: shadowUtils},
			rule{Name: reg + "/ubi*/ubi", Info: useradd},
			rule{Name: reg + "/ubi*/ubi-init", Info: useradd},
			rule{Name: reg + "/ubi*-init", Info: useradd},
			rule{Name: reg + "/ubi*/*", Info: Info{Family: Useradd, Shell: true, Ships: redHatAppUser, NonRoot: true, Known: true}},
		)
	}
	rs = append(rs, []rule{
		// Amazon Linux 2 and 2023, CBL-Mariner/Azure Linux and Photon
		// container images do not include shadow-utils.
		{Name: "amazonlinux", Info: shadowUtils},
		{Name: "public.ecr.aws/amazonlinux/amazonlinux", Info: shadowUtils},
		{Name: "mcr.microsoft.com/cbl-mariner/*", Info: shadowUtils},
		{Name: "mcr.microsoft.com/azurelinux/*", Info: shadowUtils},
		{Name: "photon", Info: shadowUtils},
		{Name: "amazoncorretto", Info: shadowUtils},
		{Name: "public.ecr.aws/amazoncorretto/*", Info: shadowUtils},
		// Official images whose own entrypoint or server must start as root
		// (internal/runas says why): Debian-based unless -alpine.
		{Name: "postgres", Info: useradd},
		{Name: "mysql", Info: useradd},
		{Name: "mariadb", Info: useradd},
		{Name: "mongo", Info: useradd},
		{Name: "redis", Info: useradd},
		{Name: "rabbitmq", Info: useradd},
		{Name: "cassandra", Info: useradd},
		{Name: "couchdb", Info: useradd},
		{Name: "nginx", Info: useradd},
		{Name: "httpd", Info: useradd},
		{Name: "wordpress", Info: useradd},
		{Name: "drupal", Info: useradd},
		{Name: "joomla", Info: useradd},
		{Name: "nextcloud", Info: useradd},
		{Name: "mediawiki", Info: useradd},
		{Name: "docker", When: TagHas("dind"), Info: useradd},
		// Images that ship a non-root user but run as root.
		{Name: "node", Info: Info{Family: Useradd, Shell: true, Ships: nodeUser, Known: true}},
		{Name: "mcr.microsoft.com/devcontainers/*", Info: Info{Family: Useradd, Shell: true, Ships: vscodeUser, Known: true}},
		{Name: "mcr.microsoft.com/vscode/devcontainers/*", Info: Info{Family: Useradd, Shell: true, Ships: vscodeUser, Known: true}},
		// .NET 8+ images ship user app (1654); the chiseled ones also run as it.
		{Name: "mcr.microsoft.com/dotnet/*", When: func(t string) bool { return dotnet8(t) && strings.Contains(t, "chiseled") }, Info: Info{Family: Minimal, Ships: dotnetAppUser, NonRoot: true, Known: true}},
		{Name: "mcr.microsoft.com/dotnet/*", When: func(t string) bool { return dotnet8(t) && alpineTag(t) }, Info: Info{Family: BusyBox, Shell: true, Ships: dotnetAppUser, Known: true}},
		{Name: "mcr.microsoft.com/dotnet/*", When: dotnet8, Info: Info{Family: Useradd, Shell: true, Ships: dotnetAppUser, Known: true}},
		{Name: "mcr.microsoft.com/dotnet/*", When: alpineTag, Info: busybox},
		{Name: "mcr.microsoft.com/dotnet/*", Info: useradd},
		{Name: "alpine", Info: busybox},
		{Name: "busybox", Info: busybox},
		{Name: "*", When: alpineTag, Info: busybox},
	}...)
	for _, name := range useraddImages {
		rs = append(rs, rule{Name: name, Info: useradd})
	}
	return rs
}()

// Match reports whether an image name (Ref.Name) matches pattern, where
// '*' matches any run of characters, '/' included.
func Match(pattern, name string) bool { return match(pattern, name) }

func match(pattern, name string) bool {
	for len(pattern) > 0 {
		star := strings.IndexByte(pattern, '*')
		if star < 0 {
			return pattern == name
		}
		if !strings.HasPrefix(name, pattern[:star]) {
			return false
		}
		name, pattern = name[star:], pattern[star+1:]
		if pattern == "" {
			return true
		}
		for i := 0; i <= len(name); i++ {
			if match(pattern, name[i:]) {
				return true
			}
		}
		return false
	}
	return name == ""
}

// Debian and Ubuntu release names: a tag naming one means a useradd base.
var debianTagWords = []string{
	"bookworm", "bullseye", "buster", "stretch", "jessie", "trixie", "forky", "sid",
	"focal", "jammy", "noble", "bionic", "xenial", "trusty", "oracular", "plucky",
	"ubuntu", "debian", "ubi8", "ubi9", "ubi10", "centos", "fedora", "rockylinux", "almalinux",
}

// Lookup returns what is known about an image reference (already expanded).
// A reference from another registry or path that mirrors an official image
// (see OfficialName) gets what is known about the official image, when
// nothing matches its own name.
func Lookup(ref string) Info {
	info, named := lookup(ref)
	if named {
		return info
	}
	r := ParseRef(ref)
	if name := OfficialName(ref); name != "" {
		r2 := name
		if r.Tag != "" {
			r2 += ":" + r.Tag
		}
		if official, named := lookup(r2); named {
			return official
		}
	}
	return info
}

// lookup returns what the rules say about ref, and whether a rule naming
// its repository matched (not only its tag).
func lookup(ref string) (Info, bool) {
	r := ParseRef(ref)
	name := r.Name()
	for _, rl := range rules {
		if !match(rl.Name, name) {
			continue
		}
		if rl.When != nil && !rl.When(r.Tag) {
			continue
		}
		info := rl.Info
		if info.Family == Useradd && alpineTag(r.Tag) {
			info.Family = BusyBox // the -alpine variant of an image
			info.ShadowPackage = ""
		}
		return info, rl.Name != "*"
	}
	if TagHas(debianTagWords...)(r.Tag) {
		return useradd, false
	}
	return Info{}, false
}

// IsRootUser reports whether a USER value (user[:group]) names root. On
// Windows, ContainerAdministrator is the root equivalent.
func IsRootUser(v string) bool {
	u, _, _ := strings.Cut(strings.TrimSpace(v), ":")
	if n, err := strconv.Atoi(u); err == nil {
		return n == 0 // "00" is uid 0 too
	}
	return u == "root" || strings.EqualFold(u, "ContainerAdministrator")
}
