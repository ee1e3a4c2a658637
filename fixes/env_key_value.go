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
  as it is when it is one word (quotes and escapes kept: buildkit reads a
  legacy value and a key=value word with the same rules), in double quotes
  when it holds blanks and no quote or escape.

Why
  The legacy form takes the rest of the line as one value, so
  "ENV A 1 B 2" sets A to "1 B 2"; buildkit warns about it
  (LegacyKeyValueFormat) and may drop it.

What it will not do
  It reports without an edit a value that holds blanks outside quotes
  together with quotes or escapes, and one that continues over several
  lines (its leading blanks would change).`,
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
			v, ok := keyValueWord(string(doc.Src[p.Value.Start:p.Value.End]), p.Value.Value, doc.EscapeToken())
			if ok {
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

// keyValueWord is the legacy value raw (as written; value is buildkit's
// reading of it) as the word of a key=value pair that reads the same.
func keyValueWord(raw, value string, esc rune) (string, bool) {
	if value == "" || raw != value || strings.ContainsAny(raw, "\n\r") {
		return "", false
	}
	var quote rune
	escaped, blank, special := false, false, false
	for _, r := range raw {
		switch {
		case escaped:
			escaped = false
		case r == esc && quote != '\'':
			escaped, special = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote, special = r, true
		case r == ' ' || r == '\t':
			blank = true
		}
	}
	switch {
	case quote != 0 || escaped:
		return "", false
	case !blank:
		return raw, true
	case !special && !strings.ContainsRune(raw, '`'):
		return `"` + raw + `"`, true
	}
	return "", false
}
