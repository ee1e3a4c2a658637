package transform

import (
	"github.com/harden-dev/harden/internal/corpus"

	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"
)

// The span property: every span's bytes, with line continuations (and the
// comment and blank lines buildkit drops inside them) removed and unquoted
// where quoting applies, equal the token as buildkit or the shell parser
// sees it. checkSpans checks it on every instruction of d and returns how
// many tokens it checked.
func checkSpans(t testing.TB, d *Document) int {
	t.Helper()
	c := &spanChecker{t: t, d: d}
	for _, n := range d.Instructions() {
		in := d.Inst(n)
		if in == nil {
			t.Errorf("%s:%d: no spans for %q", d.Path, n.StartLine, n.Original)
			continue
		}
		c.inst(in, n)
		for i, h := range in.Heredocs {
			c.eq(n, "heredoc body", string(d.Src[h.Body.Start:h.Body.End]), n.Heredocs[i].Content)
		}
		c.shell(n)
	}
	return c.count
}

type spanChecker struct {
	t     testing.TB
	d     *Document
	count int
}

func (c *spanChecker) eq(n *parser.Node, what, got, want string) {
	c.t.Helper()
	c.count++
	if got != want {
		c.t.Errorf("%s:%d: %s: span text %q, buildkit has %q (line %q)", c.d.Path, n.StartLine, what, got, want, n.Original)
	}
}

// text returns the bytes of s as buildkit joins them.
func (c *spanChecker) text(s Span) string {
	if s.Start < 0 || s.End < s.Start || s.End > len(c.d.Src) {
		return fmt.Sprintf("<bad span %v>", s)
	}
	return stripContinuations(c.d.Src[s.Start:s.End], byte(c.d.EscapeToken()))
}

// stripContinuations removes escape+newline line continuations and the
// comment and blank lines that follow one, independently of the code under
// test.
func stripContinuations(b []byte, esc byte) string {
	var out strings.Builder
	cont := false
	for len(b) > 0 {
		line := b
		nl := bytes.IndexByte(b, '\n')
		if nl >= 0 {
			line = b[:nl+1]
		}
		b = b[len(line):]
		// Only whole lines are skipped: a span may end inside a line, and
		// the blanks it keeps there are text ("ENV \"0\\\n  =0": key "\"0  ").
		if cont && nl >= 0 && (isCommentLine(line) || len(bytes.TrimSpace(line)) == 0) {
			continue
		}
		cont = false
		if nl >= 0 {
			content := bytes.TrimRight(line, "\r\n")
			t := bytes.TrimRight(content, " \t")
			if len(t) > 0 && t[len(t)-1] == esc && (len(t) == 1 || t[len(t)-2] != esc) {
				out.Write(t[:len(t)-1])
				cont = true
				continue
			}
		}
		out.Write(line)
	}
	return out.String()
}

// unquoteFlag reads a raw flag word the way buildkit's extractBuilderFlags
// does.
func unquoteFlag(s string, esc byte) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if quote == 0 && (ch == '\'' || ch == '"') {
			quote = ch
			continue
		}
		if quote != 0 && ch == quote {
			quote = 0
			continue
		}
		if ch == esc {
			if i+1 == len(s) {
				continue
			}
			i++
			ch = s[i]
		}
		b.WriteRune(rune(ch))
	}
	return b.String()
}

