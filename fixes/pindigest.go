package fixes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	imageref "github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/transform"
)

// PinDigest pins every image reference of a Dockerfile to the digest its
// tag points to.
var PinDigest = &transform.Fix{
	Name:          "pin-digest",
	Summary:       "Pin every image reference to its digest",
	Also:          []string{"DL3006", "DL3007", "DS001"},
	Applicability: transform.Safe,
	Needs:         transform.NeedsNetwork,
	Check:         checkPinDigest,
	Example: `FROM golang:1.22 AS build
COPY . /src
RUN cd /src && CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
`,
	Doc: `What it does
  Adds the digest a tag points to after every image the Dockerfile names, and
  keeps the tag for readers (Renovate's form):
      FROM python:3.12-slim          →  FROM python:3.12-slim@sha256:…
      COPY --from=nginx:1.27 …       →  COPY --from=nginx:1.27@sha256:… …
      RUN --mount=from=golang:1.23,… →  RUN --mount=from=golang:1.23@sha256:…,…
      # syntax=docker/dockerfile:1   →  # syntax=docker/dockerfile:1@sha256:…
  FROM with or without --platform, COPY --from, RUN --mount=…,from= (also
  in ONBUILD triggers) and the # syntax= directive are read; stage names, scratch and numeric stage
  indexes are not images. The digest is the one the registry serves for the
  tag: the image index (manifest list) of a multi-platform image, so builds
  for every platform keep working.
  A reference without a tag, or tagged latest, also gets the most specific
  version tag that points to the same digest (FROM nginx → FROM
  nginx:1.27.3@sha256:…), found by listing the repository's tags and trying
  version-like tags newest first (at most 10 lookups); when none matches, latest
  is written out (nginx:latest@sha256:…).
  FROM ${BASE} with ARG BASE=python:3.12 before the first FROM pins the ARG's
  default, when BASE is used for images only; a reference built from
  variables in any other way, or from variables without a default, is
  reported and left alone.
  An image already pinned by digest is left alone; with --update-digests its
  tag is resolved again and the digest updated when the tag has moved. A pin
  to one platform's image of the tag's index stays on that platform: it is
  kept while the tag's index lists it, and moves to the same platform's
  image of the new index; when the old digest's platform cannot be told
  (offline, a lock file that does not describe it) it is reported instead.

How it resolves
  Registries are asked once per distinct reference in a run (HEAD, then GET
  when HEAD gives no digest), with the user's Docker credentials; --lock FILE
  records the answers and answers first; --offline answers from the lock file
  alone and reports references it does not hold. A reference that cannot be
  resolved (not found, unauthorized, timeout) is reported, the rest of the
  file is still fixed, and harden exits 2.

Why
  A tag is a moving pointer: the same Dockerfile builds a different image
  tomorrow, and a compromised or re-pushed tag changes what you run without a
  change in your repository. A digest names the exact content; the tag beside
  it says what it was, and tools such as Renovate update both.

What it will not do
  It does not choose a newer version, and it does not pin images named by
  build arguments that other instructions also read (changing the ARG's
  default would change them too).`,
}

// maxTagLookups bounds the tags tried when looking for the version tag of
// latest: candidates are tried newest version first.
const maxTagLookups = 10

// imageSite is one place a Dockerfile names an image.
type imageSite struct {
	line int
	what string          // "FROM", "COPY --from", "RUN --mount from", "# syntax"
	tok  transform.Token // the reference as written
	// env is what the reference's variables expand with; nil for the
	// syntax directive, which has none.
	env   transform.Env
	stage *transform.Stage // nil for the syntax directive
	from  bool             // a FROM line: an earlier stage's name is a stage
	// onbuild: an ONBUILD trigger's, which the build of an image FROM this
	// one runs: its variables and stage names are that build's.
	onbuild bool
}

// target is what an edit rewrites for a site: the reference token itself,
// or the default of the ARG it is read from.
type target struct {
	line   int
	tok    transform.Token
	arg    bool   // an ARG default: pinned once, however many sites read it
	quoted bool   // the ARG default is in double quotes
	ref    string // the reference (expanded, unquoted)
	desc   string // how messages name it
}

