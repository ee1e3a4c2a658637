package transform

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Span is a byte range [Start, End) of Document.Src.
type Span struct{ Start, End int }

// Len is the number of bytes in the span.
func (s Span) Len() int { return s.End - s.Start }

// Replace returns an edit that replaces the span's bytes with text.
func (s Span) Replace(text string) Edit { return Edit{Start: s.Start, End: s.End, New: text} }

// Token is one token of an instruction: where it is in the file and its
// value as buildkit reads it. A token that crosses a line continuation spans
// the escape, the line break and any comment lines buildkit drops there.
type Token struct {
	Span
	// Value is the token as buildkit's parser holds it: flags and JSON
	// strings unquoted and unescaped, shell-form and ENV/LABEL/ARG text
	// raw (buildkit expands and unquotes those later, per instruction).
	Value string
}

// Flag is one `--name[=value]` flag of an instruction.
type Flag struct {
	Span        // the whole flag, from "--" to the end of its value
	Name  Token // without the leading "--"
	Value Token // after the first '='; an empty span after Name when there is none
	Eq    bool  // the flag has '='
	// Fields are the comma-separated key=value fields of a --mount flag.
	Fields []Pair
}

// Pair is a key with an optional value: an ENV, LABEL or ARG definition or
// a --mount field.
type Pair struct {
	Span
	Key, Value Token
	// Eq reports the `key=value` form. Without it, Value is the value of
	// the legacy `ENV key value` form, or empty (an ARG or mount field
	// without '='; Value's span is then empty, right after Key).
	Eq bool
}

// Heredoc is the body of one heredoc of a RUN, COPY or ADD instruction.
type Heredoc struct {
	Name       string
	Body       Span // the body lines, line endings included
	Terminator Span // the terminator line without its line ending
}

// Instruction is an instruction with the position of each of its tokens.
// Build it with Document.Inst.
type Instruction struct {
	Node    *parser.Node
	Keyword Token
	Flags   []Flag
	// Args are the arguments after the flags, split as buildkit's parser
	// splits them: FROM's image, AS and name; each source and the
	// destination of COPY/ADD; EXPOSE's ports; HEALTHCHECK's type (CMD or
	// NONE) followed by its command; one token holding the whole text of a
	// shell-form RUN, CMD, ENTRYPOINT, or of USER, WORKDIR, MAINTAINER and
	// STOPSIGNAL; one token per element of a JSON (exec) form, its span
	// holding the quotes. ENV, LABEL and ARG put their words in Pairs.
	Args  []Token
	Pairs []Pair
	// JSON reports the exec form: the command Args are JSON strings.
	JSON bool
	// Heredocs are the heredoc bodies attached to the instruction.
	Heredocs []Heredoc
	// Sub is the instruction an ONBUILD triggers (nil otherwise).
	Sub *Instruction

	doc      *Document
	lm       lineMap
	line     string // the logical line, Node.Original
	lastLine int    // last line of the logical line (before heredoc bodies)
	argStart int    // offset in line where the arguments begin
	argEnd   int
}

// Name is the instruction keyword in upper case.
func (in *Instruction) Name() string { return strings.ToUpper(in.Node.Value) }

// Flag returns the first flag called name (without "--"), ignoring case.
func (in *Instruction) Flag(name string) (Flag, bool) {
	for _, f := range in.Flags {
		if strings.EqualFold(f.Name.Value, name) {
			return f, true
		}
	}
	return Flag{}, false
}

// Inst returns the token spans of instruction n, a top-level instruction of
// d, computing them on first use. It returns nil when n is not one of d's
// instructions or when its bytes cannot be matched to buildkit's reading of
// them (which would be a bug). Documents are not safe for concurrent use.
func (d *Document) Inst(n *parser.Node) *Instruction {
	return memoize(&d.insts, n, d.buildInst)
}

func (d *Document) buildInst(n *parser.Node) *Instruction {
	if n == nil || n.StartLine < 1 || n.EndLine > d.LineCount() {
		return nil
	}
	lm, last, ok := d.logicalLine(n)
	if !ok {
		return nil
	}
	in := &Instruction{Node: n, doc: d, lm: lm, line: n.Original, lastLine: last}
	if !in.tokenize(n, 0) {
		return nil
	}
	if !in.heredocs(n) {
		return nil
	}
	return in
}

// seg maps a piece of a logical (joined) text to the file: the text from
// offset log up to the next seg's log is at file offset file onward.
type seg struct{ log, file int }