func (c *spanChecker) inst(in *Instruction, n *parser.Node) {
	c.t.Helper()
	d := c.d
	esc := byte(d.EscapeToken())
	c.eq(n, "keyword", c.text(in.Keyword.Span), n.Value)
	c.eq(n, "keyword value", in.Keyword.Value, n.Value)
	if len(in.Flags) != len(n.Flags) {
		c.t.Errorf("%s:%d: %d flags, buildkit has %d", d.Path, n.StartLine, len(in.Flags), len(n.Flags))
	}
	for i, f := range in.Flags {
		if i >= len(n.Flags) {
			break
		}
		c.eq(n, "flag", unquoteFlag(c.text(f.Span), esc), n.Flags[i])
		name, value, _ := strings.Cut(n.Flags[i], "=")
		c.eq(n, "flag name", unquoteFlag(c.text(f.Name.Span), esc), strings.TrimPrefix(name, "--"))
		c.eq(n, "flag name value", f.Name.Value, strings.TrimPrefix(name, "--"))
		c.eq(n, "flag value", unquoteFlag(c.text(f.Value.Span), esc), value)
		c.eq(n, "flag value value", f.Value.Value, value)
		for _, p := range f.Fields {
			if raw := c.text(p.Span); !strings.ContainsAny(raw, `"'`) && !strings.ContainsRune(raw, rune(esc)) {
				c.eq(n, "mount key", unquoteFlag(c.text(p.Key.Span), esc), p.Key.Value)
				c.eq(n, "mount value", unquoteFlag(c.text(p.Value.Span), esc), p.Value.Value)
			}
		}
	}
	var want []string
	for m := n.Next; m != nil; m = m.Next {
		if len(m.Children) == 0 {
			want = append(want, m.Value)
		}
	}
	switch strings.ToLower(n.Value) {
	case "env", "label":
		if len(in.Pairs)*3 != len(want) {
			c.t.Errorf("%s:%d: %d pairs, buildkit has %q", d.Path, n.StartLine, len(in.Pairs), want)
			return
		}
		for i, p := range in.Pairs {
			text := c.text
			if p.Eq { // read rune by rune
				text = func(s Span) string { return runeWise(c.text(s)) }
			}
			c.eq(n, "key", text(p.Key.Span), want[3*i])
			c.eq(n, "key value", p.Key.Value, want[3*i])
			c.eq(n, "value", text(p.Value.Span), want[3*i+1])
			c.eq(n, "value value", p.Value.Value, want[3*i+1])
			if p.Eq != (want[3*i+2] == "=") {
				c.t.Errorf("%s:%d: pair %d Eq %v, buildkit sep %q", d.Path, n.StartLine, i, p.Eq, want[3*i+2])
			}
		}
		return
	case "arg":
		if len(in.Pairs) != len(want) {
			c.t.Errorf("%s:%d: %d ARG pairs, buildkit has %q", d.Path, n.StartLine, len(in.Pairs), want)
			return
		}
		for i, p := range in.Pairs {
			c.eq(n, "arg", runeWise(c.text(p.Span)), want[i])
			k, v, eq := strings.Cut(want[i], "=")
			c.eq(n, "arg key", runeWise(c.text(p.Key.Span)), k)
			c.eq(n, "arg value", runeWise(c.text(p.Value.Span)), v)
			c.eq(n, "arg key value", p.Key.Value, k)
			c.eq(n, "arg value value", p.Value.Value, v)
			if p.Eq != eq {
				c.t.Errorf("%s:%d: arg Eq %v", d.Path, n.StartLine, p.Eq)
			}
		}
		return
	case "onbuild":
		if len(n.Next.Children) == 1 {
			if in.Sub == nil {
				c.t.Errorf("%s:%d: ONBUILD without Sub", d.Path, n.StartLine)
				return
			}
			c.inst(in.Sub, n.Next.Children[0])
		}
		return
	}
	if _, known := knownInstructions[strings.ToLower(n.Value)]; !known {
		return // buildkit keeps no arguments for an unknown instruction
	}
	if len(in.Args) != len(want) {
		c.t.Errorf("%s:%d: args %d, buildkit has %q", d.Path, n.StartLine, len(in.Args), want)
		return
	}
	for i, a := range in.Args {
		raw := c.text(a.Span)
		if in.JSON && !(strings.EqualFold(n.Value, "healthcheck") && i == 0) {
			var s string
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				c.t.Errorf("%s:%d: JSON arg %q: %v", d.Path, n.StartLine, raw, err)
				continue
			}
			raw = s
		}
		c.eq(n, "arg", raw, want[i])
		c.eq(n, "arg value", a.Value, want[i])
	}
}