func checkPinDigest(pass *transform.Pass) {
	doc := pass.Doc
	sites := imageSites(doc)
	var targets []target
	argDone := map[transform.Span]bool{}
	for _, s := range sites {
		t, ok := pinTarget(pass, s)
		if !ok {
			continue
		}
		if t.arg {
			if argDone[t.tok.Span] {
				continue
			}
			argDone[t.tok.Span] = true
		}
		targets = append(targets, t)
	}
	prefetch(pass, targets)
	for _, t := range targets {
		pinOne(pass, t)
	}
}

// imageSites lists every place doc names an image, or what may be one.
func imageSites(doc *transform.Document) []imageSite {
	var out []imageSite
	if tok, ok := doc.Directive("syntax"); ok {
		line := doc.LineAt(tok.Start)
		// Only the image: "docker/dockerfile:1 arg…" keeps what follows.
		img, _, _ := strings.Cut(tok.Value, " ")
		tok.End = tok.Start + len(img)
		tok.Value = img
		out = append(out, imageSite{line: line, what: "# syntax", tok: tok})
	}
	for _, s := range doc.Stages {
		if in := doc.Inst(s.From); in != nil && len(in.Args) > 0 {
			out = append(out, imageSite{line: s.From.StartLine, what: "FROM", tok: in.Args[0],
				env: doc.MetaEnv(), stage: s, from: true})
		}
		env := doc.StageEnv(s, 0)
		for i, n := range s.Nodes {
			if i > 0 {
				doc.ApplyEnv(env, s.Parsed.Commands[i-1])
			}
			in := doc.Inst(n)
			if in == nil {
				continue
			}
			site := imageSite{line: n.StartLine, env: env, stage: s}
			if in.Name() == "ONBUILD" {
				if in.Sub == nil {
					continue
				}
				// The trigger runs in the build of an image FROM this
				// one: its variables and stage names are that build's.
				in, site.env, site.onbuild = in.Sub, nil, true
			}
			out = append(out, instImageSites(in, site)...)
		}
	}
	return out
}

// instImageSites lists the images a COPY or RUN instruction names, as
// sites like proto (whose env is copied for each).
func instImageSites(in *transform.Instruction, proto imageSite) []imageSite {
	prefix := ""
	if proto.onbuild {
		prefix = "ONBUILD "
	}
	var out []imageSite
	add := func(what string, tok transform.Token) {
		s := proto
		s.what, s.tok = prefix+what, tok
		if s.env != nil {
			s.env = cloneEnv(s.env) // env changes with the next instruction
		}
		out = append(out, s)
	}
	switch in.Name() {
	case "COPY":
		if f, ok := in.Flag("from"); ok && f.Eq {
			add("COPY --from", f.Value)
		}
	case "RUN":
		for _, f := range in.Flags {
			if !strings.EqualFold(f.Name.Value, "mount") {
				continue
			}
			for _, p := range f.Fields {
				if p.Eq && strings.EqualFold(p.Key.Value, "from") {
					add("RUN --mount from", p.Value)
				}
			}
		}
	}
	return out
}

func cloneEnv(e transform.Env) transform.Env {
	c := make(transform.Env, len(e))
	for k, v := range e {
		c[k] = v
	}
	return c
}

var wholeVarRE = regexp.MustCompile(`^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})$`)

