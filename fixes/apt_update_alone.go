package fixes

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/transform"
)

// AptUpdateAlone merges a RUN that only runs apt-get update into the
// install RUN that follows it.
var AptUpdateAlone = &transform.Fix{
	Name:          "apt-update-alone",
	Summary:       "Run apt-get update in the same RUN as the install",
	Also:          []string{"DS017", "aptGetUpdatePrecedesInstall"},
	Applicability: transform.Safe,
	Severity:      transform.Warning,
	Check:         checkAptUpdateAlone,
	Example: `FROM debian:bookworm-slim
RUN apt-get update
RUN apt-get install -y curl
`,
	Doc: `What it does
  When a RUN runs apt-get update (or apt update) and nothing else, and the
  very next instruction is a RUN whose script starts with an apt install in
  a chain of "&&", it deletes the update RUN and puts its command, as
  written, in front of the install: "RUN apt-get update && apt-get install …".
  Comment lines above and between the two RUNs stay.

Why
  The build cache keeps the layer of "RUN apt-get update" as long as its
  text does not change: weeks later, the install RUN reads stale lists and
  fails to download packages that have since been replaced, or installs
  old versions. In one RUN, both are re-run together.

What it will not do
  It only reports (no edit) an update RUN that is not directly followed by
  such an install RUN (another instruction comes first, the install comes
  after other commands or behind "||", ";" or a pipe), one with flags
  (--mount…), or one whose update command spans several lines. It does the
  same for nothing but apt: a lone "apk update" or "yum makecache" is left
  to apk-no-cache and the yum fixes.`,
}

func checkAptUpdateAlone(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, i int, n *parserNode) {
		cs := calls(doc, n)
		if len(cs) != 1 || len(cs[0].sh.File.Stmts) != 1 || cs[0].sh.File.Stmts[0] != cs[0].stmt || cs[0].sh.Heredoc {
			return
		}
		c := cs[0]
		if v, _ := c.verb(); !isApt(c.name) || v != "update" {
			return
		}
		f := transform.Finding{Line: n.StartLine, Message: c.name + " update alone in a RUN: the build cache keeps stale package lists"}
		if e, ok := mergeUpdate(doc, st, i, c); ok {
			f.Title, f.Edits = "Move "+c.name+" update into the install RUN that follows", e
		}
		pass.Report(f)
	})
}

func mergeUpdate(doc *transform.Document, st *transform.Stage, i int, c call) ([]transform.Edit, bool) {
	in := doc.Inst(c.sh.Inst.Node)
	if in == nil || len(in.Flags) > 0 || i+1 >= len(st.Nodes) {
		return nil, false
	}
	text := strings.TrimSpace(c.sh.Text)
	if strings.ContainsAny(text, "\\\n\r#") {
		return nil, false
	}
	next := st.Nodes[i+1]
	sh := runShell(doc, next)
	if sh == nil || sh.Heredoc || len(sh.File.Stmts) != 1 {
		return nil, false
	}
	first := leftmostAnd(sh.File.Stmts[0])
	if first == nil {
		return nil, false
	}
	var install bool
	for _, d := range calls(doc, next) {
		if d.stmt == first {
			v, _ := d.verb()
			install = isApt(d.name) && v == "install"
		}
	}
	if !install {
		return nil, false
	}
	ins, ok := sh.InsertWordBefore(first, text+" &&")
	if !ok {
		return nil, false
	}
	n := c.sh.Inst.Node
	del := transform.Edit{Start: doc.LineStart(n.StartLine), End: doc.LineEnd(n.EndLine)}
	if n.StartLine != n.EndLine || !noComment(doc, transform.Span{Start: del.Start, End: del.End}) {
		return nil, false // continued over lines: a comment line may sit inside
	}
	return []transform.Edit{del, ins}, true
}

// leftmostAnd is the first statement of a chain joined only by "&&" (the
// statement itself when it is a simple command), or nil.
func leftmostAnd(st *syntax.Stmt) *syntax.Stmt {
	for {
		if st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 {
			return nil
		}
		switch x := st.Cmd.(type) {
		case *syntax.CallExpr:
			return st
		case *syntax.BinaryCmd:
			if x.Op != syntax.AndStmt || !allAnd(x) {
				return nil
			}
			st = x.X
		default:
			return nil
		}
	}
}

func allAnd(b *syntax.BinaryCmd) bool {
	if b.Op != syntax.AndStmt {
		return false
	}
	for _, s := range []*syntax.Stmt{b.X, b.Y} {
		if y, ok := s.Cmd.(*syntax.BinaryCmd); ok && !allAnd(y) {
			return false
		}
	}
	return true
}
