package fixes

import (
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// Shared by the package-hygiene fixes: the simple commands of a RUN as
// shell syntax nodes, so that a fix can point its edits at a word.

// call is one simple command of a RUN's shell, with wrappers (sudo, env…)
// looked through.
type call struct {
	doc   *transform.Document
	sh    *transform.Shell
	stmt  *syntax.Stmt
	expr  *syntax.CallExpr
	words []shell.Word // every word, as shell.WordOf reads it
	prog  int          // index in words of the program that runs
	name  string       // its base name
}

// args are the words after the program.
func (c call) args() []shell.Word { return c.words[c.prog+1:] }

// arg is the syntax node of args()[i].
func (c call) arg(i int) *syntax.Word { return c.expr.Args[c.prog+1+i] }

// hasArg reports an argument of c that is one of vs.
func hasArg(c call, vs ...string) bool {
	for _, a := range c.args() {
		if slices.Contains(vs, a.Value) {
			return true
		}
	}
	return false
}

// progWord is the syntax node of the program word.
func (c call) progWord() *syntax.Word { return c.expr.Args[c.prog] }

// runShell is the parsed shell of RUN n, or nil when it has none that
// harden can edit: exec forms, non-POSIX shells, scripts that do not parse.
func runShell(doc *transform.Document, n *parser.Node) *transform.Shell {
	if !strings.EqualFold(n.Value, "run") {
		return nil
	}
	sh := doc.Shell(n)
	if sh == nil || sh.File == nil || !sh.POSIX || sh.Exec {
		return nil
	}
	return sh
}

// callsKey memoizes calls per RUN in the document.
type callsKey struct{ n *parser.Node }

// calls lists the simple commands of RUN n in source order; nil when its
// shell cannot be edited. It is computed once per document and RUN, for
// every fix that asks: do not modify the result.
func calls(doc *transform.Document, n *parser.Node) []call {
	return doc.Memo(callsKey{n}, func() any { return readCalls(doc, n) }).([]call)
}

func readCalls(doc *transform.Document, n *parser.Node) []call {
	sh := runShell(doc, n)
	if sh == nil {
		return nil
	}
	var out []call
	syntax.Walk(sh.File, func(node syntax.Node) bool {
		st, ok := node.(*syntax.Stmt)
		if !ok {
			return true
		}
		ce, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || len(ce.Args) == 0 {
			return true
		}
		words := make([]shell.Word, len(ce.Args))
		for i, w := range ce.Args {
			words[i] = shell.WordOf(sh.Text, w)
		}
		p := shell.Program(words)
		if p < 0 {
			return true
		}
		out = append(out, call{doc: doc, sh: sh, stmt: st, expr: ce, words: words, prog: p, name: path.Base(words[p].Value)})
		return true
	})
	return out
}

// stageRuns calls fn for every RUN of every stage (ONBUILD triggers are
// left alone: they run in another build).
func stageRuns(doc *transform.Document, fn func(st *transform.Stage, i int, n *parser.Node)) {
	for _, st := range doc.Stages {
		for i, n := range st.Nodes {
			if strings.EqualFold(n.Value, "run") {
				fn(st, i, n)
			}
		}
	}
}

// runMount is a --mount flag of a RUN: its type and its target as written
// (the last type= and target=, dst= or destination= fields), and the
// flag's whole value.
type runMount struct {
	typ, target string
	hasTarget   bool // a target field is given, even empty
	spec        string
}

// runMounts are the --mount flags of RUN n.
func runMounts(doc *transform.Document, n *parser.Node) []runMount {
	in := doc.Inst(n)
	if in == nil {
		return nil
	}
	var out []runMount
	for _, f := range in.Flags {
		if !strings.EqualFold(f.Name.Value, "mount") {
			continue
		}
		m := runMount{spec: f.Value.Value}
		for _, p := range f.Fields {
			switch strings.ToLower(p.Key.Value) {
			case "type":
				m.typ = p.Value.Value
			case "target", "dst", "destination":
				m.target, m.hasTarget = p.Value.Value, true
			}
		}
		out = append(out, m)
	}
	return out
}

// cacheMount reports whether RUN n mounts a cache (or tmpfs) over one of
// dirs or a directory above them: the files there are not in the image.
func cacheMount(doc *transform.Document, n *parser.Node, dirs ...string) bool {
	for _, m := range runMounts(doc, n) {
		if m.typ != "cache" && m.typ != "tmpfs" || !m.hasTarget {
			continue
		}
		target := path.Clean(m.target)
		for _, d := range dirs {
			if d == target || strings.HasPrefix(d, target+"/") || target == "/" {
				return true
			}
		}
	}
	return false
}

// laterRuns are the RUN instructions built after RUN i of stage st, as
// sequences in build order: the rest of st, then, for every stage built
// FROM st (directly or not), the rest of st followed by the RUNs of the
// stages between them down to that stage.
func laterRuns(doc *transform.Document, st *transform.Stage, i int) [][]*parser.Node {
	runs := func(nodes []*parser.Node) []*parser.Node {
		var out []*parser.Node
		for _, m := range nodes {
			if strings.EqualFold(m.Value, "run") {
				out = append(out, m)
			}
		}
		return out
	}
	rest := runs(st.Nodes[i+1:])
	seqs := [][]*parser.Node{rest}
	for _, s := range doc.Stages[st.Index+1:] {
		chain := doc.Chain(s)
		for k, c := range chain[1:] {
			if c != st {
				continue
			}
			seq := append([]*parser.Node(nil), rest...)
			for j := k; j >= 0; j-- { // chain[k] is the stage built FROM st
				seq = append(seq, runs(chain[j].Nodes)...)
			}
			seqs = append(seqs, seq)
			break
		}
	}
	return seqs
}

// lineOf is the file line where shell node x starts.
func lineOf(doc *transform.Document, sh *transform.Shell, x syntax.Node) int {
	if sp, ok := sh.NodeSpan(x); ok {
		return doc.LineAt(sp.Start)
	}
	return sh.Inst.Node.StartLine
}

// parserNode is buildkit's instruction node.
type parserNode = parser.Node

// asOther reports a call run as another user (sudo -u, doas -u, su,
// runuser, gosu, su-exec, setpriv…): a cleanup added after it would clean
// another user's files.
func (c call) asOther() bool {
	for i, w := range c.words[:c.prog] {
		switch path.Base(w.Value) {
		case "sudo", "doas":
			for _, o := range c.words[i+1 : c.prog] {
				if o.Value == "-u" || strings.HasPrefix(o.Value, "--user") || strings.HasPrefix(o.Value, "-u") {
					return true
				}
			}
		case "su", "runuser", "gosu", "su-exec", "setpriv", "chroot", "s6-setuidgid", "chpst":
			return true
		}
	}
	return false
}

// sudo is "sudo " when the call runs through sudo (or doas) in a RUN that
// does not run as root already, so that a command added after it runs
// with the same rights; "" otherwise (sudo-as-root drops it as root).
func (c call) sudo() string {
	if st := c.doc.StageOf(c.sh.Inst.Node); st != nil {
		if u, known := userBefore(c.doc, st, c.sh.Inst.Node); known && (u == "" || isRootUser(u)) {
			return ""
		}
	}
	for _, w := range c.words[:c.prog] {
		if b := path.Base(w.Value); w.Literal && (b == "sudo" || b == "doas") {
			return b + " "
		}
	}
	return ""
}

// commandOf is the call as a shell.Command.
func commandOf(c call) shell.Command { return shell.Command{Name: c.name, Args: c.args()} }

// userBefore is the user instruction n of stage st runs as: the last USER
// before it in the stages it is built from and in st (expanded when its
// variables have values); "" when none is set. known is false when none is
// set and the base image's user is not known.
func userBefore(doc *transform.Document, st *transform.Stage, n *parser.Node) (user string, known bool) {
	chain := doc.Chain(st)
	for k := len(chain) - 1; k >= 0; k-- {
		s := chain[k]
		for i, m := range s.Nodes {
			if s == st && m == n {
				break
			}
			if strings.EqualFold(m.Value, "user") && m.Next != nil {
				user = m.Next.Value
				if v, ok := doc.Expand(user, doc.ScopeAt(s, i)); ok {
					user = v
				}
			}
		}
	}
	if user != "" {
		return user, true
	}
	info := doc.Facts(st).Image
	return "", info.Known && !info.NonRoot
}

// isRootUser reports root, 0 and 0:0 (with any group).
func isRootUser(u string) bool {
	name, _, _ := strings.Cut(u, ":")
	return name == "root" || name == "0"
}

// noComment reports that the file bytes of sp hold no comment (a "#"), so
// that an edit replacing them drops none: comment lines inside a
// continuation are part of a span that crosses them.
func noComment(doc *transform.Document, sp transform.Span) bool {
	return !strings.Contains(string(doc.Src[sp.Start:sp.End]), "#")
}

// appendCmd returns an edit that runs cmd after the RUN's script: joined
// by "&&" in the instruction's style (Shell.Append), or, in the body of a
// `RUN <<EOF` script, as "&& cmd" after its last command, so that the
// RUN's exit status is still that command's when it fails (a heredoc
// script runs without set -e, and a new line would hide the failure).
func appendCmd(doc *transform.Document, sh *transform.Shell, cmd string) (transform.Edit, bool) {
	if !sh.Heredoc {
		return sh.Append(cmd)
	}
	in := doc.Inst(sh.Inst.Node)
	if in == nil || in.Sub != nil || len(in.Heredocs) != 1 || len(in.Args) != 1 || parser.MustParseHeredoc(in.Args[0].Value) == nil {
		return transform.Edit{}, false
	}
	if strings.HasPrefix(sh.Text, "#!") || len(sh.File.Stmts) == 0 {
		return transform.Edit{}, false
	}
	last := sh.File.Stmts[len(sh.File.Stmts)-1]
	if last.Background || last.Coprocess || last.Semicolon.IsValid() || len(last.Redirs) > 0 {
		return transform.Edit{}, false
	}
	if _, fn := last.Cmd.(*syntax.FuncDecl); fn || last.Cmd == nil {
		return transform.Edit{}, false
	}
	return sh.InsertWordAfter(last, "&& "+cmd)
}

// shellWord is a word as internal/shell reads it.
type shellWord = shell.Word
