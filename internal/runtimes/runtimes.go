// Package runtimes is the one table of which minimal image runs what a
// toolchain image builds: golang → distroless static, python → its -slim
// variant, a JDK → the JRE of the same major version. The multi-stage fix
// reads it; configuration may replace it (Table is plain data).
package runtimes

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/harden-dev/harden/internal/images"
)

// Kinds of artifact, the keys of the table.
const (
	GoStatic = "go-static" // a Go binary built with CGO_ENABLED=0
	GoCgo    = "go-cgo"    // a Go binary linked against the builder's C library
	Rust     = "rust"      // a cargo release binary (dynamically linked to glibc, libgcc)
	Java     = "java"      // a jar run with java -jar
	Python   = "python"    // a virtualenv and the app's sources
	Node     = "node"      // the build output and production dependencies
)

// Rule maps builder images to the runtime image of one kind of artifact.
type Rule struct {
	Kind string
	// Builders are patterns over the builder's image name (images.Match:
	// '*' matches anything): "golang", "maven", "*/golang".
	Builders []string
	// Tag, when set, is the only builder tag the rule applies to (a
	// project's override for "golang:1.22").
	Tag string
	// Runtime is the runtime image reference, a template: {version} is the
	// builder tag's leading version ("3.11", "1.22", "" when the tag has
	// none), {codename} its Debian or Ubuntu release, {debian} the Debian
	// release as distroless names it ("debian12"), {java} the Java major
	// version, {variant} "-" + the OS variant of the tag when it names one
	// ("-bookworm", "-jammy", "-alpine"), else "". A template whose
	// placeholder the tag cannot fill gives no runtime.
	Runtime string
	// Alpine is the template for builder tags that name Alpine ("" when
	// there is none: the Debian package knowledge above does not apply).
	Alpine string
	// Shell is true when the runtime image has /bin/sh and coreutils.
	Shell bool
	// Tools are programs the runtime image has besides the artifact and the
	// shell ("python", "java", "curl").
	Tools []string
	// Packages are packages whose files the runtime image has, so a build
	// that installs them does not leave the runtime without them. "-dev"
	// packages stand for the libraries they link against.
	Packages []string
}

// Table is the runtime image table, first match wins.
type Table []Rule

// distrolessPackages: gcr.io/distroless/static ships CA certificates,
// tzdata and /etc/passwd; base and cc add glibc and OpenSSL.
var distrolessStatic = []string{"ca-certificates", "tzdata", "netbase"}
var distrolessBase = []string{"ca-certificates", "tzdata", "netbase", "libc6-dev", "libssl-dev", "openssl"}

// pythonSlim: what python:*-slim keeps (docker-library/python's slim
// Dockerfile: ca-certificates, netbase, tzdata, then the libraries its
// modules link against, found by ldd over /usr/local, out of the build
// dependencies listed there; tk is left out).
var pythonSlim = []string{
	"ca-certificates", "netbase", "tzdata",
	"libbz2-dev", "libc6-dev", "libdb-dev", "libffi-dev", "libgdbm-dev", "liblzma-dev",
	"libncursesw5-dev", "libncurses-dev", "libncurses5-dev", "libreadline-dev", "libsqlite3-dev",
	"libssl-dev", "uuid-dev", "zlib1g-dev",
}

// temurinJRE: adoptium/containers installs the same tools in the JRE as in
// the JDK images (curl, wget, gnupg, fontconfig, ca-certificates, p11-kit,
// tzdata, locales).
var temurinJRE = []string{"curl", "wget", "gnupg", "fontconfig", "ca-certificates", "p11-kit", "tzdata", "locales"}

// Default is harden's table.
func Default() Table {
	return Table{
		{Kind: GoStatic, Builders: []string{"golang", "*/golang"},
			Runtime: "gcr.io/distroless/static-debian12:nonroot", Packages: distrolessStatic},
		{Kind: GoCgo, Builders: []string{"golang", "*/golang"},
			Runtime: "gcr.io/distroless/base-{debian}:nonroot", Packages: distrolessBase},
		{Kind: Rust, Builders: []string{"rust", "*/rust"},
			Runtime: "gcr.io/distroless/cc-{debian}:nonroot", Packages: distrolessBase},
		{Kind: Java, Builders: []string{"eclipse-temurin", "maven", "gradle", "openjdk", "*/eclipse-temurin", "*/maven", "*/gradle"},
			Runtime: "eclipse-temurin:{java}-jre{variant}", Alpine: "eclipse-temurin:{java}-jre-alpine", Shell: true, Tools: append([]string{"java"}, temurinJRE...), Packages: temurinJRE},
		{Kind: Python, Builders: []string{"python", "*/python"},
			Runtime: "python:{version}-slim{variant}", Shell: true, Tools: []string{"python", "python3", "pip", "pip3"}, Packages: pythonSlim},
		{Kind: Node, Builders: []string{"node", "*/node"},
			Runtime: "node:{version}{variant}-slim", Alpine: "node:{version}-alpine", Shell: true, Tools: []string{"node", "nodejs", "npm", "npx", "yarn", "corepack"}},
	}
}

// Override is a project's runtime image for a builder: Builder is a
// repository ("golang", "registry.example.com/base/python") or a
// repository:tag, Runtime the image (a template, as Rule.Runtime) that
// what it builds runs on.
type Override struct{ Builder, Runtime string }

