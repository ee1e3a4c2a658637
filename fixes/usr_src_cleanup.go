package fixes

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/transform"
)

// UsrSrcCleanup removes the source tree a RUN builds and installs from
// /usr/src.
var UsrSrcCleanup = &transform.Fix{
	Name:          "usr-src-cleanup",
	Summary:       "Remove the sources a RUN builds and installs from /usr/src",
	Also:          []string{"mkdirUsrSrcThenRemove"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkUsrSrcCleanup,
	Example: `FROM debian:bookworm-slim
RUN set -eux; \
    mkdir -p /usr/src/redis; \
    curl -fsSL https://download.redis.io/redis-stable.tar.gz | tar -xz -C /usr/src/redis --strip-components=1; \
    make -C /usr/src/redis -j "$(nproc)"; \
    make -C /usr/src/redis install
`,
	Doc: `What it does
  Appends "&& rm -rf /usr/src/NAME" to a RUN that makes /usr/src/NAME
  (mkdir [-p] /usr/src/NAME[/…]), fetches sources into it (tar or unzip
  extracting there, git clone, curl or wget saving there), then installs
  from it with a known install step (make install, make -C DIR install,
  make altinstall, cmake --install, cmake --build --target install, ninja
  install, meson install, pip install DIR, setup.py install), and does not
  remove it already.

Why
  The source and build tree (often hundreds of MB) stays in the layer
  although the program is installed elsewhere. Only the RUN that makes it
  can leave it out of the image.

When it is safe, and when not
  The edit is made only with positive evidence: the RUN fetched the
  sources there and installed them, and nothing else names the directory.
  No other instruction of the stage or of the stages it is built from or
  that are built from it (WORKDIR, ENV, COPY, VOLUME, CMD, ENTRYPOINT,
  another RUN), and no COPY --from of them, may name /usr/src/NAME, a path
  under it or a directory above it, and nothing in the RUN may leave a
  path into it behind: an ln -s to it, pip install -e, setup.py develop or
  npm link in it, an install prefix, DESTDIR or --root under it. The rm
  goes at the end of the RUN, after every use. Unsafe, with what to
  check: /usr/src/app (the app directory of the old onbuild images) and
  other names a base image may own (php, linux…) made with mkdir -p; the
  path written into a file or a variable, given to an option harden does
  not know, ln -s with a target it cannot read, $PWD after a cd into it;
  a RUN whose user is not root and that runs commands as another user
  (sudo, su…) without making the directory with sudo.

What it will not do
  No finding without both a fetch and a known install in the RUN (a
  directory made for an app, or built with ./install.sh, is left alone),
  for a RUN with a --mount over, above or below it (cache, tmpfs, bind), or
  for a directory that something else names or that something installed
  points into (it is used, not left behind). It trusts the install steps
  it knows to copy what they install out of the tree; it cannot see a
  Makefile that links back into it.`,
}

// usrSrcShared are directories of /usr/src a base image may hold.
var usrSrcShared = map[string]bool{"app": true, "php": true, "linux": true, "kernels": true, "debug": true}

func checkUsrSrcCleanup(pass *transform.Pass) {
	doc := pass.Doc
	flowRuns(doc, []string{"mkdir"}, func(st *transform.Stage, i int, n *parserNode, cs []call, fl *flow) {
		seen := map[string]bool{}
		for k, c := range cs {
			if c.name != "mkdir" {
				continue
			}
			parents := false
			for j, a := range c.args() {
				if a.Literal && strings.HasPrefix(a.Value, "-") {
					parents = parents || a.Value == "--parents" || !strings.HasPrefix(a.Value, "--") && strings.ContainsRune(a.Value, 'p')
					continue
				}
				p, ok := literalWord(c.arg(j))
				if !ok || !path.IsAbs(p) {
					continue
				}
				p = path.Clean(p)
				rest, ok := strings.CutPrefix(p, "/usr/src/")
				if !ok || rest == "" {
					continue
				}
				name, _, _ := strings.Cut(rest, "/")
				dir := "/usr/src/" + name
				if seen[dir] {
					continue
				}
				seen[dir] = true
				if f, ok := usrSrcFinding(doc, st, i, n, cs, fl, k, dir, parents || p != dir); ok {
					pass.Report(f)
				}
			}
		}
	})
}

// usrSrcFinding is the finding for directory dir, made by cs[k] (with -p
// or as a parent of the path mkdir makes when shared), or false when there
// is none.
func usrSrcFinding(doc *transform.Document, st *transform.Stage, i int, n *parserNode, cs []call, fl *flow, k int, dir string, shared bool) (transform.Finding, bool) {
	mk := cs[k]
	fetch, install := -1, -1
	for j := k + 1; j < len(cs); j++ {
		c := cs[j]
		pc := fl.at[c.stmt]
		if removes(c, pc, dir, fl.at[mk.stmt], true) {
			return transform.Finding{}, false
		}
		if fetch < 0 && fetchesInto(c, pc, dir) {
			fetch = j
		}
		if fetch >= 0 && install < 0 && installsFrom(c, pc, dir) {
			install = j
		}
	}
	if fetch < 0 || install < 0 || mountOver(doc, n, dir) {
		return transform.Finding{}, false
	}
	if namedElsewhere(doc, st, n, dir) != nil {
		return transform.Finding{}, false
	}
	var check []string
	for _, c := range cs {
		blocked, why := pointsInto(c, fl.at[c.stmt], dir)
		if blocked {
			return transform.Finding{}, false
		}
		if why != "" && !slices.Contains(check, why) {
			check = append(check, why)
		}
	}
	check = append(check, textUses(mk.sh, dir, fl)...)
	if user, known := userBefore(doc, st, n); (!known || user != "" && !isRootUser(user)) && mk.sudo() == "" && usesOtherUser(cs) {
		check = append(check, "the files in it belong to the RUN's user (commands here run as another user)")
	}
	name := strings.TrimPrefix(dir, "/usr/src/")
	if shared && usrSrcShared[name] || name == "app" {
		check = append([]string{fmt.Sprintf("the base image has nothing in %s (a directory base images use)", dir)}, check...)
	}
	f := transform.Finding{Line: lineOf(doc, mk.sh, mk.stmt),
		Message: fmt.Sprintf("%s, fetched, built and installed in this RUN, stays in the image layer", dir)}
	if len(check) > 0 {
		f.Applicability = transform.Unsafe
		f.Message += "; check that " + strings.Join(check, ", and that ")
	}
	rm := mk.sudo() + "rm -rf " + dir
	if mk.asOther() {
		f.Message += "; not changed: it is made as another user"
	} else if e, ok := appendCmd(doc, mk.sh, rm); ok {
		f.Title, f.Edits = "Append "+rm, []transform.Edit{e}
	}
	return f, true
}

// inDir reports canonical path p, at place pc, in dir or below it.
func inDir(p string, pc place, dir string) bool {
	a := absPath(p, pc)
	return a != "" && within(a, dir)
}

// fetchesInto reports a command that puts sources in dir: tar or unzip
// extracting there, git clone there, curl or wget saving there.
func fetchesInto(c call, pc place, dir string) bool {
	switch c.name {
	case "tar":
		to, ok := tarExtractDir(c)
		return ok && inDir(to, pc, dir)
	case "unzip":
		to := "."
		for i, a := range c.args() {
			if a.Value == "-d" && i+1 < len(c.args()) {
				if s, ok := canonAfter(c, i+1, ""); ok {
					to = s
				}
			}
		}
		return inDir(to, pc, dir)
	case "git":
		return gitCloneInto(c, pc, dir)
	case "curl", "wget":
		for _, f := range downloadFiles(c) {
			if inDir(f, pc, dir) {
				return true
			}
		}
	}
	return false
}

// tarExtractDir is the directory a tar extraction writes to: its -C (or
// --directory) value, or "." (the working directory).
func tarExtractDir(c call) (string, bool) {
	args := c.args()
	x, to := false, "."
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case !a.Literal:
			if s, ok := canonAfter(c, i, "--directory="); ok && strings.HasPrefix(v, "--directory=") {
				to = s
			}
		case i == 0 && !strings.HasPrefix(v, "-") && isLetters(v):
			x = x || strings.ContainsRune(v, 'x')
		case v == "--extract" || v == "--get":
			x = true
		case v == "--directory" || v == "-C":
			if s, ok := canonAfter(c, i+1, ""); ok {
				to = s
			}
			i++
		case strings.HasPrefix(v, "--directory="):
			to = strings.TrimPrefix(v, "--directory=")
		case strings.HasPrefix(v, "--"):
			if _, _, eq := strings.Cut(v, "="); !eq && tarValueLong[v] {
				i++
			}
		case strings.HasPrefix(v, "-") && len(v) > 1:
			for j := 1; j < len(v); j++ {
				if v[j] == 'x' {
					x = true
				}
				if strings.IndexByte(tarValueShort, v[j]) >= 0 {
					if v[j] == 'C' {
						if j < len(v)-1 {
							to = v[j+1:]
						} else if s, ok := canonAfter(c, i+1, ""); ok {
							to = s
						}
					}
					if j == len(v)-1 {
						i++
					}
					break
				}
			}
		}
	}
	return to, x
}

