package fixes

import (
	"path"
	"regexp"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// What the cleanup fixes (mktemp-cleanup, tar-archive-cleanup,
// usr-src-cleanup) share: where each statement of a RUN runs (its working
// directory, in the RUN's own shell or not, once or not), how a word names
// a path, which rm removes a path, and which other instructions could need
// a path that a RUN removes.

// place is where a statement of a RUN runs.
type place struct {
	// region is the innermost part of the script that runs as a whole:
	// the script, a subshell, a branch, a loop or function body, a $(…),
	// a side of a pipe or of "||". Two statements of one region run in
	// order, the first before the second (when the script goes on).
	region syntax.Node
	// dir is the working directory, absolute and clean; "" when unknown.
	dir string
	// gen names the working directory: two statements with the same gen
	// run in the same directory, even when dir is unknown.
	gen int
	// sub: not in the RUN's own shell (a subshell, a pipe, $(…)), or in a
	// function body: what it sets is not seen at the end of the RUN.
	sub bool
	// loop: may run more than once (a loop or function body).
	loop bool
	// cond: may not run (a branch, a loop, a function, the right of "||").
	cond bool
	// guard is the innermost region that may not run (a branch, loop or
	// function body), or the script.
	guard syntax.Node
	// roots are the variables of the script that hold an absolute path
	// (set once, from mktemp): a path that starts with one is written
	// "/${VAR}/…" in dir and by absPath.
	roots map[string]bool
}

// flow is where each statement of a RUN's script runs.
type flow struct {
	at map[*syntax.Stmt]place
	// end is where a command appended to the script runs.
	end place
	// nounset: the script runs "set -u" (or -o nounset) somewhere.
	nounset bool
	// assigns are the offsets in the script where each variable is set
	// (assignments, export/local/readonly/declare, for, read, unset).
	assigns map[string][]int
	gens    int
	// parent is the guard each guard is in.
	parent map[syntax.Node]syntax.Node
}

// flowKey memoizes flows per RUN.
type flowKey struct{ n *parserNode }

// runFlow is the flow of RUN n's script (nil when it cannot be edited),
// starting in the RUN's WORKDIR when the Dockerfile sets one.
func runFlow(doc *transform.Document, st *transform.Stage, i int, n *parserNode) *flow {
	return doc.Memo(flowKey{n}, func() any {
		sh := runShell(doc, n)
		if sh == nil {
			return (*flow)(nil)
		}
		return readFlow(sh.File, workdirAt(doc, st, i, true))
	}).(*flow)
}

// flowRuns calls fn for every RUN (see stageRuns) whose script harden can
// read and that runs one of the programs named, with its calls and its
// flow (read only for those RUNs).
func flowRuns(doc *transform.Document, programs []string, fn func(st *transform.Stage, i int, n *parserNode, cs []call, fl *flow)) {
	stageRuns(doc, func(st *transform.Stage, i int, n *parserNode) {
		cs := calls(doc, n)
		if !slices.ContainsFunc(cs, func(c call) bool { return slices.Contains(programs, c.name) }) {
			return
		}
		if fl := runFlow(doc, st, i, n); fl != nil {
			fn(st, i, n, cs, fl)
		}
	})
}

// workdirAt is the directory instruction i of stage st starts in, as the
// WORKDIRs of its chain before it say (its base stage's first): absolute
// and clean, "" when they do not say. Without expand, a WORKDIR is read as
// written, quotes dropped: one that names a variable leaves the directory
// unknown until an absolute one, and a relative one needs a known one
// before it. With expand (the cleanup fixes' flows), its variables are
// expanded with the ARG and ENV values in scope, one that does not expand
// leaves the directory unknown, and a relative WORKDIR with none before it
// is read from "/".
func workdirAt(doc *transform.Document, st *transform.Stage, i int, expand bool) string {
	w := stageWorkdirs(doc, st, expand)
	return w.dirs[min(i, len(st.Nodes))]
}

// workdirsKey memoizes stageWorkdirs per stage and mode.
type workdirsKey struct {
	st     *transform.Stage
	expand bool
}

// workdirs are the working directories of a stage's instructions.
type workdirs struct {
	// dirs[i] is where instruction i starts ("" when unknown);
	// dirs[len(Nodes)] is where the stage ends.
	dirs []string
	// lost: with expand, a WORKDIR that did not expand leaves the
	// directory unknown for the rest of the stage and the stages built
	// on it.
	lost bool
}

// stageWorkdirs is workdirAt for every instruction of st, read in one
// pass per stage of the chain: asked once per RUN, the walk from the top
// of the chain made long stages quadratic.
func stageWorkdirs(doc *transform.Document, st *transform.Stage, expand bool) workdirs {
	return doc.Memo(workdirsKey{st, expand}, func() any {
		var ws workdirs
		w := ""
		if p := doc.Parent(st); p != nil {
			pw := stageWorkdirs(doc, p, expand)
			w, ws.lost = pw.dirs[len(pw.dirs)-1], pw.lost
		}
		ws.dirs = make([]string, len(st.Nodes)+1)
		for j, m := range st.Nodes {
			ws.dirs[j] = w
			if ws.lost || !strings.EqualFold(m.Value, "workdir") || m.Next == nil {
				continue
			}
			v := strings.Trim(m.Next.Value, `"'`)
			if expand {
				x, ok := doc.Expand(m.Next.Value, doc.ScopeAt(st, j))
				if !ok || strings.Contains(x, "$") {
					w, ws.lost = "", true
					continue
				}
				v = x
			}
			switch {
			case strings.Contains(v, "$"):
				w = ""
			case path.IsAbs(v):
				w = path.Clean(v)
			case expand:
				w = path.Join("/", w, v)
			case w != "":
				w = path.Join(w, v)
			}
		}
		ws.dirs[len(st.Nodes)] = w
		return ws
	}).(workdirs)
}

func readFlow(f *syntax.File, dir string) *flow {
	fl := &flow{at: map[*syntax.Stmt]place{}, assigns: map[string][]int{}, parent: map[syntax.Node]syntax.Node{}}
	p := place{region: f, dir: dir, guard: f, roots: mktempRoots(f)}
	fl.list(f.Stmts, &p)
	fl.end = p
	return fl
}

// mktempRoots are the variables set once in f, to the output of mktemp
// (an absolute path).
func mktempRoots(f *syntax.File) map[string]bool {
	count := map[string]int{}
	roots := map[string]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		a, ok := n.(*syntax.Assign)
		if !ok || a.Name == nil {
			return true
		}
		count[a.Name.Value]++
		if a.Value != nil && len(a.Value.Parts) == 1 {
			part := a.Value.Parts[0]
			if dq, ok := part.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
				part = dq.Parts[0]
			}
			if cs, ok := part.(*syntax.CmdSubst); ok && len(cs.Stmts) == 1 {
				if ce, ok := cs.Stmts[0].Cmd.(*syntax.CallExpr); ok && len(ce.Args) > 0 {
					if v, ok := literalWord(ce.Args[0]); ok && v == "mktemp" {
						roots[a.Name.Value] = true
					}
				}
			}
		}
		return true
	})
	for v := range roots {
		if count[v] != 1 {
			delete(roots, v)
		}
	}
	return roots
}