// pinTarget decides what to do with a site: ok is false when it names no
// image, or when it was reported without an edit.
func pinTarget(pass *transform.Pass, s imageSite) (target, bool) {
	doc := pass.Doc
	raw := s.tok.Value
	if raw == "" {
		return target{}, false
	}
	if s.onbuild {
		return onbuildTarget(pass, s)
	}
	ref := raw
	if s.env != nil {
		var ok bool
		ref, ok = doc.Expand(raw, s.env)
		if !ok {
			pass.Reportf(s.line, "%s %s uses a variable with no default value: it cannot be pinned", s.what, raw)
			return target{}, false
		}
	}
	if notAnImage(doc, s, ref) {
		return target{}, false
	}
	t := target{line: s.line, tok: s.tok, ref: ref, desc: raw}
	if strings.Contains(raw, "$") {
		return argTarget(pass, s, ref)
	}
	if ref != raw || string(doc.Src[s.tok.Start:s.tok.End]) != raw {
		pass.Reportf(s.line, "%s %s is written across lines or quoted: pin it by hand", s.what, raw)
		return target{}, false
	}
	return t, true
}

// stageNameRE is what buildkit accepts as a stage name.
var stageNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]*$`)

// onbuildTarget decides for the image of an ONBUILD trigger. It runs in a
// build this file does not show: a variable expands there, a number or a
// plain name may be one of its stages. Only a reference that can be no
// stage (it has a tag, a digest or a path) is pinned.
func onbuildTarget(pass *transform.Pass, s imageSite) (target, bool) {
	raw := s.tok.Value
	switch {
	case strings.EqualFold(raw, "scratch"):
		return target{}, false
	case strings.Contains(raw, "$"):
		pass.Reportf(s.line, "%s %s uses a variable, which expands in the build of the image FROM this one: it cannot be pinned here", s.what, raw)
		return target{}, false
	case string(pass.Doc.Src[s.tok.Start:s.tok.End]) != raw:
		pass.Reportf(s.line, "%s %s is written across lines or quoted: pin it by hand", s.what, raw)
		return target{}, false
	}
	if _, err := strconv.Atoi(raw); err == nil {
		return target{}, false // a stage index of the downstream build
	}
	if stageNameRE.MatchString(raw) {
		pass.Reportf(s.line, "%s %s may name a stage of the build FROM this image as well as an image: if it is an image, pin it by hand", s.what, raw)
		return target{}, false
	}
	return target{line: s.line, tok: s.tok, ref: raw, desc: raw}, true
}

// notAnImage reports a stage name, a stage index or scratch.
func notAnImage(doc *transform.Document, s imageSite, ref string) bool {
	if strings.EqualFold(ref, "scratch") {
		return true
	}
	if s.stage == nil {
		return false
	}
	if s.from {
		return doc.StageByName(ref, s.stage.Index) != nil
	}
	if _, err := strconv.Atoi(ref); err == nil {
		return true // buildkit reads a number as a stage index
	}
	for _, st := range doc.Stages {
		if st.Parsed.Name != "" && strings.EqualFold(st.Parsed.Name, ref) {
			return true
		}
	}
	return false
}

// argTarget handles a reference read from a build argument: the whole
// reference must be one variable whose default, set before the first FROM,
// is used for images only; then that default is what gets pinned.
func argTarget(pass *transform.Pass, s imageSite, ref string) (target, bool) {
	doc := pass.Doc
	raw := s.tok.Value
	m := wholeVarRE.FindStringSubmatch(raw)
	if m == nil {
		pass.Reportf(s.line, "%s %s is built from build arguments: a digest would override them, so it is not pinned (pin the arguments' values by hand)", s.what, raw)
		return target{}, false
	}
	name := m[1] + m[2]
	if s.stage != nil && !s.from {
		// A default set inside the stage (or a stage it is built from)
		// wins over the one before the first FROM.
		for _, st := range doc.Chain(s.stage) {
			for _, c := range st.Parsed.Commands {
				if a, ok := c.(*instructions.ArgCommand); ok {
					for _, kv := range a.Args {
						if kv.Key == name && kv.Value != nil {
							pass.Reportf(s.line, "%s %s reads ARG %s, whose default is set inside a stage: pin that default by hand", s.what, raw, name)
							return target{}, false
						}
					}
				}
			}
		}
	}
	argNode, pair, ok := metaArgDefault(doc, name)
	if !ok {
		pass.Reportf(s.line, "%s %s: ARG %s has no default value before the first FROM to pin", s.what, raw, name)
		return target{}, false
	}
	if other := otherUse(doc, name); other > 0 {
		pass.Reportf(argNode.StartLine, "ARG %s names the image of %s on line %d but is also used on line %d: pinning its default would change that too, so it is not pinned", name, s.what, s.line, other)
		return target{}, false
	}
	val := pair.Value.Value
	if string(doc.Src[pair.Value.Start:pair.Value.End]) != val {
		pass.Reportf(argNode.StartLine, "ARG %s's default is written across lines: pin it by hand", name)
		return target{}, false
	}
	t := target{line: argNode.StartLine, tok: pair.Value, ref: val, desc: "ARG " + name + "=" + val, arg: true}
	if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
		t.quoted, t.ref = true, val[1:len(val)-1]
	}
	if t.ref != ref || strings.ContainsAny(t.ref, "$\\'\"`") {
		pass.Reportf(argNode.StartLine, "ARG %s's default %s is built from other variables or quoting: pin it by hand", name, val)
		return target{}, false
	}
	return t, true
}