// gitValue are git clone's options that take a value.
var gitValue = map[string]bool{
	"-b": true, "--branch": true, "--depth": true, "-o": true, "--origin": true, "-c": true, "--config": true,
	"--reference": true, "--reference-if-able": true, "--separate-git-dir": true, "--template": true, "-j": true,
	"--jobs": true, "--filter": true, "--shallow-since": true, "--shallow-exclude": true, "-u": true,
	"--upload-pack": true, "--server-option": true, "--bundle-uri": true,
}

// gitCloneInto reports git clone into dir (the directory given, or one
// made in the working directory).
func gitCloneInto(c call, pc place, dir string) bool {
	args := c.args()
	base := "."
	k := 0
	for ; k < len(args); k++ {
		v := args[k].Value
		if v == "clone" {
			break
		}
		if v == "-C" && k+1 < len(args) {
			if s, ok := canonAfter(c, k+1, ""); ok {
				base = s
			}
			k++
		} else if v == "-c" {
			k++
		}
	}
	if k == len(args) {
		return false
	}
	var pos []int
	for i := k + 1; i < len(args); i++ {
		v := args[i].Value
		switch {
		case args[i].Literal && strings.HasPrefix(v, "-"):
			if gitValue[v] {
				i++
			}
		default:
			pos = append(pos, i)
		}
	}
	to := base
	if len(pos) >= 2 {
		s, ok := canonAfter(c, pos[1], "")
		if !ok {
			return false
		}
		to = s
		if !path.IsAbs(s) {
			to = path.Join(base, s)
		}
	}
	return inDir(to, pc, dir)
}

