package fixes

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/dfgitutil"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/harden-dev/harden/transform"
)

// AddChecksum adds --checksum to ADD instructions that download a URL.
var AddChecksum = &transform.Fix{
	Name:          "add-checksum",
	Summary:       "Pin the checksum of files ADD downloads",
	Applicability: transform.Safe,
	Needs:         transform.NeedsNetwork,
	Check:         checkAddChecksum,
	Example: `FROM alpine:3.20
ADD https://example.com/tool-1.2.tar.gz /opt/
`,
	Doc: `What it does
  Adds --checksum=sha256:<hex> to each ADD whose source is an http(s) URL
  (not a Git repository) and that has no --checksum yet:
    ADD --checksum=sha256:24454f83… https://example.com/tool-1.2.tar.gz /opt/
  BuildKit then fails the build when the URL serves anything else. The
  checksum is the sha256 of what the URL serves when harden runs (after
  redirects, as BuildKit follows them), fetched with a timeout and a size
  cap and recorded in the lock file's "urls"; --offline uses the lock file
  only. URLs with variables are resolved from the ARG and ENV defaults in
  scope, and the finding names the values the checksum is tied to.

Needs
  ADD --checksum is part of the stable Dockerfile syntax since 1.6
  (docker/dockerfile:1.6, June 2023; labs-only before). Without a
  "# syntax=" line the builder's built-in frontend must be that recent:
  Docker Engine 25 or later (BuildKit 0.12+), docker buildx with BuildKit
  0.12+, or buildah/podman 1.33+/4.8+ (older buildah refuses any ADD flag
  but --chown and --chmod). A "# syntax=docker/dockerfile:1" line (or 1.6
  and later) brings it to any BuildKit. When the file's syntax line pins an
  older or unknown frontend, harden reports instead of editing; without a
  syntax line the edit is unsafe (applied with --unsafe), since harden cannot
  tell which builder the file is for: buildah 1.28 (Debian 12's) was seen to
  refuse it.

Why
  ADD from a URL takes whatever the server sends at build time: a replaced
  release, a compromised mirror or a plain-HTTP download (ADD http://…) can
  change the image silently.

What can break
  A URL that serves different bytes over time (a "latest" link, a page that
  changes) fails the build once it changes: point ADD at a versioned file.
  A --build-arg that changes the URL fails the check (the edit is unsafe
  then, and names the ARG).
  Opt out with "# harden:ignore=add-checksum" above the ADD.

What it will not do
  It leaves alone ADD with several sources (BuildKit refuses --checksum
  there), Git sources (their checksum is a commit, not a file hash), local
  files, ONBUILD ADD, and URLs whose variables have no default or differ by
  platform; those are reported.`,
}

func checkAddChecksum(pass *transform.Pass) {
	d := pass.Doc
	old := oldSyntax(d.Src)
	for _, st := range d.Stages {
		for i, n := range st.Nodes {
			if !strings.EqualFold(n.Value, "add") {
				continue // ONBUILD ADD included: its variables are the child build's
			}
			c, ok := st.Parsed.Commands[i].(*instructions.AddCommand)
			if !ok {
				continue
			}
			checkAdd(pass, n, c, old)
		}
	}
}

