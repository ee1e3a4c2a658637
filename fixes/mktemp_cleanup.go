package fixes

import (
	"fmt"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/transform"
)

// MktempCleanup removes the temporary directory a RUN makes with mktemp -d.
var MktempCleanup = &transform.Fix{
	Name:          "mktemp-cleanup",
	Summary:       "Remove the directory mktemp -d makes in the RUN that makes it",
	Also:          []string{"rmRecursiveAfterMktempD"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkMktempCleanup,
	Example: `FROM debian:bookworm-slim
RUN set -eux; \
    export GNUPGHOME="$(mktemp -d)"; \
    gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$KEY"; \
    gpg --batch --verify app.tar.gz.asc app.tar.gz
`,
	Doc: `What it does
  Appends '&& rm -rf "$VAR"' to a RUN that keeps the directory of a mktemp
  -d in a variable (VAR="$(mktemp -d …)", export VAR=…, backticks) and
  does not remove it (rm -r of "$VAR", of its contents or of the directory
  it is made in, rmdir, find -delete, or a trap) later in the RUN. When gpg
  ran with that directory as its home (GNUPGHOME, --homedir) and nothing
  stops its agent, the command is 'gpgconf --kill all && rm -rf "$VAR"' on
  BusyBox images (see below).

Why
  What the RUN left there (a GnuPG keyring, sources, a build tree) stays in
  the layer, under a random name nothing will ever use. Only the RUN that
  makes it can leave it out of the image.

When it is safe, and when not
  The directory's name is random: no other instruction can name it, and the
  variable is gone when the RUN ends. The rm goes at the end of the RUN, in
  the RUN's own shell, where the variable still holds the path, after every
  use. The edit is default only when every use of the variable leaves
  nothing outside pointing into the directory: cd into it, downloads and
  extractions into it, checksums, gpg, copies out of it (cp, mv, install),
  package installs from it (dpkg -i, apk add), make -C, git clone, tests,
  and echo to the build log. Anything else makes the edit unsafe, with what
  to check: the variable assigned to another one or exported under a name
  programs read (HOME, XDG_*, …), paths in it printed into a file, a pipe
  or a $(…) (find … | xargs ln -s), $PWD or $(pwd) after a cd into it, a
  program it does not know, a RUN whose user is not root and that runs
  commands as another user. Reported without an edit: an install into it
  (--prefix, DESTDIR, --root, --target, PREFIX=…), an ln -s to a path in
  it, pip install -e, setup.py develop or npm link after a cd into it
  (what was installed would be gone, the link would dangle).
  gpg starts gpg-agent and dirmngr with their sockets in the directory;
  they remove them when one goes away. GNU rm -rf (Debian, Ubuntu, RHEL…)
  ignores files that disappear while it runs; BusyBox rm (Alpine) fails on
  them, so there "gpgconf --kill all" stops the agents first: default when
  the RUNs install gnupg, unsafe otherwise (check that gpgconf is GnuPG 2.1
  or later). When packages are removed after the last gpg (apk del
  .fetch-deps), gpgconf may be gone by the end of the RUN: the command then
  goes right after the last gpg (its "&&" or ";"), or, when that gpg runs
  in a loop or a branch or the directory is used after it, the finding is
  reported without an edit.

What it will not do
  It reports without an edit a mktemp -d whose path is not kept (cd
  "$(mktemp -d)"), one set in a subshell, a function or a loop, or a
  variable set again later. It leaves alone RUNs with a --mount over, above
  or below the directory mktemp uses (/tmp, -p DIR), and mktemp without -d.`,
}

// mktempSafeNames are variable names that hold a temporary directory
// without programs keeping anything under them.
var mktempSafeNames = map[string]bool{"GNUPGHOME": true, "TMPDIR": true, "TMP": true, "TEMP": true, "TEMPDIR": true}

func checkMktempCleanup(pass *transform.Pass) {
	doc := pass.Doc
	flowRuns(doc, []string{"mktemp"}, func(st *transform.Stage, i int, n *parserNode, cs []call, fl *flow) {
		sh := cs[0].sh
		for _, c := range cs {
			parent, ok := mktempDir(c)
			if !ok {
				continue
			}
			line := lineOf(doc, sh, c.stmt)
			f := transform.Finding{Line: line}
			name, stmt := mktempVar(sh, c)
			if name == "" {
				f.Message = "the directory mktemp -d makes stays in the image layer; not changed: its path is not kept in a variable (VAR=\"$(mktemp -d)\"), so harden cannot remove it"
				pass.Report(f)
				continue
			}
			at := fl.at[stmt]
			f.Message = fmt.Sprintf("the directory mktemp -d makes ($%s) stays in the image layer", name)
			if mktempRemoved(cs, fl, name, parent, at, nextSet(fl, name, stmt)) {
				continue
			}
			if mountOver(doc, n, parent) {
				continue
			}
			switch {
			case at.sub:
				f.Message += "; not changed: it is set in a subshell or a function, remove it there"
			case at.loop:
				f.Message += "; not changed: it is set in a loop, remove it in the loop"
			case setAgain(fl, name, stmt):
				f.Message += fmt.Sprintf("; not changed: $%s is set again later in the RUN", name)
			}
			if at.sub || at.loop || setAgain(fl, name, stmt) {
				pass.Report(f)
				continue
			}
			u := mktempUses(doc, sh, cs, fl, name, stmt)
			if u.blocked != "" {
				f.Message += "; not changed: " + u.blocked
				pass.Report(f)
				continue
			}
			var check []string
			if fl.nounset && !alwaysSet(sh, stmt) {
				check = append(check, fmt.Sprintf("$%s is set whenever the RUN gets to its end (it runs set -u)", name))
			}
			if why := riskyName(doc, st, i, sh, name, stmt); why != "" {
				check = append(check, why)
			}
			check = append(check, u.check...)
			if !c.asOther() && st != nil {
				if user, known := userBefore(doc, st, n); (!known || user != "" && !isRootUser(user)) && c.sudo() == "" && usesOtherUser(cs) {
					check = append(check, "the files in it belong to the RUN's user (commands here run as another user)")
				}
			}
			rm := c.sudo() + `rm -rf "$` + name + `"`
			var after *syntax.Stmt // where rm goes: nil for the end of the RUN
			if u.gpg && !u.gpgKilled {
				fam := pass.Facts(st).Family()
				switch {
				case fam == images.Useradd:
				case fam == images.BusyBox && pass.Facts(st).Installs("gnupg"):
					rm = c.sudo() + "gpgconf --kill all && " + rm
				default:
					rm = c.sudo() + "gpgconf --kill all && " + rm
					check = append(check, "gpgconf is installed and is GnuPG 2.1 or later (it stops gpg-agent, whose sockets are in the directory: BusyBox rm fails when the agent removes them first)")
				}
				if fam != images.Useradd && removesPackagesAfter(cs, u.lastGpg) {
					// gpgconf may be gone by the end of the RUN: right after
					// the last gpg, when nothing after it uses the directory.
					lp := fl.at[u.lastGpg]
					if lp.sub || lp.loop || lp.cond || mentionsAfter(sh, name, int(u.lastGpg.End().Offset())) {
						f.Message += fmt.Sprintf("; not changed: packages are removed after gpg runs, so gpgconf may be gone at the end of the RUN: stop gpg-agent (gpgconf --kill all) and remove $%s right after the last gpg", name)
						pass.Report(f)
						continue
					}
					after = u.lastGpg
				}
			}
			if len(check) > 0 {
				f.Applicability = transform.Unsafe
				f.Message += "; check that " + strings.Join(check, ", and that ")
			}
			var e transform.Edit
			ok = false
			switch {
			case c.asOther():
				f.Message += "; not changed: it is made as another user"
			case after != nil:
				if e, ok = sh.InsertAfter(after, rm); ok {
					f.Title = "Run " + rm + " after the last gpg"
				}
			default:
				if e, ok = appendCmd(doc, sh, rm); ok {
					f.Title = "Append " + rm
				}
			}
			if ok {
				f.Edits = []transform.Edit{e}
			} else if f.Title = ""; after != nil {
				f.Message += "; not changed: harden cannot place the command right after the last gpg"
			}
			pass.Report(f)
		}
	})
}

// mktempDir reports a mktemp call that makes a directory (-d, --directory,
// not -u), and the directory it makes it in when harden can tell: -p DIR,
// --tmpdir=DIR, an absolute template's directory, else /tmp (or "" when
// TMPDIR may be set or the template is relative).
func mktempDir(c call) (parent string, ok bool) {
	if c.name != "mktemp" {
		return "", false
	}
	dir, tmpl, known := "", "", true
	args := c.args()
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case !a.Literal:
			known = false
			if !strings.HasPrefix(v, "-") {
				tmpl = v
			}
		case v == "--directory":
			ok = true
		case v == "--dry-run":
			return "", false
		case strings.HasPrefix(v, "--tmpdir="):
			dir = strings.TrimPrefix(v, "--tmpdir=")
		case strings.HasPrefix(v, "--"):
		case strings.HasPrefix(v, "-") && len(v) > 1:
			for j := 1; j < len(v); j++ {
				switch v[j] {
				case 'd':
					ok = true
				case 'u':
					return "", false
				case 'p':
					if j == len(v)-1 {
						if i+1 < len(args) && args[i+1].Literal {
							dir = args[i+1].Value
						} else {
							known = false
						}
						i++
					} else {
						dir = v[j+1:]
					}
					j = len(v)
				}
			}
		default:
			tmpl = v
		}
	}
	if !ok || !known {
		return "", ok
	}
	switch {
	case dir != "":
		if !path.IsAbs(dir) {
			return "", true
		}
		return path.Clean(dir), true
	case strings.Contains(tmpl, "/"):
		if !path.IsAbs(tmpl) {
			return "", true
		}
		return path.Dir(path.Clean(tmpl)), true
	case tmpl != "":
		return "", true // relative to the working directory, or TMPDIR with -t
	}
	return "/tmp", true
}

