package transform

import (
	"testing"
)

// TestSpanShapes pins the spans of a few tokens in tricky shapes; the
// property check (checkSpans) runs on every shape too.
func TestSpanShapes(t *testing.T) {
	for _, src := range spanShapes {
		d := mustParse(t, src)
		if checkSpans(t, d) == 0 {
			t.Errorf("no tokens checked in %q", src)
		}
	}
	text := func(d *Document, s Span) string { return string(d.Src[s.Start:s.End]) }

	d := mustParse(t, spanShapes[0])
	from := d.Inst(d.Instructions()[0])
	if f, ok := from.Flag("platform"); !ok || text(d, f.Value.Span) != "$BUILDPLATFORM" || text(d, f.Name.Span) != "platform" {
		t.Errorf("FROM --platform: %+v", from.Flags)
	}
	if len(from.Args) != 3 || text(d, from.Args[0].Span) != "golang:1.22" || text(d, from.Args[2].Span) != "build" {
		t.Errorf("FROM args %+v", from.Args)
	}
	run := d.Inst(d.Instructions()[1])
	if m := run.Flags[0].Fields; len(m) != 2 || text(d, m[1].Key.Span) != "target" || text(d, m[1].Value.Span) != "/root/.cache" {
		t.Errorf("mount fields %+v", m)
	}
	if text(d, run.Args[0].Span) != "go build ./..." {
		t.Errorf("RUN text %q", text(d, run.Args[0].Span))
	}

	// BOM and CRLF, with a comment and a blank line inside the continuation.
	d = mustParse(t, spanShapes[1])
	if k := d.Inst(d.Instructions()[0]).Keyword; k.Start != 3 || k.Value != "FROM" {
		t.Errorf("keyword after BOM: %+v", k)
	}
	s := d.Shell(d.Instructions()[1])
	if s.Text != "apk add     curl     jq" || s.File == nil {
		t.Fatalf("shell text %q (%v)", s.Text, s.Err)
	}

	// A PowerShell SHELL: not parsed as POSIX.
	d = mustParse(t, spanShapes[2])
	if s := d.Shell(d.Instructions()[2]); s.POSIX || s.File != nil || s.Text != "Write-Host     hi" {
		t.Errorf("powershell RUN: %+v", s)
	}
	// A heredoc RUN runs its body.
	d = mustParse(t, spanShapes[3])
	if s := d.Shell(d.Instructions()[1]); s.Text != "apk add curl\necho done\n" || !s.Heredoc || s.File == nil {
		t.Errorf("heredoc RUN: %q", s.Text)
	}
	// Legacy ENV and quoted values, lowercase keywords.
	d = mustParse(t, spanShapes[5])
	env := d.Inst(d.Instructions()[1])
	if len(env.Pairs) != 3 || text(d, env.Pairs[1].Value.Span) != `"two words"` || text(d, env.Pairs[2].Value.Span) != "'x y'" {
		t.Errorf("env pairs %+v", env.Pairs)
	}
	legacy := d.Inst(d.Instructions()[2]).Pairs
	if len(legacy) != 1 || legacy[0].Eq || legacy[0].Key.Value != "D" || text(d, legacy[0].Value.Span) != "legacy value" {
		t.Errorf("legacy env %+v", legacy)
	}
	// Exec forms: each element with its quotes; sh -c maps its script.
	d = mustParse(t, spanShapes[6])
	cmd := d.Inst(d.Instructions()[1])
	if !cmd.JSON || len(cmd.Args) != 3 || text(d, cmd.Args[2].Span) != `"echo hi && exec app"` {
		t.Errorf("CMD args %+v", cmd.Args)
	}
	sh := d.Shell(d.Instructions()[1])
	if sp, ok := sh.NodeSpan(sh.File.Stmts[0]); !sh.Exec || !ok || text(d, sp) != "echo hi && exec app" {
		t.Errorf("sh -c script span %v %v", sp, ok)
	}
	ep := d.Inst(d.Instructions()[2])
	if ep.Args[1].Value != `--flag="x"` || text(d, ep.Args[1].Span) != `"--flag=\"x\""` {
		t.Errorf("escaped JSON arg %+v", ep.Args[1])
	}
	if hc := d.Shell(d.Instructions()[3]); hc == nil || hc.Text != "curl -f http://localhost/ || exit 1" {
		t.Errorf("HEALTHCHECK shell %+v", hc)
	}
	// Backtick escape: the continuation is the backtick.
	d = mustParse(t, "# escape=`\nFROM a\nRUN echo a `\n  && echo b\n")
	if s := d.Shell(d.Instructions()[1]); s.Text != "echo a   && echo b" {
		t.Errorf("backtick RUN %q", s.Text)
	}
	// ONBUILD: the trigger's tokens.
	d = mustParse(t, "FROM a\nONBUILD RUN --network=none echo hi\n")
	if sub := d.Inst(d.Instructions()[1]).Sub; sub == nil || text(d, sub.Keyword.Span) != "RUN" || text(d, sub.Flags[0].Span) != "--network=none" {
		t.Errorf("ONBUILD sub %+v", sub)
	}
	// SHELL inherited from a parent stage.
	d = mustParse(t, "FROM a AS win\nSHELL [\"pwsh\", \"-c\"]\nFROM win\nRUN Get-Item x\n")
	if s := d.Shell(d.Instructions()[3]); s.POSIX {
		t.Error("SHELL of the parent stage not inherited")
	}
}