// shell checks the shell source against buildkit's instructions package
// and every word of its parse against the file.
func (c *spanChecker) shell(n *parser.Node) {
	c.t.Helper()
	d := c.d
	s := d.Shell(n)
	cmd, err := instructions.ParseInstruction(n)
	if err != nil {
		return
	}
	var cl *instructions.ShellDependantCmdLine
	switch cmd := cmd.(type) {
	case *instructions.RunCommand:
		cl = &cmd.ShellDependantCmdLine
	case *instructions.CmdCommand:
		cl = &cmd.ShellDependantCmdLine
	case *instructions.EntrypointCommand:
		cl = &cmd.ShellDependantCmdLine
	case *instructions.HealthCheckCommand:
		if cmd.Health != nil && len(cmd.Health.Test) == 2 && cmd.Health.Test[0] == "CMD-SHELL" {
			if s == nil {
				c.t.Errorf("%s:%d: no shell source", d.Path, n.StartLine)
				return
			}
			c.eq(n, "healthcheck shell", s.Text, cmd.Health.Test[1])
		}
	}
	if cl != nil && cl.PrependShell {
		if s == nil {
			c.t.Errorf("%s:%d: no shell source", d.Path, n.StartLine)
			return
		}
		c.eq(n, "shell text", s.Text, buildkitScript(cl))
	}
	if s == nil || s.File == nil {
		return
	}
	syntax.Walk(s.File, func(x syntax.Node) bool {
		w, ok := x.(*syntax.Word)
		if !ok {
			return true
		}
		sp, ok := s.NodeSpan(w)
		if !ok {
			if !s.Exec {
				c.t.Errorf("%s:%d: word %q not mapped", d.Path, n.StartLine, s.Text[w.Pos().Offset():w.End().Offset()])
			}
			return true
		}
		want := s.Text[w.Pos().Offset():w.End().Offset()]
		got := c.text(sp)
		if in := d.Inst(n); inHeredoc(in, sp.Start) {
			got = string(d.Src[sp.Start:sp.End])
			for _, h := range in.Node.Heredocs {
				if h.Chomp { // <<- bodies and terminators lose their leading tabs
					got, want = stripTabs(got), stripTabs(want)
				}
			}
		}
		c.eq(n, "shell word", got, want)
		return true
	})
}

var knownInstructions = map[string]bool{
	"add": true, "arg": true, "cmd": true, "copy": true, "entrypoint": true, "env": true,
	"expose": true, "from": true, "healthcheck": true, "label": true, "maintainer": true,
	"onbuild": true, "run": true, "shell": true, "stopsignal": true, "user": true,
	"volume": true, "workdir": true,
}

// buildkitScript is the script buildkit's dispatchRun hands to the shell.
func buildkitScript(cl *instructions.ShellDependantCmdLine) string {
	args := cl.CmdLine
	if len(cl.Files) == 0 {
		return strings.Join(args, " ")
	}
	if len(args) == 1 && parser.MustParseHeredoc(args[0]) != nil {
		data := cl.Files[0].Data
		if cl.Files[0].Chomp {
			data = parser.ChompHeredocContent(data)
		}
		return data
	}
	var b strings.Builder
	b.WriteString(args[0])
	for _, f := range cl.Files {
		b.WriteByte('\n')
		b.WriteString(f.Data)
		b.WriteString(f.Name)
	}
	return b.String()
}

func stripTabs(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		if i > 0 {
			lines[i] = strings.TrimLeft(lines[i], "\t")
		}
	}
	return strings.Join(lines, "\n")
}

func inHeredoc(in *Instruction, off int) bool {
	for _, h := range in.Heredocs {
		if off >= h.Body.Start && off <= h.Terminator.End {
			return true
		}
	}
	return false
}