// metaArgDefault finds the last ARG before the first FROM that gives name a
// default value.
func metaArgDefault(doc *transform.Document, name string) (*parser.Node, transform.Pair, bool) {
	var node *parser.Node
	var pair transform.Pair
	found := false
	for _, n := range doc.MetaArgs {
		in := doc.Inst(n)
		if in == nil {
			continue
		}
		for _, p := range in.Pairs {
			if p.Key.Value == name && p.Eq {
				node, pair, found = n, p, true
			}
		}
	}
	return node, pair, found
}

// otherUse returns the first line where the variable name is read other
// than as the image of FROM, COPY --from or a RUN mount, or 0.
func otherUse(doc *transform.Document, name string) int {
	for _, n := range doc.Instructions() {
		text := n.Original
		for _, h := range n.Heredocs {
			text += "\n" + h.Content
		}
		total := countVar(text, name)
		if total == 0 {
			continue
		}
		in := doc.Inst(n)
		if in == nil {
			return n.StartLine
		}
		images := 0
		switch in.Name() {
		case "FROM":
			if len(in.Args) > 0 {
				images += countVar(in.Args[0].Value, name)
			}
		case "COPY":
			if f, ok := in.Flag("from"); ok {
				images += countVar(f.Value.Value, name)
			}
		case "RUN":
			for _, f := range in.Flags {
				for _, p := range f.Fields {
					if strings.EqualFold(p.Key.Value, "from") {
						images += countVar(p.Value.Value, name)
					}
				}
			}
		}
		if total > images {
			return n.StartLine
		}
	}
	return 0
}