// mktempVar is the variable the output of mktemp call c is assigned to
// (VAR=$(mktemp -d), VAR="`mktemp -d`", export VAR=…) for the rest of the
// shell, with the statement that assigns it; "" when it is not kept so.
func mktempVar(sh *transform.Shell, c call) (string, *syntax.Stmt) {
	var name string
	var stmt *syntax.Stmt
	holds := func(w *syntax.Word) bool {
		if w == nil || len(w.Parts) != 1 {
			return false
		}
		part := w.Parts[0]
		if dq, ok := part.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
			part = dq.Parts[0]
		}
		cs, ok := part.(*syntax.CmdSubst)
		return ok && len(cs.Stmts) == 1 && cs.Stmts[0].Cmd == c.expr && len(cs.Stmts[0].Redirs) == 0
	}
	syntax.Walk(sh.File, func(n syntax.Node) bool {
		s, ok := n.(*syntax.Stmt)
		if !ok || name != "" {
			return name == ""
		}
		switch x := s.Cmd.(type) {
		case *syntax.CallExpr:
			if len(x.Args) > 0 { // VAR=… cmd: only for cmd
				return true
			}
			for _, a := range x.Assigns {
				if !a.Append && a.Index == nil && holds(a.Value) {
					name, stmt = a.Name.Value, s
				}
			}
		case *syntax.DeclClause:
			if x.Variant.Value != "export" && x.Variant.Value != "declare" && x.Variant.Value != "typeset" && x.Variant.Value != "readonly" {
				return true
			}
			for _, a := range x.Args {
				if !a.Naked && !a.Append && a.Index == nil && holds(a.Value) {
					name, stmt = a.Name.Value, s
				}
			}
		}
		return true
	})
	return name, stmt
}