// installsFrom reports a known install step that installs from dir: make
// install (in it, or -C into it), cmake --install, ninja or meson install,
// pip install of it, setup.py install in it.
func installsFrom(c call, pc place, dir string) bool {
	args := c.args()
	cwdIn := pc.dir != "" && within(pc.dir, dir)
	has := func(vs ...string) bool { return hasArg(c, vs...) }
	optDir := func(opts ...string) (string, bool) {
		for i, a := range args {
			for _, o := range opts {
				if a.Value == o && i+1 < len(args) {
					return canonAfter(c, i+1, "")
				}
				if strings.HasPrefix(o, "--") && strings.HasPrefix(a.Value, o+"=") {
					return canonAfter(c, i, o+"=")
				}
			}
		}
		return "", false
	}
	in := func(opts ...string) bool {
		if d, ok := optDir(opts...); ok {
			return inDir(d, pc, dir)
		}
		return cwdIn
	}
	switch {
	case c.name == "make" || c.name == "gmake":
		install := false
		for i, a := range args {
			v := a.Value
			if strings.HasPrefix(v, "-") || strings.Contains(v, "=") || i > 0 && (args[i-1].Value == "-C" || args[i-1].Value == "-f" || args[i-1].Value == "-j" || args[i-1].Value == "-l" || args[i-1].Value == "-o" || args[i-1].Value == "-W" || args[i-1].Value == "-I") {
				continue
			}
			install = install || v == "install" || v == "altinstall" || strings.HasPrefix(v, "install-") || strings.HasPrefix(v, "install_")
		}
		return install && in("-C", "--directory")
	case c.name == "cmake":
		if d, ok := optDir("--install"); ok {
			return inDir(d, pc, dir)
		}
		if d, ok := optDir("--build"); ok && has("install") && (has("--target") || has("-t")) {
			return inDir(d, pc, dir)
		}
	case c.name == "ninja" || c.name == "samu":
		return has("install") && in("-C")
	case c.name == "meson" || c.name == "muon":
		return len(args) > 0 && args[0].Value == "install" && in("-C")
	case c.name == "pip" || c.name == "pip3" || strings.HasPrefix(c.name, "python") && has("-m") && has("pip"):
		if !has("install") || has("-e", "--editable") {
			return false
		}
		for i, a := range args {
			if strings.HasPrefix(a.Value, "-") || a.Value == "install" || a.Value == "pip" {
				continue
			}
			if s, ok := canonAfter(c, i, ""); ok && (path.IsAbs(s) || strings.HasPrefix(s, ".")) && inDir(s, pc, dir) {
				return true
			}
		}
	case strings.HasPrefix(c.name, "python"):
		return has("setup.py") && has("install") && cwdIn
	}
	return false
}