// dominates reports that a statement at place d runs whenever one at place
// t (after it in the script) does: t's guard is d's or inside it.
func (fl *flow) dominates(d, t place) bool {
	for g := t.guard; g != nil; g = fl.parent[g] {
		if g == d.guard {
			return true
		}
	}
	return false
}

func (fl *flow) newGen() int { fl.gens++; return fl.gens }

func (fl *flow) list(stmts []*syntax.Stmt, p *place) {
	for _, s := range stmts {
		fl.stmt(s, p)
	}
}

// branch runs fn in a region that may not run; a cd in it leaves the
// directory unknown after it.
func (fl *flow) branch(p *place, region syntax.Node, loop bool, fn func(q *place)) {
	q := *p
	q.region, q.cond, q.guard = region, true, region
	q.loop = q.loop || loop
	fl.parent[region] = p.guard
	fn(&q)
	if q.gen != p.gen {
		p.gen, p.dir = fl.newGen(), ""
	}
}

// sub runs fn in a region of its own shell: the caller's directory stays.
func (fl *flow) sub(p *place, region syntax.Node, fn func(q *place)) {
	q := *p
	q.region, q.sub = region, true
	fn(&q)
}

func (fl *flow) stmt(s *syntax.Stmt, p *place) {
	fl.at[s] = *p
	for _, r := range s.Redirs {
		fl.words(p, r.Word)
		fl.words(p, r.Hdoc)
	}
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr:
		for _, a := range c.Assigns {
			fl.assign(a)
			fl.words(p, a.Value)
			if a.Array != nil {
				fl.words(p, a.Array)
			}
		}
		for _, w := range c.Args {
			fl.words(p, w)
		}
		fl.builtin(c, p)
	case *syntax.DeclClause:
		for _, a := range c.Args {
			if !a.Naked {
				fl.assign(a)
			}
			fl.words(p, a.Value)
		}
	case *syntax.BinaryCmd:
		switch c.Op {
		case syntax.AndStmt:
			fl.stmt(c.X, p)
			fl.stmt(c.Y, p)
		case syntax.OrStmt:
			fl.stmt(c.X, p)
			fl.branch(p, c, false, func(q *place) { fl.stmt(c.Y, q) })
		default: // a pipe: each side in a subshell
			fl.sub(p, c.X, func(q *place) { fl.stmt(c.X, q) })
			fl.sub(p, c.Y, func(q *place) { fl.stmt(c.Y, q) })
		}
	case *syntax.Subshell:
		fl.sub(p, c, func(q *place) { fl.list(c.Stmts, q) })
	case *syntax.Block:
		fl.list(c.Stmts, p)
	case *syntax.IfClause:
		fl.ifClause(c, p)
	case *syntax.CaseClause:
		fl.words(p, c.Word)
		for _, it := range c.Items {
			fl.branch(p, it, false, func(q *place) { fl.list(it.Stmts, q) })
		}
	case *syntax.WhileClause:
		fl.branch(p, c, true, func(q *place) {
			fl.list(c.Cond, q)
			fl.list(c.Do, q)
		})
	case *syntax.ForClause:
		if wi, ok := c.Loop.(*syntax.WordIter); ok {
			fl.assigns[wi.Name.Value] = append(fl.assigns[wi.Name.Value], int(wi.Pos().Offset()))
			for _, w := range wi.Items {
				fl.words(p, w)
			}
		}
		fl.branch(p, c, true, func(q *place) { fl.list(c.Do, q) })
	case *syntax.FuncDecl:
		q := *p
		q.region, q.sub, q.loop, q.cond, q.dir, q.gen, q.guard = c, true, true, true, "", fl.newGen(), c
		fl.parent[c] = p.guard
		fl.stmt(c.Body, &q)
	case *syntax.TimeClause:
		if c.Stmt != nil {
			fl.stmt(c.Stmt, p)
		}
	case *syntax.CoprocClause:
		fl.sub(p, c, func(q *place) { fl.stmt(c.Stmt, q) })
	default: // [[ ]], (( )), let: only their $(…) run commands
		if c != nil {
			fl.words(p, c)
		}
	}
}

