package fixes

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// GPGKeyserver moves key downloads off the dead SKS keyserver pool.
var GPGKeyserver = &transform.Fix{
	Name:          "gpg-keyserver",
	Summary:       "Receive gpg keys from a keyserver that still runs, not the SKS pool",
	Also:          []string{"gpgUseHaPools"},
	Applicability: transform.Safe,
	Severity:      transform.Warning,
	Check:         checkGPGKeyserver,
	Example: `FROM debian:bookworm-slim
RUN gpg --batch --keyserver ha.pool.sks-keyservers.net --recv-keys B42F6819007F00F88E364FD4036A9C25BF357DD4
`,
	Doc: `What it does
  Rewrites the host of a keyserver of the SKS pool (pool.sks-keyservers.net,
  ha.pool…, p80.pool…, hkps.pool…, na./eu./oc.pool… and every other
  *.sks-keyservers.net name) to keyserver.ubuntu.com where gpg (gpg2,
  apt-key adv) receives keys with --recv-keys: in "--keyserver HOST" and
  "--keyserver=HOST", and in the list of a for loop whose variable is the
  --keyserver value ("for server in ha.pool.sks-keyservers.net …; do gpg
  --keyserver "$server" --recv-keys …"), including words inside a command
  substitution there ("$(shuf -e …)"). The scheme (hkp://, hkps://) stays,
  and so does the port when keyserver.ubuntu.com serves it (80 and 11371
  for hkp, 443 for hkps); another port is dropped. In a loop list a dead
  server that would become a server already in the list is removed
  instead, so that the list holds no duplicates.

Why
  The SKS keyserver pool was shut down in June 2021: its names no longer
  resolve, so "gpg --recv-keys" fails and the build fails with it.
  Binnacle's old advice (use ha.pool.sks-keyservers.net) points at the same
  dead pool. keyserver.ubuntu.com runs the same kind of keyserver and
  serves hkp on ports 11371 and 80 and hkps on 443.

When it is safe, and when not
  Default when every key the command receives is a full fingerprint (40 or
  64 hex digits, with or without spaces and 0x): written in the command, in
  an ARG or ENV value, in a value the RUN assigns once, or in the words of
  a for loop over them. GnuPG 2.1 and later reject a received key whose
  fingerprint is not the one asked for, so which server sends it does not
  matter. (Older GnuPG, in very old base images, may not check it;
  keyserver.ubuntu.com holds what the pool held, so the risk is the one
  the build always had.) Otherwise (short or long key IDs,
  e-mail addresses, values harden cannot read) the edit is unsafe: a short
  ID can match another key on a different server; check the key and use
  its full fingerprint.

What it will not do
  It reports without an edit a dead keyserver given in a variable from
  ARG or ENV (change the value there), with another scheme (http://,
  ldap://), for other commands than --recv-keys (--search-keys,
  --send-keys, --refresh-keys), with a --keyserver-options ca-cert-file
  (it pins the pool's own certificate authority), and any other mention
  of the pool in a RUN (a gpg.conf or dirmngr.conf written with echo, a
  sed, a curl from the pool's web site, a gpg inside an "sh -c '…'"
  string). It leaves alone keyservers that still run
  (keyserver.ubuntu.com, keys.openpgp.org, pgp.mit.edu,
  keyserver.pgp.com), and does not rewrite keys.gnupg.net, an old alias
  of the pool.`,
}

// ksSpec is a keyserver written as [scheme://]host[:port][/path].
type ksSpec struct {
	scheme, host, port string
	// hostport is host[:port] as written.
	hostport string
}