// lineMap maps offsets of a joined text (the logical line of an
// instruction, or a shell source) back to file offsets.
type lineMap []seg

// at is the file offset of text offset p (p < length of the text).
func (m lineMap) at(p int) int {
	i := sort.Search(len(m), func(i int) bool { return m[i].log > p }) - 1
	if i < 0 {
		i = 0
	}
	return m[i].file + p - m[i].log
}

// span maps text offsets [a, b) to the file. An empty range maps to the
// point right after text offset a-1.
func (m lineMap) span(a, b int) Span {
	if len(m) == 0 {
		return Span{}
	}
	if a >= b {
		if a == 0 {
			p := m.at(0)
			return Span{p, p}
		}
		p := m.at(a-1) + 1
		return Span{p, p}
	}
	return Span{m.at(a), m.at(b-1) + 1}
}

// slice returns the map of text offsets [a, b) as a map of its own.
func (m lineMap) slice(a, b int) lineMap {
	var out lineMap
	for i, s := range m {
		end := b
		if i+1 < len(m) && m[i+1].log < end {
			end = m[i+1].log
		}
		start := max(s.log, a)
		if start >= end {
			continue
		}
		out = append(out, seg{log: start - a, file: s.file + start - s.log})
	}
	return out
}

// logicalLine rebuilds how buildkit's parser joins the lines of n into
// n.Original, and returns the map from Original's offsets to the file and
// the last line it used. ok is false if the bytes do not match Original.
func (d *Document) logicalLine(n *parser.Node) (lineMap, int, bool) {
	orig := n.Original
	esc := byte(d.EscapeToken())
	var lm lineMap
	pos := 0
	last := n.StartLine
	for l := n.StartLine; l <= n.EndLine; l++ {
		start := d.LineStart(l)
		raw := d.Src[start:d.LineEnd(l)]
		first := l == n.StartLine
		if first && l == 1 && bytes.HasPrefix(raw, bom) {
			raw, start = raw[len(bom):], start+len(bom)
		}
		if !first && isCommentLine(raw) {
			continue
		}
		text := bytes.TrimRight(raw, "\r\n")
		if first {
			trimmed := bytes.TrimLeftFunc(text, unicode.IsSpace)
			start += len(text) - len(trimmed)
			text = trimmed
		} else if len(bytes.TrimLeftFunc(text, unicode.IsSpace)) == 0 {
			continue
		}
		text, end := trimContinuation(text, esc)
		if len(text) > 0 {
			if pos+len(text) > len(orig) || orig[pos:pos+len(text)] != string(text) {
				return nil, 0, false
			}
			lm = append(lm, seg{log: pos, file: start})
			pos += len(text)
		}
		last = l
		if end {
			break
		}
	}
	if pos != len(orig) || len(lm) == 0 {
		return nil, 0, false
	}
	return lm, last, true
}

var bom = []byte("\uFEFF")

// isCommentLine mirrors buildkit's isComment: the first non-space is '#'.
func isCommentLine(line []byte) bool {
	line = bytes.TrimLeftFunc(line, unicode.IsSpace)
	return len(line) > 0 && line[0] == '#'
}

// trimContinuation mirrors buildkit's line-continuation regexp: an escape
// as the last non-blank ([ \t]) character, not itself escaped, continues
// the line; it is removed with the blanks after it. end reports a line that
// does not continue.
func trimContinuation(line []byte, esc byte) (_ []byte, end bool) {
	t := bytes.TrimRight(line, " \t")
	if len(t) == 0 || t[len(t)-1] != esc {
		return line, true
	}
	if len(t) >= 2 && t[len(t)-2] == esc {
		return line, true
	}
	return t[:len(t)-1], false
}

// isSpaceASCII is buildkit's reWhitespace class [\t\v\f\r ].
func isSpaceASCII(c byte) bool {
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'
}

// trimSpace returns the bounds of strings.TrimSpace(s[a:b]) in s.
func trimSpace(s string, a, b int) (int, int) {
	t := strings.TrimLeftFunc(s[a:b], unicode.IsSpace)
	a = b - len(t)
	t = strings.TrimRightFunc(t, unicode.IsSpace)
	return a, a + len(t)
}

func (in *Instruction) tok(a, b int) Token {
	return Token{Span: in.lm.span(a, b), Value: in.line[a:b]}
}

// wordTok is tok for a word read rune by rune, as buildkit's parseWords
// does: each invalid UTF-8 byte becomes U+FFFD.
func (in *Instruction) wordTok(a, b int) Token {
	t := in.tok(a, b)
	t.Value = runeWise(t.Value)
	return t
}

