package fixes

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// NoPipeToShell replaces `curl … | sh` with a download whose checksum is
// verified before it runs.
var NoPipeToShell = &transform.Fix{
	Name:          "no-pipe-to-shell",
	Summary:       "Verify downloaded scripts before running them",
	Also:          []string{"avoid_curl_bashing", "DOCKER_06"},
	Applicability: transform.Safe,
	Needs:         transform.NeedsNetwork,
	Check:         checkPipeToShell,
	Example: `FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl
RUN curl -sSL https://example.com/install.sh | sh -s -- -y
`,
	Doc: `What it does
  Finds RUN commands that download a script and run it without looking at it,
  anywhere in && and ; chains, over continuation lines and in heredocs:
    curl … URL | [sudo …] [VAR=x …] sh|bash|dash|ash|zsh|ksh [opts] [-s] [-- args]
    wget -qO- URL | …   (also -O -, -O-, --output-document=-)
    curl … | python|python3 [-]    curl … | perl [-] [args]
    curl … | bash /dev/stdin args
    sh -c "$(curl …)" [args]       eval "$(curl …)"
    bash <(curl …) [args]          . <(curl …)       source <(curl …)
  and rewrites that one command into download, verify, run, clean up:
    curl -fsSL URL -o /tmp/install.sh.0123456789ab \
      && echo "<sha256>  /tmp/install.sh.0123456789ab" | sha256sum -c - \
      && sh /tmp/install.sh.0123456789ab -y \
      && rm -f /tmp/install.sh.0123456789ab
  keeping everything else as written: the other commands of the RUN, the
  continuation style, curl's or wget's own options, sudo and env prefixes,
  the interpreter's options and the script's arguments. curl gets -f (fail on
  HTTP errors) and -L (follow redirects, as harden did to checksum the
  content) when it lacks them; wget fails and follows by default. The file is
  named after the URL and the first 12 digits of its checksum. sh -c "$(…)"
  becomes sh -c "$(cat FILE)", so the script gets the same $0 and arguments.

  The checksum is the sha256 of what the URL serves when harden runs (trust
  on first use, like pinning an image digest), fetched over HTTP(S) with a
  timeout and a size cap, and recorded in the lock file's "urls"; --offline
  uses the lock file only, and reports without an edit what it lacks.
  URLs with variables are resolved from the ARG and ENV defaults in scope;
  the finding names the values the checksum is tied to.

Why
  A script piped into a shell runs whatever the server sends that day: a
  compromised or hijacked server, a CDN mistake or a truncated download (sh
  runs a half script) change the image without any change to the
  Dockerfile. With the checksum, a changed script fails the build instead.

What can break
  - The script changes upstream on purpose (installers such as
    deb.nodesource.com/setup_X or get.docker.com are updated in place): the
    build fails at sha256sum. Review the new script and refresh the lock
    (harden fix --lock FILE --update, or delete its line).
  - A --build-arg that changes the URL (the edit is unsafe then, and says
    which ARG): the checksum is that of the default value.
  - The script sees itself as a file: $0 (python's argv[0], perl's $0) is the
    file's path instead of "sh" or "-", and its standard input is the RUN's
    instead of the rest of the script.
  - The image needs sha256sum and /tmp: coreutils or BusyBox provide it in
    every Debian, Ubuntu, RHEL-family, SUSE, Arch, Alpine and BusyBox image;
    on an image harden cannot place, the edit is unsafe and says so.
  Opt out with "# harden:ignore=no-pipe-to-shell" above the RUN.

What it will not do
  It reports without an edit: URLs with variables that have no default,
  that the RUN sets itself, or that differ by platform ($TARGETARCH); curl
  and wget options that may change what is downloaded (-H, -u, -d, -X, -o,
  -r, -K, wget -U, --header…); pipelines with more than two commands
  (curl | tee | sh); a curl | sh inside || or another pipeline; php, ruby
  and node interpreters; ONBUILD triggers; PowerShell's iex (iwr …) and
  Invoke-Expression under a PowerShell SHELL. hadolint's DL4006 (pipefail)
  is a different problem: the rewritten RUN still pipes echo into sha256sum,
  whose status is the pipeline's.`,
}