// setAgain reports another assignment of name after stmt.
func setAgain(fl *flow, name string, stmt *syntax.Stmt) bool {
	return nextSet(fl, name, stmt) < int(^uint(0)>>1)
}

// nextSet is the offset of the next assignment of name after stmt (the
// largest int when there is none).
func nextSet(fl *flow, name string, stmt *syntax.Stmt) int {
	next := int(^uint(0) >> 1)
	for _, at := range fl.assigns[name] {
		if at > int(stmt.End().Offset()) && at < next {
			next = at
		}
	}
	return next
}

// alwaysSet reports an assignment that runs whenever the script goes on
// past it: a statement of the script, or of an && chain of one whose
// earlier commands are set or plain assignments.
func alwaysSet(sh *transform.Shell, stmt *syntax.Stmt) bool {
	for _, top := range sh.File.Stmts {
		if top == stmt {
			return true
		}
		var chain []*syntax.Stmt
		var flatten func(s *syntax.Stmt)
		flatten = func(s *syntax.Stmt) {
			if b, ok := s.Cmd.(*syntax.BinaryCmd); ok && b.Op == syntax.AndStmt && !s.Negated {
				flatten(b.X)
				flatten(b.Y)
				return
			}
			chain = append(chain, s)
		}
		flatten(top)
		for _, s := range chain {
			if s == stmt {
				return true
			}
			ce, ok := s.Cmd.(*syntax.CallExpr)
			if !ok {
				break
			}
			if len(ce.Args) == 0 {
				if plain := func() bool {
					for _, a := range ce.Assigns {
						if _, lit := literalWord(a.Value); !lit && a.Value != nil {
							return false
						}
					}
					return true
				}(); !plain {
					break
				}
				continue
			}
			if lit, ok := literalWord(ce.Args[0]); !ok || lit != "set" {
				break
			}
		}
	}
	return false
}