func (fl *flow) ifClause(c *syntax.IfClause, p *place) {
	fl.list(c.Cond, p)
	fl.branch(p, c, false, func(q *place) { fl.list(c.Then, q) })
	if c.Else != nil {
		fl.branch(p, c.Else, false, func(q *place) { fl.ifClause(c.Else, q) })
	}
}

func (fl *flow) assign(a *syntax.Assign) {
	if a.Name != nil {
		fl.assigns[a.Name.Value] = append(fl.assigns[a.Name.Value], int(a.Pos().Offset()))
	}
}

// words walks the command substitutions in node, each in its own shell.
func (fl *flow) words(p *place, node syntax.Node) {
	if node == nil || node == (*syntax.Word)(nil) || node == (*syntax.ArrayExpr)(nil) {
		return
	}
	syntax.Walk(node, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CmdSubst:
			fl.sub(p, n, func(q *place) { fl.list(n.Stmts, q) })
			return false
		case *syntax.ProcSubst:
			fl.sub(p, n, func(q *place) { fl.list(n.Stmts, q) })
			return false
		}
		return true
	})
}

// builtin follows cd, pushd, popd, set -u, and the variables read,
// unset and friends set.
func (fl *flow) builtin(c *syntax.CallExpr, p *place) {
	if len(c.Args) == 0 {
		return
	}
	words := make([]shell.Word, len(c.Args))
	for i, w := range c.Args {
		if lit, ok := literalWord(w); ok {
			words[i] = shell.Word{Value: lit, Literal: true}
		}
	}
	k := shell.Program(words)
	if k < 0 {
		return
	}
	args := words[k+1:]
	switch words[k].Value {
	case "cd", "pushd", "popd", "chdir":
		dir := ""
		var ops []*syntax.Word
		for i, a := range args {
			if !(a.Literal && strings.HasPrefix(a.Value, "-") && a.Value != "-") {
				ops = append(ops, c.Args[k+1+i])
			}
		}
		if words[k].Value != "popd" && len(ops) == 1 {
			if v, glob, ok := canon(ops[0]); ok && !glob && v != "" && v != "-" {
				dir = absPath(v, *p)
			}
		}
		p.dir, p.gen = dir, fl.newGen()
	case "set":
		for i, a := range args {
			if !a.Literal {
				continue
			}
			if len(a.Value) > 1 && a.Value[0] == '-' && a.Value[1] != '-' && a.Value[1] != 'o' && strings.ContainsRune(a.Value, 'u') ||
				a.Value == "-o" && i+1 < len(args) && args[i+1].Value == "nounset" {
				fl.nounset = true
			}
		}
	case "read", "unset", "getopts", "mapfile", "readarray":
		for _, a := range args {
			if name := a.Value; a.Literal && validName(name) {
				fl.assigns[name] = append(fl.assigns[name], int(c.Pos().Offset()))
			}
		}
	}
}

var nameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func validName(s string) bool { return nameRe.MatchString(s) }

// literalWord is w's value when it is all literal text.
func literalWord(w *syntax.Word) (string, bool) {
	s, glob, ok := canon(w)
	if !ok || glob || strings.Contains(s, "${") {
		return "", false
	}
	return s, true
}

// canon is w as the shell reads it when it is made of literal text and
// plain variables ($V, ${V}), each variable written ${V}, so that two
// words naming the same path read the same. glob reports an unquoted *, ?
// or [. ok is false for anything else: $(…), ${V:-x}, $'…', a leading ~.
func canon(w *syntax.Word) (s string, glob, ok bool) {
	if w == nil || len(w.Parts) == 0 {
		return "", false, false
	}
	var b strings.Builder
	for i, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			if i == 0 && strings.HasPrefix(p.Value, "~") {
				return "", false, false
			}
			for j := 0; j < len(p.Value); j++ {
				ch := p.Value[j]
				if ch == '\\' && j+1 < len(p.Value) {
					j++
					b.WriteByte(p.Value[j])
					continue
				}
				if ch == '*' || ch == '?' || ch == '[' {
					glob = true
				}
				b.WriteByte(ch)
			}
		case *syntax.SglQuoted:
			if p.Dollar || strings.ContainsAny(p.Value, "*?[") {
				return "", false, false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			if p.Dollar {
				return "", false, false
			}
			for _, q := range p.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
					if strings.ContainsAny(q.Value, `\*?[`) {
						return "", false, false
					}
					b.WriteString(q.Value)
				case *syntax.ParamExp:
					name, ok := simpleParam(q)
					if !ok {
						return "", false, false
					}
					b.WriteString("${" + name + "}")
				default:
					return "", false, false
				}
			}
		case *syntax.ParamExp:
			name, ok := simpleParam(p)
			if !ok {
				return "", false, false
			}
			b.WriteString("${" + name + "}")
		default:
			return "", false, false
		}
	}
	return b.String(), glob, true
}

