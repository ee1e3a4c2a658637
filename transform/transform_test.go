package transform

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

func mustParse(t *testing.T, src string) *Document {
	t.Helper()
	d, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLineIndex(t *testing.T) {
	src := "FROM a\r\nRUN b \\\r\n  c\r\n\r\nCMD d"
	d := mustParse(t, src)
	if d.EOL() != "\r\n" {
		t.Errorf("EOL = %q", d.EOL())
	}
	if d.LineCount() != 5 {
		t.Errorf("LineCount = %d", d.LineCount())
	}
	for line, want := range map[int]string{1: "FROM a", 2: "RUN b \\", 3: "  c", 4: "", 5: "CMD d"} {
		if got := d.Line(line); got != want {
			t.Errorf("Line(%d) = %q, want %q", line, got, want)
		}
	}
	run := d.Instructions()[1]
	if got := d.Text(run); got != "RUN b \\\r\n  c\r\n" {
		t.Errorf("Text(RUN) = %q", got)
	}
	for off := 0; off < len(src); off++ {
		l := d.LineAt(off)
		if off < d.LineStart(l) || off >= d.LineEnd(l) {
			t.Fatalf("LineAt(%d) = %d, whose range is [%d,%d)", off, l, d.LineStart(l), d.LineEnd(l))
		}
	}
}

func TestParseErrorNamesFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		src  string
		line int
	}{
		{"FROM a\nRUN b\nHEALTHCHECK\n", 3},
		{"FROM a\nFOO bar\n", 2},
		{"# only a comment\n", 1},
		{"RUN x\n", 1},
		{"FROM a\nRUN <<EOF\nnever ends\n", 2},
	} {
		_, err := Parse("dir/Dockerfile", []byte(tc.src))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: want *ParseError, got %v", tc.src, err)
		}
		if pe.Line != tc.line {
			t.Errorf("%q: line %d, want %d (%v)", tc.src, pe.Line, tc.line, err)
		}
		if !strings.HasPrefix(err.Error(), "dir/Dockerfile:") {
			t.Errorf("error does not start with the path: %v", err)
		}
		if strings.Count(err.Error(), "line") > 1 {
			t.Errorf("error repeats the line: %v", err)
		}
	}
}

func TestStagesAndChains(t *testing.T) {
	d := mustParse(t, `ARG BASE=alpine:3.20
FROM --platform=$BUILDPLATFORM golang:1.22 AS Build
RUN go build
FROM ${BASE} AS base
ARG UID=1000
ENV HOME=/home/app
FROM base
COPY --from=build /out /out
`)
	if len(d.Stages) != 3 || len(d.MetaArgs) != 1 {
		t.Fatalf("%d stages, %d meta args", len(d.Stages), len(d.MetaArgs))
	}
	if name, ok := d.BaseName(d.Stages[1]); name != "alpine:3.20" || !ok {
		t.Errorf("BaseName = %q, %v", name, ok)
	}
	final := d.FinalStage()
	chain := d.Chain(final)
	if len(chain) != 2 || chain[1] != d.Stages[1] {
		t.Fatalf("chain of final stage = %v", chain)
	}
	if d.StageByName("build", 3) != d.Stages[0] {
		t.Error("stage names match case-insensitively")
	}
	env := d.StageEnv(final, len(final.Nodes))
	if env["UID"] != "1000" || env["HOME"] != "/home/app" {
		t.Errorf("StageEnv = %v", env)
	}
	if got, ok := d.Expand("${UID}:${GID:-7}", env); got != "1000:7" || ok {
		t.Errorf("Expand = %q %v (GID is not defined, even if it has a default here)", got, ok)
	}
	if _, ok := d.Expand("$NOPE", env); ok {
		t.Error("an undefined variable must be reported")
	}
}

func TestKeywordFollowsTheFilesCasing(t *testing.T) {
	if k := mustParse(t, "from a\nrun b\nCMD c\n").Keyword("USER"); k != "user" {
		t.Errorf("mostly lowercase file: %q", k)
	}
	if k := mustParse(t, "FROM a\nrun b\nCMD c\n").Keyword("user"); k != "USER" {
		t.Errorf("mostly uppercase file: %q", k)
	}
	if k := mustParse(t, "\uFEFFfrom a\nrun b\n").Keyword("USER"); k != "user" {
		t.Errorf("BOM file: %q", k)
	}
}