// mktempRemoved reports a removal of the directory in the RUN before
// offset until (where the variable is set again): rm -r or rmdir of "$VAR"
// (or of its contents), of the directory it is made in, find -delete, or
// a trap that names the variable.
func mktempRemoved(cs []call, fl *flow, name, parent string, at place, until int) bool {
	for _, c := range cs {
		if int(c.stmt.Pos().Offset()) >= until {
			break
		}
		switch c.name {
		case "rm", "rmdir":
			recursive := c.name == "rmdir"
			for i, a := range c.args() {
				if a.Literal && strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "--") {
					recursive = recursive || strings.ContainsAny(a.Value, "rR")
				}
				recursive = recursive || a.Value == "--recursive"
				if rest, ok := varPrefix(c.arg(i), name); ok && recursive && (rest == "" || rest == "/" || rest == "/*" || rest == "/.") {
					return true
				}
			}
		case "trap":
			for _, a := range c.args() {
				if mentionsVar(a.Value, name) && strings.Contains(a.Value, "rm ") {
					return true
				}
			}
		case "find":
			del, root := false, false
			for i, a := range c.args() {
				del = del || a.Value == "-delete"
				if rest, ok := varPrefix(c.arg(i), name); ok && (rest == "" || rest == "/") {
					root = true
				}
			}
			if del && root {
				return true
			}
		}
		if parent != "" && removes(c, fl.at[c.stmt], path.Join(parent, "tmp.XXXXXXXXXX"), at, true) {
			return true
		}
	}
	return false
}