// With returns t with the overrides first. An override applies to every
// kind of artifact t knows for its builder, and its runtime is taken to
// offer what t's rule for that kind says (shell, tools, packages): the
// project vouches for its image.
func (t Table) With(overrides []Override) Table {
	if len(overrides) == 0 {
		return t
	}
	var out Table
	for _, o := range overrides {
		ref := images.ParseRef(o.Builder)
		for _, r := range t {
			for _, b := range r.Builders {
				if images.Match(b, ref.Name()) {
					or := r
					or.Builders, or.Tag, or.Runtime, or.Alpine = []string{ref.Name()}, ref.Tag, o.Runtime, o.Runtime
					out = append(out, or)
					break
				}
			}
		}
	}
	return append(out, t...)
}

// Lookup finds the rule for kind and builder (an image reference as
// written, variables allowed in its tag) and fills its template. It returns
// the rule, the runtime reference, and why there is none when there is not.
func (t Table) Lookup(kind, builder string) (Rule, string, error) {
	ref := images.ParseRef(builder)
	name := ref.Name()
	found := false
	for _, r := range t {
		if r.Kind != kind {
			continue
		}
		if r.Tag != "" && r.Tag != ref.Tag {
			continue
		}
		for _, b := range r.Builders {
			if !images.Match(b, name) {
				continue
			}
			found = true
			tmpl := r.Runtime
			t := ParseTag(ref.Tag)
			if t.Alpine && strings.ContainsAny(tmpl, "{") && (strings.Contains(tmpl, "{variant}") || strings.Contains(tmpl, "{codename}") || strings.Contains(tmpl, "{debian}")) {
				if tmpl = r.Alpine; tmpl == "" {
					return r, "", fmt.Errorf("%s: no runtime image is known for Alpine builders of this kind", builder)
				}
			}
			if t.Java == "" && (images.Match("*eclipse-temurin", name) || images.Match("*openjdk", name)) {
				t.Java, _, _ = strings.Cut(t.Version, ".")
			}
			img, err := fill(tmpl, t)
			if err != nil {
				return r, "", fmt.Errorf("%s: %v", builder, err)
			}
			return r, img, nil
		}
	}
	if !found {
		return Rule{}, "", fmt.Errorf("no runtime image is known for builder %s", builder)
	}
	return Rule{}, "", nil
}

// Has reports whether the rule's runtime has program prog.
func (r Rule) Has(prog string) bool {
	for _, t := range r.Tools {
		if t == prog {
			return true
		}
	}
	return false
}

// HasPackage reports whether the rule's runtime has the files of pkg.
func (r Rule) HasPackage(pkg string) bool {
	for _, p := range r.Packages {
		if p == pkg {
			return true
		}
	}
	return false
}

// Debian and Ubuntu releases a tag may name, with distroless's name of the
// Debian ones.
var releases = map[string]string{
	"buster": "debian10", "bullseye": "debian11", "bookworm": "debian12", "trixie": "debian13",
	"focal": "", "jammy": "", "noble": "",
}

var (
	versionRe = regexp.MustCompile(`^(\d+(\.\d+)*|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)`)
	javaRe    = regexp.MustCompile(`(?:^|[-_])(?:jdk|openjdk|temurin|java|eclipse-temurin|corretto)-?(\d+)`)
)

// TagInfo is what a builder tag says.
type TagInfo struct {
	Version  string // leading version ("3.11", "1.22", "${GO_VERSION}"), "" for none
	Codename string // "bookworm", "jammy"; "" for none
	Alpine   bool
	Java     string // Java major version, "" unknown
}

// ParseTag reads a builder image tag.
func ParseTag(tag string) TagInfo {
	var t TagInfo
	t.Version = versionRe.FindString(tag)
	for _, w := range strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if _, ok := releases[w]; ok {
			t.Codename = w
		}
		if strings.HasPrefix(w, "alpine") {
			t.Alpine = true
		}
	}
	if m := javaRe.FindStringSubmatch(tag); m != nil {
		t.Java = m[1]
	}
	return t
}

func fill(tmpl string, t TagInfo) (string, error) {
	var err error
	out := regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllStringFunc(tmpl, func(ph string) string {
		switch ph {
		case "{version}":
			return t.Version
		case "{codename}":
			if t.Codename == "" && err == nil {
				err = fmt.Errorf("the tag does not name the Debian release the build links against")
			}
			return t.Codename
		case "{debian}":
			d := releases[t.Codename]
			if d == "" && err == nil {
				err = fmt.Errorf("the tag does not name the Debian release the build links against (e.g. -bookworm)")
			}
			return d
		case "{java}":
			if t.Java == "" && err == nil {
				err = fmt.Errorf("the tag does not name the Java version")
			}
			return t.Java
		case "{variant}":
			switch {
			case t.Codename != "":
				return "-" + t.Codename
			}
			return ""
		}
		if err == nil {
			err = fmt.Errorf("unknown placeholder %s", ph)
		}
		return ph
	})
	if err != nil {
		return "", err
	}
	// "python:-slim" for a tag without a version: the bare variant tag.
	out = strings.Replace(out, ":-", ":", 1)
	return out, nil
}
