package fixes

import (
	"path"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// WorkdirAbsolute makes a relative WORKDIR absolute.
var WorkdirAbsolute = &transform.Fix{
	Name:          "workdir-absolute",
	Summary:       "Write WORKDIR as an absolute path",
	Also:          []string{"DL3000", "WorkdirRelativePath"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkWorkdirAbsolute,
	Example: `FROM alpine:3.20
WORKDIR /srv
WORKDIR app
`,
	Doc: `What it does
  Replaces a relative WORKDIR with the absolute path it resolves to when an
  earlier WORKDIR of the stage (or of the stages it is built from) is
  absolute and no variable is involved: WORKDIR /srv then WORKDIR app gives
  WORKDIR /srv/app.

Why
  A relative WORKDIR depends on the one before it, which may be in another
  stage or in the base image: a later edit above it silently moves it.

What it will not do
  It reports, without an edit, a relative WORKDIR with no earlier WORKDIR
  (it depends on the base image's working directory, unknown to harden) or
  with variables, quotes or blanks.`,
}

func checkWorkdirAbsolute(pass *transform.Pass) {
	doc := pass.Doc
	for _, st := range doc.Stages {
		chain := doc.Chain(st)
		prev := ""
		if doc.Facts(st).Base == "scratch" {
			prev = "/" // scratch has no working directory of its own
		}
		for k := len(chain) - 1; k >= 0; k-- {
			for _, n := range chain[k].Nodes {
				if !strings.EqualFold(n.Value, "workdir") || n.Next == nil {
					continue
				}
				dir := n.Next.Value
				simple := !strings.ContainsAny(dir, "$\"' \t\\`")
				switch {
				case !simple:
					prev = ""
				case strings.HasPrefix(dir, "/"):
					prev = path.Clean(dir)
				default:
					abs := ""
					if prev != "" {
						abs = path.Join(prev, dir)
					}
					if k == 0 { // report in the stage that has it
						f := transform.Finding{Line: n.StartLine, Message: "WORKDIR " + dir + " is relative"}
						if in := doc.Inst(n); abs != "" && in != nil && len(in.Args) == 1 && in.Args[0].Value == dir && noComment(doc, in.Args[0].Span) {
							f.Title, f.Edits = "Write WORKDIR "+abs, []transform.Edit{in.Args[0].Span.Replace(abs)}
						}
						pass.Report(f)
					}
					prev = abs
				}
			}
		}
	}
}
