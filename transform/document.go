// Package transform is harden's rewrite engine: it holds a Dockerfile as the
// bytes the user wrote plus buildkit's view of them, applies byte-range edits
// proposed by fixes, and drives those fixes to a fixpoint.
//
// The engine is the one place that converts between buildkit's 1-based line
// numbers and byte offsets in the original source.
package transform

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"mvdan.cc/sh/v3/syntax"
)

// Document is one Dockerfile: the raw bytes, the buildkit parse result, the
// stages and a line/byte-offset index over the raw bytes.
type Document struct {
	Path string
	Src  []byte

	// Result is buildkit's parse of Src; Result.AST.Children are the
	// instructions in file order.
	Result *parser.Result
	// Stages groups the instructions by build stage, in file order.
	Stages []*Stage
	// MetaArgs are the ARG instructions before the first FROM.
	MetaArgs []*parser.Node
	// ParsedMetaArgs are MetaArgs as buildkit's instructions package reads them.
	ParsedMetaArgs []instructions.ArgCommand

	lineStarts []int // byte offset where each line begins; lineStarts[0] is line 1
	eol        string
	lowercase  bool
	supp       *suppressions
	insts      map[*parser.Node]*Instruction // token spans, built by Inst
	shells     map[*parser.Node]*Shell       // shell sources, built by Shell
	shp        *syntax.Parser                // reused for every shell source
	lex        *shell.Lex                    // reused by Expand
	metaEnv    Env
	envCur     *envCursor // the last scope envAt walked to (expand.go)
	childCount []int      // stages built FROM each stage (facts.go)
	memo       map[any]any

	facts []*Facts // per stage index, computed on first use (facts.go)
}

// Stage is one build stage: its FROM, the instructions that follow it and
// buildkit's typed reading of them. Nodes[i] is the source of Parsed.Commands[i].
type Stage struct {
	Index  int
	From   *parser.Node
	Nodes  []*parser.Node
	Parsed *instructions.Stage

	base             string // BaseName, computed once
	baseOK, baseDone bool
	parent           *Stage // Document.Parent, once parentDone
	parentDone       bool
}

// ParseError is a Dockerfile that buildkit cannot read.
type ParseError struct {
	Path string
	Line int // 1-based; 0 when buildkit gives no position
	Err  error
}

func (e *ParseError) Error() string {
	msg := Printable(e.Err.Error())
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", PrintablePath(e.Path), e.Line, msg)
	}
	return fmt.Sprintf("%s: %s", PrintablePath(e.Path), msg)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads src with buildkit's parser and instructions packages and indexes
// it. The error, if any, is a *ParseError naming the path and line.
func Parse(path string, src []byte) (*Document, error) {
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, newParseError(path, src, err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, newParseError(path, src, err)
	}
	d := &Document{Path: path, Src: src, Result: res, ParsedMetaArgs: metaArgs}
	d.index()
	if err := d.groupStages(stages); err != nil {
		return nil, &ParseError{Path: path, Err: err}
	}
	if s, depth := d.deepestChain(); depth > MaxChainDepth {
		return nil, &ParseError{Path: path, Line: s.From.StartLine, Err: fmt.Errorf(
			"stage built on a chain of %d stages, each FROM the one before (harden's limit is %d)", depth, MaxChainDepth)}
	}
	return d, nil
}

// MaxChainDepth bounds how many stages deep a stage may be built, each
// FROM the one before. A stage's facts share its parent's, but a stage
// whose ARG or ENV changes the variables copies them, so a chain of such
// stages costs memory in proportion to its depth times the variables; real
// Dockerfiles stay far below the limit (the deepest chain of the corpus is
// 6 stages), and it keeps memory within a bounded multiple of the input for
// every file harden accepts.
const MaxChainDepth = 32

// deepestChain returns the stage with the longest chain of stages it is
// built from, and that chain's length (1 for a stage FROM an image).
func (d *Document) deepestChain() (*Stage, int) {
	depth := make([]int, len(d.Stages))
	var deepest *Stage
	best := 0
	for i, s := range d.Stages {
		depth[i] = 1
		if p := d.Parent(s); p != nil {
			depth[i] = depth[p.Index] + 1
		}
		if depth[i] > best {
			deepest, best = s, depth[i]
		}
	}
	return deepest, best
}