// simpleParam is the name of $V or ${V} (not a special parameter).
func simpleParam(p *syntax.ParamExp) (string, bool) {
	if p.Param == nil || p.Excl || p.Length || p.Width || p.Index != nil || p.Slice != nil || p.Repl != nil || p.Exp != nil || p.Names != 0 || !validName(p.Param.Value) {
		return "", false
	}
	return p.Param.Value, true
}

var varRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// canonVars are the variables of a canonical word.
func canonVars(s string) []string {
	var out []string
	for _, m := range varRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// setBetween reports a variable of canonical word s set in the script
// between offsets a and b: the word may then name another path there.
func (fl *flow) setBetween(s string, a, b int) bool {
	for _, v := range canonVars(s) {
		for _, at := range fl.assigns[v] {
			if at > a && at < b {
				return true
			}
		}
	}
	return false
}

// flat is text with quotes and braces dropped, for a rough search of a
// name in text that may quote it or write its variables ${V} or $V.
func flat(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '"', '\'', '{', '}':
			return -1
		}
		return r
	}, s)
}

// absPath is canonical path p as an absolute clean path, relative to the
// directory of place pc; "" when p is relative and that is unknown. A path
// that starts with a variable holding an absolute path (place.roots) is
// written "/${VAR}/…".
func absPath(p string, pc place) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if strings.HasPrefix(p, "${") {
		if v, _, _ := strings.Cut(p[2:], "}"); pc.roots[v] {
			return path.Clean("/" + p)
		}
		return "" // the variable may hold an absolute path
	}
	if pc.dir == "" {
		return ""
	}
	return path.Join(pc.dir, p)
}

// comparable returns a and b (canonical paths at places pa and pb) in
// forms that compare: both absolute, or both relative to one directory.
func comparable(a string, pa place, b string, pb place) (string, string, bool) {
	ra, rb := absPath(a, pa), absPath(b, pb)
	if ra != "" && rb != "" {
		return ra, rb, true
	}
	if !path.IsAbs(a) && !path.IsAbs(b) && pa.gen == pb.gen {
		return path.Clean(a), path.Clean(b), true
	}
	return "", "", false
}

// mentionsPath reports p (an absolute path) in text as a whole path or
// the start of one: "/usr/src/x" names /usr/src/x and /usr/src/x/y, not
// /usr/src/xy.
func mentionsPath(text, p string) bool {
	for i := 0; ; {
		k := strings.Index(text[i:], p)
		if k < 0 {
			return false
		}
		end := i + k + len(p)
		if end == len(text) || !isNameByte(text[end]) {
			return true
		}
		i = i + k + 1
	}
}

// copiesAbove reports instruction m naming a directory above p as a
// whole, as what it copies: a RUN's cp, mv, rsync, tar, zip or find given
// it (or "." there); a VOLUME, CMD, ENTRYPOINT, ENV… that names it. COPY
// and WORKDIR are left to their own checks (COPY --from sources, and the
// RUNs that run in a WORKDIR).
func copiesAbove(doc *transform.Document, m *parserNode, p string) bool {
	switch strings.ToLower(m.Value) {
	case "copy", "add", "workdir", "from", "user", "expose", "stopsignal", "shell", "maintainer", "label", "arg":
		return false
	case "run":
		st := doc.StageOf(m)
		cs := calls(doc, m)
		if st == nil || cs == nil {
			break // not readable: the text below
		}
		i := 0
		for k, x := range st.Nodes {
			if x == m {
				i = k
			}
		}
		fl := runFlow(doc, st, i, m)
		if fl == nil {
			break
		}
		for _, c := range cs {
			if copiesDirOf(c, fl.at[c.stmt], p, place{dir: "/"}) {
				return true
			}
		}
		return false
	}
	text := doc.Text(m)
	for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
		if mentionsDir(text, d) {
			return true
		}
	}
	return false
}

