package fixes

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/internal/runtimes"
	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

func pkgName(p string) string { return pkgmgr.Name(p) }

func pkgmgrCommand(name string) bool { return pkgmgr.Family(name) != images.Unknown }

// firstLine is an instruction's first line, for messages.
func firstLine(d *transform.Document, n *parser.Node) string {
	return strings.TrimSpace(d.Line(n.StartLine))
}

// copyOf returns the COPY or ADD at index i.
func (si *stageInfo) copyOf(i int) (transform.Copy, bool) {
	n := si.s.Nodes[i]
	for _, c := range si.f.Copies {
		if c.Node == n {
			return c, true
		}
	}
	return transform.Copy{}, false
}

// buildOnly are packages a build installs for itself: compilers, fetchers,
// archivers. The runtime does not need them (unless it runs them, which
// the command and HEALTHCHECK checks catch).
var buildOnly = map[string]bool{
	"gcc": true, "g++": true, "make": true, "cmake": true, "build-essential": true, "build-base": true,
	"pkg-config": true, "pkgconf": true, "pkgconfig": true, "git": true, "curl": true, "wget": true, "unzip": true,
	"xz-utils": true, "bzip2": true, "musl-dev": true, "libc6-dev": true, "libc-dev": true, "linux-headers": true,
	"binutils": true, "autoconf": true, "automake": true, "libtool": true, "clang": true, "llvm": true, "upx": true,
	"upx-ucl": true, "protobuf-compiler": true, "python3-dev": true, "python-dev": true, "gnupg": true,
	"dpkg-dev": true, "maven": true, "gradle": true, "patch": true, "file": true, "gcc-c++": true,
	"python3-pip": true, "python3-venv": true, "python3-setuptools": true, "python3-wheel": true,
	"ca-certificates": false,
}

// shellUtils are the programs any runtime image with a shell has.
var shellUtils = []string{"sh", "exec", "echo", "cd", "export", "set", "test", "[", "sleep", "cat", "ls", "mkdir",
	"rm", "cp", "mv", "env", "true", "false", "printf", "trap", "wait", "kill", "id", "chmod", "ln", "touch", "date"}

// absentTools are programs the runtime images do not have, even with a
// shell.
var absentTools = []string{"curl", "wget", "git", "gcc", "make", "ssh", "nc", "netcat", "jq", "unzip", "zip", "gosu",
	"su-exec", "supervisord", "nginx", "apache2", "cron", "bash", "tini", "dumb-init", "go", "cargo", "mvn", "gradle",
	"npm", "node", "pip", "pip3", "ps", "procps"}

// split checks what the runtime stage would need and writes the edits.
func (si *stageInfo) split(a *artifact) ([]transform.Edit, string, *blocked) {
	d, s := si.d, si.s
	rule, img, err := si.table.Lookup(a.kind, si.builder())
	if b, r := images.ParseRef(si.builder()), images.ParseRef(img); err == nil && b.Digest != "" && r.Digest == "" && b.Name() == r.Name() && b.Tag == r.Tag {
		img = si.builder() // the same image: keep its pin
	}
	if err != nil || img == "" {
		msg := "no runtime image is known"
		if err != nil {
			msg = err.Error()
		}
		if a.kind == runtimes.GoCgo {
			msg = "go build without CGO_ENABLED=0 links against the builder's C library, and " + msg + "; set CGO_ENABLED=0 or name the release in the tag"
		}
		return nil, "", block("runtime-unknown", "%s", msg)
	}
	// RUNs after the artifact: only ones that touch the artifact itself.
	for i := a.last + 1; i < len(s.Nodes); i++ {
		switch c := s.Parsed.Commands[i].(type) {
		case *instructions.RunCommand:
			if !si.touchesArtifactOnly(i, a) {
				return nil, "", block("run-after-build", "%s runs after the build, in the stage the runtime replaces", firstLine(d, s.Nodes[i]))
			}
			a.last = i
		case *instructions.ShellCommand, *instructions.OnbuildCommand:
			return nil, "", block("run-after-build", "%s after the build", firstLine(d, s.Nodes[i]))
		case *instructions.CopyCommand:
			if c.From != "" {
				// A COPY --from of an image after the build: it stays in the build stage.
				continue
			}
		}
	}
	// Files copied from the context outside the build's directories.
	if a.kind != runtimes.Python && a.kind != runtimes.Node {
		wds := map[string]bool{}
		for i := 0; i <= a.last; i++ {
			if _, ok := s.Parsed.Commands[i].(*instructions.RunCommand); ok {
				wds[si.workdir[i]] = true
			}
		}
		for i := 0; i <= a.last; i++ {
			c, ok := si.copyOf(i)
			if !ok || c.From != "" {
				continue
			}
			dst := si.resolve(i, c.DestExpanded)
			in := false
			for w := range wds {
				in = in || within(dst, w) && w != "/" || within(w, dst) && dst != "/"
			}
			if !in {
				return nil, "", block("context-files", "%s puts files in %s, outside the build's directory: the runtime stage would not have them", firstLine(d, s.Nodes[i]), dst)
			}
		}
	}
	if a.kind != runtimes.Python && a.kind != runtimes.Node {
		if b := si.contextCopies(a); b != nil {
			return nil, "", b
		}
	}
	if b := si.runtimeNeeds(a, rule, img); b != nil {
		return nil, "", b
	}
	for _, op := range a.copies {
		if strings.ContainsAny(op.src+op.dst, " \t\"'\\$") {
			return nil, "", block("artifact-unknown", "the artifact path %q needs quoting", op.src)
		}
	}
	return si.edits(a, img)
}

