package fixes

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/transform"
)

// GPGAscCleanup removes a downloaded signature once gpg has verified it.
var GPGAscCleanup = &transform.Fix{
	Name:          "gpg-asc-cleanup",
	Summary:       "Remove a downloaded signature file after verifying it",
	Also:          []string{"gpgVerifyAscRmAsc"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkGPGAscCleanup,
	Example: `FROM debian:bookworm-slim
RUN curl -fsSLo /usr/local/bin/gosu https://example.com/gosu \
    && curl -fsSLo /usr/local/bin/gosu.asc https://example.com/gosu.asc \
    && gpg --batch --verify /usr/local/bin/gosu.asc /usr/local/bin/gosu \
    && chmod +x /usr/local/bin/gosu
`,
	Doc: `What it does
  When a RUN downloads a signature (with curl -o/-O, wget, or a redirect:
  a file whose name ends in .asc, .sig or .sign) and checks it with
  "gpg --verify SIG [FILE]" (gpg2, gpg1, gpgv), and nothing later in the
  RUN removes it (rm of the file, of a directory above it, or a glob that
  matches it), it adds "rm -f SIG" right after the verify, as "gpg --verify
  … && rm -f SIG" in the RUN's layout, with the path written as in the
  verify (and the same sudo as the download).

Why
  The signature is read once, by the verify; left behind, it is a file in
  the image that nothing uses. Binnacle's gpgVerifyAscRmAsc rule.

When it is safe, and when not
  The rm runs right after the verify, in the same shell and directory, only
  when it succeeded: a failing verify fails as before. Where the verify
  cannot take "&& rm" (behind "||", in a pipeline, in an if or while
  condition, in a command substitution), the rm goes at the end of the RUN
  instead, but only when the path is absolute or the RUN never changes
  directory, and the path uses no variable the RUN sets; otherwise it is
  reported without an edit, as are downloads and verifies run as another
  user (sudo -u, su…). When the file it signs is an archive or a package
  that the RUN keeps (php.tar.xz beside php.tar.xz.asc), the pair may be
  kept on purpose, for later re-verification: the edit is then unsafe.

What it will not do
  It leaves alone a signature that the RUN still reads after the verify
  (a one-argument verify of a clearsigned file that grep then reads) or
  that a later instruction names (a later RUN, a COPY --from), one the RUN
  did not download itself (COPY, ADD or an earlier RUN put it there: the
  earlier layer keeps it, and removing it saves nothing), and one under a
  --mount of the RUN (cache, tmpfs, bind: not in the image). Verifies
  inside "sh -c '…'" strings are not read.`,
}

func checkGPGAscCleanup(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, i int, n *parserNode) {
		cs := calls(doc, n)
		for k, c := range cs {
			w := verifiedSignature(c)
			if w == nil {
				continue
			}
			sh := c.sh
			raw := sh.Text[w.Pos().Offset():w.End().Offset()]
			sig := normPath(raw)
			if strings.ContainsAny(sig, "*?[`\n") || strings.Contains(raw, "$(") ||
				!(strings.HasSuffix(sig, ".asc") || strings.HasSuffix(sig, ".sig") || strings.HasSuffix(sig, ".sign")) {
				continue
			}
			var dl *call
			for j := range cs[:k] {
				if downloadsTo(cs[j], sig) {
					dl = &cs[j]
				}
			}
			if dl == nil {
				continue // not downloaded here: the layer that has it keeps it
			}
			cwd := runCwd(doc, st, i, cs)
			abs := joinCwd(sig, cwd)
			end := int(c.stmt.End().Offset())
			if removedAfter(cs, end, sig, abs, cwd) || sigUsedAfter(sh, end, sig, abs) ||
				namedLater(doc, n, sig, abs) || underMount(doc, n, abs) {
				continue
			}
			rm := dl.sudo() + "rm -f " + raw
			f := transform.Finding{Line: lineOf(doc, sh, c.stmt),
				Message: "the signature " + raw + " stays in the image after " + c.name + " verified it"}
			if data := signedFile(c, sig); isArchive(data) && !removedAfter(cs, end, data, joinCwd(data, cwd), cwd) {
				f.Applicability = transform.Unsafe
				f.Message += "; check that it is not kept on purpose: the archive it signs, " + path.Base(data) + ", stays in the image beside it"
			}
			switch {
			case dl.asOther() || c.asOther():
				f.Message += "; not changed: it is downloaded or verified as another user"
			default:
				if e, ok := sh.InsertAfter(c.stmt, rm); ok {
					f.Title, f.Edits = "Remove "+raw+" after verifying it", []transform.Edit{e}
					break
				}
				if (path.IsAbs(sig) || !changesDir(cs) || endsScript(sh, c.stmt)) && !inBackground(sh, c.stmt) {
					if !usesRunVars(sh, w) {
						if e, ok := appendCmd(doc, sh, rm); ok {
							f.Title, f.Edits = "Remove "+raw+" at the end of the RUN", []transform.Edit{e}
							break
						}
					}
				}
				f.Message += "; not changed: harden cannot add the rm where it runs in the verify's directory"
			}
			pass.Report(f)
		}
	})
}

