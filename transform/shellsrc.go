package transform

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/shell"
)

// Shell is the shell source of a RUN, or of a shell-form CMD, ENTRYPOINT or
// HEALTHCHECK CMD: the text exactly as buildkit hands it to the shell,
// parsed once, with a map from each of its offsets back to the file.
type Shell struct {
	Inst *Instruction
	// Text is what the shell receives: the instruction's text after its
	// flags with continuations joined and inner comment lines dropped; for
	// `RUN <<EOF` the heredoc body; for other heredoc RUNs the command line
	// followed by each heredoc, as buildkit rebuilds it.
	Text string
	// POSIX is false when the stage's SHELL (or that of the stage it is
	// built from) is not a POSIX shell, such as PowerShell or cmd, or when
	// a heredoc script names another interpreter: Text is then not parsed.
	POSIX bool
	// File is the bash parse of Text (comments kept); nil when Text is not
	// POSIX or does not parse (Err says why).
	File *syntax.File
	Err  error
	// Heredoc reports that Text comes, at least in part, from heredoc bodies.
	Heredoc bool
	// Exec reports a script taken from an exec form ["sh", "-c", script]:
	// it is mapped back only when the JSON string has no escapes.
	Exec bool

	lm lineMap // nil when Text cannot be mapped back
}

// Shell returns the shell source of instruction n (for ONBUILD, of its
// trigger), computed and parsed on first use; nil when n runs no shell:
// exec forms other than ["sh", "-c", …], and instructions other than RUN,
// CMD, ENTRYPOINT and HEALTHCHECK CMD.
func (d *Document) Shell(n *parser.Node) *Shell {
	return memoize(&d.shells, n, d.buildShell)
}

func (d *Document) buildShell(n *parser.Node) *Shell {
	top := d.Inst(n)
	if top == nil {
		return nil
	}
	in := top
	if in.Sub != nil {
		in = in.Sub
	}
	args := in.Args
	switch strings.ToLower(in.Node.Value) {
	case "run", "cmd", "entrypoint":
	case "healthcheck":
		if len(args) < 2 || !strings.EqualFold(args[0].Value, "CMD") {
			return nil
		}
		args = args[1:]
	default:
		return nil
	}
	if len(args) == 0 && (in.JSON || in.Sub != nil) {
		return nil
	}
	s := &Shell{Inst: top, POSIX: d.posixShell(n)}
	if len(args) == 0 { // an empty shell form still runs the shell
		s.lm = lineMap{{0, in.Keyword.End}}
	} else if in.JSON {
		if !s.execScript(in, args) {
			return nil
		}
	} else {
		text := args[0].Value
		start := in.argEnd - len(text)
		s.Text, s.lm = text, in.lm.slice(start, in.argEnd)
		if strings.EqualFold(in.Node.Value, "run") && len(top.Heredocs) > 0 {
			s.heredocScript(top)
		}
	}
	if s.POSIX {
		if d.shp == nil {
			d.shp = syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(true))
		}
		s.File, s.Err = d.shp.Parse(strings.NewReader(s.Text), "")
		if s.Err != nil {
			s.File = nil
		}
	}
	return s
}

// execScript takes the script of an exec form ["sh", "-c", script, …].
func (s *Shell) execScript(in *Instruction, args []Token) bool {
	if len(args) < 3 || !isPOSIXProgram(args[0].Value) {
		return false
	}
	opt := args[1].Value
	if len(opt) < 2 || opt[0] != '-' || opt[1] == '-' || !strings.Contains(opt, "c") {
		return false
	}
	tok := args[2]
	s.Exec, s.Text = true, tok.Value
	// The token's span holds the quotes; map the inside when it reads as is.
	if string(in.doc.Src[tok.Start+1:tok.End-1]) == tok.Value {
		s.lm = spanMap(in, tok)
	}
	return true
}

// spanMap maps the inside of a quoted token (one JSON string) of in.
func spanMap(in *Instruction, tok Token) lineMap {
	// The logical offset of the token start: find the segment holding it.
	for i, sg := range in.lm {
		end := len(in.line)
		if i+1 < len(in.lm) {
			end = in.lm[i+1].log
		}
		if tok.Start >= sg.file && tok.Start < sg.file+end-sg.log {
			a := sg.log + tok.Start - sg.file + 1
			return in.lm.slice(a, a+len(tok.Value))
		}
	}
	return nil
}

