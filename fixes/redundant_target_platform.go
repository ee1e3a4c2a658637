package fixes

import (
	"github.com/harden-dev/harden/transform"
)

// RedundantTargetPlatform drops FROM --platform=$TARGETPLATFORM.
var RedundantTargetPlatform = &transform.Fix{
	Name:          "redundant-target-platform",
	Summary:       "Drop the redundant FROM --platform=$TARGETPLATFORM",
	Also:          []string{"RedundantTargetPlatform", "DL3065"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkRedundantTargetPlatform,
	Example: `FROM --platform=$TARGETPLATFORM alpine:3.20
`,
	Doc: `What it does
  Removes the --platform flag of a FROM when its value is $TARGETPLATFORM
  or ${TARGETPLATFORM}.

Why
  A stage is built for the target platform by default: the flag says
  nothing, and buildkit warns about it (RedundantTargetPlatform).

What it will not do
  It keeps every other --platform value ($BUILDPLATFORM, linux/amd64, an
  ARG of another name): those change what is built.`,
}

func checkRedundantTargetPlatform(pass *transform.Pass) {
	fromPlatforms(pass.Doc, func(st *transform.Stage, in *transform.Instruction, f transform.Flag) {
		if f.Value.Value != "$TARGETPLATFORM" && f.Value.Value != "${TARGETPLATFORM}" {
			return
		}
		fd := transform.Finding{Line: st.From.StartLine, Message: "--platform=" + f.Value.Value + " is the default"}
		if e, ok := in.RemoveFlag(f); ok {
			fd.Title, fd.Edits = "Remove --platform", []transform.Edit{e}
		}
		pass.Report(fd)
	})
}

// fromPlatforms calls fn for every stage whose FROM has a --platform flag.
func fromPlatforms(doc *transform.Document, fn func(st *transform.Stage, in *transform.Instruction, f transform.Flag)) {
	for _, st := range doc.Stages {
		in := doc.Inst(st.From)
		if in == nil {
			continue
		}
		if f, ok := in.Flag("platform"); ok {
			fn(st, in, f)
		}
	}
}