func newParseError(path string, src []byte, err error) *ParseError {
	pe := &ParseError{Path: path, Err: err}
	msg := err.Error()
	if long := longLine(src); long > 0 && (strings.Contains(msg, "line greater than max allowed size") || strings.Contains(msg, "file with no instructions")) {
		// buildkit's scanner stops at a line over 64 KiB and names the last
		// line it read (or, at the end of the file, reads nothing): name
		// the long line itself.
		pe.Line = long
		pe.Err = fmt.Errorf("line longer than buildkit's limit of %d bytes", bufio.MaxScanTokenSize-1)
		return pe
	}
	var loc *parser.LocationError
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 {
		pe.Line = loc.Locations[0][0].Start.Line
		// buildkit wraps the message with its own location prefix in some paths;
		// keep only the cause so the line is not printed twice.
		pe.Err = errors.New(strings.TrimSpace(stripLinePrefix(loc.Unwrap().Error())))
	}
	return pe
}

// longLine is the 1-based number of the first line of src that buildkit's
// line scanner cannot hold (its line ending included), or 0.
func longLine(src []byte) int {
	for n := 1; len(src) > 0; n++ {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			i = len(src) - 1
		}
		if i+1 >= bufio.MaxScanTokenSize {
			return n
		}
		src = src[i+1:]
	}
	return 0
}

// maxEcho caps how much of the input a message repeats.
const maxEcho = 200

// Printable makes a message safe to print on a terminal: control characters
// and invalid UTF-8 are escaped the way Go quotes strings (\x00, \t, \u200b
// stays as is), and the text is cut after maxEcho runes. Messages repeat
// parts of the input, which may be binary.
func Printable(msg string) string { return printable(msg, maxEcho) }

// PrintablePath is a file name made safe to print in a message like
// Printable, but never cut: a name may hold any byte but "/" and NUL.
func PrintablePath(path string) string { return printable(path, -1) }

func printable(msg string, max int) string {
	if isPlain(msg) {
		return msg
	}
	var b strings.Builder
	for n := 0; len(msg) > 0; n++ {
		if n == max {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(msg)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, msg[0])
		case r != ' ' && !unicode.IsPrint(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(msg[:size])
		}
		msg = msg[size:]
	}
	return b.String()
}

