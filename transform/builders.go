package transform

import (
	"bytes"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"
)

// Edit builders. Each returns an edit in the file's own style, or ok=false
// when it cannot make the change without altering more than intended.

// AddFlag returns an edit that adds flag (a whole `--name[=value]` word,
// without blanks) after the instruction's existing flags, or right after
// its keyword. For ONBUILD, call it on Sub.
func (in *Instruction) AddFlag(flag string) (Edit, bool) {
	if !strings.HasPrefix(flag, "--") || len(flag) < 3 || strings.ContainsFunc(flag, isBlankOrBreak) ||
		strings.HasSuffix(flag, string(in.doc.EscapeToken())) {
		return Edit{}, false
	}
	at := in.Keyword.End
	if len(in.Flags) > 0 {
		at = in.Flags[len(in.Flags)-1].End
	}
	return Edit{Start: at, End: at, New: " " + flag}, true
}

// RemoveFlag returns an edit that removes flag f of the instruction with
// the blanks that separate it, across line continuations.
func (in *Instruction) RemoveFlag(f Flag) (Edit, bool) {
	for i, g := range in.Flags {
		if g.Span == f.Span {
			prev := in.Keyword.End
			if i > 0 {
				prev = in.Flags[i-1].End
			}
			return in.doc.removeWord(f.Span, prev, byte(in.doc.EscapeToken()))
		}
	}
	return Edit{}, false
}

func isBlankOrBreak(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}

// removeWord removes the word at s with the blanks that separate it from
// its neighbours, keeping the layout of the lines around it. prevEnd is the
// file offset just past the word before it in the same instruction.
func (d *Document) removeWord(s Span, prevEnd int, esc byte) (Edit, bool) {
	src := d.Src
	if s.Start >= s.End || prevEnd > s.Start {
		return Edit{}, false
	}
	// Something before it on its line: take the blanks in front.
	l := s.Start
	for l > 0 && (src[l-1] == ' ' || src[l-1] == '\t') {
		l--
	}
	if l < s.Start && l > 0 && src[l-1] != '\n' {
		if src[l-1] == esc || src[l-1] == '\\' {
			l++ // an escaped blank belongs to the word before
		}
		if l < s.Start {
			return Edit{Start: l, End: s.End}, true
		}
		return Edit{}, false
	}
	if l > 0 && src[l-1] != '\n' {
		return Edit{}, false // glued to the word before
	}
	// First on its line: take the blanks after it when a word follows.
	r := s.End
	for r < len(src) && (src[r] == ' ' || src[r] == '\t') {
		r++
	}
	rest := bytes.TrimRight(src[r:lineEndAt(src, r)], " \t\r")
	switch {
	case len(rest) > 0 && !(len(rest) == 1 && rest[0] == esc):
		if r == s.End {
			return Edit{}, false
		}
		return Edit{Start: s.Start, End: r}, true
	case len(rest) == 1:
		// Alone on a continued line: drop the whole line.
		return Edit{Start: lineStartAt(src, s.Start), End: lineEndAt(src, r) + 1}, true
	default:
		// Alone on the instruction's last line: drop back to the word before,
		// continuations included.
		if prevEnd <= 0 || prevEnd >= s.Start {
			return Edit{}, false
		}
		return Edit{Start: prevEnd, End: s.End}, true
	}
}

// lineStartAt is the offset where the line holding off begins.
func lineStartAt(src []byte, off int) int {
	return bytes.LastIndexByte(src[:off], '\n') + 1
}

// lineEndAt is the offset of the '\n' ending the line holding off, or
// len(src)-1 for a last line without one (so that +1 is the line's end).
func lineEndAt(src []byte, off int) int {
	if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
		return off + i
	}
	return len(src) - 1
}

// shell-text builders

// InsertWordAfter returns an edit that adds word (shell text, one line) as
// a separate word right after node w, e.g. `-y` after `install`.
func (s *Shell) InsertWordAfter(w syntax.Node, word string) (Edit, bool) {
	sp, ok := s.NodeSpan(w)
	if !ok || !s.insertable(word) {
		return Edit{}, false
	}
	return Edit{Start: sp.End, End: sp.End, New: " " + word}, true
}