func checkPipeToShell(pass *transform.Pass) {
	d := pass.Doc
	for _, n := range d.Instructions() {
		onbuild := strings.EqualFold(n.Value, "onbuild")
		if !strings.EqualFold(n.Value, "run") && !onbuild {
			continue
		}
		sh := d.Shell(n)
		if sh == nil {
			continue
		}
		if onbuild {
			if in := d.Inst(n); in == nil || in.Sub == nil || !strings.EqualFold(in.Sub.Node.Value, "run") {
				continue
			}
		}
		if !sh.POSIX || mentionsPowerShell(sh.Text) {
			if powershellDownloadRun(sh.Text) {
				pass.Reportf(n.StartLine, "Runs a script downloaded with PowerShell (iex/Invoke-Expression) without verifying it; harden does not rewrite PowerShell: download it with Invoke-WebRequest -OutFile, check Get-FileHash, then run it")
			}
			if !sh.POSIX {
				continue
			}
		}
		if sh.File == nil {
			continue
		}
		p := &pipeCheck{pass: pass, d: d, n: n, sh: sh, onbuild: onbuild, seen: map[*syntax.BinaryCmd]bool{}}
		syntax.Walk(sh.File, func(node syntax.Node) bool {
			st, ok := node.(*syntax.Stmt)
			if !ok {
				return true
			}
			switch c := st.Cmd.(type) {
			case *syntax.BinaryCmd:
				if (c.Op == syntax.Pipe || c.Op == syntax.PipeAll) && !p.seen[c] {
					p.pipeline(st)
				}
			case *syntax.CallExpr:
				p.call(st, c)
			}
			return true
		})
	}
}

// pipeCheck looks at one RUN.
type pipeCheck struct {
	pass    *transform.Pass
	d       *transform.Document
	n       *parser.Node
	sh      *transform.Shell
	onbuild bool
	seen    map[*syntax.BinaryCmd]bool
	sc      *scope
	parents map[*syntax.Stmt]*syntax.Stmt // the && chain each operand is in
	isX     map[*syntax.Stmt]bool         // left operands of &&
}

// found is one download run as a script.
type found struct {
	stmt    *syntax.Stmt     // the statement replaced
	fetch   shell.Fetch      // the download
	call    *syntax.CallExpr // its command
	fstmt   *syntax.Stmt     // and statement
	interp  string           // what runs it, for the message
	why     string           // why it cannot be rewritten, or ""
	inShell bool             // runs in the current shell (., source, eval): never in a subshell
	runText func(file string) string
}

func (p *pipeCheck) raw(n syntax.Node) string {
	return p.sh.Text[n.Pos().Offset():n.End().Offset()]
}

func (p *pipeCheck) words(c *syntax.CallExpr) []shell.Word {
	out := make([]shell.Word, len(c.Args))
	for i, w := range c.Args {
		out[i] = shell.WordOf(p.sh.Text, w)
	}
	return out
}

// render joins pieces of a command: its assignments, its words (kept as
// written or new) and its redirections.
func (p *pipeCheck) render(st *syntax.Stmt, c *syntax.CallExpr, pieces []shell.Piece) string {
	var parts []string
	for _, a := range c.Assigns {
		parts = append(parts, p.raw(a))
	}
	for _, pc := range pieces {
		if pc.Arg >= 0 {
			parts = append(parts, p.raw(c.Args[pc.Arg]))
		} else {
			parts = append(parts, pc.Text)
		}
	}
	for _, r := range st.Redirs {
		parts = append(parts, p.raw(r))
	}
	return strings.Join(parts, " ")
}