func checkAdd(pass *transform.Pass, n *parser.Node, c *instructions.AddCommand, old string) {
	d := pass.Doc
	in := d.Inst(n)
	if in == nil || c.Checksum != "" {
		return
	}
	if _, has := in.Flag("checksum"); has {
		return
	}
	var remote []string
	for _, src := range c.SourcePaths {
		if isHTTPURL(src) && !isGitSource(src) {
			remote = append(remote, src)
		}
	}
	if len(remote) == 0 {
		return
	}
	what := "ADD downloads " + remote[0] + " without a checksum"
	fail := func(format string, args ...any) {
		pass.Reportf(n.StartLine, "%s; not fixed: %s", what, fmt.Sprintf(format, args...))
	}
	if len(c.SourcePaths) > 1 {
		what = "ADD downloads " + strings.Join(remote, ", ") + " without a checksum"
		fail("BuildKit allows --checksum only on an ADD with one source: split it into one ADD per URL")
		return
	}
	if old != "" {
		fail("the file's %s, which predates ADD --checksum (Dockerfile syntax 1.6)", old)
		return
	}
	sc := scopeAt(d, n)
	u, err := sc.dockerfileURL(d, remote[0])
	if err != nil {
		fail("the URL %s", err)
		return
	}
	what = "ADD downloads " + u.URL + " without a checksum"
	sum, why := checksum(pass, u.URL)
	if why != "" {
		fail("%s", why)
		return
	}
	edit, ok := in.AddFlag("--checksum=sha256:" + sum)
	if !ok {
		fail("harden cannot add a flag to this ADD")
		return
	}
	f := transform.Finding{
		Line:    n.StartLine,
		Message: what,
		Title:   fmt.Sprintf("Add --checksum=sha256:%s…", sum[:12]),
		Edits:   []transform.Edit{edit},
	}
	var unsure []string
	if !u.Overridable {
		f.Message += u.note()
	} else {
		unsure = append(unsure, u.overrideRisk())
	}
	if !declaresSyntax(d.Src) {
		unsure = append(unsure, "check that every builder of this file supports ADD --checksum (Dockerfile syntax 1.6: Docker Engine 25+, BuildKit 0.12+, buildah/podman 1.33+; the legacy builder, kaniko and older buildah refuse it), or add \"# syntax=docker/dockerfile:1\" as the first line")
	}
	if len(unsure) > 0 {
		f.Applicability = transform.Unsafe
		f.Message += "; " + strings.Join(unsure, "; ")
	}
	pass.Report(f)
}

func isHTTPURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// isGitSource reports a source BuildKit clones with Git, as its ADD does.
func isGitSource(src string) bool {
	ref, isGit, err := dfgitutil.ParseGitRef(src)
	if err != nil {
		return isGit
	}
	return !ref.IndistinguishableFromLocal
}

// declaresSyntax reports a `# syntax=` directive naming docker/dockerfile
// recent enough for ADD --checksum: the author builds with BuildKit and
// that frontend.
func declaresSyntax(src []byte) bool {
	ref, _, _, ok := parser.DetectSyntax(src)
	return ok && ref != "" && oldSyntax(src) == ""
}

// oldSyntax describes the file's `# syntax=` directive when it names a
// frontend that may lack ADD --checksum: docker/dockerfile (or
// dockerfile-upstream) older than 1.6, or another frontend. "" when there
// is no directive or it is recent enough.
func oldSyntax(src []byte) string {
	ref, _, _, ok := parser.DetectSyntax(src)
	if !ok || ref == "" {
		return ""
	}
	name, _, _ := strings.Cut(ref, "@")
	tag := "latest"
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
	}
	name = strings.TrimPrefix(strings.TrimPrefix(name, "docker.io/"), "index.docker.io/")
	if name != "docker/dockerfile" && name != "docker/dockerfile-upstream" {
		return "syntax directive names another frontend (" + ref + ") that harden cannot vouch for"
	}
	ver, _, _ := strings.Cut(tag, "-") // 1.5-labs, 1.6.0-rc1
	parts := strings.Split(ver, ".")
	switch {
	case tag == "latest" || tag == "labs" || tag == "master" || tag == "experimental":
		return ""
	case len(parts) == 0:
		return "syntax directive pins " + ref
	}
	major, err := strconv.Atoi(parts[0])
	if err != nil {
		return "syntax directive pins " + ref
	}
	if major < 1 {
		return "syntax directive pins " + ref
	}
	if major > 1 || len(parts) == 1 {
		return "" // docker/dockerfile:1 follows the latest 1.x
	}
	minor, err := strconv.Atoi(parts[1])
	if err != nil || minor < 6 {
		return "syntax directive pins " + ref
	}
	return ""
}