func TestInsertAfter(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"middle", "FROM a\nRUN b\nCMD c\n", "FROM a\nRUN b\nUSER 1\nCMD c\n"},
		{"end", "FROM a\nRUN b\n", "FROM a\nRUN b\nUSER 1\n"},
		{"no final newline", "FROM a\nRUN b", "FROM a\nRUN b\nUSER 1"},
		{"crlf", "FROM a\r\nRUN b\r\nCMD c\r\n", "FROM a\r\nRUN b\r\nUSER 1\r\nCMD c\r\n"},
		{"dangling continuation", "FROM a\nRUN b \\", "FROM a\nRUN b\nUSER 1"},
		{"dangling continuation and newline", "FROM a\nRUN b \\\n", "FROM a\nRUN b\nUSER 1\n"},
		{"dangling continuation then comment", "FROM a\nRUN b \\\n# note\n", "FROM a\nRUN b\n# note\nUSER 1\n"},
		{"backtick escape", "# escape=`\nFROM a\nRUN b `", "# escape=`\nFROM a\nRUN b\nUSER 1"},
		{"escaped escape is not a continuation", "FROM a\nRUN echo \\\\\n", "FROM a\nRUN echo \\\\\nUSER 1\n"},
		{"heredoc", "FROM a\nRUN <<EOF\necho \\\nEOF\n", "FROM a\nRUN <<EOF\necho \\\nEOF\nUSER 1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.src)
			run := d.Instructions()[1]
			e := d.InsertAfter(run, d.Lines("USER 1"))
			out, err := ApplyEdits(d.Src, []Edit{e})
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Errorf("got %q, want %q", out, tc.want)
			}
			if _, err := Parse("Dockerfile", out); err != nil {
				t.Errorf("result does not parse: %v", err)
			}
		})
	}
}

