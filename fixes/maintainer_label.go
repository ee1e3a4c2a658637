package fixes

import (
	"strings"

	"github.com/harden-dev/harden/transform"
)

// MaintainerLabel replaces the deprecated MAINTAINER with a LABEL.
var MaintainerLabel = &transform.Fix{
	Name:          "maintainer-label",
	Summary:       "Replace the deprecated MAINTAINER with an authors LABEL",
	Also:          []string{"DL4000", "MaintainerDeprecated"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkMaintainerLabel,
	Example: `FROM alpine:3.20
MAINTAINER Jane Doe <jane@example.com>
`,
	Doc: `What it does
  Replaces "MAINTAINER text" with
  LABEL org.opencontainers.image.authors="text", the label the OCI image
  spec defines for it, in the file's keyword casing; the text is quoted
  (", \ and $ escaped, as LABEL would otherwise expand variables).

Why
  MAINTAINER is deprecated (buildkit warns: MaintainerDeprecated) and only
  fills a field of the image config that nothing reads; the label is what
  registries and scanners show.

What it will not do
  It reports without an edit a MAINTAINER in a file whose escape character
  is not "\" when the text needs escaping, one whose stage already sets
  org.opencontainers.image.authors, and ONBUILD MAINTAINER.`,
}

func checkMaintainerLabel(pass *transform.Pass) {
	doc := pass.Doc
	for _, st := range doc.Stages {
		for _, n := range st.Nodes {
			if !strings.EqualFold(n.Value, "maintainer") {
				continue
			}
			f := transform.Finding{Line: n.StartLine, Message: "MAINTAINER is deprecated"}
			in := doc.Inst(n)
			if in != nil && len(in.Args) > 0 && !setsAuthors(doc, st) {
				text := strings.TrimSpace(in.Args[len(in.Args)-1].Value)
				if len(in.Args) == 1 && text != "" && (doc.EscapeToken() == '\\' || !strings.ContainsAny(text, "\"\\$")) {
					r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`)
					sp := transform.Span{Start: in.Keyword.Start, End: in.Args[0].End}
					if !noComment(doc, sp) {
						pass.Report(f)
						continue
					}
					f.Title = "Replace it with LABEL org.opencontainers.image.authors"
					f.Edits = []transform.Edit{sp.Replace(doc.Keyword("LABEL") + ` org.opencontainers.image.authors="` + r.Replace(text) + `"`)}
				}
			}
			pass.Report(f)
		}
	}
}

func setsAuthors(doc *transform.Document, st *transform.Stage) bool {
	for _, n := range st.Nodes {
		if in := doc.Inst(n); in != nil && strings.EqualFold(n.Value, "label") {
			for _, p := range in.Pairs {
				if strings.Trim(p.Key.Value, `"'`) == "org.opencontainers.image.authors" {
					return true
				}
			}
		}
	}
	return false
}