// copiesDirOf reports cp, mv, rsync, tar, zip or find given a directory
// that file (a canonical path at place at) is in ("." and "*" for a
// relative file in the same directory).
func copiesDirOf(c call, pc place, file string, at place) bool {
	switch c.name {
	case "cp", "mv", "rsync", "tar", "zip", "7z", "scp", "find":
	default:
		return false
	}
	for i, a := range c.args() {
		if a.Literal && strings.HasPrefix(a.Value, "-") {
			continue
		}
		s, _, ok := canon(c.arg(i))
		if !ok {
			continue
		}
		if s = strings.TrimSuffix(s, "*"); s == "" {
			s = "."
		}
		s = path.Clean(s)
		if d, f, ok := comparable(s, pc, file, at); ok && d != f && within(f, d) {
			return true
		}
		if !path.IsAbs(file) && pc.gen == at.gen && (s == "." || s == "./.") {
			return true
		}
	}
	return false
}

var optionKeyRe = regexp.MustCompile(`^-{0,2}[A-Za-z_][A-Za-z0-9_.:-]*$`)

// optionKey is the KEY of a KEY=value or --key=value word whose value holds
// what (a path, "$"): "" for other words.
func optionKey(word, what string) string {
	eq := strings.IndexByte(word, '=')
	if eq < 0 || eq > strings.Index(word, what) {
		return ""
	}
	key := strings.Trim(word[:eq], `"'`)
	if !optionKeyRe.MatchString(key) {
		return ""
	}
	return key
}

// mentionsDir reports directory d (absolute) in text as a whole: "d",
// "d/", "d/*", "d/." — what names everything in it — but not "d/x".
func mentionsDir(text, d string) bool {
	for i := 0; ; {
		k := strings.Index(text[i:], d)
		if k < 0 {
			return false
		}
		end := i + k + len(d)
		rest := text[end:]
		switch {
		case rest == "" || !isNameByte(rest[0]) && rest[0] != '/':
			return true
		case rest[0] == '/' && (len(rest) == 1 || !isNameByte(rest[1]) || strings.HasPrefix(rest[1:], ".")):
			if !strings.HasPrefix(rest[1:], ".") || len(rest) == 2 || !isNameByte(rest[2]) {
				return true
			}
		}
		i = i + k + 1
	}
}

func isNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-' || b == '.'
}

// removes reports an rm (rm -r for a directory or a path above target),
// rmdir or find -delete of call c, at place pc, that removes target, a
// canonical path created at place pt.
func removes(c call, pc place, target string, pt place, dir bool) bool {
	var args []*syntax.Word
	recursive := false
	switch c.name {
	case "rm", "rmdir":
		dashes := false
		for i, a := range c.args() {
			switch {
			case !dashes && a.Literal && a.Value == "--":
				dashes = true
			case !dashes && a.Literal && strings.HasPrefix(a.Value, "--"):
				recursive = recursive || a.Value == "--recursive"
			case !dashes && a.Literal && strings.HasPrefix(a.Value, "-") && len(a.Value) > 1:
				recursive = recursive || strings.ContainsAny(a.Value, "rR")
			default:
				args = append(args, c.arg(i))
			}
		}
		if c.name == "rmdir" {
			recursive = false
		}
	case "find":
		for i, a := range c.args() {
			if a.Literal && strings.HasPrefix(a.Value, "-") || a.Value == "(" || a.Value == "!" {
				break
			}
			args = append(args, c.arg(i))
		}
		del := false
		for _, a := range c.args() {
			del = del || a.Value == "-delete" || a.Value == "rm" || strings.HasSuffix(a.Value, "/rm")
		}
		if !del {
			return false
		}
		recursive = true
	default:
		return false
	}
	for _, w := range args {
		s, glob, ok := canon(w)
		if !ok {
			continue
		}
		a, t, ok := comparable(s, pc, target, pt)
		if !ok {
			continue
		}
		if !glob {
			if a == t || recursive && within(t, a) {
				return true
			}
			continue
		}
		// A pattern: the target, or (recursive) a directory above it.
		for q := t; ; q = path.Dir(q) {
			if m, _ := path.Match(a, q); m && (q == t || recursive) {
				return true
			}
			if q == path.Dir(q) || q == "." {
				break
			}
		}
	}
	return false
}