// varPrefix reads a word that starts with $name (or "$name", ${name},
// ${name:?…}) followed by literal text: that text.
func varPrefix(w *syntax.Word, name string) (string, bool) {
	var parts []syntax.WordPart
	for _, p := range w.Parts {
		if dq, ok := p.(*syntax.DblQuoted); ok {
			parts = append(parts, dq.Parts...)
			continue
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "", false
	}
	pe, ok := parts[0].(*syntax.ParamExp)
	if !ok || pe.Param == nil || pe.Param.Value != name || pe.Excl || pe.Length || pe.Index != nil || pe.Slice != nil || pe.Repl != nil {
		return "", false
	}
	if pe.Exp != nil && pe.Exp.Op != syntax.ErrorUnset && pe.Exp.Op != syntax.ErrorUnsetOrNull {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts[1:] {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// mentionsVar reports $name or ${name in text.
func mentionsVar(text, name string) bool {
	for _, p := range []string{"$" + name, "${" + name} {
		for i := 0; ; {
			k := strings.Index(text[i:], p)
			if k < 0 {
				break
			}
			end := i + k + len(p)
			if strings.HasPrefix(p, "${") || end == len(text) || !(isNameByte(text[end]) && text[end] != '-' && text[end] != '.') {
				return true
			}
			i = end
		}
	}
	return false
}

// riskyName is why the variable's name may matter to programs: exported
// (or in the environment already) under a name they may read; "" when not.
func riskyName(doc *transform.Document, st *transform.Stage, i int, sh *transform.Shell, name string, stmt *syntax.Stmt) string {
	if mktempSafeNames[name] {
		return ""
	}
	exported := false
	if d, ok := stmt.Cmd.(*syntax.DeclClause); ok && d.Variant.Value == "export" {
		exported = true
	}
	syntax.Walk(sh.File, func(n syntax.Node) bool {
		if d, ok := n.(*syntax.DeclClause); ok && d.Variant.Value == "export" {
			for _, a := range d.Args {
				exported = exported || a.Name != nil && a.Name.Value == name
			}
		}
		if ce, ok := n.(*syntax.CallExpr); ok && len(ce.Args) > 1 {
			if v, ok := literalWord(ce.Args[0]); ok && v == "set" {
				for _, w := range ce.Args[1:] {
					if o, ok := literalWord(w); ok && (strings.HasPrefix(o, "-") && !strings.HasPrefix(o, "--") && strings.Contains(o, "a") || o == "allexport") {
						exported = true
					}
				}
			}
		}
		return true
	})
	_, inEnv := doc.ScopeAt(st, i).Get(name)
	if exported || inEnv || name == "HOME" || strings.HasPrefix(name, "XDG_") {
		return fmt.Sprintf("no program run after it keeps files or paths under $%s (it is in the environment of the commands after it)", name)
	}
	return ""
}

// usesOtherUser reports a command of the RUN run as another user (sudo,
// su, gosu…): what it writes in the directory may not be the RUN user's
// to remove.
func usesOtherUser(cs []call) bool {
	for _, c := range cs {
		for _, w := range c.words[:c.prog] {
			switch path.Base(w.Value) {
			case "sudo", "doas", "su", "runuser", "gosu", "su-exec", "setpriv", "chroot":
				return true
			}
		}
	}
	return false
}

// mktempUse is what the uses of the variable tell.
type mktempUse struct {
	check   []string     // what to check: uses harden cannot vouch for
	blocked string       // a use that needs the directory to stay
	gpg     bool         // gpg ran with the directory as its home
	lastGpg *syntax.Stmt // the last command that may start gpg's agents
	// gpgKilled: gpgconf --kill ran after it
	gpgKilled bool
}

// mktempHarmless are the programs that, given a path in the directory,
// leave nothing outside it pointing into it.
var mktempHarmless = map[string]bool{
	"cd": true, "pushd": true, "popd": true, "ls": true, "test": true, "[": true, "mkdir": true, "chmod": true,
	"chown": true, "chgrp": true, "rm": true, "rmdir": true, "touch": true, "stat": true, "du": true,
	"sha1sum": true, "sha224sum": true, "sha256sum": true, "sha384sum": true, "sha512sum": true, "md5sum": true,
	"b2sum": true, "cksum": true, "gpg": true, "gpg2": true, "gpgv": true, "gpgconf": true, "gunzip": true,
	"bunzip2": true, "unxz": true, "xz": true, "gzip": true, "unzip": true, "tar": true, "curl": true,
	"wget": true, "git": true, "cat": true, "head": true, "tail": true, "grep": true, "file": true,
	"dpkg": true, "apk": true, "rpm": true, "cp": true, "mv": true, "install": true, "make": true,
	"cmake": true, "ninja": true, "meson": true, "find": true, "echo": true, "printf": true, "true": true,
	":": true, "apt-get": true, "apt": true, "dpkg-deb": true, "xargs": true,
}

// mktempInstallOpts are options whose value is where something gets
// installed or recorded.
var mktempInstallOpts = map[string]bool{
	"--prefix": true, "--root": true, "--installroot": true, "--instdir": true, "--admindir": true,
	"--destdir": true, "--install-dir": true, "--exec-prefix": true, "--home": true, "--user-base": true,
	"--target": true, "--src": true, "--keys-dir": true,
}

// mktempSafeKeys are KEY=value words whose value may name the directory.
var mktempSafeKeys = map[string]bool{
	"--homedir": true, "--directory": true, "--file": true, "--output": true, "--output-document": true,
	"--directory-prefix": true, "--output-dir": true, "--keyring": true, "--primary-keyring": true,
	"--target-directory": true, "--signature": true,
}

// mktempUses reads every use of $name after stmt.
func mktempUses(doc *transform.Document, sh *transform.Shell, cs []call, fl *flow, name string, stmt *syntax.Stmt) mktempUse {
	var u mktempUse
	after := int(stmt.End().Offset())
	byExpr := map[*syntax.CallExpr]call{}
	for _, c := range cs {
		byExpr[c.expr] = c
	}
	check := func(node syntax.Node, why string) {
		if sp, ok := sh.NodeSpan(node); ok {
			why = fmt.Sprintf("%s (line %d)", why, doc.LineAt(sp.Start))
		}
		for _, c := range u.check {
			if c == why {
				return
			}
		}
		u.check = append(u.check, why)
	}
	block := func(why string) {
		if u.blocked == "" {
			u.blocked = why
		}
	}
	cdInto := -1 // offset of a cd into the directory
	walkStack(sh.File, func(n syntax.Node, stack []syntax.Node) {
		switch x := n.(type) {
		case *syntax.SglQuoted:
			if mentionsVar(x.Value, name) && int(x.Pos().Offset()) > after && !inTrap(stack, byExpr) {
				check(x, fmt.Sprintf("the quoted script that names $%s does not point anything outside into it", name))
			}
		case *syntax.Lit:
			if mentionsVar(x.Value, name) && int(x.Pos().Offset()) > after && inHeredoc(stack) {
				check(x, fmt.Sprintf("the here-document that names $%s writes nothing that stays", name))
			}
		case *syntax.ParamExp:
			if x.Param == nil || x.Param.Value != name || int(x.Pos().Offset()) <= after {
				return
			}
			why, blocked, cd := useOf(stack, byExpr, name)
			switch {
			case blocked:
				block(why)
			case why != "":
				check(x, why)
			}
			if cd && cdInto < 0 {
				cdInto = int(x.Pos().Offset())
			}
		}
	})
	gpgHome := name == "GNUPGHOME"
	for _, c := range cs {
		off := int(c.stmt.Pos().Offset())
		if off <= after {
			continue
		}
		for i, a := range c.args() {
			if strings.HasPrefix(a.Value, "--homedir") && (mentionsVar(a.Value, name) || i+1 < len(c.args()) && mentionsVar(c.args()[i+1].Value, name)) {
				gpgHome = true
			}
		}
		if gpgAgent(c) {
			u.gpg, u.lastGpg = true, c.stmt
		}
		if c.name == "gpgconf" && u.gpg {
			for _, a := range c.args() {
				if a.Value == "--kill" {
					u.gpgKilled = true
				}
			}
		}
		if cdInto >= 0 && off > cdInto {
			if why := linksBack(c); why != "" {
				block(why + " after a cd into it: it would point into the removed directory")
			}
		}
	}
	u.gpg = u.gpg && gpgHome
	if cdInto >= 0 {
		rest := sh.Text[cdInto:]
		if strings.Contains(rest, "$PWD") || strings.Contains(rest, "${PWD") || strings.Contains(rest, "pwd") {
			check(stmt, fmt.Sprintf("what names the working directory ($PWD, pwd) after a cd into $%s keeps nothing pointing into it", name))
		}
	}
	return u
}

// useOf reads the use of $name at the top of stack (a ParamExp): why it
// needs checking ("" when harmless), whether it certainly needs the
// directory to stay, and whether it is a cd into it.
func useOf(stack []syntax.Node, byExpr map[*syntax.CallExpr]call, name string) (why string, blocked, cd bool) {
	// The word the expansion is in, and what holds that word.
	var w *syntax.Word
	var holder syntax.Node
	for k := len(stack) - 2; k >= 0; k-- {
		switch x := stack[k].(type) {
		case *syntax.ParamExp:
			return fmt.Sprintf("$%s in another expansion names nothing that stays", name), false, false
		case *syntax.Word:
			if w == nil {
				w = x
				if k > 0 {
					holder = stack[k-1]
				}
			}
		}
		if w != nil {
			break
		}
	}
	if w == nil {
		return fmt.Sprintf("the use of $%s keeps nothing pointing into it", name), false, false
	}
	inSubst := false
	for _, n := range stack {
		if _, ok := n.(*syntax.CmdSubst); ok {
			inSubst = true
		}
	}
	switch h := holder.(type) {
	case *syntax.Assign:
		if h.Name != nil && mktempSafeNames[h.Name.Value] {
			return "", false, false
		}
		if h.Name != nil && installKey(h.Name.Value) && !strings.EqualFold(h.Name.Value, "HOME") {
			return fmt.Sprintf("%s=$%s installs into it", h.Name.Value, name), true, false
		}
		if h.Name != nil {
			return fmt.Sprintf("$%s (set from $%s) keeps nothing pointing into it", h.Name.Value, name), false, false
		}
	case *syntax.Redirect:
		if h.Word == w {
			return "", false, false
		}
		return fmt.Sprintf("the here-document that names $%s writes nothing that stays", name), false, false
	case *syntax.TestClause, *syntax.BinaryTest, *syntax.UnaryTest, *syntax.CaseClause:
		return "", false, false
	case *syntax.CallExpr:
		c, ok := byExpr[h]
		if !ok {
			return fmt.Sprintf("the command that uses $%s keeps nothing pointing into it", name), false, false
		}
		k := -1
		for j, a := range h.Args {
			if a == w {
				k = j
			}
		}
		if k <= c.prog {
			return fmt.Sprintf("the program run from $%s installs nothing that points into it", name), false, false
		}
		return wordUse(c, k-c.prog-1, name, inSubst)
	}
	return fmt.Sprintf("the use of $%s keeps nothing pointing into it", name), false, false
}

// wordUse reads argument i of c, which names $name.
func wordUse(c call, i int, name string, inSubst bool) (why string, blocked, cd bool) {
	args := c.args()
	raw := args[i].Value
	if c.name == "ln" {
		if symbolic(args) && !linkName(args, i) {
			return fmt.Sprintf("ln -s makes a link to a path in $%s", name), true, false
		}
		return "", false, false
	}
	key := optionKey(raw, "$")
	switch {
	case key != "" && !mktempSafeKeys[key] && installKey(key) && !strings.EqualFold(strings.TrimLeft(key, "-"), "home"):
		return fmt.Sprintf("%s %s installs into it", c.name, key+"=$"+name), true, false
	case i > 0 && (mktempInstallOpts[args[i-1].Value] || c.name == "apk" && args[i-1].Value == "-p"):
		return fmt.Sprintf("%s %s $%s installs into it", c.name, args[i-1].Value, name), true, false
	case !mktempHarmless[c.name]:
		return fmt.Sprintf("%s, given a path in $%s, keeps nothing pointing into it", c.name, name), false, false
	case key != "" && !mktempSafeKeys[key]:
		return fmt.Sprintf("%s %s… does not install or record anything under $%s", c.name, key+"=", name), false, false
	}
	if printsPaths(c, inSubst) {
		return fmt.Sprintf("nothing after the RUN uses the paths in $%s that %s prints", name, c.name), false, false
	}
	switch c.name {
	case "cd", "pushd":
		return "", false, true
	case "cp", "mv":
		for _, a := range args {
			if a.Value == "--symbolic-link" || a.Literal && strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "--") && strings.ContainsRune(a.Value, 's') {
				return fmt.Sprintf("%s -s makes a link to a path in $%s", c.name, name), true, false
			}
		}
	case "git":
		for _, a := range args {
			if a.Value == "config" {
				return fmt.Sprintf("git config does not record $%s", name), false, false
			}
		}
	case "find", "xargs":
		for _, a := range args {
			switch a.Value {
			case "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprintf", "-fls", "ln":
				return fmt.Sprintf("%s %s keeps nothing pointing into $%s", c.name, a.Value, name), false, false
			}
		}
	}
	return "", false, false
}

// pathPrinters print the paths they are given, or paths under them.
var pathPrinters = map[string]bool{
	"echo": true, "printf": true, "find": true, "ls": true, "realpath": true, "readlink": true, "du": true,
	"stat": true, "file": true, "grep": true, "sha1sum": true, "sha224sum": true, "sha256sum": true,
	"sha384sum": true, "sha512sum": true, "md5sum": true, "b2sum": true, "cksum": true, "pwd": true,
}

// printsPaths reports a command that prints paths somewhere they may stay
// or be used: into a file, a pipe (but a checksum check), or a $(…).
func printsPaths(c call, inSubst bool) bool {
	if !pathPrinters[c.name] {
		return false
	}
	if inSubst || writesFile(c.stmt) {
		return true
	}
	if next, ok := pipedInto(c); ok {
		return !(strings.HasSuffix(next.name, "sum") && hasArg(next, "-c", "--check"))
	}
	return false
}

// pipedInto is the command that reads c's output through a pipe.
func pipedInto(c call) (call, bool) {
	var next call
	found := false
	syntax.Walk(c.sh.File, func(n syntax.Node) bool {
		b, ok := n.(*syntax.BinaryCmd)
		if ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) && b.X == c.stmt {
			found = true
			if ce, ok := b.Y.Cmd.(*syntax.CallExpr); ok {
				for _, d := range calls(c.doc, c.sh.Inst.Node) {
					if d.expr == ce {
						next = d
					}
				}
			}
		}
		return !found
	})
	return next, found
}

// symbolic reports ln -s / --symbolic.
func symbolic(args []shellWord) bool {
	for _, a := range args {
		if a.Value == "--symbolic" || a.Literal && strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "--") && strings.ContainsRune(a.Value, 's') {
			return true
		}
	}
	return false
}

// linkName reports that args[i] of ln is the name of the link it makes
// (its last operand, after a target, without -t), not a target.
func linkName(args []shellWord, i int) bool {
	var ops []int
	dashes := false
	for k, a := range args {
		switch {
		case !dashes && a.Value == "--":
			dashes = true
		case !dashes && a.Literal && strings.HasPrefix(a.Value, "-") && len(a.Value) > 1:
			if a.Value == "-t" || strings.HasPrefix(a.Value, "--target-directory") || !strings.HasPrefix(a.Value, "--") && strings.ContainsRune(a.Value, 't') {
				return false
			}
			if a.Value == "-S" || a.Value == "--suffix" {
				return false
			}
		default:
			ops = append(ops, k)
		}
	}
	return len(ops) >= 2 && ops[len(ops)-1] == i
}

// writesFile reports a statement whose standard output goes to a file.
func writesFile(s *syntax.Stmt) bool {
	for _, r := range s.Redirs {
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.RdrClob:
			if v, ok := literalWord(r.Word); ok && v == "/dev/null" {
				continue
			}
			return true
		}
	}
	return false
}