// verifiedSignature is the signature word of gpg --verify SIG [FILE] or
// gpgv SIG [FILE], or nil.
func verifiedSignature(c call) *syntax.Word {
	args := c.args()
	l := readGPG(args)
	switch {
	case isGPG(c.name) && l.has("--verify") && len(l.ops) == 1:
	case c.name == "gpgv":
	default:
		return nil
	}
	if len(l.pos) == 0 || l.pos[0] >= len(args) {
		return nil
	}
	return c.arg(l.pos[0])
}

// signedFile is the file a verify checks sig against (a normPath): its
// second argument, or sig without its extension.
func signedFile(c call, sig string) string {
	l := readGPG(c.args())
	if len(l.pos) > 1 {
		w := c.arg(l.pos[1])
		return normPath(c.sh.Text[w.Pos().Offset():w.End().Offset()])
	}
	return strings.TrimSuffix(sig, path.Ext(sig))
}

// isArchive reports a file name of an archive or a package: a download
// kept as it is, for later.
func isArchive(name string) bool {
	for _, ext := range []string{".tar", ".tgz", ".txz", ".tbz", ".tbz2", ".gz", ".xz", ".bz2", ".zst", ".zip", ".7z",
		".whl", ".deb", ".rpm", ".apk", ".jar", ".gem", ".nupkg", ".iso", ".img"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

var bracedVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// normPath is a path word as written with quotes dropped and ${NAME}
// written $NAME, cleaned: the form two words naming the same file share.
func normPath(raw string) string {
	s := normText(raw)
	if s == "" {
		return s
	}
	return path.Clean(s)
}

// normText is text with quotes dropped and ${NAME} written $NAME.
func normText(raw string) string {
	s := strings.NewReplacer(`"`, "", `'`, "").Replace(raw)
	return bracedVar.ReplaceAllString(s, "$$$1")
}

// runCwd is the directory RUN i of stage st starts in, when the
// Dockerfile sets it with a WORKDIR harden can read, and the RUN never
// changes it; "" when not known.
func runCwd(doc *transform.Document, st *transform.Stage, i int, cs []call) string {
	if changesDir(cs) {
		return ""
	}
	return workdirAt(doc, st, i, false)
}

// changesDir reports a RUN that runs cd, pushd or popd anywhere.
func changesDir(cs []call) bool {
	for _, c := range cs {
		if c.name == "cd" || c.name == "pushd" || c.name == "popd" {
			return true
		}
	}
	return false
}

// absPath is p made absolute with cwd ("" when it cannot be).
func joinCwd(p, cwd string) string {
	switch {
	case path.IsAbs(p):
		return p
	case cwd != "":
		return path.Join(cwd, p)
	}
	return ""
}

// covers reports whether the path pattern pat (a normPath, maybe a glob)
// names p or a directory above it. Both must be absolute, or both
// relative to the same directory.
func covers(pat, p string) bool {
	if pat == "" || p == "" || path.IsAbs(pat) != path.IsAbs(p) {
		return false
	}
	for q := p; q != "/" && q != "."; q = path.Dir(q) {
		if ok, _ := path.Match(pat, q); ok || pat == q {
			return true
		}
	}
	return false
}

// removedAfter reports an rm after shell offset end that removes sig.
func removedAfter(cs []call, end int, sig, abs, cwd string) bool {
	for _, c := range cs {
		if c.name != "rm" || int(c.stmt.Pos().Offset()) < end {
			continue
		}
		opts := true
		for k, a := range c.args() {
			v := a.Value
			if opts && a.Literal && strings.HasPrefix(v, "-") {
				opts = v != "--"
				continue
			}
			p := normPath(c.sh.Text[c.arg(k).Pos().Offset():c.arg(k).End().Offset()])
			if covers(p, sig) || covers(joinCwd(p, cwd), abs) {
				return true
			}
		}
	}
	return false
}

// usedAfter reports a word after shell offset end that names sig: its
// file name, or a glob that matches it.
func sigUsedAfter(sh *transform.Shell, end int, sig, abs string) bool {
	base := path.Base(sig)
	if strings.Contains(normText(sh.Text[end:]), base) {
		return true
	}
	used := false
	syntax.Walk(sh.File, func(x syntax.Node) bool {
		w, ok := x.(*syntax.Word)
		if !ok || used {
			return !used
		}
		if int(w.Pos().Offset()) < end {
			return true
		}
		p := normPath(sh.Text[w.Pos().Offset():w.End().Offset()])
		if strings.ContainsAny(p, "*?[") && (covers(p, sig) || covers(p, abs)) {
			used = true
		}
		return !used
	})
	return used
}

// namedLater reports an instruction after n (in any stage) that names
// sig's file name, or a path glob that matches it.
func namedLater(doc *transform.Document, n *parserNode, sig, abs string) bool {
	base := path.Base(sig)
	for _, m := range doc.Instructions() {
		if m.StartLine <= n.EndLine {
			continue
		}
		text := normText(doc.Text(m))
		if strings.Contains(text, base) {
			return true
		}
		for _, tok := range strings.Fields(text) {
			if strings.ContainsAny(tok, "*?[") && covers(path.Clean(tok), abs) {
				return true
			}
		}
	}
	return false
}

// underMount reports a RUN with a --mount over abs, or with any --mount
// when abs is not known.
func underMount(doc *transform.Document, n *parserNode, abs string) bool {
	for _, m := range runMounts(doc, n) {
		if m.hasTarget && (abs == "" || covers(path.Clean(m.target), abs)) {
			return true
		}
	}
	return false
}

// inBackground reports a statement run with "&", or inside one: a
// command added at the end of the RUN could run before it is done.
func inBackground(sh *transform.Shell, stmt *syntax.Stmt) bool {
	found := false
	syntax.Walk(sh.File, func(x syntax.Node) bool {
		if st, ok := x.(*syntax.Stmt); ok && (st.Background || st.Coprocess) &&
			st.Pos().Offset() <= stmt.Pos().Offset() && stmt.End().Offset() <= st.End().Offset() {
			found = true
		}
		return !found
	})
	return found
}

// usesRunVars reports a word that expands a variable the RUN sets.
func usesRunVars(sh *transform.Shell, w *syntax.Word) bool {
	for _, name := range paramNames(w) {
		if assignedIn(sh.File, name) {
			return true
		}
	}
	return false
}

// endsScript reports a statement that is the script's last command at its
// top level (alone or the last operand of its && chain): a command appended
// to the script runs right after it, in the same directory.
func endsScript(sh *transform.Shell, stmt *syntax.Stmt) bool {
	if sh.File == nil || len(sh.File.Stmts) == 0 {
		return false
	}
	last := sh.File.Stmts[len(sh.File.Stmts)-1]
	for {
		if last == stmt {
			return true
		}
		b, ok := last.Cmd.(*syntax.BinaryCmd)
		if !ok || b.Op != syntax.AndStmt {
			return false
		}
		last = b.Y
	}
}