// countVar counts the references to variable name in text: $name and
// ${name…}.
func countVar(text, name string) int {
	n := 0
	for i := 0; i < len(text); i++ {
		if text[i] != '$' {
			continue
		}
		rest := text[i+1:]
		if strings.HasPrefix(rest, "{") && strings.HasPrefix(rest[1:], name) {
			if after := rest[1+len(name):]; after != "" && (after[0] == '}' || after[0] == ':') {
				n++
			}
			continue
		}
		if strings.HasPrefix(rest, name) {
			after := rest[len(name):]
			if after == "" || !isIdentByte(after[0]) {
				n++
			}
		}
	}
	return n
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// prefetch starts the lookups of every target at once, so that a file
// naming several images waits for the slowest, not for their sum. The
// resolver shares and remembers them; pinOne then reads the answers.
func prefetch(pass *transform.Pass, targets []target) {
	if len(targets) < 2 {
		return
	}
	var wg sync.WaitGroup
	for _, t := range targets {
		ir, err := imageref.ParseImage(t.ref)
		if err != nil || ir.Digest != "" {
			continue
		}
		wg.Go(func() { _, _ = pass.Resolver.Image(pass.Ctx, t.ref) })
	}
	wg.Wait()
}

// pinOne reports one reference with the edit that pins it.
func pinOne(pass *transform.Pass, t target) {
	ir, err := imageref.ParseImage(t.ref)
	if err != nil {
		pass.Reportf(t.line, "%s is not a valid image reference: it cannot be pinned", t.desc)
		return
	}
	if ir.Digest != "" {
		if pass.Update && ir.Tag != "" {
			updateOne(pass, t, ir)
		}
		return
	}
	img, err := pass.Resolver.Image(pass.Ctx, t.ref)
	if err != nil {
		lookupFailed(pass, t, err)
		return
	}
	name, _ := splitTag(t.ref)
	newRef := t.ref + "@" + img.Digest
	title := fmt.Sprintf("Pin %s to %s", t.ref, short(img.Digest))
	if ir.Tag == "latest" {
		if v, ok := versionTag(pass, ir.Repository, img.Digest); ok {
			newRef = name + ":" + v + "@" + img.Digest
			title = fmt.Sprintf("Pin %s to %s:%s@%s, the version its latest tag points to", t.ref, name, v, short(img.Digest))
		} else {
			newRef = name + ":latest@" + img.Digest
			title = fmt.Sprintf("Pin %s to latest@%s (no version tag points to the same digest)", t.ref, short(img.Digest))
		}
	}
	msg := fmt.Sprintf("%s is not pinned to a digest", t.desc)
	if ir.Tag == "latest" {
		msg = fmt.Sprintf("%s uses the latest tag and is not pinned to a digest", t.desc)
	}
	pass.Report(transform.Finding{Line: t.line, Message: msg, Title: title,
		Edits: []transform.Edit{t.tok.Replace(t.text(newRef))}})
}

// updateOne re-resolves the tag of a pinned reference (--update-digests)
// and updates the digest when the tag has moved. A pin to one platform's
// image of the tag's index stays on that platform: it is left alone while
// the tag's index still lists it, and moves to the image of the same
// platform in the tag's new index; when that cannot be told (the old
// digest is neither the tag's index nor a platform's image harden can
// read, or the new index has no image of that platform) it is reported
// without an edit.
func updateOne(pass *transform.Pass, t target, ir imageref.ImageRef) {
	tagged, old, _ := strings.Cut(t.ref, "@")
	img, err := pass.Resolver.Image(pass.Ctx, tagged)
	if err != nil {
		lookupFailed(pass, t, err)
		return
	}
	if img.Digest == old {
		return
	}
	desc := tagged
	if t.arg {
		desc = t.desc
	}
	moved := fmt.Sprintf("%s is pinned to %s, but tag %s now points to %s", desc, short(old), ir.Tag, short(img.Digest))
	update := func(digest, title string) {
		pass.Report(transform.Finding{Line: t.line, Message: moved, Title: title,
			Edits: []transform.Edit{t.tok.Replace(t.text(tagged + "@" + digest))}})
	}
	mr, ok := pass.Resolver.(transform.ManifestResolver)
	if !ok {
		pass.Reportf(t.line, "%s; whether %s is one platform's image cannot be told here: update it by hand", moved, short(old))
		return
	}
	name := ir.Repository
	cur, curErr := mr.Manifest(pass.Ctx, name+"@"+img.Digest)
	if curErr == nil {
		for _, d := range cur.Platforms {
			if d == old {
				return // one platform's image of the tag's current index
			}
		}
	}
	was, err := mr.Manifest(pass.Ctx, name+"@"+old)
	switch {
	case err != nil:
		pass.Reportf(t.line, "%s; whether %s is one platform's image or a whole index cannot be told (%v): update it by hand", moved, short(old), manifestErr(err))
		return
	case was.Platforms != nil:
		update(img.Digest, fmt.Sprintf("Update the digest of %s to %s", tagged, short(img.Digest)))
		return
	case was.Platform == "":
		pass.Reportf(t.line, "%s; %s is neither an index nor an image whose platform harden can read: update it by hand", moved, short(old))
		return
	}
	p := was.Platform
	switch {
	case curErr != nil:
		pass.Reportf(t.line, "%s; %s is the %s image, and the images of the new index cannot be listed (%v): update it by hand", moved, short(old), p, manifestErr(curErr))
	case cur.Platforms == nil && cur.Platform == p:
		update(img.Digest, fmt.Sprintf("Update the digest of %s to %s, its %s image", tagged, short(img.Digest), p))
	case cur.Platforms[p] != "":
		d := cur.Platforms[p]
		pass.Report(transform.Finding{Line: t.line,
			Message: fmt.Sprintf("%s is pinned to %s, its %s image, but tag %s now points to an index whose %s image is %s", desc, short(old), p, ir.Tag, p, short(d)),
			Title:   fmt.Sprintf("Update the digest of %s to %s, the %s image of its new index", tagged, short(d), p),
			Edits:   []transform.Edit{t.tok.Replace(t.text(tagged + "@" + d))}})
	default:
		pass.Reportf(t.line, "%s; %s is the %s image, and tag %s no longer has one image of that platform: update it by hand", moved, short(old), p, ir.Tag)
	}
}

// manifestErr says why a manifest could not be described.
func manifestErr(err error) string {
	if errors.Is(err, transform.ErrNotInLock) {
		return "the lock file does not describe it: run without --offline"
	}
	return err.Error()
}

// text is the new text of the target's token for reference ref.
func (t target) text(ref string) string {
	if t.quoted {
		return `"` + ref + `"`
	}
	return ref
}

// lookupFailed reports a reference the resolver could not answer. A key
// missing from the lock file offline is not a failure: the run is told to
// go online for it; anything else fails the run (Finding.Err).
func lookupFailed(pass *transform.Pass, t target, err error) {
	if errors.Is(err, transform.ErrNotInLock) {
		pass.Reportf(t.line, "%s is not pinned to a digest, and the lock file does not hold it: run without --offline to resolve it", t.desc)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	pass.Report(transform.Finding{Line: t.line, Message: fmt.Sprintf("%s cannot be pinned: %v", t.desc, err), Err: err})
}

// splitTag splits a reference without a digest into its name and its tag
// ("" when it has none); the registry's port is not a tag.
func splitTag(ref string) (name, tag string) {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i], ref[i+1:]
	}
	return ref, ""
}