// inTrap reports a node inside an argument of trap.
func inTrap(stack []syntax.Node, byExpr map[*syntax.CallExpr]call) bool {
	for _, n := range stack {
		if ce, ok := n.(*syntax.CallExpr); ok {
			if c, ok := byExpr[ce]; ok && c.name == "trap" {
				return true
			}
		}
	}
	return false
}

// inHeredoc reports a node inside a here-document body.
func inHeredoc(stack []syntax.Node) bool {
	for k := 1; k < len(stack); k++ {
		if r, ok := stack[k-1].(*syntax.Redirect); ok && r.Hdoc != nil && stack[k] == r.Hdoc {
			return true
		}
	}
	return false
}

// removesPackagesAfter reports a package removal (apk del, apt-get purge,
// dnf remove…) after statement s: what provided gpgconf may be gone.
func removesPackagesAfter(cs []call, s *syntax.Stmt) bool {
	for _, c := range cs {
		if c.stmt.Pos().Offset() <= s.Pos().Offset() {
			continue
		}
		v, _ := c.verb()
		switch c.name {
		case "apk":
			if v == "del" {
				return true
			}
		case "apt-get", "apt", "aptitude":
			if v == "purge" || v == "remove" || v == "autoremove" {
				return true
			}
		case "yum", "dnf", "microdnf", "tdnf":
			if v == "remove" || v == "erase" || v == "autoremove" {
				return true
			}
		case "zypper":
			if v == "rm" || v == "remove" {
				return true
			}
		case "dpkg":
			if hasArg(c, "-r", "-P", "--remove", "--purge") {
				return true
			}
		}
	}
	return false
}