func TestApplyEdits(t *testing.T) {
	src := []byte("0123456789")
	out, err := ApplyEdits(src, []Edit{{8, 10, "X"}, {0, 0, "<"}, {0, 0, "<<"}, {3, 5, ""}})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "<<<012567X" {
		t.Errorf("got %q", out)
	}
	for _, bad := range [][]Edit{
		{{2, 5, "a"}, {4, 6, "b"}},
		{{-1, 0, ""}},
		{{5, 4, ""}},
		{{0, 11, ""}},
	} {
		if _, err := ApplyEdits(src, bad); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}

func TestConflicts(t *testing.T) {
	for _, tc := range []struct {
		a, b Edit
		want bool
	}{
		{Edit{0, 2, ""}, Edit{2, 4, ""}, false},
		{Edit{0, 3, ""}, Edit{2, 4, ""}, true},
		{Edit{2, 2, "x"}, Edit{2, 2, "y"}, true},
		{Edit{3, 3, "x"}, Edit{2, 4, ""}, true},
		{Edit{4, 4, "x"}, Edit{2, 4, ""}, false},
		{Edit{2, 2, "x"}, Edit{2, 4, ""}, true},
	} {
		if got := conflicts([]Edit{tc.a}, []Edit{tc.b}); got != tc.want {
			t.Errorf("conflicts(%v, %v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestMapOffsetBack(t *testing.T) {
	// "abcdef" with "XY" inserted at 2 and [4,6) replaced by "Z": "abXYcdZ"
	edits := []Edit{{2, 2, "XY"}, {4, 6, "Z"}}
	for newOff, old := range map[int]int{0: 0, 1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 4, 7: 6} {
		if got := mapOffsetBack(newOff, edits); got != old {
			t.Errorf("mapOffsetBack(%d) = %d, want %d", newOff, got, old)
		}
	}
}

// --- the engine, driven by small fixes defined here ---

// appendUser adds "USER 1" after the last instruction unless the file has a USER.
var appendUser = &Fix{
	Name: "append-user", Also: []string{"XX1"}, Applicability: Safe,
	Check: func(p *Pass) {
		for _, n := range p.Doc.Instructions() {
			if strings.EqualFold(n.Value, "user") {
				return
			}
		}
		last := p.Doc.Instructions()[len(p.Doc.Instructions())-1]
		p.Report(Finding{Line: last.StartLine, Message: "Add USER 1", Title: "Add USER 1", Edits: []Edit{p.Doc.InsertAfter(last, p.Doc.Lines(p.Doc.Keyword("USER")+" 1"))}})
	},
}

func firstNode(d *Document, name string) *parser.Node {
	for _, n := range d.Instructions() {
		if strings.EqualFold(n.Value, name) {
			return n
		}
	}
	return nil
}

// replaceRun rewrites "RUN a" to "RUN b"; unsafe.
var replaceRun = &Fix{
	Name: "replace-run", Applicability: Unsafe,
	Check: func(p *Pass) {
		n := firstNode(p.Doc, "run")
		if n == nil || !strings.Contains(n.Original, " a") {
			return
		}
		s, e := p.Doc.Span(n)
		p.Report(Finding{Line: n.StartLine, Message: "Replace a with b", Title: "Replace a with b", Edits: []Edit{Edit{s, e, p.Doc.Lines("RUN b")}}})
	},
}

func TestEngineAppliesToAFixpoint(t *testing.T) {
	res, err := Run(context.Background(), "Dockerfile", []byte("FROM a\nRUN a\n"), Options{Fixes: []*Fix{appendUser, replaceRun}})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Fixed) != "FROM a\nRUN a\nUSER 1\n" {
		t.Errorf("got %q", res.Fixed)
	}
	if len(res.Applied) != 1 || res.Applied[0].Fix != appendUser || res.Applied[0].Line != 2 {
		t.Errorf("applied %v", res.Applied)
	}
	if len(res.Remaining) != 1 || res.Remaining[0].Fix != replaceRun || !strings.Contains(res.Remaining[0].Reason, "--unsafe") {
		t.Errorf("remaining %v", res.Remaining)
	}
	// with --unsafe both apply: adjacent edits go in one round
	res, err = Run(context.Background(), "Dockerfile", []byte("FROM a\nRUN a\n"), Options{Fixes: []*Fix{appendUser, replaceRun}, Unsafe: true})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Fixed) != "FROM a\nRUN b\nUSER 1\n" || res.Rounds != 1 {
		t.Errorf("got %q in %d rounds", res.Fixed, res.Rounds)
	}
	// two findings inserting at the same place: the second waits a round
	label := &Fix{Name: "label", Applicability: Safe, Check: func(p *Pass) {
		if firstNode(p.Doc, "label") == nil {
			last := p.Doc.Instructions()[len(p.Doc.Instructions())-1]
			p.Report(Finding{Line: last.StartLine, Message: "Add LABEL", Title: "Add LABEL", Edits: []Edit{p.Doc.InsertAfter(last, p.Doc.Lines("LABEL x=y"))}})
		}
	}}
	res, err = Run(context.Background(), "Dockerfile", []byte("FROM a\nRUN a\n"), Options{Fixes: []*Fix{appendUser, label}})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Fixed) != "FROM a\nRUN a\nUSER 1\nLABEL x=y\n" || res.Rounds != 2 || len(res.Applied) != 2 {
		t.Errorf("got %q in %d rounds, applied %v", res.Fixed, res.Rounds, res.Applied)
	}
	if res.Applied[1].Line != 2 {
		t.Errorf("a later round's line must map back to the original: %d", res.Applied[1].Line)
	}
	// naming an unsafe fix explicitly applies it
	res, _ = Run(context.Background(), "Dockerfile", []byte("FROM a\nRUN a\n"), Options{Fixes: []*Fix{replaceRun}, Explicit: map[string]bool{"replace-run": true}})
	if string(res.Fixed) != "FROM a\nRUN b\n" {
		t.Errorf("explicit unsafe fix not applied: %q", res.Fixed)
	}
}

// Under --offline a fix that needs the network still runs: it sees
// Pass.Offline, and its resolver answers from the lock file alone, so what
// it can answer it still fixes.
func TestEngineOfflineLeavesNetworkFixesToTheirResolver(t *testing.T) {
	var sawOffline bool
	net := &Fix{Name: "net", Applicability: Safe, Needs: NeedsNetwork, Check: func(p *Pass) {
		sawOffline = p.Offline
		if _, err := p.Resolver.Image(p.Ctx, "a"); !errors.Is(err, ErrNoResolver) {
			t.Errorf("no resolver configured: got %v", err)
		}
		if len(p.Doc.Stages[0].Nodes) == 0 {
			last := p.Doc.Stages[0].From
			p.Report(Finding{Line: 1, Message: "m", Title: "t", Edits: []Edit{p.Doc.InsertAfter(last, p.Doc.Lines("LABEL x=y"))}})
		}
	}}
	res, err := Run(context.Background(), "Dockerfile", []byte("FROM a\n"), Options{Fixes: []*Fix{net}, Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	if !sawOffline {
		t.Error("the pass did not say offline")
	}
	if string(res.Fixed) != "FROM a\nLABEL x=y\n" || len(res.Applied) != 1 {
		t.Errorf("an edit the fix could make offline was not applied: %q %v", res.Fixed, res.Remaining)
	}
}

func TestEngineBlamesTheFixThatBreaksParsing(t *testing.T) {
	breaker := &Fix{Name: "breaker", Applicability: Safe, Check: func(p *Pass) {
		n := p.Doc.Instructions()[0]
		p.Report(Finding{Line: 1, Message: "break it", Title: "break it", Edits: []Edit{p.Doc.InsertAfter(n, p.Doc.Lines("HEALTHCHECK"))}})
	}}
	src := []byte("FROM a\nRUN a\n")
	res, err := Run(context.Background(), "x/Dockerfile", src, Options{Fixes: []*Fix{appendUser, breaker}})
	var fe *FixError
	if !errors.As(err, &fe) {
		t.Fatalf("want *FixError, got %v", err)
	}
	if len(fe.Fixes) != 1 || fe.Fixes[0] != "breaker" {
		t.Errorf("blamed %v", fe.Fixes)
	}
	if string(res.Fixed) != string(src) || len(res.Applied) != 0 {
		t.Errorf("the original must come back untouched: %q", res.Fixed)
	}
	if !strings.Contains(err.Error(), "x/Dockerfile") || !strings.Contains(err.Error(), "breaker") {
		t.Errorf("error: %v", err)
	}
}

func TestEngineStopsAFixThatNeverSettles(t *testing.T) {
	grow := &Fix{Name: "grow", Applicability: Safe, Check: func(p *Pass) {
		last := p.Doc.Instructions()[len(p.Doc.Instructions())-1]
		p.Report(Finding{Line: 1, Message: "grow", Title: "grow", Edits: []Edit{p.Doc.InsertAfter(last, p.Doc.Lines("RUN more"))}})
	}}
	src := []byte("FROM a\n")
	res, err := Run(context.Background(), "Dockerfile", src, Options{Fixes: []*Fix{grow}, MaxRounds: 3})
	var fe *FixError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "failed to converge") || fe.Fixes[0] != "grow" {
		t.Fatalf("got %v", err)
	}
	if string(res.Fixed) != string(src) {
		t.Error("original not returned")
	}
}

func TestEngineLeavesGeneratedFilesAlone(t *testing.T) {
	src := "# NOTE: THIS DOCKERFILE IS GENERATED VIA \"update.sh\"\n#\n# PLEASE DO NOT EDIT IT DIRECTLY.\nFROM a\nRUN x\n"
	res, err := Run(context.Background(), "Dockerfile", []byte(src), Options{Fixes: []*Fix{appendUser}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() || len(res.Remaining) != 1 || !strings.Contains(res.Remaining[0].Reason, "generated") {
		t.Fatalf("changed=%v remaining=%v", res.Changed(), res.Remaining)
	}
	// the words in a later comment do not count
	res, _ = Run(context.Background(), "Dockerfile", []byte("FROM a\n# do not edit the next line\nRUN x\n"), Options{Fixes: []*Fix{appendUser}})
	if !res.Changed() {
		t.Fatal("a comment after the first instruction is not a header")
	}
}

func TestEngineDropsInvalidEdits(t *testing.T) {
	bad := &Fix{Name: "bad", Applicability: Safe, Check: func(p *Pass) {
		p.Report(Finding{Line: 1, Message: "out of range", Title: "out of range", Edits: []Edit{Edit{0, 1000, ""}}})
	}}
	res, err := Run(context.Background(), "Dockerfile", []byte("FROM a\n"), Options{Fixes: []*Fix{bad}})
	if err != nil || res.Changed() || len(res.Remaining) != 1 || !strings.Contains(res.Remaining[0].Reason, "internal error") {
		t.Fatalf("err=%v remaining=%v", err, res.Remaining)
	}
}

func TestSuppressions(t *testing.T) {
	for _, tc := range []struct {
		name, src  string
		suppressed bool
	}{
		{"none", "FROM a\nRUN x\n", false},
		{"by name", "FROM a\n# harden:ignore=append-user\nRUN x\n", true},
		{"by id", "FROM a\n# harden:ignore=XX1\nRUN x\n", true},
		{"in a list with spaces", "FROM a\n#harden:ignore = other, append-user  because reasons\nRUN x\n", true},
		{"ALL", "FROM a\n# harden:ignore=ALL\nRUN x\n", true},
		{"other fix", "FROM a\n# harden:ignore=other\nRUN x\n", false},
		{"hadolint", "FROM a\n# hadolint ignore=DL3000,XX1\nRUN x\n", true},
		{"second of two comment lines", "FROM a\n# harden:ignore=append-user\n# why: reasons\nRUN x\n", true},
		{"separated by a blank line", "FROM a\n# harden:ignore=append-user\n\nRUN x\n", false},
		{"above the stage's FROM", "# harden:ignore=append-user\nFROM a\nRUN x\n", true},
		{"above another stage's FROM", "# harden:ignore=append-user\nFROM a\nRUN x\nFROM b\nRUN y\n", false},
		{"file-wide", "# syntax=docker/dockerfile:1\n# harden:ignore-file=append-user\nFROM a\nRUN x\n", true},
		{"file-wide too late", "FROM a\n# harden:ignore-file=append-user\nRUN x\n", false},
		{"hadolint global", "# hadolint global ignore=XX1\nFROM a\nRUN x\n", true},
		{"inside a continued RUN", "FROM a\nRUN x \\\n# harden:ignore=append-user\n  y\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), "Dockerfile", []byte(tc.src), Options{Fixes: []*Fix{appendUser}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed() == tc.suppressed {
				t.Errorf("changed=%v, want suppressed=%v", res.Changed(), tc.suppressed)
			}
		})
	}
}

// --- the unified diff ---

func TestUnifiedDiffAppliesWithGitAndPatch(t *testing.T) {
	var longA, longB strings.Builder
	for i := 0; i < 40; i++ {
		longA.WriteString("RUN step " + string(rune('a'+i%26)) + "\n")
		line := "RUN step " + string(rune('a'+i%26)) + "\n"
		if i == 5 || i == 30 {
			line = "RUN changed\n"
		}
		if i == 12 || i == 14 {
			longB.WriteString("USER 1\n")
		}
		longB.WriteString(line)
	}
	cases := []struct{ name, a, b string }{
		{"insert", "FROM a\nRUN b\nCMD c\n", "FROM a\nRUN b\nUSER 1\nCMD c\n"},
		{"crlf", "FROM a\r\nRUN b\r\nCMD c\r\n", "FROM a\r\nRUN b\r\nUSER 1\r\nCMD c\r\n"},
		{"no final newline kept", "FROM a\nRUN b", "FROM a\nRUN b\nUSER 1"},
		{"final newline added", "FROM a\nRUN b", "FROM a\nRUN b\n"},
		{"final newline removed", "FROM a\nRUN b\n", "FROM a\nRUN b"},
		{"delete everything but one", "A\nB\nC\n", "B\n"},
		{"from empty", "", "FROM a\n"},
		{"several hunks", longA.String(), longB.String()},
		{"change at start", "FROM a\nB\nC\nD\nE\nF\nG\nH\n", "FROM b\nB\nC\nD\nE\nF\nG\nH\n"},
	}
	dir := t.TempDir()
	run := func(stdin string, name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return errors.New(string(out) + err.Error())
		}
		return nil
	}
	if err := run("", "git", "init", "-q"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diff := UnifiedDiff("sub/Dockerfile", []byte(tc.a), []byte(tc.b))
			if !strings.HasPrefix(diff, "--- a/sub/Dockerfile\n+++ b/sub/Dockerfile\n@@ ") {
				t.Fatalf("headers: %q", diff)
			}
			for _, tool := range [][]string{
				{"git", "apply", "--whitespace=nowarn", "-"},
				{"patch", "-p1", "--quiet", "--batch", "--no-backup-if-mismatch", "-r", "-"},
			} {
				p := filepath.Join(dir, "sub", "Dockerfile")
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(tc.a), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := run(diff, tool[0], tool[1:]...); err != nil {
					t.Fatalf("%s rejects:\n%s\n%v", tool[0], diff, err)
				}
				got, _ := os.ReadFile(p)
				if string(got) != tc.b {
					t.Errorf("%s result %q, want %q\n%s", tool[0], got, tc.b, diff)
				}
			}
		})
	}
	if d := UnifiedDiff("x", []byte("same\n"), []byte("same\n")); d != "" {
		t.Errorf("diff of equal files = %q", d)
	}
}