// corpusDir finds the shared corpus: $HARDEN_CORPUS or ../../shared/corpus.
// Missing, the test is skipped, or fails when HARDEN_REQUIRE_CORPUS=1.
func corpusDir(tb testing.TB) string {
	dir := os.Getenv("HARDEN_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		if os.Getenv("HARDEN_REQUIRE_CORPUS") == "1" {
			tb.Fatalf("corpus not found at %s (HARDEN_REQUIRE_CORPUS=1): %v", dir, err)
		}
		tb.Skipf("corpus not found at %s (set HARDEN_CORPUS): %v", dir, err)
	}
	return dir
}

type corpusFile struct {
	name string
	src  []byte
}

// loadCorpus reads the files MANIFEST.tsv lists.
func loadCorpus(tb testing.TB) []corpusFile {
	dir := corpusDir(tb)
	names, err := corpus.Files(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if len(names) < 100 {
		tb.Fatalf("corpus manifest lists only %d files", len(names))
	}
	out := make([]corpusFile, 0, len(names))
	for _, name := range names {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, corpusFile{name, src})
	}
	return out
}

func TestSpansCorpus(t *testing.T) {
	files := loadCorpus(t)
	tokens, docs, shells := 0, 0, 0
	for _, f := range files {
		d, err := Parse(f.name, f.src)
		if err != nil {
			continue // buildkit refuses it; nothing to map
		}
		docs++
		tokens += checkSpans(t, d)
		for _, n := range d.Instructions() {
			if s := d.Shell(n); s != nil && s.File != nil {
				shells++
			}
		}
	}
	t.Logf("checked %d tokens in %d files (%d parsed shell sources)", tokens, docs, shells)
	if tokens == 0 {
		t.Fatal("no tokens checked")
	}
}

func FuzzSpans(f *testing.F) {
	for _, s := range spanShapes {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if !utf8.Valid(src) && len(src) > 4096 {
			return
		}
		d, err := Parse("fuzz", src)
		if err != nil {
			return
		}
		checkSpans(t, d)
	})
}

// spanShapes are the tricky shapes the unit tests and the fuzz seeds share.
var spanShapes = []string{
	"FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache \\\n    go build ./...\n",
	"\uFEFFFROM alpine\r\nRUN apk add \\\r\n    curl \\\r\n# comment\r\n\r\n    jq\r\n",
	"# escape=`\nFROM mcr.microsoft.com/windows\nSHELL [\"powershell\", \"-Command\"]\nRUN Write-Host `\n    hi\n",
	"FROM alpine\nRUN <<EOF\napk add curl\necho done\nEOF\n",
	"FROM alpine\nRUN <<-EOT bash\n\techo hi\n\tEOT\nCOPY <<EOF /etc/x\nhello\nEOF\n",
	"from alpine\nenv A=1 B=\"two words\" \\\n  C='x y'\nenv D legacy value\nlabel \"k\"=\"v\"\narg X=1\narg Y\n",
	"FROM alpine\nCMD [\"sh\", \"-c\", \"echo hi && exec app\"]\nENTRYPOINT [\"/bin/app\", \"--flag=\\\"x\\\"\"]\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/ || exit 1\n",
	"FROM alpine\nCOPY --chown=1:1 --chmod=644 a b /dst/\nADD --checksum=sha256:abc https://x/y.tgz /y.tgz\nCOPY [\"a b\", \"/c d/\"]\nONBUILD RUN echo hi\n",
	"FROM alpine\nRUN echo a \\\n\\\n  && echo b \\\n  # inner\n  && echo c\nRUN x \\",
	"FROM alpine\nRUN --mount=type=secret,id=tok,\"target=/run/a,b\" --network=none cat /run/a\nEXPOSE 80 443/udp\nUSER 1000:1000\nWORKDIR /app\n",
}