// builder is the builder image as written, or with ARG defaults
// substituted when its name (not only its tag) is a variable.
func (si *stageInfo) builder() string {
	if strings.Contains(images.ParseRef(si.f.BaseWritten).Name(), "$") {
		return si.f.Base
	}
	return si.f.BaseWritten
}

// touchesArtifactOnly reports a RUN after the build that only inspects or
// finishes the artifact (chmod, strip, upx, ls).
func (si *stageInfo) touchesArtifactOnly(i int, a *artifact) bool {
	for _, r := range si.f.Runs {
		if r.Index != i {
			continue
		}
		cmds := r.Commands()
		if len(cmds) == 0 {
			return false
		}
		for _, c := range cmds {
			switch c.Name {
			case "chmod", "strip", "upx", "ls", "file", "echo", "true":
			default:
				return false
			}
			for _, w := range c.Positionals(nil) {
				if c.Name == "echo" {
					break
				}
				p := si.resolve(i, r.Value(w))
				ok := false
				for _, op := range a.copies {
					ok = ok || p == op.src
				}
				if !ok && !strings.HasPrefix(w.Value, "+") && !isOctal(w.Value) {
					return false
				}
			}
		}
		return true
	}
	return false
}

func isOctal(s string) bool {
	_, err := strconv.ParseUint(s, 8, 32)
	return err == nil
}