func short(digest string) string {
	if algo, hex, ok := strings.Cut(digest, ":"); ok && len(hex) > 12 {
		return algo + ":" + hex[:12] + "…"
	}
	return digest
}

// versionRE is a version-like tag: 1, 1.27, v1.27.3, 2024.1.0.0. Each
// number has at most four digits, so that dates (20240801) are not taken
// for versions.
var versionRE = regexp.MustCompile(`^v?[0-9]{1,4}(\.[0-9]{1,4}){0,3}$`)

// versionTag finds the most specific version-like tag of repository that
// points to digest: the repository's version tags are tried newest version
// first, the more specific of equal versions first (1.27.3 before 1.27),
// at most maxTagLookups of them. Offline the tags and their digests come
// from the lock file, which holds every tag an online run tried, so the
// answer is the same.
func versionTag(pass *transform.Pass, repository, digest string) (string, bool) {
	tags, err := pass.Resolver.Tags(pass.Ctx, repository)
	if err != nil {
		return "", false
	}
	var cands []string
	for _, t := range tags {
		if versionRE.MatchString(t) {
			cands = append(cands, t)
		}
	}
	slices.SortFunc(cands, compareVersionsDesc)
	for i, c := range cands {
		if i == maxTagLookups {
			break
		}
		img, err := pass.Resolver.Image(pass.Ctx, repository+":"+c)
		if err == nil && img.Digest == digest {
			return c, true
		}
	}
	return "", false
}

// compareVersionsDesc orders version tags newest first; of equal numbers
// the longer (more specific) first; then without "v" first.
func compareVersionsDesc(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < min(len(pa), len(pb)); i++ {
		if c := cmp.Compare(pb[i], pa[i]); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(pb), len(pa)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

func versionParts(t string) []int {
	var out []int
	for _, p := range strings.Split(strings.TrimPrefix(t, "v"), ".") {
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out
}