func TestUnifiedDiffShape(t *testing.T) {
	got := UnifiedDiff("Dockerfile", []byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n"), []byte("1\n2\n3\n4\nX\n5\n6\n7\n8\n9\n"))
	want := "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+X\n 5\n 6\n 7\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestUnifiedDiffOddPathsApply(t *testing.T) {
	for _, name := range []string{"my app/Dockerfile", "we\"ird\\dir/Dockerfile", "tab\there/Dockerfile", "ünï/Dockerfile"} {
		t.Run(name, func(t *testing.T) {
			diff := UnifiedDiff(name, []byte("FROM a\n"), []byte("FROM a\nUSER 1\n"))
			for _, tool := range [][]string{
				{"git", "apply", "-"},
				{"patch", "-p1", "--quiet", "--batch", "--no-backup-if-mismatch", "-r", "-"},
			} {
				dir := t.TempDir()
				if tool[0] == "git" {
					if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
						t.Fatal(string(out))
					}
				}
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte("FROM a\n"), 0o644)
				cmd := exec.Command(tool[0], tool[1:]...)
				cmd.Dir, cmd.Stdin = dir, strings.NewReader(diff)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s\n%s", tool[0], err, out, diff)
				}
				if got, _ := os.ReadFile(p); string(got) != "FROM a\nUSER 1\n" {
					t.Errorf("%s: got %q", tool[0], got)
				}
			}
		})
	}
}