// mentionsAfter reports $name in the script after offset off.
func mentionsAfter(sh *transform.Shell, name string, off int) bool {
	found := false
	syntax.Walk(sh.File, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.ParamExp:
			found = found || x.Param != nil && x.Param.Value == name && int(x.Pos().Offset()) > off
		case *syntax.SglQuoted:
			found = found || mentionsVar(x.Value, name) && int(x.Pos().Offset()) > off
		}
		return !found
	})
	return found
}

// gpgAgent reports a command that runs gpg in a way that may start its
// agents: gpg itself (not gpgv), dirmngr, gpgsm, git verify-commit/tag.
func gpgAgent(c call) bool {
	switch c.name {
	case "gpg", "gpg2", "gpgsm", "dirmngr", "gpg-agent", "gpg-connect-agent":
		return true
	case "git":
		for _, a := range c.args() {
			if a.Value == "verify-commit" || a.Value == "verify-tag" {
				return true
			}
		}
	}
	return false
}

// linksBack is a command that leaves something outside the working
// directory pointing into it: pip install -e, setup.py develop, npm or
// yarn link, npm install -g of a folder; "" for others.
func linksBack(c call) string {
	args := c.args()
	has := func(vs ...string) bool { return hasArg(c, vs...) }
	switch {
	case (c.name == "pip" || c.name == "pip3" || strings.HasPrefix(c.name, "python") && has("pip")) && has("install") && has("-e", "--editable"):
		return "pip install -e"
	case strings.HasPrefix(c.name, "python") && has("develop"):
		return "setup.py develop"
	case (c.name == "npm" || c.name == "yarn" || c.name == "pnpm") && has("link", "ln"):
		return c.name + " link"
	case c.name == "npm" && has("-g", "--global") && (has(".", "./") || has("install", "i") && len(args) > 0 && strings.HasPrefix(args[len(args)-1].Value, ".")):
		return "npm install -g of a folder (a link)"
	}
	return ""
}
