package fixes

import (
	"strings"

	"github.com/harden-dev/harden/transform"
)

// EnvKeyValue rewrites the legacy "ENV key value" form as "ENV key=value".
var EnvKeyValue = &transform.Fix{
	Name:          "env-key-value",
	Summary:       "Write ENV and LABEL as key=value",
	Also:          []string{"LegacyKeyValueFormat"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkEnvKeyValue,
	Example: `FROM alpine:3.20
ENV APP_HOME /srv/app
ENV GREETING hello world
`,
	Doc: `What it does
  Rewrites "ENV key value" (and "LABEL key value") as "ENV key=value",
  quoting the value in double quotes when it holds blanks.

Why
  The legacy form takes the rest of the line as one value, so
  "ENV A 1 B 2" sets A to "1 B 2"; buildkit warns about it
  (LegacyKeyValueFormat) and may drop it.

What it will not do
  It reports without an edit a value that holds quotes or backslashes
  (their meaning differs between the two forms) or continues over several
  lines.`,
}

func checkEnvKeyValue(pass *transform.Pass) {
	doc := pass.Doc
	for _, n := range doc.Instructions() {
		kw := strings.ToLower(n.Value)
		if kw != "env" && kw != "label" {
			continue
		}
		in := doc.Inst(n)
		if in == nil {
			continue
		}
		for _, p := range in.Pairs {
			if p.Eq {
				continue
			}
			f := transform.Finding{Line: n.StartLine, Message: strings.ToUpper(kw) + " " + p.Key.Value + " uses the legacy \"key value\" form"}
			v := p.Value.Value
			raw := string(doc.Src[p.Value.Start:p.Value.End])
			if v != "" && raw == v && !strings.ContainsAny(v, "\"'\\\n\r`") {
				if strings.ContainsAny(v, " \t") {
					v = `"` + v + `"`
				}
				sp := transform.Span{Start: p.Key.End, End: p.Value.End}
				if !noComment(doc, sp) {
					pass.Report(f)
					continue
				}
				f.Title, f.Edits = "Write "+p.Key.Value+"=…", []transform.Edit{sp.Replace("=" + v)}
			}
			pass.Report(f)
		}
	}
}