// isPlain reports whether s is printable UTF-8 text no longer than maxEcho
// bytes, which printable returns as it is.
func isPlain(s string) bool {
	if len(s) > maxEcho {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || r != ' ' && !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// stripLinePrefix removes buildkit's "dockerfile parse error on line N: " prefix.
func stripLinePrefix(msg string) string {
	const p = "dockerfile parse error on line "
	if strings.HasPrefix(msg, p) {
		if i := strings.Index(msg, ": "); i > 0 {
			return msg[i+2:]
		}
	}
	return msg
}

func (d *Document) index() {
	d.lineStarts = append(d.lineStarts[:0], 0)
	for i, c := range d.Src {
		if c == '\n' && i+1 < len(d.Src) {
			d.lineStarts = append(d.lineStarts, i+1)
		}
	}
	d.eol = "\n"
	if i := bytes.IndexByte(d.Src, '\n'); i > 0 && d.Src[i-1] == '\r' {
		d.eol = "\r\n"
	}
	lower, upper := 0, 0
	for _, n := range d.Result.AST.Children {
		kw := d.keyword(n)
		switch kw {
		case strings.ToLower(kw):
			lower++
		case strings.ToUpper(kw):
			upper++
		}
	}
	d.lowercase = lower > upper
}

func (d *Document) groupStages(parsed []instructions.Stage) error {
	var cur *Stage
	for _, n := range d.Result.AST.Children {
		if strings.EqualFold(n.Value, "from") {
			cur = &Stage{Index: len(d.Stages), From: n}
			d.Stages = append(d.Stages, cur)
			continue
		}
		if cur == nil {
			d.MetaArgs = append(d.MetaArgs, n)
			continue
		}
		cur.Nodes = append(cur.Nodes, n)
	}
	if len(d.Stages) != len(parsed) {
		return fmt.Errorf("internal error: %d FROM lines but %d stages", len(d.Stages), len(parsed))
	}
	for i, s := range d.Stages {
		s.Parsed = &parsed[i]
		if len(s.Nodes) != len(s.Parsed.Commands) {
			return fmt.Errorf("internal error: stage %d has %d instructions but %d commands", i, len(s.Nodes), len(s.Parsed.Commands))
		}
	}
	return nil
}

// Memo returns what compute gives for key, computing it once per
// document: what several fixes derive from the document the same way (the
// simple commands of a RUN, say) is derived once and shared, as
// go/analysis shares an analyzer's result. key must be comparable and
// distinct per kind of result (a type of its own); the value must be
// treated as read-only. Like the rest of the Document, not safe for
// concurrent use.
func (d *Document) Memo(key any, compute func() any) any {
	return memoize(&d.memo, key, func(any) any { return compute() })
}

// memoize returns (*m)[k], computing it with build on first use; the map
// is made when first needed. The typed caches of the Document (spans,
// shells) use it; Memo is the untyped one for fixes.
func memoize[K comparable, V any](m *map[K]V, k K, build func(K) V) V {
	if v, ok := (*m)[k]; ok {
		return v
	}
	v := build(k)
	if *m == nil {
		*m = make(map[K]V)
	}
	(*m)[k] = v
	return v
}

// Instructions returns the top-level instructions in file order.
func (d *Document) Instructions() []*parser.Node { return d.Result.AST.Children }

// EscapeToken is the file's escape character ('\\' or '`').
func (d *Document) EscapeToken() rune { return d.Result.EscapeToken }

// EOL is the file's line ending: "\r\n" when its first line ends so, else "\n".
func (d *Document) EOL() string { return d.eol }

// LineCount is the number of lines in the file.
func (d *Document) LineCount() int {
	if len(d.Src) == 0 {
		return 0
	}
	return len(d.lineStarts)
}

// LineStart is the byte offset where 1-based line begins. Lines past the end
// map to len(Src).
func (d *Document) LineStart(line int) int {
	if line < 1 {
		return 0
	}
	if line > len(d.lineStarts) {
		return len(d.Src)
	}
	return d.lineStarts[line-1]
}

// LineEnd is the byte offset just past line's line ending (or len(Src) for a
// last line without one).
func (d *Document) LineEnd(line int) int {
	if line < 1 {
		return 0
	}
	if line >= len(d.lineStarts) {
		return len(d.Src)
	}
	return d.lineStarts[line]
}

// Line returns the text of a 1-based line without its line ending.
func (d *Document) Line(line int) string { return string(d.lineBytes(line)) }

// lineBytes is Line without the copy.
func (d *Document) lineBytes(line int) []byte {
	s := d.Src[d.LineStart(line):d.LineEnd(line)]
	s = bytes.TrimSuffix(s, []byte("\n"))
	return bytes.TrimSuffix(s, []byte("\r"))
}

// IsComment reports whether a line is a comment line (its first non-blank
// character is '#'), without copying it.
func (d *Document) IsComment(line int) bool {
	b := bytes.TrimLeft(d.lineBytes(line), " \t")
	if line == 1 {
		b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	}
	return len(b) > 0 && b[0] == '#'
}

// LineAt is the 1-based line holding byte offset off.
func (d *Document) LineAt(off int) int {
	lo, hi := 0, len(d.lineStarts)
	for lo < hi {
		m := (lo + hi) / 2
		if d.lineStarts[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 1
	}
	return lo
}

// Span is the byte range of an instruction: from the start of its first line
// to past the line ending of its last line (heredoc bodies included).
func (d *Document) Span(n *parser.Node) (start, end int) {
	return d.LineStart(n.StartLine), d.LineEnd(n.EndLine)
}

// Text returns the raw source of an instruction, line endings included.
func (d *Document) Text(n *parser.Node) string {
	s, e := d.Span(n)
	return string(d.Src[s:e])
}

// endsWithEOL reports whether the file's last line has a line ending.
func (d *Document) endsWithEOL() bool {
	return len(d.Src) == 0 || d.Src[len(d.Src)-1] == '\n'
}

// keyword returns the instruction keyword exactly as written in the source.
func (d *Document) keyword(n *parser.Node) string {
	line := d.lineBytes(n.StartLine)
	if n.StartLine == 1 {
		line = bytes.TrimPrefix(line, []byte("\uFEFF"))
	}
	line = bytes.TrimLeft(line, " \t")
	if i := bytes.IndexAny(line, " \t"); i >= 0 {
		line = line[:i]
	}
	if len(line) == len(n.Value) && strings.EqualFold(string(line), n.Value) {
		return string(line)
	}
	return strings.ToUpper(n.Value)
}

// Keyword returns an instruction keyword in the casing the file mostly uses,
// so inserted instructions do not trip buildkit's ConsistentInstructionCasing.
func (d *Document) Keyword(name string) string {
	if d.lowercase {
		return strings.ToLower(name)
	}
	return strings.ToUpper(name)
}

// Lines joins instruction lines with the file's line ending and ends them
// with one.
func (d *Document) Lines(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString(d.eol)
	}
	return b.String()
}

// InsertAfter returns an edit that inserts whole lines (as built by Lines)
// right after instruction n. At the end of a file without a final newline the
// new lines keep that style: the line ending moves in front of them. When n
// ends the file with a dangling line continuation (a last "RUN x \\"), the
// inserted lines would join it, so the edit also drops that no-op escape.
func (d *Document) InsertAfter(n *parser.Node, lines string) Edit {
	end := d.LineEnd(n.EndLine)
	if end < len(d.Src) {
		return Edit{Start: end, End: end, New: lines}
	}
	start, rest := end, ""
	if esc, ok := d.danglingContinuation(n); ok {
		start = esc
		for start > 0 && (d.Src[start-1] == ' ' || d.Src[start-1] == '\t') {
			start--
		}
		rest = strings.TrimLeft(string(d.Src[esc+1:]), " \t")
	}
	if !d.endsWithEOL() {
		return Edit{Start: start, End: end, New: rest + d.eol + strings.TrimSuffix(lines, d.eol)}
	}
	return Edit{Start: start, End: end, New: rest + lines}
}

// danglingContinuation finds the escape character that leaves instruction n
// open at the end of the file: its last line that is not blank or a comment
// ends with the escape token. It returns the escape's offset.
func (d *Document) danglingContinuation(n *parser.Node) (int, bool) {
	if len(n.Heredocs) > 0 || d.LineEnd(n.EndLine) != len(d.Src) {
		return 0, false
	}
	esc := byte(d.EscapeToken())
	for l := n.EndLine; l >= n.StartLine; l-- {
		text := d.Line(l)
		trimmed := strings.TrimLeft(text, " \t")
		if l > n.StartLine && (trimmed == "" || trimmed[0] == '#') {
			continue // skipped by the parser inside a continuation
		}
		body := strings.TrimRight(text, " \t")
		if !strings.HasSuffix(body, string(esc)) {
			return 0, false
		}
		if len(body) >= 2 && body[len(body)-2] == esc && strings.TrimLeft(body, " \t") != string(esc) {
			return 0, false // an escaped escape is not a continuation
		}
		return d.LineStart(l) + len(body) - 1, true
	}
	return 0, false
}

// InsertBeforeComments returns an edit that inserts whole lines before
// instruction n and the comment lines directly above it, so those comments
// stay attached to n.
func (d *Document) InsertBeforeComments(n *parser.Node, lines string) Edit {
	prevEnd := 0
	for _, m := range d.Instructions() {
		if m.EndLine < n.StartLine && m.EndLine > prevEnd {
			prevEnd = m.EndLine
		}
	}
	line := n.StartLine
	for l := n.StartLine - 1; l > prevEnd; l-- {
		if !d.IsComment(l) {
			break
		}
		line = l
	}
	start := d.LineStart(line)
	return Edit{Start: start, End: start, New: lines}
}

// StageOf returns the stage holding instruction n, or nil for a meta ARG.
func (d *Document) StageOf(n *parser.Node) *Stage {
	// The last stage whose FROM starts at or before n (stages are in file
	// order).
	i := sort.Search(len(d.Stages), func(i int) bool { return d.Stages[i].From.StartLine > n.StartLine })
	if i == 0 {
		return nil
	}
	return d.Stages[i-1]
}

// NodeAt returns the instruction whose lines include line, or nil.
func (d *Document) NodeAt(line int) *parser.Node {
	ch := d.Result.AST.Children
	// The first instruction that ends at or after line (instructions are
	// in file order and do not overlap).
	i := sort.Search(len(ch), func(i int) bool { return ch[i].EndLine >= line })
	if i < len(ch) && ch[i].StartLine <= line {
		return ch[i]
	}
	return nil
}

// FinalStage is the stage that builds the image when no --target is given.
func (d *Document) FinalStage() *Stage {
	if len(d.Stages) == 0 {
		return nil
	}
	return d.Stages[len(d.Stages)-1]
}

// StageByName finds an earlier stage by its AS name (case-insensitive, as
// buildkit matches them) or by its index.
func (d *Document) StageByName(name string, before int) *Stage {
	for i := before - 1; i >= 0; i-- {
		s := d.Stages[i]
		if s.Parsed.Name != "" && strings.EqualFold(s.Parsed.Name, name) {
			return s
		}
	}
	if idx, ok := atoi(name); ok && idx < before {
		return d.Stages[idx]
	}
	return nil
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 6 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
