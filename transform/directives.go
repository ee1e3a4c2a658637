package transform

import (
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// directiveRE is buildkit's reading of a parser directive line, after the
// comment character: `key = value`, the value trimmed.
var directiveRE = regexp.MustCompile(`^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`)

// Directive returns the value of a parser directive at the top of the file
// ("syntax", "escape", "check"), found the way buildkit finds it (a
// leading BOM and a #! line are skipped): a token whose span holds the
// value as written, without the spaces around it. ok is false when the
// file has no such directive.
func (d *Document) Directive(key string) (Token, bool) {
	_, _, loc, ok := parser.ParseDirective(key, d.Src)
	if !ok || len(loc) == 0 {
		return Token{}, false
	}
	line := loc[0].Start.Line
	if line < 1 || line > d.LineCount() {
		return Token{}, false
	}
	start := d.LineStart(line)
	text := strings.TrimSuffix(d.Line(line), "\r")
	if line == 1 && strings.HasPrefix(text, "\uFEFF") {
		start += len("\uFEFF")
		text = text[len("\uFEFF"):]
	}
	m := directiveRE.FindStringSubmatchIndex(text)
	if m == nil || !strings.EqualFold(text[m[2]:m[3]], key) {
		return Token{}, false
	}
	return Token{Span: Span{start + m[4], start + m[5]}, Value: text[m[4]:m[5]]}, true
}