// pointsInto reads a command for what could leave a path into dir behind.
// blocked: it certainly does (ln -s to it, an install into it, pip -e,
// npm link in it); why: what to check otherwise.
func pointsInto(c call, pc place, dir string) (blocked bool, why string) {
	args := c.args()
	cwdIn := pc.dir != "" && within(pc.dir, dir)
	if l := linksBack(c); l != "" {
		for _, a := range args {
			if mentionsPath(a.Value, dir) {
				return true, ""
			}
		}
		if cwdIn {
			return true, ""
		}
		if pc.dir == "" {
			return false, l + " runs in a directory outside " + dir
		}
	}
	if c.name == "ln" && symbolic(args) {
		return lnInto(c, pc, dir)
	}
	for i, a := range args {
		if !mentionsPath(a.Value, dir) {
			continue
		}
		v := a.Value
		if key := optionKey(v, dir); key != "" {
			switch {
			case mktempSafeKeys[key]:
			case installKey(key):
				return true, ""
			default:
				return false, fmt.Sprintf("%s %s does not install or record anything under %s", c.name, key+"=…", dir)
			}
			continue
		}
		if i > 0 && mktempInstallOpts[args[i-1].Value] {
			return true, ""
		}
		if strings.HasPrefix(v, "-") {
			return false, fmt.Sprintf("%s %s records nothing under %s", c.name, v, dir)
		}
		if printsPaths(c, inSubst(c)) || c.name == "sed" && sedInPlace(args) && sedScript(args, i) {
			return false, fmt.Sprintf("nothing after the RUN uses the paths in %s that %s writes", dir, c.name)
		}
		if c.name == "find" && hasArg(c, "-exec", "-execdir", "-ok", "-okdir") {
			return false, fmt.Sprintf("find -exec on %s leaves nothing pointing into it", dir)
		}
	}
	return false, ""
}

// lnInto reads ln -s for a link into dir: blocked when a target is in it
// (an absolute path, or a relative one from where the link is made); why
// when harden cannot tell where a target is.
func lnInto(c call, pc place, dir string) (blocked bool, why string) {
	args := c.args()
	var ops []int
	linkDir := "" // -t DIR
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a.Value == "-t" || a.Value == "--target-directory":
			if s, ok := canonAfter(c, i+1, ""); ok {
				linkDir = s
			}
			i++
		case strings.HasPrefix(a.Value, "--target-directory="):
			linkDir = strings.TrimPrefix(a.Value, "--target-directory=")
		case a.Literal && strings.HasPrefix(a.Value, "-") && len(a.Value) > 1:
		default:
			ops = append(ops, i)
		}
	}
	// Where the links are made: -t DIR, the last operand (a directory, or
	// a link in its parent), or the working directory for one operand.
	var dirs []string
	targets := ops
	switch {
	case linkDir != "":
		dirs = []string{linkDir}
	case len(ops) >= 2:
		targets = ops[:len(ops)-1]
		if l, ok := canonAfter(c, ops[len(ops)-1], ""); ok {
			dirs = []string{l, path.Dir(l)}
		}
	default:
		dirs = []string{"."}
	}
	for _, i := range targets {
		s, ok := canonAfter(c, i, "")
		if !ok || strings.HasPrefix(s, "${") {
			return false, fmt.Sprintf("the target of ln -s %s is not in %s", args[i].Value, dir)
		}
		if path.IsAbs(s) {
			if within(path.Clean(s), dir) {
				return true, ""
			}
			continue
		}
		if len(dirs) == 0 {
			return false, fmt.Sprintf("the target of ln -s %s is not in %s", args[i].Value, dir)
		}
		for _, d := range dirs {
			base := absPath(d, pc)
			if base == "" {
				return false, fmt.Sprintf("the target of ln -s %s is not in %s", args[i].Value, dir)
			}
			if within(path.Join(base, s), dir) {
				return true, ""
			}
		}
	}
	return false, ""
}