// heredocScript replaces a heredoc RUN's text with what buildkit runs: the
// body alone for `RUN <<EOF`, else the command line with each heredoc
// appended (see dispatchRun in buildkit's dockerfile2llb).
func (s *Shell) heredocScript(in *Instruction) {
	d := in.doc
	s.Heredoc = true
	hs := in.Node.Heredocs
	if len(hs) != len(in.Heredocs) {
		s.POSIX, s.lm = false, nil
		return
	}
	if parser.MustParseHeredoc(s.Text) != nil {
		h, body := hs[0], in.Heredocs[0].Body
		s.Text, s.lm = h.Content, lineMap{{0, body.Start}}
		if h.Chomp {
			s.Text, s.lm = chompMap(d.Src[body.Start:body.End], body.Start)
		}
		if strings.HasPrefix(s.Text, "#!") {
			// buildkit runs the body as a file: its interpreter decides.
			line, _, _ := strings.Cut(s.Text[2:], "\n")
			f := strings.Fields(line)
			ok := len(f) > 0 && (isPOSIXProgram(f[0]) || path.Base(f[0]) == "env" && len(f) > 1 && isPOSIXProgram(f[1]))
			s.POSIX = s.POSIX && ok
		}
		return
	}
	var b strings.Builder
	lm := s.lm
	b.WriteString(s.Text)
	nl := d.LineEnd(in.lastLine)
	for i, h := range hs {
		src := in.Heredocs[i]
		// The '\n' buildkit adds stands for the line break before the body.
		brk := nl - 1
		if brk > 0 && d.Src[brk-1] == '\r' {
			brk--
		}
		lm = append(lm, seg{b.Len(), brk})
		b.WriteByte('\n')
		if src.Body.Len() > 0 {
			lm = append(lm, seg{b.Len(), src.Body.Start})
		}
		b.WriteString(h.Content)
		lm = append(lm, seg{b.Len(), src.Terminator.End - len(h.Name)})
		b.WriteString(h.Name)
		nl = src.Terminator.End + 1
	}
	s.Text, s.lm = b.String(), lm
}

// chompMap removes the leading tabs of each line of body (as `<<-` does)
// and maps the result back to the file.
func chompMap(body []byte, off int) (string, lineMap) {
	var b strings.Builder
	var lm lineMap
	for len(body) > 0 {
		line := body
		if i := strings.IndexByte(string(body), '\n'); i >= 0 {
			line = body[:i+1]
		}
		t := 0
		for t < len(line) && line[t] == '\t' {
			t++
		}
		if t < len(line) {
			lm = append(lm, seg{b.Len(), off + t})
			b.Write(line[t:])
		}
		off += len(line)
		body = body[len(line):]
	}
	return b.String(), lm
}

// Span maps shell offsets [start, end) of Text to the file. ok is false
// when Text is not mapped back (an exec-form script with escapes) or the
// offsets are out of range.
func (s *Shell) Span(start, end int) (Span, bool) {
	if s.lm == nil || start < 0 || end < start || end > len(s.Text) {
		return Span{}, false
	}
	return s.lm.span(start, end), true
}

// NodeSpan is the file span of a node of File.
func (s *Shell) NodeSpan(n syntax.Node) (Span, bool) {
	return s.Span(int(n.Pos().Offset()), int(n.End().Offset()))
}

// posixShell reports whether the shell that runs n's shell form is a POSIX
// shell: the last SHELL before n in its stage, else that of the stage it is
// built FROM when that is an earlier stage, else the default /bin/sh.
func (d *Document) posixShell(n *parser.Node) bool {
	st := d.StageOf(n)
	before := n
	for depth := 0; st != nil && depth <= len(d.Stages); depth++ {
		for i := len(st.Nodes) - 1; i >= 0; i-- {
			m := st.Nodes[i]
			if before != nil && m.StartLine >= before.StartLine {
				continue
			}
			if strings.EqualFold(m.Value, "shell") && m.Next != nil {
				return isPOSIXProgram(m.Next.Value)
			}
		}
		before = nil
		st = d.StageByName(st.Parsed.BaseName, st.Index)
	}
	return true
}

// isPOSIXProgram reports whether a program path names a POSIX shell
// (PowerShell, pwsh and cmd are not).
func isPOSIXProgram(p string) bool {
	base := path.Base(strings.ReplaceAll(p, `\`, "/"))
	base = strings.TrimSuffix(strings.ToLower(base), ".exe")
	return shell.IsPOSIX(base)
}