// otherInstructions are the instructions other than RUN n of stage st
// that see what n leaves in the image or say where it runs: those of st
// and of the stages it is built from, those of the stages built from st,
// and the COPY and ADD --from of any stage that names st or one built
// from it (or a stage harden cannot tell).
func otherInstructions(doc *transform.Document, st *transform.Stage, n *parserNode) []*parserNode {
	var out []*parserNode
	chain := doc.Chain(st)
	for k := len(chain) - 1; k >= 0; k-- {
		out = append(out, chain[k].From)
		for _, m := range chain[k].Nodes {
			if m != n {
				out = append(out, m)
			}
		}
	}
	builtOn := func(s *transform.Stage) bool {
		for _, c := range doc.Chain(s) {
			if c == st {
				return true
			}
		}
		return false
	}
	for _, s := range doc.Stages {
		if s == st {
			continue
		}
		if builtOn(s) {
			out = append(out, s.Nodes...)
			continue
		}
		for _, m := range s.Nodes {
			if !strings.EqualFold(m.Value, "copy") && !strings.EqualFold(m.Value, "add") {
				continue
			}
			in := doc.Inst(m)
			if in == nil {
				out = append(out, m)
				continue
			}
			f, ok := in.Flag("from")
			if !ok {
				continue
			}
			from := doc.StageByName(f.Value.Value, s.Index)
			if from == nil && strings.Contains(f.Value.Value, "$") || from != nil && builtOn(from) {
				out = append(out, m)
			}
		}
	}
	return out
}

// namedElsewhere is the first of the other instructions (otherInstructions)
// whose text names absolute path p or a path below it, or copies a
// directory above it from the stage; nil when none does.
func namedElsewhere(doc *transform.Document, st *transform.Stage, n *parserNode, p string) *parserNode {
	for _, m := range otherInstructions(doc, st, n) {
		text := doc.Text(m)
		if mentionsPath(text, p) || mentionsPath(flat(text), p) {
			return m
		}
		if copiesAbove(doc, m, p) {
			return m
		}
		if strings.EqualFold(m.Value, "copy") || strings.EqualFold(m.Value, "add") {
			if in := doc.Inst(m); in != nil {
				if _, ok := in.Flag("from"); ok {
					for _, src := range in.Args[:max(len(in.Args)-1, 0)] {
						if s := path.Clean("/" + src.Value); within(p, s) || strings.ContainsAny(src.Value, "*?[$") {
							return m
						}
					}
				}
			}
		}
	}
	return nil
}

// walkStack walks node as syntax.Walk does, giving fn each node with the
// nodes it is in, outermost first, ending with it.
func walkStack(node syntax.Node, fn func(n syntax.Node, stack []syntax.Node)) {
	var stack []syntax.Node
	syntax.Walk(node, func(n syntax.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		fn(n, stack)
		return true
	})
}

// wordText is the source text of w in the script.
func wordText(sh *transform.Shell, w syntax.Node) string {
	return sh.Text[w.Pos().Offset():w.End().Offset()]
}

// mountOver reports a RUN --mount (of any type) whose target is path p,
// a directory above it or a path below it: what is there is not in the
// image, and rm there fails on a read-only bind or a busy mount point. p
// is absolute and clean, or "" when unknown: then any mount counts.
func mountOver(doc *transform.Document, n *parserNode, p string) bool {
	for _, m := range runMounts(doc, n) {
		target := ""
		if m.hasTarget {
			target = path.Clean("/" + m.target)
		}
		spec := strings.ToLower(m.spec)
		if p == "" || strings.HasPrefix(p, "/${") || target == "" && !strings.Contains(spec, "secret") && !strings.Contains(spec, "ssh") {
			return true
		}
		if target != "" && (within(p, target) || within(target, p)) {
			return true
		}
	}
	return false
}