// inSubst reports a command run in a $(…) or `…`.
func inSubst(c call) bool {
	in := false
	syntax.Walk(c.sh.File, func(n syntax.Node) bool {
		cs, ok := n.(*syntax.CmdSubst)
		if ok && cs.Pos().Offset() <= c.stmt.Pos().Offset() && c.stmt.End().Offset() <= cs.End().Offset() {
			in = true
		}
		return !in
	})
	return in
}

// installKey reports KEY= words that set where something is installed.
func installKey(key string) bool {
	k := strings.ToLower(strings.TrimLeft(key, "-"))
	for _, s := range []string{"prefix", "destdir", "root", "installroot", "install_prefix", "install-dir", "bindir", "libdir", "home", "gopath", "gobin", "cargo_home", "target"} {
		if k == s || strings.HasSuffix(k, "_"+s) || strings.HasSuffix(k, "-"+s) {
			return true
		}
	}
	return false
}

// sedScript reports that args[i] of sed is its script (-e SCRIPT, or the
// first operand without -e), not a file it edits.
func sedScript(args []shellWord, i int) bool {
	dashE := false
	for k, a := range args {
		if a.Value == "-e" || a.Value == "--expression" {
			dashE = true
			if k+1 == i {
				return true
			}
		}
		if strings.HasPrefix(a.Value, "--expression=") && k == i {
			return true
		}
	}
	if dashE {
		return false
	}
	for k, a := range args {
		if a.Literal && strings.HasPrefix(a.Value, "-") {
			continue
		}
		return k == i
	}
	return false
}

func sedInPlace(args []shellWord) bool {
	for _, a := range args {
		if strings.HasPrefix(a.Value, "-i") || a.Value == "--in-place" || strings.HasPrefix(a.Value, "--in-place=") ||
			a.Literal && strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "--") && strings.ContainsRune(a.Value, 'i') {
			return true
		}
	}
	return false
}

// textUses are what to check about the RUN's text: the path assigned to a
// variable, written by a here-document, or $PWD after a cd into it.
func textUses(sh *transform.Shell, dir string, fl *flow) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	walkStack(sh.File, func(n syntax.Node, stack []syntax.Node) {
		switch x := n.(type) {
		case *syntax.Assign:
			if x.Value != nil && mentionsPath(wordText(sh, x.Value), dir) && x.Name != nil {
				add(fmt.Sprintf("$%s (set to a path in %s) keeps nothing pointing into it", x.Name.Value, dir))
			}
		case *syntax.Lit:
			if inHeredoc(stack) && mentionsPath(x.Value, dir) {
				add(fmt.Sprintf("the here-document that names %s writes nothing that stays", dir))
			}
		case *syntax.Stmt:
			if p, ok := fl.at[x]; ok && p.dir != "" && within(p.dir, dir) {
				if ce, ok := x.Cmd.(*syntax.CallExpr); ok {
					text := sh.Text[ce.Pos().Offset():ce.End().Offset()]
					if strings.Contains(text, "$PWD") || strings.Contains(text, "${PWD") || strings.Contains(text, "pwd") {
						add(fmt.Sprintf("what names the working directory ($PWD, pwd) in %s keeps nothing pointing into it", dir))
					}
				}
			}
		}
	})
	return out
}