func parseKeyserver(s string) (ksSpec, bool) {
	var k ksSpec
	rest := s
	if sch, r, ok := strings.Cut(s, "://"); ok {
		k.scheme, rest = strings.ToLower(sch), r
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	k.hostport = rest
	k.host = rest
	if h, p, ok := strings.Cut(rest, ":"); ok {
		k.host, k.port = h, p
	}
	k.host = strings.ToLower(k.host)
	if k.host == "" || strings.ContainsAny(k.host, "$`\"' ") || !strings.Contains(k.host, ".") {
		return k, false
	}
	return k, true
}

// dead reports a host of the SKS pool.
func (k ksSpec) dead() bool {
	return k.host == "sks-keyservers.net" || strings.HasSuffix(k.host, ".sks-keyservers.net")
}

// hkp reports a scheme gpg reads as HKP or HKPS.
func (k ksSpec) hkp() bool {
	switch k.scheme {
	case "", "hkp", "hkps", "x-hkp":
		return true
	}
	return false
}

// replacement is host[:port] for keyserver.ubuntu.com, keeping a port it
// serves for the scheme.
func (k ksSpec) replacement() string {
	const ubuntu = "keyserver.ubuntu.com"
	switch {
	case k.scheme == "hkps" && k.port == "443",
		k.scheme != "hkps" && (k.port == "80" || k.port == "11371"):
		return ubuntu + ":" + k.port
	}
	return ubuntu
}

// key identifies a server: scheme and port filled with their defaults.
func (k ksSpec) key() string {
	scheme, port := k.scheme, k.port
	if scheme == "" || scheme == "x-hkp" {
		scheme = "hkp"
	}
	if port == "" {
		port = map[string]string{"hkp": "11371", "hkps": "443"}[scheme]
	}
	return scheme + "://" + k.host + ":" + port
}

// afterKey is the key of the server the spec is rewritten to.
func (k ksSpec) afterKey() string {
	n := ksSpec{scheme: k.scheme, host: "keyserver.ubuntu.com"}
	_, n.port, _ = strings.Cut(k.replacement(), ":")
	return n.key()
}

// fullFingerprint reports a v4 or v5 fingerprint (40 or 64 hex digits),
// with or without blanks and a 0x prefix.
func fullFingerprint(s string) bool {
	s = strings.Join(strings.Fields(s), "")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

// ksRun is what gpg-keyserver reads in one RUN.
type ksRun struct {
	pass *transform.Pass
	doc  *transform.Document
	st   *transform.Stage
	i    int
	n    *parserNode
	sh   *transform.Shell
	// loops are the RUN's `for NAME in …` loops.
	loops []*syntax.ForClause
	// handled are the words an edit or finding already covers.
	handled []*syntax.Word
}

func checkGPGKeyserver(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, i int, n *parserNode) {
		cs := calls(doc, n)
		if len(cs) == 0 {
			return
		}
		r := &ksRun{pass: pass, doc: doc, st: st, i: i, n: n, sh: cs[0].sh}
		syntax.Walk(r.sh.File, func(x syntax.Node) bool {
			if f, ok := x.(*syntax.ForClause); ok {
				if _, ok := f.Loop.(*syntax.WordIter); ok {
					r.loops = append(r.loops, f)
				}
			}
			return true
		})
		loopCalls := map[*syntax.ForClause][]call{}
		var loopOrder []*syntax.ForClause
		for _, c := range cs {
			args, nodes, ok := gpgArgs(c)
			if !ok {
				continue
			}
			l := readGPG(args)
			for k, a := range args {
				if !a.Literal || !(a.Value == "--keyserver" || strings.HasPrefix(a.Value, "--keyserver=")) {
					continue
				}
				j, ok := l.value[k]
				if !ok {
					continue
				}
				w, word := nodes[j], args[j]
				if word.Literal {
					r.literal(c, l, args, nodes, w, strings.TrimPrefix(word.Value, "--keyserver="))
					continue
				}
				for _, name := range paramNames(w) {
					if loop := r.loopOver(name, c.stmt.Pos()); loop != nil {
						if _, seen := loopCalls[loop]; !seen {
							loopOrder = append(loopOrder, loop)
						}
						loopCalls[loop] = append(loopCalls[loop], c)
						continue
					}
					r.fromVariable(c, l, name)
				}
			}
		}
		for _, loop := range loopOrder {
			r.loop(loop, loopCalls[loop])
		}
		r.mentions()
	})
}

// literal handles --keyserver SPEC written in the command.
func (r *ksRun) literal(c call, l gpgLine, args []shell.Word, nodes []*syntax.Word, w *syntax.Word, spec string) {
	k, ok := parseKeyserver(spec)
	if !ok || !k.dead() {
		return
	}
	r.handled = append(r.handled, w)
	f := transform.Finding{Line: lineOf(r.doc, r.sh, w),
		Message: "keyserver " + k.host + " belongs to the SKS pool, shut down in June 2021: receiving keys from it fails"}
	switch {
	case !k.hkp():
		f.Message += "; not changed: it uses " + k.scheme + "://"
	case !l.has("--recv-keys"):
		f.Message += "; not changed: the command does not receive keys (" + firstOr(l.ops, "no command") + ")"
	case pinsCA(args):
		f.Message += "; not changed: its --keyserver-options ca-cert-file pins the pool's certificate authority (drop it)"
	default:
		if !r.fullKeys([]call{c}) {
			f.Applicability = transform.Unsafe
			f.Message += "; check the key ID: a short ID can match another key on a different server; use the full fingerprint"
		}
		if e, ok := r.sh.ReplaceInWord(w, k.hostport, k.replacement()); ok {
			f.Title, f.Edits = "Receive the keys from "+k.replacement(), []transform.Edit{e}
		}
	}
	r.pass.Report(f)
}