// runeWise replaces each invalid UTF-8 byte of s with U+FFFD.
func runeWise(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// tokenize reads the logical line from offset base as buildkit's
// splitCommand and its per-instruction line parsers do; n is the node they
// produced (the ONBUILD child for a trigger).
func (in *Instruction) tokenize(n *parser.Node, base int) bool {
	line := in.line
	t0, t1 := trimSpace(line, base, len(line))
	i := t0
	for i < t1 && !isSpaceASCII(line[i]) {
		i++
	}
	in.Keyword = in.tok(t0, i)
	if !strings.EqualFold(in.Keyword.Value, n.Value) {
		return false
	}
	argStart, argEnd := t1, t1
	if i < t1 {
		j := i
		for j < t1 && isSpaceASCII(line[j]) {
			j++
		}
		rest := in.flags(j, t1)
		argStart, argEnd = trimSpace(line, rest, t1)
	}
	in.argStart, in.argEnd = argStart, argEnd
	if len(in.Flags) != len(n.Flags) {
		return false
	}
	for k, f := range in.Flags {
		if f.Eq {
			if "--"+f.Name.Value+"="+f.Value.Value != n.Flags[k] {
				return false
			}
		} else if "--"+f.Name.Value != n.Flags[k] {
			return false
		}
	}
	a, b := argStart, argEnd
	switch strings.ToLower(n.Value) {
	case "add", "copy", "volume":
		if n.Attributes["json"] {
			return in.jsonArgs(a, b)
		}
		in.fields(a, b)
	case "cmd", "entrypoint", "run", "shell":
		if n.Attributes["json"] {
			return in.jsonArgs(a, b)
		}
		if a < b {
			in.Args = append(in.Args, in.tok(a, b))
		}
	case "expose", "from":
		in.fields(a, b)
	case "maintainer", "stopsignal", "user", "workdir":
		if a < b {
			in.Args = append(in.Args, in.tok(a, b))
		}
	case "healthcheck":
		sep := a
		for sep < b && !unicode.IsSpace(rune(line[sep])) {
			sep++
		}
		if sep == a {
			return true
		}
		in.Args = append(in.Args, in.tok(a, sep))
		next := sep
		for next < b && unicode.IsSpace(rune(line[next])) {
			next++
		}
		if n.Attributes["json"] {
			return in.jsonArgs(next, b)
		}
		if next < b {
			in.Args = append(in.Args, in.tok(next, b))
		}
	case "env", "label":
		return in.nameVal(a, b)
	case "arg":
		for _, w := range in.words(a, b) {
			key, val := w[1], w[1]
			eq := strings.IndexByte(line[w[0]:w[1]], '=')
			hasEq := eq >= 0
			if hasEq {
				key, val = w[0]+eq, w[0]+eq+1
			}
			in.Pairs = append(in.Pairs, Pair{Span: in.lm.span(w[0], w[1]), Key: in.wordTok(w[0], key), Value: in.wordTok(val, w[1]), Eq: hasEq})
		}
	case "onbuild":
		if n.Next == nil || len(n.Next.Children) != 1 {
			return a == b
		}
		sub := &Instruction{Node: n.Next.Children[0], doc: in.doc, lm: in.lm, line: line, lastLine: in.lastLine}
		if !sub.tokenize(sub.Node, a) {
			return false
		}
		in.Sub = sub
	}
	return true
}

// flags mirrors buildkit's extractBuilderFlags over line[a:b]: it records
// each leading --flag and returns the offset where the arguments start.
func (in *Instruction) flags(a, b int) int {
	line := in.line
	esc := byte(in.doc.EscapeToken())
	var word []byte
	var posOf []int // line offset of each byte of word
	var rb [utf8.UTFMax]byte
	pos := a
	for pos < b {
		c := line[pos]
		if unicode.IsSpace(rune(c)) {
			pos++
			continue
		}
		if c != '-' || pos+1 == b || line[pos+1] != '-' {
			return pos
		}
		start := pos
		word, posOf = word[:0], posOf[:0]
		var quote byte
		for pos < b {
			c = line[pos]
			if quote == 0 {
				if unicode.IsSpace(rune(c)) {
					break
				}
				if c == '\'' || c == '"' {
					quote = c
					pos++
					continue
				}
			} else if c == quote {
				quote = 0
				pos++
				continue
			}
			if c == esc {
				if pos+1 == b {
					if quote != 0 {
						quote = 0
					}
					pos++
					continue
				}
				pos++
				c = line[pos]
			}
			n := utf8.EncodeRune(rb[:], rune(c)) // buildkit writes each byte as a rune
			for k := range n {
				word = append(word, rb[k])
				posOf = append(posOf, pos)
			}
			pos++
		}
		if string(word) == "--" {
			if quote == 0 && pos < b {
				return pos // "--" ends the flags
			}
			continue // a lone "--" at the end is dropped
		}
		in.Flags = append(in.Flags, in.flag(word, posOf, start, pos))
	}
	return pos
}

// flag builds a Flag from its unquoted word and the line offset of each of
// its bytes; [start, end) is the raw word.
func (in *Instruction) flag(word []byte, posOf []int, start, end int) Flag {
	f := Flag{Span: in.lm.span(start, end)}
	eq := bytes.IndexByte(word, '=')
	if eq < 0 {
		f.Name = Token{Span: in.lm.span(start+2, end), Value: string(word[2:])}
		f.Value = Token{Span: in.lm.span(end, end)}
		return f
	}
	rawEq := posOf[eq]
	f.Eq = true
	f.Name = Token{Span: in.lm.span(start+2, rawEq), Value: string(word[2:eq])}
	f.Value = Token{Span: in.lm.span(rawEq+1, end), Value: string(word[eq+1:])}
	if strings.EqualFold(f.Name.Value, "mount") {
		f.Fields = in.mountFields(word[eq+1:], posOf[eq+1:], end)
	}
	return f
}

// mountFields splits a --mount value as CSV (the way buildkit reads it) into
// key=value fields; posOf gives the line offset of each byte of val and end
// the line offset just past the flag.
func (in *Instruction) mountFields(val []byte, posOf []int, end int) []Pair {
	rawEnd := func(k int) int { // line offset just past val[k-1]
		if k == len(val) {
			return end
		}
		return posOf[k]
	}
	var out []Pair
	for k := 0; k <= len(val); {
		a := k
		var dec strings.Builder
		if k < len(val) && val[k] == '"' {
			k++
			for k < len(val) {
				if val[k] == '"' {
					if k+1 < len(val) && val[k+1] == '"' {
						dec.WriteByte('"')
						k += 2
						continue
					}
					k++
					break
				}
				dec.WriteByte(val[k])
				k++
			}
			for k < len(val) && val[k] != ',' { // text after the closing quote
				dec.WriteByte(val[k])
				k++
			}
		} else {
			for k < len(val) && val[k] != ',' {
				k++
			}
			dec.Write(val[a:k])
		}
		field := dec.String()
		{
			p := Pair{Span: in.lm.span(rawStart(posOf, a, end), rawEnd(k))}
			key, value, ok := strings.Cut(field, "=")
			p.Eq = ok
			e := bytes.IndexByte(val[a:k], '=')
			if ok && e >= 0 {
				p.Key = Token{Span: in.lm.span(rawStart(posOf, a, end), posOf[a+e]), Value: key}
				p.Value = Token{Span: in.lm.span(posOf[a+e]+1, rawEnd(k)), Value: value}
			} else {
				p.Key = Token{Span: p.Span, Value: key}
				p.Value = Token{Span: Span{p.End, p.End}, Value: value}
			}
			out = append(out, p)
		}
		if k >= len(val) {
			break
		}
		k++ // the comma
	}
	return out
}

func rawStart(posOf []int, k, end int) int {
	if k < len(posOf) {
		return posOf[k]
	}
	return end
}

// fields splits line[a:b] at runs of [\t\v\f\r ], as buildkit's
// parseStringsWhitespaceDelimited does.
func (in *Instruction) fields(a, b int) {
	line := in.line
	for a < b {
		e := a
		for e < b && !isSpaceASCII(line[e]) {
			e++
		}
		in.Args = append(in.Args, in.tok(a, e))
		for e < b && isSpaceASCII(line[e]) {
			e++
		}
		a = e
	}
}

// words mirrors buildkit's parseWords over line[a:b] and returns each word's
// bounds. Words keep their quotes and escapes; an escape that ends the text
// is dropped.
func (in *Instruction) words(a, b int) [][2]int {
	line := in.line
	esc := rune(in.doc.EscapeToken())
	var out [][2]int
	const (
		inSpaces = iota
		inWord
		inQuote
	)
	phase, start, end := inSpaces, 0, 0
	var quote rune
	for pos := a; pos < b; {
		ch, w := utf8.DecodeRuneInString(line[pos:b])
		switch phase {
		case inSpaces:
			if unicode.IsSpace(ch) {
				pos += w
				continue
			}
			phase, start, end = inWord, pos, pos
			continue
		case inWord:
			if unicode.IsSpace(ch) {
				phase = inSpaces
				if end > start {
					out = append(out, [2]int{start, end})
				}
				pos += w
				continue
			}
			if ch == '\'' || ch == '"' {
				quote, phase = ch, inQuote
			}
			if ch == esc {
				if pos+w == b {
					pos += w
					continue
				}
				pos += w
				_, w = utf8.DecodeRuneInString(line[pos:b])
			}
			pos += w
			end = pos
		case inQuote:
			if ch == quote {
				phase = inWord
			}
			if ch == esc && quote != '\'' {
				if pos+w == b {
					phase = inWord
					pos += w
					continue
				}
				pos += w
				_, w = utf8.DecodeRuneInString(line[pos:b])
			}
			pos += w
			end = pos
		}
	}
	if phase != inSpaces && end > start {
		out = append(out, [2]int{start, end})
	}
	return out
}

// nameVal reads ENV and LABEL: `k=v ...` pairs, or the legacy `k v` form.
func (in *Instruction) nameVal(a, b int) bool {
	line := in.line
	ws := in.words(a, b)
	if len(ws) == 0 {
		return true
	}
	if !strings.Contains(line[ws[0][0]:ws[0][1]], "=") {
		k := a
		for k < b && !isSpaceASCII(line[k]) {
			k++
		}
		v := k
		for v < b && isSpaceASCII(line[v]) {
			v++
		}
		if v == k {
			return false
		}
		in.Pairs = append(in.Pairs, Pair{Span: in.lm.span(a, b), Key: in.tok(a, k), Value: in.tok(v, b)})
		return true
	}
	for _, w := range ws {
		eq := strings.IndexByte(line[w[0]:w[1]], '=')
		if eq < 0 {
			return false
		}
		eq += w[0]
		in.Pairs = append(in.Pairs, Pair{Span: in.lm.span(w[0], w[1]), Key: in.wordTok(w[0], eq), Value: in.wordTok(eq+1, w[1]), Eq: true})
	}
	return true
}

// jsonArgs reads a JSON array of strings in line[a:b] (buildkit has already
// accepted it) into one token per element.
func (in *Instruction) jsonArgs(a, b int) bool {
	in.JSON = true
	line := in.line
	skip := func(p int) int {
		for p < b && (line[p] == ' ' || line[p] == '\t' || line[p] == '\r' || line[p] == '\n') {
			p++
		}
		return p
	}
	p := skip(a)
	if p >= b || line[p] != '[' {
		return false
	}
	p = skip(p + 1)
	if p < b && line[p] == ']' {
		return true
	}
	for p < b {
		if line[p] != '"' {
			return false
		}
		s := p
		p++
		plain := true
		for p < b && line[p] != '"' {
			if line[p] == '\\' {
				plain = false
				p++
			}
			p++
		}
		if p >= b {
			return false
		}
		p++
		t := Token{Span: in.lm.span(s, p)}
		if raw := line[s+1 : p-1]; plain && utf8.ValidString(raw) {
			t.Value = raw
		} else if err := json.Unmarshal([]byte(line[s:p]), &t.Value); err != nil {
			return false
		}
		in.Args = append(in.Args, t)
		p = skip(p)
		if p < b && line[p] == ']' {
			return true
		}
		if p >= b || line[p] != ',' {
			return false
		}
		p = skip(p + 1)
	}
	return false
}

// heredocs finds the body and terminator lines of n's heredocs, as
// buildkit's parser reads them after the instruction's logical line.
func (in *Instruction) heredocs(n *parser.Node) bool {
	d := in.doc
	l := in.lastLine + 1
	for _, h := range n.Heredocs {
		body := d.LineStart(l)
		found := false
		for ; l <= n.EndLine; l++ {
			text := bytes.TrimRight(d.Src[d.LineStart(l):d.LineEnd(l)], "\r\n")
			cand := text
			if h.Chomp {
				cand = bytes.TrimLeft(cand, "\t")
			}
			if string(cand) == h.Name {
				s := d.LineStart(l)
				in.Heredocs = append(in.Heredocs, Heredoc{Name: h.Name, Body: Span{body, s}, Terminator: Span{s, s + len(text)}})
				found = true
				l++
				break
			}
		}
		if !found {
			return false
		}
	}
	if len(n.Heredocs) > 0 && l-1 != n.EndLine {
		return false
	}
	return true
}