// runtimeNeeds checks the command, HEALTHCHECK, users and packages against
// what the runtime image has.
func (si *stageInfo) runtimeNeeds(a *artifact, rule runtimes.Rule, img string) *blocked {
	cmd := si.command()
	has := func(name string) bool {
		if rule.Has(name) || inList(a.runs, name) {
			return true
		}
		for _, r := range a.runs {
			if path.Base(r) == name {
				return true
			}
		}
		if rule.Shell && inList(shellUtils, name) {
			return true
		}
		// Python: a bare name is a console script of the virtualenv, unless
		// it is a known system tool.
		return a.kind == runtimes.Python && !strings.Contains(name, "/") && !inList(absentTools, name)
	}
	if !cmd.exec && !rule.Shell {
		return block("shell-command", "the shell-form command %q needs /bin/sh, which %s does not have", cmd.text, img)
	}
	if !cmd.exec {
		for _, c := range cmd.cmds {
			if !has(c.Name) {
				return block("command-tool", "the command runs %s, which %s does not have", c.Name, img)
			}
		}
	} else if len(cmd.argv) > 0 {
		argv0 := cmd.argv[0]
		if shell.KindOf(path.Base(argv0)) != 0 && !rule.Shell {
			return block("shell-command", "the command runs %s, which %s does not have", argv0, img)
		}
		if !has(path.Base(argv0)) && !si.startsArtifact(argv0, a.runsOrEmpty()) {
			if a.kind != runtimes.Python || !strings.Contains(argv0, "/") || !within(si.resolve(len(si.s.Nodes)-1, argv0), si.workdir[len(si.workdir)-1]) || strings.HasSuffix(argv0, ".sh") {
				return block("command-tool", "the command runs %s, which %s does not have", argv0, img)
			}
		}
	}
	if b := si.commandFiles(a, cmd); b != nil {
		return b
	}
	for i, c := range si.s.Parsed.Commands {
		switch c := c.(type) {
		case *instructions.HealthCheckCommand:
			if c.Health == nil || len(c.Health.Test) == 0 || c.Health.Test[0] == "NONE" {
				continue
			}
			switch c.Health.Test[0] {
			case "CMD-SHELL":
				if !rule.Shell {
					return block("healthcheck-tool", "the HEALTHCHECK needs /bin/sh, which %s does not have", img)
				}
				script := strings.Join(c.Health.Test[1:], " ")
				cmds, ok := shell.Commands(script)
				if !ok {
					return block("healthcheck-tool", "the HEALTHCHECK script does not parse")
				}
				for _, hc := range cmds {
					if !has(hc.Name) {
						return block("healthcheck-tool", "the HEALTHCHECK runs %s, which %s does not have", hc.Name, img)
					}
				}
			case "CMD":
				if len(c.Health.Test) > 1 {
					p := c.Health.Test[1]
					if !has(path.Base(p)) && !si.startsArtifact(p, a.runsOrEmpty()) {
						return block("healthcheck-tool", "the HEALTHCHECK runs %s, which %s does not have", p, img)
					}
				}
			}
		case *instructions.UserCommand:
			if b := si.userNeeds(c.User, img); b != nil {
				return b
			}
		case *instructions.CopyCommand:
			if i > a.last && c.Chown != "" {
				if b := si.userNeeds(c.Chown, img); b != nil {
					return b
				}
			}
		}
	}
	// Packages the build installed: build tools, or files the runtime has.
	var missing []string
	seen := map[string]bool{}
	for _, pc := range si.f.PackageCommands() {
		for _, p := range pc.Installs {
			n := pkgName(p)
			if seen[n] || buildOnly[n] || rule.HasPackage(n) || si.runsProgram(n) {
				continue
			}
			if a.kind == runtimes.GoStatic && (strings.HasSuffix(n, "-dev") || strings.HasSuffix(n, "-devel")) {
				continue // a static binary links nothing at run time
			}
			if a.kind == runtimes.Python && (n == "python3-dev" || n == "gcc" || n == "g++") {
				continue
			}
			seen[n] = true
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return block("runtime-packages", "the stage installs %s, which %s does not have and the app may need at run time", strings.Join(missing, ", "), img)
	}
	return nil
}

func (a *artifact) runsOrEmpty() []string {
	if len(a.runs) == 0 {
		return []string{""}
	}
	return a.runs
}

// runsProgram reports whether a RUN of the stage runs a program called
// name: a package installed to be used by the build.
func (si *stageInfo) runsProgram(name string) bool {
	for _, r := range si.f.Runs {
		if !r.Mentions(name) {
			continue
		}
		for _, c := range r.Commands() {
			if c.Name == name {
				return true
			}
		}
	}
	return false
}

// userNeeds checks a USER or --chown value against the runtime image.
func (si *stageInfo) userNeeds(v, img string) *blocked {
	expanded, _ := si.d.Expand(v, si.f.Vars)
	if expanded == "" {
		expanded = v
	}
	for _, part := range strings.Split(expanded, ":") {
		if part == "" || part == "root" || isNumber(part) {
			continue
		}
		if u := images.Lookup(img).Ships; u != nil && u.Name == part {
			continue
		}
		return block("named-user", "%q names a user or group %s may not have (the build stage creates users, the runtime stage does not)", v, img)
	}
	return nil
}

// configExts are file name endings of files an app reads at run time.
var configExts = []string{".yaml", ".yml", ".json", ".toml", ".conf", ".cfg", ".ini", ".properties", ".env", ".xml", ".pem", ".crt", ".key", ".html", ".db", ".sqlite"}

// commandFiles blocks a command whose arguments name files of the build
// stage other than the artifact.
func (si *stageInfo) commandFiles(a *artifact, cmd command) *blocked {
	if a.kind == runtimes.Python || a.kind == runtimes.Node {
		return nil // the working directory goes along
	}
	argv := cmd.argv
	if !cmd.exec {
		argv = nil
		for _, c := range cmd.cmds {
			argv = append(argv, words(c.Args)...)
		}
	} else if len(argv) > 0 {
		argv = argv[1:]
	}
	for _, w := range argv {
		if _, v, ok := strings.Cut(w, "="); ok && strings.HasPrefix(w, "-") {
			w = v
		}
		looks := strings.HasPrefix(w, "/") || strings.HasPrefix(w, "./") || strings.HasPrefix(w, "../")
		for _, e := range configExts {
			looks = looks || strings.HasSuffix(w, e)
		}
		if !looks || strings.Contains(w, "://") {
			continue
		}
		p := si.resolve(len(si.s.Nodes)-1, w)
		copied := false
		for _, op := range a.copies {
			copied = copied || within(p, op.dst) || path.Clean(op.dst) == path.Dir(p) && !inList(a.fromContext, op.dst)
		}
		if copied {
			continue
		}
		// A file of the build context the whole-context COPY put there:
		// the runtime stage copies it too.
		kind, ignored := si.contextFile(si.contextRoot(a.last), p)
		if ignored {
			return block("context-files", "the command reads %s, which .dockerignore may leave out of the build", w)
		}
		if kind != "" {
			a.copies = append(a.copies, copyOp{p, p})
			a.fromContext = append(a.fromContext, p)
			continue
		}
		for i := 0; i <= a.last; i++ {
			inCopy := false
			if c, ok := si.copyOf(i); ok {
				inCopy = within(p, si.resolve(i, c.DestExpanded))
			}
			if inCopy || si.workdir[i] != "/" && within(p, si.workdir[i]) {
				return block("context-files", "the command reads %s, a file of the build stage", w)
			}
		}
	}
	return nil
}

// edits writes the split: AS on the FROM, lines before the build for the
// build stage, and the runtime stage after the build.
func (si *stageInfo) edits(a *artifact, img string) ([]transform.Edit, string, *blocked) {
	d, s := si.d, si.s
	from := d.Inst(s.From)
	if from == nil || len(from.Args) == 0 {
		return nil, "", block("artifact-unknown", "the FROM line could not be read")
	}
	var edits []transform.Edit
	name := s.Parsed.Name
	if len(from.Args) >= 3 {
		name = from.Args[2].Value
	} else {
		name = "build"
		as := "AS"
		if d.Keyword("FROM") == "from" {
			as = "as"
		}
		edits = append(edits, transform.Edit{Start: from.Args[0].End, End: from.Args[0].End, New: " " + as + " " + name})
	}
	if len(a.before) > 0 {
		edits = append(edits, d.InsertBeforeComments(s.Nodes[a.beforeAt], d.Lines(a.before...)))
	}
	// The runtime stage.
	fromLine := d.Keyword("FROM") + " "
	if p, ok := from.Flag("platform"); ok && !strings.Contains(p.Value.Value, "BUILDPLATFORM") {
		fromLine += string(d.Src[p.Start:p.End]) + " "
	}
	fromLine += img
	var kept []*parser.Node
	for i := 0; i <= a.last; i++ {
		switch s.Parsed.Commands[i].(type) {
		case *instructions.EnvCommand, *instructions.WorkdirCommand, *instructions.LabelCommand,
			*instructions.ExposeCommand, *instructions.VolumeCommand, *instructions.UserCommand,
			*instructions.HealthCheckCommand, *instructions.StopSignalCommand, *instructions.CmdCommand,
			*instructions.EntrypointCommand, *instructions.MaintainerCommand, *instructions.ArgCommand:
			kept = append(kept, s.Nodes[i])
		}
	}
	// The text of the runtime stage, to find the ARGs it uses.
	var used strings.Builder
	for _, n := range kept {
		if !strings.EqualFold(n.Value, "arg") {
			used.WriteString(d.Text(n))
		}
	}
	for i := a.last + 1; i < len(s.Nodes); i++ {
		used.WriteString(d.Text(s.Nodes[i]))
	}
	var b strings.Builder
	if len(a.buildTail) > 0 {
		b.WriteString(d.Lines(a.buildTail...))
	}
	b.WriteString(d.EOL())
	b.WriteString(d.Lines(fromLine))
	for i, n := range kept {
		if c, ok := s.Parsed.Commands[si.index(n)].(*instructions.ArgCommand); ok {
			need := false
			for _, kv := range c.Args {
				need = need || usesVar(used.String(), kv.Key)
			}
			if !need {
				continue
			}
		}
		text := d.Text(n)
		if !strings.HasSuffix(text, "\n") { // the file's last line
			text += d.EOL()
		}
		b.WriteString(text)
		_ = i
	}
	lines := append([]string(nil), a.after...)
	var shown []string
	for _, op := range a.copies {
		lines = append(lines, d.Keyword("COPY")+" --from="+name+" "+op.src+" "+op.dst)
		shown = append(shown, op.src)
	}
	b.WriteString(d.Lines(lines...))
	last := s.Nodes[a.last]
	if a.last == len(s.Nodes)-1 {
		edits = append(edits, d.InsertAfter(last, b.String()))
	} else {
		at := d.LineEnd(last.EndLine)
		edits = append(edits, transform.Edit{Start: at, End: at, New: b.String()})
	}
	title := fmt.Sprintf("Build in stage %q and run from %s with only %s copied", name, img, strings.Join(shown, " and "))
	check := a.check
	if check == "" {
		check = "that the app reads no file of the build stage at run time (templates, static files, configs copied with the sources)"
	}
	title += "; check " + check
	return edits, title, nil
}

// usesVar reports whether text refers to $name or ${name…}.
func usesVar(text, name string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] != '$' {
			continue
		}
		rest := text[i+1:]
		if strings.HasPrefix(rest, "{"+name) {
			r := rest[len(name)+1:]
			if r == "" || !isIdent(r[0]) {
				return true
			}
		}
		if strings.HasPrefix(rest, name) {
			r := rest[len(name):]
			if r == "" || !isIdent(r[0]) {
				return true
			}
		}
	}
	return false
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// runtimeDirs are directories of the sources that apps commonly read at
// run time: when the build context has them where the command runs, the
// runtime stage gets them too.
var runtimeDirs = []string{"templates", "static", "public", "assets", "views", "config", "configs", "conf", "migrations", "locales", "i18n", "www", "web"}