// fromVariable reports --keyserver "$NAME" whose ARG or ENV value is dead.
func (r *ksRun) fromVariable(c call, l gpgLine, name string) {
	if assignedIn(r.sh.File, name) {
		return
	}
	v, ok := r.doc.ScopeAt(r.st, r.i)[name]
	if !ok {
		return
	}
	k, ok := parseKeyserver(v)
	if !ok || !k.dead() {
		return
	}
	r.pass.Report(transform.Finding{Line: lineOf(r.doc, r.sh, c.stmt),
		Message: "keyserver $" + name + " (" + k.host + ") belongs to the SKS pool, shut down in June 2021: receiving keys from it fails; not changed: change the value of " + name})
}

// loop handles `for V in SERVERS; do gpg --keyserver "$V" …; done`.
func (r *ksRun) loop(loop *syntax.ForClause, cs []call) {
	wi := loop.Loop.(*syntax.WordIter)
	// The literal words of the list, grouped by the list that holds them
	// (the loop's words, or the arguments of a command inside them).
	type group struct {
		words []*syntax.Word
		specs []ksSpec
	}
	var groups []*group
	add := func(ws []*syntax.Word) {
		g := &group{}
		for _, w := range ws {
			v := shell.WordOf(r.sh.Text, w)
			if !v.Literal {
				continue
			}
			if k, ok := parseKeyserver(v.Value); ok {
				g.words, g.specs = append(g.words, w), append(g.specs, k)
			}
		}
		groups = append(groups, g)
	}
	add(wi.Items)
	for _, it := range wi.Items {
		syntax.Walk(it, func(x syntax.Node) bool {
			if ce, ok := x.(*syntax.CallExpr); ok {
				add(ce.Args)
			}
			return true
		})
	}
	var edits []transform.Edit
	var dead []string
	line := 0
	for _, g := range groups {
		have := map[string]bool{}
		for _, k := range g.specs {
			if !k.dead() {
				have[k.key()] = true
			}
		}
		for j, k := range g.specs {
			if !k.dead() {
				continue
			}
			w := g.words[j]
			r.handled = append(r.handled, w)
			dead = append(dead, k.host)
			if line == 0 {
				line = lineOf(r.doc, r.sh, w)
			}
			if !k.hkp() {
				continue
			}
			if have[k.afterKey()] {
				if e, ok := r.sh.RemoveWord(w); ok {
					edits = append(edits, e)
					continue
				}
			}
			if e, ok := r.sh.ReplaceInWord(w, k.hostport, k.replacement()); ok {
				edits = append(edits, e)
				have[k.afterKey()] = true
			}
		}
	}
	if len(dead) == 0 {
		return
	}
	hosts := uniq(dead)
	what := "keyserver " + hosts[0] + " belongs to the SKS pool, shut down in June 2021: receiving keys from it fails"
	if len(hosts) > 1 {
		what = "keyservers " + strings.Join(hosts, ", ") + " belong to the SKS pool, shut down in June 2021: receiving keys from them fails"
	}
	f := transform.Finding{Line: line, Message: what}
	recv := true
	for _, c := range cs {
		args, _, _ := gpgArgs(c)
		recv = recv && readGPG(args).has("--recv-keys")
	}
	ca := false
	for _, c := range cs {
		args, _, _ := gpgArgs(c)
		ca = ca || pinsCA(args)
	}
	switch {
	case !recv:
		f.Message += "; not changed: the loop's gpg commands do not all receive keys"
	case ca:
		f.Message += "; not changed: a --keyserver-options ca-cert-file pins the pool's certificate authority (drop it)"
	case len(edits) == 0:
		f.Message += "; not changed: harden cannot rewrite these words"
	default:
		if !r.fullKeys(cs) {
			f.Applicability = transform.Unsafe
			f.Message += "; check the key ID: a short ID can match another key on a different server; use the full fingerprint"
		}
		f.Title, f.Edits = "Receive the keys from keyserver.ubuntu.com in the loop over $"+wi.Name.Value, edits
	}
	r.pass.Report(f)
}

// pinsCA reports a --keyserver-options ca-cert-file (GnuPG 1.4 and 2.0):
// the pool's own certificate authority, which no other server uses.
func pinsCA(args []shell.Word) bool {
	for _, a := range args {
		if strings.Contains(a.Value, "ca-cert") {
			return true
		}
	}
	return false
}

// mentions reports the other words of the RUN that name a host of the
// pool: configuration written with echo, a sed, a download.
func (r *ksRun) mentions() {
	var first *syntax.Word
	syntax.Walk(r.sh.File, func(x syntax.Node) bool {
		w, ok := x.(*syntax.Word)
		if !ok || first != nil {
			return first == nil
		}
		if !strings.Contains(strings.ToLower(r.sh.Text[w.Pos().Offset():w.End().Offset()]), "sks-keyservers.net") {
			return true
		}
		for _, h := range r.handled {
			if h.Pos().Offset() >= w.Pos().Offset() && h.End().Offset() <= w.End().Offset() {
				return false // holds a word already reported
			}
		}
		first = w
		return false
	})
	if first == nil {
		return
	}
	r.pass.Report(transform.Finding{Line: lineOf(r.doc, r.sh, first),
		Message: "the RUN names the SKS keyserver pool, shut down in June 2021; not changed: use keyserver.ubuntu.com or keys.openpgp.org there"})
}