// InsertWordBefore returns an edit that adds word as a separate word right
// before node w.
func (s *Shell) InsertWordBefore(w syntax.Node, word string) (Edit, bool) {
	sp, ok := s.NodeSpan(w)
	if !ok || !s.insertable(word) {
		return Edit{}, false
	}
	return Edit{Start: sp.Start, End: sp.Start, New: word + " "}, true
}

// insertable reports whether text can go into the shell source as is.
func (s *Shell) insertable(text string) bool {
	if text == "" || s.File == nil || strings.ContainsAny(text, "\r\n") {
		return false
	}
	if strings.HasSuffix(text, string(s.Inst.doc.EscapeToken())) || strings.HasSuffix(text, `\`) {
		return false
	}
	if s.Exec && strings.ContainsFunc(text, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 }) {
		return false // would need JSON escaping
	}
	return true
}

// ReplaceWithin returns an edit that replaces the bytes [from, to) of the
// source text of shell node n, counted from the node's start, with text:
// one character inside a quoted word, say. It refuses a range outside the
// node, a range whose file bytes are not the shell's (a line continuation
// or a comment line inside it), and text that holds a line break or ends
// with an escape (it would join the byte after it).
func (s *Shell) ReplaceWithin(n syntax.Node, from, to int, text string) (Edit, bool) {
	if s.File == nil || n == nil || from < 0 || to < from || strings.ContainsAny(text, "\r\n") {
		return Edit{}, false
	}
	if text != "" && !s.insertable(text) {
		return Edit{}, false
	}
	a, b := int(n.Pos().Offset()), int(n.End().Offset())
	if a+to > b {
		return Edit{}, false
	}
	sp, ok := s.Span(a+from, a+to)
	if !ok || sp.Len() != to-from || string(s.Inst.doc.Src[sp.Start:sp.End]) != s.Text[a+from:a+to] {
		return Edit{}, false
	}
	return sp.Replace(text), true
}

// RemoveWord returns an edit that removes word w (an argument, not the
// command name) with the blanks that separate it, across continuations.
func (s *Shell) RemoveWord(w *syntax.Word) (Edit, bool) {
	if s.File == nil {
		return Edit{}, false
	}
	a, b := int(w.Pos().Offset()), int(w.End().Offset())
	sp, ok := s.Span(a, b)
	if !ok {
		return Edit{}, false
	}
	// The word before: skip blanks and backslash-newlines in the text.
	p := a
	for p > 0 {
		switch {
		case s.Text[p-1] == ' ' || s.Text[p-1] == '\t':
			p--
		case p >= 2 && s.Text[p-1] == '\n' && s.Text[p-2] == '\\':
			p -= 2
		case p >= 3 && s.Text[p-1] == '\n' && s.Text[p-2] == '\r' && s.Text[p-3] == '\\':
			p -= 3
		default:
			goto found
		}
	}
found:
	if p == 0 {
		return Edit{}, false
	}
	prev, _ := s.Span(p, p)
	esc := byte(s.Inst.doc.EscapeToken())
	if s.inHeredoc(sp.Start) {
		esc = '\\'
	}
	return s.Inst.doc.removeWord(sp, prev.Start, esc)
}

func (s *Shell) inHeredoc(off int) bool {
	for _, h := range s.Inst.Heredocs {
		if off >= h.Body.Start && off <= h.Terminator.End {
			return true
		}
	}
	return false
}

// ReplaceCommand returns an edit that replaces the command of stmt with
// cmds joined by `&&`, laid out as the instruction already joins its
// commands (same indentation, operator placement, escape and line ending).
// It refuses (ok=false) when the statement is negated, in the background,
// or when more than one command would change how a `||` or a pipeline
// groups.
// Under set -e, bash ignores a failure in an && list anywhere but at its
// end: a caller replacing one command by several that must each stop the
// script wraps them in a subshell, "(a && b)" (see no-pipe-to-shell), or
// uses InsertAfter.
func (s *Shell) ReplaceCommand(stmt *syntax.Stmt, cmds ...string) (Edit, bool) {
	if s.File == nil || stmt == nil || stmt.Cmd == nil || len(cmds) == 0 || stmt.Negated || stmt.Background || stmt.Coprocess {
		return Edit{}, false
	}
	for _, c := range cmds {
		if !s.insertable(c) {
			return Edit{}, false
		}
	}
	if len(cmds) > 1 && !s.andContext(stmt) {
		return Edit{}, false
	}
	end := stmt.Cmd.End()
	for _, r := range stmt.Redirs {
		if r.End().After(end) {
			end = r.End()
		}
	}
	sp, ok := s.Span(int(stmt.Pos().Offset()), int(end.Offset()))
	if !ok {
		return Edit{}, false
	}
	return sp.Replace(strings.Join(cmds, s.joiner(sp.Start))), true
}

// andContext reports whether stmt sits where `a && b` can stand for it: an
// operand of `&&`, or a statement of a list.
func (s *Shell) andContext(stmt *syntax.Stmt) bool {
	ok := false
	syntax.Walk(s.File, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.BinaryCmd:
			if n.X == stmt || n.Y == stmt {
				ok = n.Op == syntax.AndStmt
				return false
			}
		case *syntax.IfClause:
			ok = ok || containsStmt(n.Then, stmt) || containsStmt(n.Cond, stmt)
		default:
			ok = ok || containsStmt(body(n), stmt)
		}
		return !ok
	})
	return ok
}

// body is the list of statements that node n runs in order: a script, a
// { } block, a subshell, an if's then branch, a loop's body, a case item;
// nil for other nodes. Conditions are not bodies: a failure there is a
// test, not an error.
func body(n syntax.Node) []*syntax.Stmt {
	switch n := n.(type) {
	case *syntax.File:
		return n.Stmts
	case *syntax.Block:
		return n.Stmts
	case *syntax.Subshell:
		return n.Stmts
	case *syntax.IfClause:
		return n.Then
	case *syntax.WhileClause:
		return n.Do
	case *syntax.ForClause:
		return n.Do
	case *syntax.CaseItem:
		return n.Stmts
	}
	return nil
}

func containsStmt(list []*syntax.Stmt, stmt *syntax.Stmt) bool {
	for _, x := range list {
		if x == stmt {
			return true
		}
	}
	return false
}

// joiner is the text that joins two commands with `&&` in this
// instruction's style: the bytes between the operands of an existing `&&`
// (in the same part of the file as at: command line or heredoc body), or
// " && " when there is none.
func (s *Shell) joiner(at int) string {
	d := s.Inst.doc
	here := s.inHeredoc(at)
	var best string
	syntax.Walk(s.File, func(n syntax.Node) bool {
		if best != "" {
			return false
		}
		b, ok := n.(*syntax.BinaryCmd)
		if !ok || b.Op != syntax.AndStmt {
			return true
		}
		sp, ok := s.Span(int(b.X.End().Offset()), int(b.Y.Pos().Offset()))
		if !ok || sp.Start >= sp.End || s.inHeredoc(sp.Start) != here {
			return true
		}
		j := d.Src[sp.Start:sp.End]
		if s.plainJoiner(j, here) {
			best = string(j)
		}
		return true
	})
	if best == "" {
		return " && "
	}
	return best
}

// plainJoiner reports whether j holds only `&&`, blanks and line
// continuations (no comment lines, no blank continuation lines).
func (s *Shell) plainJoiner(j []byte, heredoc bool) bool {
	esc := byte(s.Inst.doc.EscapeToken())
	if heredoc {
		esc = '\\'
	}
	ops := 0
	for len(j) > 0 {
		line := j
		nl := bytes.IndexByte(j, '\n')
		if nl >= 0 {
			line = j[:nl+1]
		}
		j = j[len(line):]
		body := bytes.TrimRight(line, " \t\r\n")
		if nl >= 0 {
			if len(body) == 0 || body[len(body)-1] != esc {
				if !heredoc || !bytes.HasSuffix(bytes.TrimSpace(body), []byte("&&")) {
					return false
				}
			} else {
				body = body[:len(body)-1]
			}
		}
		t := bytes.TrimSpace(body)
		switch {
		case len(t) == 0:
			if nl >= 0 && len(body) == 0 && !bytes.HasSuffix(bytes.TrimRight(line, "\r\n"), []byte{esc}) {
				return false
			}
		case string(t) == "&&":
			ops++
		default:
			return false
		}
	}
	return ops == 1
}

// Append returns an edit that runs cmd after the script, joined by `&&` in
// the instruction's style, at the end of its last command. It refuses
// heredoc and exec-form scripts, scripts that do not parse, and scripts
// whose last statement ends with `;` or `&`.
func (s *Shell) Append(cmd string) (Edit, bool) {
	if s.File == nil || s.Heredoc || s.Exec || len(s.File.Stmts) == 0 || !s.insertable(cmd) {
		return Edit{}, false
	}
	last := s.File.Stmts[len(s.File.Stmts)-1]
	if last.Background || last.Coprocess || last.Semicolon.IsValid() {
		return Edit{}, false
	}
	end := int(last.End().Offset())
	// Only blanks or a comment may follow the last statement.
	if rest := strings.TrimSpace(s.Text[end:]); rest != "" && !strings.HasPrefix(rest, "#") {
		return Edit{}, false
	}
	sp, ok := s.Span(end, end)
	if !ok {
		return Edit{}, false
	}
	return Edit{Start: sp.Start, End: sp.Start, New: s.joiner(sp.Start) + cmd}, true
}

// InsertAfter returns an edit that runs cmd right after stmt, in the same
// shell and directory, without changing what a failing stmt does:
//
//   - where stmt is followed by `&&` (a && stmt && b), as `stmt && cmd` in
//     the instruction's style: a failing stmt stops the chain as before;
//   - where stmt ends a statement of a list that ends with `;` (stmt; or
//     a && stmt;), as `cmd;` right after that `;`: cmd then runs after
//     that statement whether or not stmt ran, and a failing stmt fails
//     the script under set -e as before.
//
// Elsewhere it refuses: `stmt && cmd` there would keep set -e from
// failing the script when stmt fails (bash ignores -e for any command of
// an && list but the last), and a last statement's status is the
// script's (see Append). It also refuses a negated or background stmt, a
// stmt in the condition of an if or a loop, and one that feeds a heredoc.
func (s *Shell) InsertAfter(stmt *syntax.Stmt, cmd string) (Edit, bool) {
	if s.File == nil || stmt == nil || stmt.Cmd == nil || stmt.Negated || stmt.Background || stmt.Coprocess || !s.insertable(cmd) {
		return Edit{}, false
	}
	end := stmt.Cmd.End()
	for _, r := range stmt.Redirs {
		if r.Hdoc != nil {
			return Edit{}, false
		}
		if r.End().After(end) {
			end = r.End()
		}
	}
	var list *syntax.Stmt // the statement of a list that stmt ends
	followed := false     // stmt is followed by &&
	syntax.Walk(s.File, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.BinaryCmd:
			followed = followed || n.Op == syntax.AndStmt && lastOfAnd(n.X) == stmt
		default:
			list = endedBy(body(n), stmt, list)
		}
		return true
	})
	if followed {
		if s.inCondition(stmt) {
			return Edit{}, false
		}
		sp, ok := s.Span(int(end.Offset()), int(end.Offset()))
		if !ok {
			return Edit{}, false
		}
		return Edit{Start: sp.Start, End: sp.Start, New: s.joiner(sp.Start) + cmd}, true
	}
	if list == nil || !list.Semicolon.IsValid() || list.Background || list.Coprocess {
		return Edit{}, false
	}
	at := int(list.Semicolon.Offset()) + 1
	sp, ok := s.Span(at, at)
	if !ok {
		return Edit{}, false
	}
	return Edit{Start: sp.Start, End: sp.Start, New: " " + cmd + ";"}, true
}

// inCondition reports a statement that is (part of) the condition of an if
// or a loop.
func (s *Shell) inCondition(stmt *syntax.Stmt) bool {
	in := false
	within := func(list []*syntax.Stmt) bool {
		for _, x := range list {
			if x.Pos().Offset() <= stmt.Pos().Offset() && stmt.End().Offset() <= x.End().Offset() {
				return true
			}
		}
		return false
	}
	syntax.Walk(s.File, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.IfClause:
			in = in || within(n.Cond)
		case *syntax.WhileClause:
			in = in || within(n.Cond)
		}
		return !in
	})
	return in
}

// lastOfAnd is the statement that ends the && chain x (x itself when it is
// not one).
func lastOfAnd(x *syntax.Stmt) *syntax.Stmt {
	for {
		b, ok := x.Cmd.(*syntax.BinaryCmd)
		if !ok || b.Op != syntax.AndStmt || x.Negated {
			return x
		}
		x = b.Y
	}
}

// endedBy is the statement of list whose && chain ends with stmt, or found.
func endedBy(list []*syntax.Stmt, stmt, found *syntax.Stmt) *syntax.Stmt {
	for _, x := range list {
		if lastOfAnd(x) == stmt {
			return x
		}
	}
	return found
}

// Delete returns an edit that removes instruction n with its own comment
// lines: the contiguous comment lines right above it, but never parser
// directives at the top of the file nor file-wide suppressions. A last
// instruction without a final newline takes the line break before it, so
// the file keeps ending without one; a BOM stays.
func (d *Document) Delete(n *parser.Node) Edit {
	prevEnd := 0
	for _, m := range d.Instructions() {
		if m.EndLine < n.StartLine && m.EndLine > prevEnd {
			prevEnd = m.EndLine
		}
	}
	directives := d.directiveLines()
	first := n.StartLine
	for l := n.StartLine - 1; l > prevEnd && l > directives; l-- {
		if !d.IsComment(l) || fileWidePragma(d.Line(l)) {
			break
		}
		first = l
	}
	start, end := d.LineStart(first), d.LineEnd(n.EndLine)
	if first == 1 && bytes.HasPrefix(d.Src, bom) {
		start += len(bom)
	}
	if end == len(d.Src) && !d.endsWithEOL() && start > 0 {
		// Take the line break before instead of leaving one at the end.
		start--
		if start > 0 && d.Src[start-1] == '\r' {
			start--
		}
	}
	return Edit{Start: start, End: end}
}

// directiveLines is the number of parser-directive lines (`# syntax=`,
// `# escape=`, `# check=`) at the top of the file.
func (d *Document) directiveLines() int {
	n := 0
	for l := 1; l <= d.LineCount(); l++ {
		t := strings.TrimSpace(strings.TrimPrefix(d.Line(l), "\uFEFF"))
		if !strings.HasPrefix(t, "#") {
			break
		}
		k, _, ok := strings.Cut(strings.TrimSpace(t[1:]), "=")
		if !ok {
			break
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "syntax", "escape", "check":
			n = l
			continue
		}
		break
	}
	return n
}

// fileWidePragma reports a comment that suppresses findings in the whole
// file, which must outlive any one instruction.
func fileWidePragma(line string) bool {
	text, _ := commentText(line)
	_, file := pragma(text, "harden:ignore-file=")
	_, global := pragma(text, "hadolint global ignore=")
	return file || global
}

// InsertCommandAfter returns an edit that runs cmd right after stmt, as
// `stmt && cmd` joined in the instruction's style (Shell.ReplaceCommand's
// joiner), so that cmd runs in stmt's shell, in its working directory,
// only when stmt succeeds, and a failing stmt fails as before. It refuses
// (ok=false) unless stmt is a command of a list or of an `&&` chain in one
// (an operand of `||` or of a pipeline, a condition of if, while or until
// would change meaning), and for negated, background and heredoc
// statements.
func (s *Shell) InsertCommandAfter(stmt *syntax.Stmt, cmd string) (Edit, bool) {
	if s.File == nil || stmt == nil || stmt.Cmd == nil || stmt.Negated || stmt.Background || stmt.Coprocess || !s.insertable(cmd) {
		return Edit{}, false
	}
	end := stmt.Cmd.End()
	for _, r := range stmt.Redirs {
		if r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc {
			return Edit{}, false
		}
		if r.End().After(end) {
			end = r.End()
		}
	}
	if !s.listCommand(stmt) {
		return Edit{}, false
	}
	sp, ok := s.Span(int(end.Offset()), int(end.Offset()))
	if !ok {
		return Edit{}, false
	}
	return Edit{Start: sp.Start, End: sp.Start, New: s.joiner(sp.Start) + cmd}, true
}

// listCommand reports whether stmt is a statement of a list (the script,
// a block, a subshell, the body of a branch or a loop) or reached from one
// through `&&` operands only.
func (s *Shell) listCommand(stmt *syntax.Stmt) bool {
	// parents: the statement holding each `&&` operand; lists: the
	// statements that are commands of a list.
	parent := map[*syntax.Stmt]*syntax.Stmt{}
	inList := map[*syntax.Stmt]bool{}
	bad := map[*syntax.Stmt]bool{}
	add := func(list []*syntax.Stmt) {
		for _, x := range list {
			inList[x] = true
		}
	}
	var cur []*syntax.Stmt // enclosing statements
	syntax.Walk(s.File, func(n syntax.Node) bool {
		if n == nil {
			cur = cur[:len(cur)-1]
			return true
		}
		switch n := n.(type) {
		case *syntax.File:
			add(n.Stmts)
		case *syntax.Block:
			add(n.Stmts)
		case *syntax.Subshell:
			add(n.Stmts)
		case *syntax.IfClause:
			add(n.Then)
		case *syntax.WhileClause:
			add(n.Do)
		case *syntax.ForClause:
			add(n.Do)
		case *syntax.CaseItem:
			add(n.Stmts)
		case *syntax.BinaryCmd:
			if len(cur) > 0 {
				for _, x := range []*syntax.Stmt{n.X, n.Y} {
					parent[x] = cur[len(cur)-1]
					bad[x] = n.Op != syntax.AndStmt
				}
			}
		}
		if st, ok := n.(*syntax.Stmt); ok {
			cur = append(cur, st)
			return true
		}
		cur = append(cur, nil)
		return true
	})
	for x := stmt; x != nil; x = parent[x] {
		if bad[x] {
			return false
		}
		if inList[x] {
			return true
		}
	}
	return false
}

// ReplaceInWord returns an edit that replaces the text old, which must
// occur once in word w and inside one literal part of it (unquoted, in
// single or in double quotes), with text new. new may hold only letters,
// digits and "._-:/@+=,%", which read the same in every quoting.
func (s *Shell) ReplaceInWord(w *syntax.Word, old, new string) (Edit, bool) {
	if s.File == nil || w == nil || old == "" || !plainText(new) {
		return Edit{}, false
	}
	a, b := int(w.Pos().Offset()), int(w.End().Offset())
	if a < 0 || b > len(s.Text) || strings.Count(s.Text[a:b], old) != 1 {
		return Edit{}, false
	}
	at := a + strings.Index(s.Text[a:b], old)
	inside := func(p, q int) bool { return at >= p && at+len(old) <= q }
	found := false
	var part func(p syntax.WordPart)
	part = func(p syntax.WordPart) {
		switch p := p.(type) {
		case *syntax.Lit:
			found = found || inside(int(p.Pos().Offset()), int(p.End().Offset()))
		case *syntax.SglQuoted:
			found = found || !p.Dollar && inside(int(p.Pos().Offset())+1, int(p.End().Offset())-1)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				part(q)
			}
		}
	}
	for _, p := range w.Parts {
		part(p)
	}
	if !found {
		return Edit{}, false
	}
	return s.ReplaceWithin(w, at-a, at-a+len(old), new)
}

// plainText reports text made only of characters that mean themselves
// unquoted, in single and in double quotes, and in a JSON string.
func plainText(text string) bool {
	if text == "" {
		return false
	}
	for _, r := range text {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._-:/@+=,%", r):
		default:
			return false
		}
	}
	return true
}