// flatten lists the commands of a pipeline.
func (p *pipeCheck) flatten(st *syntax.Stmt) []*syntax.Stmt {
	b, ok := st.Cmd.(*syntax.BinaryCmd)
	if !ok || b.Op != syntax.Pipe && b.Op != syntax.PipeAll || len(st.Redirs) > 0 || st.Negated {
		return []*syntax.Stmt{st}
	}
	p.seen[b] = true
	return append(p.flatten(b.X), p.flatten(b.Y)...)
}

// fetchOf reads a statement as a download to standard output.
func (p *pipeCheck) fetchOf(st *syntax.Stmt) (shell.Fetch, *syntax.CallExpr, bool, string) {
	c, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(c.Args) == 0 || st.Negated || st.Background || st.Coprocess {
		return shell.Fetch{}, nil, false, ""
	}
	f, isFetch, why := shell.ParseFetch(p.words(c))
	if !isFetch {
		return f, nil, false, ""
	}
	for _, r := range st.Redirs {
		if r.N == nil || r.N.Value != "2" {
			why = "its output is redirected"
		}
	}
	return f, c, true, why
}

func (p *pipeCheck) pipeline(st *syntax.Stmt) {
	parts := p.flatten(st)
	for k := 0; k+1 < len(parts); k++ {
		f, fc, ok, why := p.fetchOf(parts[k])
		if !ok {
			continue
		}
		y := parts[k+1]
		yc, ok := y.Cmd.(*syntax.CallExpr)
		if !ok || len(yc.Args) == 0 {
			continue
		}
		r, isRun, rwhy := shell.ParseScriptRun(p.words(yc))
		if !isRun {
			continue
		}
		if why == "" {
			why = rwhy
		}
		for _, rd := range y.Redirs {
			if rd.N == nil && (rd.Op == syntax.RdrIn || rd.Op == syntax.Hdoc || rd.Op == syntax.DashHdoc || rd.Op == syntax.WordHdoc) || rd.N != nil && rd.N.Value == "0" {
				return // reads something else
			}
		}
		if why == "" && len(parts) > 2 {
			why = "it is part of a longer pipeline"
		}
		if why == "" && (y.Negated || y.Background || y.Coprocess || st.Background || st.Coprocess || st.Negated || len(st.Redirs) > 0) {
			why = "of how the pipeline is run"
		}
		interp := "sh"
		if r.Name != "" {
			interp = r.Name
		}
		p.report(found{stmt: st, fetch: f, call: fc, fstmt: parts[k], interp: interp, why: why,
			runText: func(file string) string { return p.render(y, yc, r.RunFile(file)) }})
		return
	}
}