// contextRoot is the directory a COPY of the whole build context (COPY .
// DIR) fills in the build part of the stage, or "".
func (si *stageInfo) contextRoot(last int) string {
	root := ""
	for i := 0; i <= last && i < len(si.s.Nodes); i++ {
		c, ok := si.copyOf(i)
		if !ok || c.From != "" || c.Add || len(c.Sources) != 1 {
			continue
		}
		if s := path.Clean(c.Sources[0]); s == "." || s == "/" {
			root = si.resolve(i, c.DestExpanded)
		}
	}
	return root
}

// contextFile is the kind of the file of the build context that the stage
// has at p: "dir", "file", or "" when the context does not show it (or
// .dockerignore may leave it out, reported as ignored).
func (si *stageInfo) contextFile(root, p string) (kind string, ignored bool) {
	ctx := si.pass.Context
	if ctx == nil || root == "" || !within(p, root) || p == root {
		return "", false
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	st, err := fs.Stat(ctx, rel)
	if err != nil {
		return "", false
	}
	if data, err := fs.ReadFile(ctx, ".dockerignore"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			l = strings.Trim(strings.TrimSpace(l), "/")
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			l = strings.TrimPrefix(l, "!")
			for q := rel; q != "." && q != ""; q = path.Dir(q) {
				if m, _ := path.Match(l, q); m || strings.HasPrefix(l, "**") {
					return "", true
				}
				if strings.HasPrefix(rel, l+"/") {
					return "", true
				}
			}
		}
	}
	if st.IsDir() {
		return "dir", false
	}
	return "file", false
}

// contextCopies adds to the runtime stage the directories of the build
// context an app reads at run time (templates/, static/…) found where the
// command runs, when the build copies the whole context.
func (si *stageInfo) contextCopies(a *artifact) *blocked {
	root := si.contextRoot(a.last)
	if root == "" || si.pass.Context == nil {
		return nil
	}
	wd := si.workdir[len(si.workdir)-1]
	if !within(wd, root) {
		return nil
	}
	for _, name := range runtimeDirs {
		p := path.Join(wd, name)
		kind, ignored := si.contextFile(root, p)
		if ignored || kind != "dir" || a.copied(p) {
			continue
		}
		a.copies = append(a.copies, copyOp{p, p})
		a.fromContext = append(a.fromContext, p)
	}
	return nil
}

// copied reports whether p is under a destination of the runtime copies.
func (a *artifact) copied(p string) bool {
	for _, op := range a.copies {
		if within(p, op.dst) {
			return true
		}
	}
	return false
}