// A finding marked Alone is applied in a round of its own: findings before
// it in the round keep it waiting, and those after it wait for its result.
func TestEngineAppliesAloneFindingsByThemselves(t *testing.T) {
	split := &Fix{Name: "split", Applicability: Safe, Check: func(p *Pass) {
		if len(p.Doc.Stages) == 1 {
			from := p.Doc.Stages[0].From
			p.Report(Finding{Line: from.StartLine, Message: "split", Title: "split", Alone: true,
				Edits: []Edit{{Start: p.Doc.LineStart(from.StartLine), End: p.Doc.LineStart(from.StartLine), New: "FROM s AS b\n"}}})
		}
	}}
	for _, order := range [][]*Fix{{split, appendUser}, {appendUser, split}} {
		res, err := Run(context.Background(), "Dockerfile", []byte("FROM a\nRUN a\n"), Options{Fixes: order})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rounds != 2 || len(res.Applied) != 2 {
			t.Errorf("%s first: %d rounds, applied %v; want two rounds", order[0].Name, res.Rounds, res.Applied)
		}
	}
}

func TestEngineLeavesTestFixturesAlone(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	src := "FROM a\nRUN x\n"
	for _, tc := range []struct {
		path, sibling, want string
	}{
		{"app/Dockerfile", "", ""},
		{"app2/Dockerfile", "app2/README.md", ""},
		{"pkg/testdata/case/Dockerfile", "", "under testdata/"},
		{"parser/testfiles/mail/Dockerfile", "", "under testfiles/"},
		{"x/Fixtures/Dockerfile", "", "under Fixtures/"},
		{"golden1/Dockerfile", "golden1/result", "beside the expected output result"},
		{"golden2/Dockerfile", "golden2/Dockerfile.golden", "Dockerfile.golden"},
		{"golden3/Dockerfile", "golden3/expected.txt", "expected.txt"},
	} {
		p := write(tc.path, src)
		if tc.sibling != "" {
			write(tc.sibling, "x\n")
		}
		res, err := Run(context.Background(), p, []byte(src), Options{Fixes: []*Fix{appendUser}})
		if err != nil {
			t.Fatal(err)
		}
		if tc.want == "" {
			if !res.Changed() {
				t.Errorf("%s: not changed", tc.path)
			}
			continue
		}
		if res.Changed() || len(res.Remaining) != 1 || !strings.Contains(res.Remaining[0].Reason, tc.want) {
			t.Errorf("%s: changed=%v remaining=%v", tc.path, res.Changed(), res.Remaining)
		}
	}
}