// call looks for sh -c "$(curl …)", eval "$(curl …)" and <(curl …).
func (p *pipeCheck) call(st *syntax.Stmt, c *syntax.CallExpr) {
	if len(c.Args) == 0 {
		return
	}
	argv := p.words(c)
	// sh -c "$(curl …)" and eval "$(curl …)"
	idx, dashC := shell.DashC(argv)
	if !dashC && argv[0].Literal && argv[0].Value == "eval" && len(argv) == 2 {
		idx, dashC = 1, true
	}
	if dashC {
		w := c.Args[idx]
		if len(w.Parts) == 1 {
			if dq, ok := w.Parts[0].(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
				if cs, ok := dq.Parts[0].(*syntax.CmdSubst); ok && len(cs.Stmts) == 1 && !cs.Backquotes {
					p.substituted(st, cs.Stmts[0], argv[0].Value, cs.Stmts[0], func(file string) string { return "cat " + file })
					return
				}
			}
		}
	}
	// bash <(curl …), . <(curl …)
	for _, w := range c.Args[1:] {
		if len(w.Parts) != 1 {
			continue
		}
		ps, ok := w.Parts[0].(*syntax.ProcSubst)
		if !ok || ps.Op != syntax.CmdIn || len(ps.Stmts) != 1 {
			continue
		}
		i, _ := shell.SkipWrappers(argv)
		if i >= len(argv) || !argv[i].Literal {
			return
		}
		name := argv[i].Value
		if k, _ := shell.InterpKind(baseName(name)); k == "" && !shell.IsSource(name) {
			return
		}
		p.substituted(st, ps.Stmts[0], baseName(name), w, func(file string) string { return file })
		return
	}
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// substituted handles a download inside $(…) or <(…): inner is the
// download statement, replaced (the node whose text is swapped for
// with(file)).
func (p *pipeCheck) substituted(st, inner *syntax.Stmt, interp string, replaced syntax.Node, with func(string) string) {
	f, fc, ok, why := p.fetchOf(inner)
	if !ok {
		return
	}
	if why == "" && (st.Negated || st.Background || st.Coprocess) {
		why = "of how the command is run"
	}
	a, b := int(st.Pos().Offset()), int(stmtEnd(st).Offset())
	ra, rb := int(replaced.Pos().Offset()), int(replaced.End().Offset())
	p.report(found{stmt: st, fetch: f, call: fc, fstmt: inner, interp: interp, why: why,
		inShell: shell.IsSource(interp) || interp == "eval",
		runText: func(file string) string { return p.sh.Text[a:ra] + with(file) + p.sh.Text[rb:b] }})
}

func stmtEnd(st *syntax.Stmt) syntax.Pos {
	end := st.Cmd.End()
	for _, r := range st.Redirs {
		if r.End().After(end) {
			end = r.End()
		}
	}
	return end
}

// decides reports whether a failure of stmt already decides the RUN's
// outcome as an && chain in its place would: stmt is followed by && in its
// chain (a failure skips the rest, set -e or not), or it ends the script
// (its status is the RUN's).
func (p *pipeCheck) decides(stmt *syntax.Stmt) bool {
	if p.parents == nil {
		p.parents = map[*syntax.Stmt]*syntax.Stmt{}
		p.isX = map[*syntax.Stmt]bool{}
		syntax.Walk(p.sh.File, func(n syntax.Node) bool {
			if st, ok := n.(*syntax.Stmt); ok {
				if b, ok := st.Cmd.(*syntax.BinaryCmd); ok && b.Op == syntax.AndStmt {
					p.parents[b.X], p.parents[b.Y] = st, st
					p.isX[b.X] = true
				}
			}
			return true
		})
	}
	for {
		parent, ok := p.parents[stmt]
		if !ok {
			stmts := p.sh.File.Stmts
			return len(stmts) > 0 && stmts[len(stmts)-1] == stmt
		}
		if p.isX[stmt] {
			return true
		}
		stmt = parent
	}
}

// report turns what was found into a finding, with an edit when it can.
func (p *pipeCheck) report(fd found) {
	line := p.n.StartLine
	if sp, ok := p.sh.NodeSpan(fd.stmt); ok {
		line = p.d.LineAt(sp.Start)
	}
	what := fmt.Sprintf("Runs a script with %s, straight from %s, without verifying it", fd.interp, fd.fetch.Tool)
	fail := func(format string, args ...any) {
		p.pass.Reportf(line, "%s; not rewritten: %s", what, fmt.Sprintf(format, args...))
	}
	if fd.why != "" {
		fail("%s", fd.why)
		return
	}
	if p.onbuild {
		fail("an ONBUILD trigger runs in images built from this one, whose variables and tools harden cannot see")
		return
	}
	if p.sc == nil {
		sc := scopeAt(p.d, p.n)
		p.sc = &sc
	}
	u, err := p.sc.shellURL(p.sh, fd.call.Args[fd.fetch.URL])
	if err != nil {
		fail("the URL %s", err)
		return
	}
	if !strings.HasPrefix(u.URL, "https://") && !strings.HasPrefix(u.URL, "http://") {
		fail("the URL %q is not http(s)", u.URL)
		return
	}
	what = fmt.Sprintf("Runs %s with %s, straight from %s, without verifying it", u.URL, fd.interp, fd.fetch.Tool)
	sum, why := checksum(p.pass, u.URL)
	if why != "" {
		fail("%s", why)
		return
	}
	file := tempFile(u.URL, sum)
	verify := fmt.Sprintf(`echo "%s  %s" | sha256sum -c -`, sum, file)
	if p.sh.Exec {
		verify = fmt.Sprintf(`echo '%s  %s' | sha256sum -c -`, sum, file)
	}
	dl := p.render(fd.fstmt, fd.call, fd.fetch.SaveTo(file))
	cmds := []string{dl, verify, fd.runText(file), "rm -f " + file}
	if !fd.inShell && !p.decides(fd.stmt) {
		// Run the chain in a subshell, so that a failed check (or a failed
		// script) fails the RUN wherever the original command would: as
		// one command, it is not exempt from set -e as the inner commands
		// of an && list are.
		cmds[0], cmds[3] = "("+cmds[0], cmds[3]+")"
	}
	edit, ok := p.sh.ReplaceCommand(fd.stmt, cmds...)
	if !ok {
		fail("it sits where a command cannot be replaced by an && chain (after ||, in a pipeline, or written in a form harden cannot map back)")
		return
	}
	f := transform.Finding{
		Line:    line,
		Message: what,
		Title:   fmt.Sprintf("Download to %s, check its sha256 (%s…) and run it from there", file, sum[:12]),
		Edits:   []transform.Edit{edit},
	}
	var unsure []string
	if !u.Overridable {
		f.Message += u.note()
	} else {
		unsure = append(unsure, u.overrideRisk())
	}
	if !hasSHA256Sum(p.pass.Facts(p.d.StageOf(p.n))) {
		unsure = append(unsure, "harden cannot tell whether the image has sha256sum (coreutils or BusyBox): check that it does")
	}
	if len(unsure) > 0 {
		f.Applicability = transform.Unsafe
		f.Message += "; " + strings.Join(unsure, "; ")
	}
	p.pass.Report(f)
}

// hasSHA256Sum reports whether the stage's image is known to have
// sha256sum: coreutils in every useradd-family distribution (Debian,
// Ubuntu, RHEL and relatives, SUSE, Arch, Amazon Linux), BusyBox's applet
// in Alpine, BusyBox and Wolfi, or a RUN of the stage that uses it.
func hasSHA256Sum(f *transform.Facts) bool {
	if f == nil {
		return false
	}
	if f.Image.Family == images.Useradd || f.Image.Family == images.BusyBox {
		return true
	}
	if fam := f.Family(); fam == images.Useradd || fam == images.BusyBox {
		return true
	}
	for _, r := range f.Runs {
		if r.Mentions("sha256sum") {
			return true
		}
	}
	return false
}

// mentionsPowerShell reports a POSIX RUN that calls PowerShell.
func mentionsPowerShell(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "pwsh") || strings.Contains(t, "powershell")
}

// powershellDownloadRun reports PowerShell text that evaluates a download:
// iex/Invoke-Expression together with iwr/irm/Invoke-WebRequest/
// Invoke-RestMethod/DownloadString.
func powershellDownloadRun(text string) bool {
	t := strings.ToLower(text)
	eval := strings.Contains(t, "invoke-expression") || containsWord(t, "iex")
	dl := strings.Contains(t, "invoke-webrequest") || strings.Contains(t, "invoke-restmethod") ||
		strings.Contains(t, "downloadstring") || containsWord(t, "iwr") || containsWord(t, "irm")
	return eval && dl
}

// containsWord reports w in t as a whole word.
func containsWord(t, w string) bool {
	for i := 0; ; {
		j := strings.Index(t[i:], w)
		if j < 0 {
			return false
		}
		a, b := i+j, i+j+len(w)
		if (a == 0 || !isWordByte(t[a-1])) && (b == len(t) || !isWordByte(t[b])) {
			return true
		}
		i = b
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}