// fullKeys reports whether every key the calls receive is a full
// fingerprint harden can read.
func (r *ksRun) fullKeys(cs []call) bool {
	for _, c := range cs {
		args, nodes, _ := gpgArgs(c)
		l := readGPG(args)
		if len(l.pos) == 0 {
			return false
		}
		for _, j := range l.pos {
			vs, ok := r.values(nodes[j], 0)
			if !ok || len(vs) == 0 {
				return false
			}
			for _, v := range vs {
				if !fullFingerprint(v) {
					return false
				}
			}
		}
	}
	return true
}

// values are the words w gives its command after expansion, or ok=false
// when harden cannot tell: literal text, or one $NAME (quoted or not)
// whose value comes from an enclosing for loop, from assignments in the
// RUN that all give the same literal text, or from ARG and ENV.
func (r *ksRun) values(w *syntax.Word, depth int) ([]string, bool) {
	if v := shell.WordOf(r.sh.Text, w); v.Literal {
		return []string{v.Value}, true
	}
	name, quoted, ok := soleParam(w)
	if !ok || depth > 8 {
		return nil, false
	}
	if loop := r.loopOver(name, w.Pos()); loop != nil {
		var out []string
		for _, it := range loop.Loop.(*syntax.WordIter).Items {
			vs, ok := r.values(it, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, vs...)
		}
		return out, true
	}
	v, ok := r.assigned(name)
	if !ok {
		if assignedIn(r.sh.File, name) {
			return nil, false
		}
		if v, ok = r.doc.ScopeAt(r.st, r.i)[name]; !ok {
			return nil, false
		}
	}
	if quoted {
		return []string{v}, true
	}
	return strings.Fields(v), true
}

// assigned is the value of NAME when the RUN assigns it only with
// literal values, all the same, and never loops over it.
func (r *ksRun) assigned(name string) (string, bool) {
	var vals []string
	bad := false
	syntax.Walk(r.sh.File, func(x syntax.Node) bool {
		switch x := x.(type) {
		case *syntax.Assign:
			if x.Name == nil || x.Name.Value != name {
				return true
			}
			if x.Append || x.Naked || x.Index != nil || x.Array != nil || x.Value == nil {
				bad = true
				return true
			}
			v := shell.WordOf(r.sh.Text, x.Value)
			if !v.Literal {
				bad = true
			}
			vals = append(vals, v.Value)
		case *syntax.ForClause:
			if wi, ok := x.Loop.(*syntax.WordIter); ok && wi.Name.Value == name {
				bad = true
			}
		}
		return true
	})
	if bad || len(vals) == 0 {
		return "", false
	}
	for _, v := range vals[1:] {
		if v != vals[0] {
			return "", false
		}
	}
	return vals[0], true
}

// loopOver is the innermost `for NAME in …` loop whose body holds p.
func (r *ksRun) loopOver(name string, p syntax.Pos) *syntax.ForClause {
	var best *syntax.ForClause
	for _, f := range r.loops {
		wi := f.Loop.(*syntax.WordIter)
		if wi.Name.Value != name || p.Offset() < f.DoPos.Offset() || p.Offset() > f.DonePos.Offset() {
			continue
		}
		if best == nil || f.DoPos.Offset() > best.DoPos.Offset() {
			best = f
		}
	}
	return best
}

// soleParam reads a word that is one plain parameter expansion, $NAME or
// ${NAME}, alone or alone in double quotes.
func soleParam(w *syntax.Word) (name string, quoted, ok bool) {
	if len(w.Parts) != 1 {
		return "", false, false
	}
	p := w.Parts[0]
	if dq, ok := p.(*syntax.DblQuoted); ok {
		if len(dq.Parts) != 1 || dq.Dollar {
			return "", false, false
		}
		p, quoted = dq.Parts[0], true
	}
	pe, ok := p.(*syntax.ParamExp)
	if !ok || pe.Param == nil || pe.Excl || pe.Length || pe.Width || pe.Index != nil || pe.Slice != nil || pe.Repl != nil || pe.Names != 0 || pe.Exp != nil {
		return "", false, false
	}
	return pe.Param.Value, quoted, true
}

// paramNames are the names of the parameters a word expands.
func paramNames(w *syntax.Word) []string {
	var out []string
	syntax.Walk(w, func(x syntax.Node) bool {
		if pe, ok := x.(*syntax.ParamExp); ok && pe.Param != nil {
			out = append(out, pe.Param.Value)
		}
		return true
	})
	return out
}

func uniq(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
