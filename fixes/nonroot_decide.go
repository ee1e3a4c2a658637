package fixes

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/runas"
	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// This file holds the three outcomes' evidence beyond nonroot_keep.go:
// more reasons to report only (reportReason), and the evidence that makes
// the edit unsafe, for a reviewer to check (risks).

// takesReadFromOthers reports whether a chmod mode leaves others without
// read access (640, 0600, o-r, go-rwx).
func takesReadFromOthers(mode string) bool {
	if n, err := strconv.ParseUint(mode, 8, 32); err == nil && len(mode) >= 3 {
		return n&0o4 == 0
	}
	who, perms, ok := strings.Cut(mode, "-")
	return ok && strings.Contains(who, "o") && strings.Contains(perms, "r") || mode == "o=" || mode == "go="
}

// commandWrites records the paths the CMD and ENTRYPOINT write themselves:
// redirections and tee in their shell form, pid and log files among their
// arguments.
func (st *stageEvidence) commandWrites() {
	for _, c := range st.cmdLines() {
		if c.PrependShell {
			script := strings.Join(c.ShellDependantCmdLine.CmdLine, " ")
			if f, err := syntax.NewParser().Parse(strings.NewReader(script), ""); err == nil {
				syntax.Walk(f, func(n syntax.Node) bool {
					if s, ok := n.(*syntax.Stmt); ok {
						for _, r := range s.Redirs {
							switch r.Op {
							case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.ClbOut:
								st.wrote(st.d.Keyword(c.keyword), r.Word.Lit(), false)
							}
						}
					}
					return true
				})
			}
		}
		for _, cmd := range shell.RunCommands(c.ShellDependantCmdLine) {
			if cmd.Name == "tee" || cmd.Name == "touch" || cmd.Name == "mkdir" {
				for _, a := range cmd.Args {
					if a.Literal && !strings.HasPrefix(a.Value, "-") {
						st.wrote(st.d.Keyword(c.keyword), a.Value, cmd.Name == "mkdir")
					}
				}
			}
			for _, a := range cmd.Args {
				if !a.Literal {
					continue
				}
				v := a.Value
				if _, val, ok := strings.Cut(v, "="); ok && strings.HasPrefix(v, "-") {
					v = val
				}
				if strings.HasPrefix(v, "/") && (strings.HasSuffix(v, ".pid") || strings.HasSuffix(v, ".log") || strings.HasSuffix(v, ".sock")) {
					st.wrote(st.d.Keyword(c.keyword)+" argument", v, false)
				}
				if underRoot(v) && st.scriptRoot == "" {
					st.scriptRoot = st.d.Keyword(c.keyword) + " uses " + v
				}
				if e := runas.ForPath(v); e != nil && st.scriptNeed == "" {
					st.scriptNeed = "its command uses " + v + ", which " + strings.TrimPrefix(e.Reason, "is ")
				}
			}
		}
	}
	// Directories an ENV names for the app's data, logs or cache.
	for k, v := range st.f.Env {
		if !dataVar(k) || !path.IsAbs(v) || strings.ContainsAny(v, "$: ") {
			continue
		}
		isDir := path.Ext(v) == ""
		st.wrote("ENV "+k, v, isDir)
	}
	// Directories a RUN made for data, logs, caches or runtime files.
	for _, d := range st.madeDirs {
		if dataDir(path.Base(d)) {
			st.wrote("RUN mkdir", d, true)
		}
	}
}

// kwCmd is an ENTRYPOINT or CMD with its keyword.
type kwCmd struct {
	keyword string
	*transform.CmdLine
}

func (st *stageEvidence) cmdLines() []kwCmd {
	var out []kwCmd
	if st.f.Entrypoint != nil {
		out = append(out, kwCmd{"ENTRYPOINT", st.f.Entrypoint})
	}
	if st.f.Cmd != nil {
		out = append(out, kwCmd{"CMD", st.f.Cmd})
	}
	return out
}

// labelKeys are the keys of the LABELs of the stage's chain.
func (st *stageEvidence) labelKeys() []string {
	var out []string
	for _, s := range st.f.Chain {
		for _, n := range s.Nodes {
			if !strings.EqualFold(n.Value, "label") {
				continue
			}
			if in := st.d.Inst(n); in != nil {
				for _, p := range in.Pairs {
					out = append(out, strings.Trim(p.Key.Value, `"'`))
				}
			}
		}
	}
	return out
}

// dataVar reports whether an ENV name says it holds a directory or file
// the app writes (DATA_DIR, LOG_PATH, CACHE_DIR, UPLOAD_FOLDER).
func dataVar(k string) bool {
	k = strings.ToUpper(k)
	for _, w := range []string{"DATA", "LOG", "CACHE", "UPLOAD", "STORAGE", "STATE", "PERSIST"} {
		if strings.Contains(k, w) && (strings.HasSuffix(k, "DIR") || strings.HasSuffix(k, "PATH") ||
			strings.HasSuffix(k, "FOLDER") || strings.HasSuffix(k, "FILE") || strings.HasSuffix(k, "ROOT") || strings.HasSuffix(k, "HOME")) {
			return true
		}
	}
	return false
}

// dataDir reports whether a directory's name says the app writes it.
func dataDir(name string) bool {
	name = strings.ToLower(name)
	switch name {
	case "data", "logs", "log", "cache", "tmp", "uploads", "upload", "storage", "state", "db", "database",
		"media", "files", "run", "pids", "sessions", "output", "out", "var":
		return true
	}
	return strings.HasSuffix(name, "_data") || strings.HasSuffix(name, "-data")
}

// reportReason explains, beyond keepRoot's reasons, why a USER would break
// the image so it is reported without an edit, or returns "".
func (st *stageEvidence) reportReason() string {
	f := st.f
	switch {
	case st.scriptDrop != "":
		return st.scriptDrop + ", so it starts as root and drops privileges itself"
	case st.userConfig != "":
		return "its configuration " + st.userConfig + " makes the daemon start as root and drop privileges itself"
	case st.sudo != "":
		return st.sudo + ", and the new user has no sudoers entry"
	case st.scriptNeed != "":
		return st.scriptNeed
	case st.scriptRoot != "":
		return st.scriptRoot + ", which a non-root user cannot reach"
	case st.action != "":
		return st.action + " beside it declares a Docker container action (runs.using: docker), which GitHub documents must run as root"
	case st.ciVar != "":
		return "its entrypoint reads " + st.ciVar + ": it is a CI step, run over a workspace root owns"
	}
	for _, k := range st.labelKeys() {
		if strings.HasPrefix(k, "com.github.actions.") {
			return "its label " + k + " makes it a GitHub Docker container action, which GitHub documents must run as root"
		}
	}
	if name := st.helpCLI(); name != "" {
		return "its ENTRYPOINT " + name + " with CMD " + strings.Join(st.f.Cmd.CmdLine, " ") + " is a command-line tool, run over mounted files and directories that root owns"
	}
	if name := st.toolEntry(); name != "" {
		return "its command " + name + " " + runas.ForProgram(name).Reason
	}
	for _, cmd := range st.entryCommands() {
		if cmd.Has("--daemon", "-daemon") {
			return "its command " + cmd.Name + " --daemon runs a daemon, which starts as root to bind its port and drops privileges itself"
		}
		for _, name := range daemonNames(cmd) {
			if e := runas.ForProgram(name); e != nil && (e.Need == runas.Capability || e.Derived && st.created == nil && st.installs(e)) {
				return "its command " + name + " " + e.Reason
			}
		}
	}
	if r := images.ParseRef(f.Base); r.Name() == "mcr.microsoft.com/dotnet/aspnet" || images.OfficialName(f.Base) == "aspnet" {
		major, _, _ := strings.Cut(r.Tag, ".")
		if n, err := strconv.Atoi(major); err == nil && n < 8 && f.Env["ASPNETCORE_URLS"] == "" && f.Env["ASPNETCORE_HTTP_PORTS"] == "" {
			return "its base " + f.Base + " listens on port 80 (ASPNETCORE_URLS=http://+:80), below 1024, which a non-root process may not bind; set ASPNETCORE_URLS to a port above 1023 first"
		}
	}
	if ports := st.lowPorts(); len(ports) > 0 && len(ports) == st.portCount() {
		return "it only exposes port " + strings.Join(ports, ", ") + ", below 1024, which a non-root process may not bind"
	}
	if f.UserNode != nil && st.d.StageOf(f.UserNode) == f.Stage {
		in := st.d.Inst(f.UserNode)
		if in != nil && len(in.Args) > 0 && strings.Contains(in.Args[0].Value, "$") {
			return "its USER " + in.Args[0].Value + " names a variable: the author chooses the user at build time"
		}
		if c := st.commentAbove(f.UserNode.StartLine); c != "" {
			return "its USER root (line " + strconv.Itoa(f.UserNode.StartLine) + ") is explained by the comment \"" + c + "\": the author's decision"
		}
	}
	if len(st.f.Volumes) > 0 && !st.f.HasShell && st.family != images.Windows && st.volumeArgs() != "" {
		return "VOLUME " + st.volumeArgs() + " is created owned by root and the image has no shell to give it to the new user"
	}
	return ""
}

// installs reports whether a RUN of the stage installs the Debian package
// a derived program entry comes from.
func (st *stageEvidence) installs(e *runas.Entry) bool {
	return e.FromPackage != "" && st.f.Installs(e.FromPackage)
}

// commentAbove returns the text of the comment directly above a line, when
// it is prose (not a suppression or a commented-out instruction).
func (st *stageEvidence) commentAbove(line int) string {
	l := line - 1
	if l < 1 || !st.d.IsComment(l) {
		return ""
	}
	text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(st.d.Line(l)), "#"))
	lower := strings.ToLower(text)
	if text == "" || strings.Contains(lower, "harden:") || strings.Contains(lower, "hadolint") {
		return ""
	}
	if f := strings.Fields(text); len(f) > 0 && isKeyword(f[0]) {
		return "" // a commented-out instruction
	}
	if len(text) > 80 {
		text = text[:80] + "…"
	}
	return text
}

func isKeyword(w string) bool {
	switch strings.ToUpper(w) {
	case "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL":
		return true
	}
	return false
}

// toolEntry returns the tool the image runs as its ENTRYPOINT (or as a CMD
// that is not a server's start), or "".
func (st *stageEvidence) toolEntry() string {
	entry := st.entryCommands()
	if len(entry) == 0 {
		return ""
	}
	cmd := entry[0]
	e := runas.ForProgram(cmd.Name)
	if e == nil || e.Need != runas.Tool || cmd.Has("--daemon") {
		return ""
	}
	if st.f.Entrypoint == nil {
		for _, a := range cmd.Args {
			switch a.Value {
			case "start", "serve", "server", "run", "dev", "preview", "up", "watch", "exec", "spring-boot:run", "bootRun":
				return "" // an app started through its build tool
			}
		}
	}
	return cmd.Name
}

func (st *stageEvidence) portCount() int {
	n := 0
	seen := map[string]bool{}
	for _, p := range st.f.Ports {
		port, _, _ := strings.Cut(p.Expanded, "/")
		if !seen[port] {
			seen[port] = true
			n++
		}
	}
	return n
}

// risks is the evidence a reviewer must check before the edit is applied:
// the edit is made unsafe, with these in its message.
func (st *stageEvidence) risks() []string {
	var out []string
	f := st.f
	out = append(out, st.runScripts...)
	if st.unknownScript != "" {
		out = append(out, "it starts "+st.unknownScript+", which harden could not read in the build context (not there, or too large): check that it writes no root-owned path and needs no root")
	}
	out = append(out, st.writeRisk...)
	if st.unreadable != "" {
		out = append(out, st.unreadable+", which the new user may need to read")
	}
	if !f.Image.Known && st.base == nil && st.f.Image.Family != images.Windows {
		out = append(out, "its base image "+st.baseShown()+" is not known here: check that it has no user of its own and that its program needs no $HOME")
	}
	if w := f.Workdir; w != "" && f.Entrypoint != nil && !st.filled(w) && !systemPath(w) {
		out = append(out, "its WORKDIR "+w+" gets no files from the Dockerfile: if a workspace is mounted there, root owns it")
	}
	if st.unknownScript == "" {
		if entry := st.entryCommands(); len(entry) > 0 && strings.HasSuffix(entry[0].Name, ".sh") && !passThrough[entry[0].Name] && !slices.Contains(st.readScripts, entry[0].Name) {
			out = append(out, "its command "+entry[0].Name+" is a script the image installs, which harden cannot read: check that it writes no root-owned path")
		}
	}
	if kw, name := st.portlessEntrypoint(); name != "" {
		out = append(out, "its "+kw+" "+name+" exposes no port and names none: likely a command-line or desktop program rather than a server, which may write to the current directory or to a mounted directory that root owns")
	}
	if msg := st.echoCmd(); msg != "" {
		out = append(out, msg)
	}
	if msg := st.mountedWorkdir(); msg != "" {
		out = append(out, msg)
	}
	if msg := st.downloadedApp(); msg != "" {
		out = append(out, msg)
	}
	if msg := st.ownerNeverUser(); msg != "" {
		out = append(out, msg)
	}
	if conf := st.packagedConfig(); conf != "" {
		out = append(out, "its command reads "+conf+", which a package installs and harden cannot read: check the paths it writes (data, logs, pid files)")
	}
	if st.serverPkg != nil {
		out = append(out, "it installs "+st.serverPkg.Key+", whose "+st.serverPkg.Reason+": check that its command does not start it")
	}
	return out
}

// filled reports whether the Dockerfile puts anything in a directory: a
// COPY or ADD to it, or a RUN after the WORKDIR.
func (st *stageEvidence) filled(dir string) bool {
	for _, c := range st.f.Copies {
		d := c.DestExpanded
		if !path.IsAbs(d) {
			return true // relative: into the WORKDIR of its time
		}
		if _, ok := under(path.Clean(d), dir); ok {
			return true
		}
	}
	if wn := st.f.WorkdirNode; wn != nil {
		for _, r := range st.f.Runs {
			if r.Node.StartLine > wn.StartLine {
				return true
			}
		}
	}
	return false
}

// baseShown is the base image as messages show it: as written when a
// variable in it has no default (never "postgres:-alpine").
func (st *stageEvidence) baseShown() string {
	if !st.f.BaseResolved {
		return st.f.BaseWritten
	}
	return st.f.Base
}

func (st *stageEvidence) describeRisks(r []string) string {
	return fmt.Sprintf("Final stage runs as root; a USER may break it: %s", strings.Join(r, "; "))
}

// packagedConfig returns a configuration file under /etc that the CMD or
// ENTRYPOINT names and that no COPY brings from the build context: a
// package's, whose paths are unknown here.
func (st *stageEvidence) packagedConfig() string {
	for _, c := range st.cmdLines() {
		for _, cmd := range shell.RunCommands(c.ShellDependantCmdLine) {
			for _, a := range cmd.Args {
				v := a.Value
				if _, val, ok := strings.Cut(v, "="); ok && strings.HasPrefix(v, "-") {
					v = val
				}
				if !a.Literal || !strings.HasPrefix(v, "/etc/") || !configExt[path.Ext(v)] {
					continue
				}
				if _, copied, exists := st.contextSource(v); copied && exists {
					continue // read from the context
				}
				return v
			}
		}
	}
	return ""
}

// helpCLI returns the ENTRYPOINT's program when the CMD only asks it for
// help or its version: the image is a command-line tool.
func (st *stageEvidence) helpCLI() string {
	if st.f.Entrypoint == nil || st.f.Cmd == nil || st.f.Cmd.PrependShell || len(st.f.Cmd.CmdLine) != 1 {
		return ""
	}
	switch st.f.Cmd.CmdLine[0] {
	case "--help", "-h", "help", "--version", "-v", "version", "-help":
		if entry := st.entryCommands(); len(entry) > 0 {
			return entry[0].Name
		}
	}
	return ""
}

// portlessEntrypoint returns the keyword and program of the container's
// command (its ENTRYPOINT, else its CMD) when the image exposes no port and
// declares no VOLUME: a command-line or desktop program rather than a
// server; or "", "".
func (st *stageEvidence) portlessEntrypoint() (string, string) {
	if len(st.f.Ports) > 0 || len(st.f.Volumes) > 0 {
		return "", ""
	}
	kw := "ENTRYPOINT"
	if st.f.Entrypoint == nil {
		kw = "CMD"
	}
	entry := st.entryCommands()
	if len(entry) == 0 || strings.HasSuffix(entry[0].Name, ".sh") || passWrappers[entry[0].Name] || printer(entry[0].Name) || listens(entry) {
		return "", ""
	}
	return kw, entry[0].Name
}

// listenOptions are the options by which servers are told where to listen.
var listenOptions = map[string]bool{"-b": true, "--bind": true, "-p": true, "--port": true, "--listen": true,
	"-l": true, "--host": true, "--http": true, "--http-port": true, "--addr": true, "--address": true, "--server.port": true}

// listens reports whether the command says where it listens: a listen
// option with a value (gunicorn -b 0.0.0.0:8080, --port 3000) or a
// host:port argument (runserver 0.0.0.0:8000): a server, even without an
// EXPOSE.
func listens(entry []shell.Command) bool {
	hostPort := func(v string) bool {
		i := strings.LastIndex(v, ":")
		return i >= 0 && !strings.Contains(v[:i], "/") && isNumber(v[i+1:])
	}
	for _, c := range entry {
		for i, a := range c.Args {
			name, val, hasVal := strings.Cut(a.Value, "=")
			if listenOptions[name] && (hasVal || i+1 < len(c.Args)) {
				if !hasVal {
					val = c.Args[i+1].Value
				}
				if isNumber(val) || hostPort(val) || strings.Contains(val, "$") {
					return true
				}
			}
			if hostPort(a.Value) {
				return true
			}
		}
	}
	return false
}

// printer reports whether a program only prints its arguments.
func printer(name string) bool { return name == "echo" || name == "printf" }

// echoCmd explains why a container whose whole command only prints a
// message (CMD echo "use one of convert | identify ...") is a toolbox
// image, or returns "".
func (st *stageEvidence) echoCmd() string {
	entry := st.entryCommands()
	if len(entry) == 0 {
		return ""
	}
	for _, c := range entry {
		if !printer(c.Name) {
			return ""
		}
	}
	kw := "CMD"
	if st.f.Entrypoint != nil {
		kw = "ENTRYPOINT"
	}
	return "its " + kw + " only prints a message (" + entry[0].Name + "): a toolbox image, whose programs are run over mounted files and directories that root owns"
}

// mountedWorkdir explains why the WORKDIR is likely a bind-mounted
// workspace: a VOLUME is the WORKDIR or holds it, or a comment of the
// stage says sources are mounted there. A chown in the image does not
// reach a bind mount, whose owner is the host's. Or "".
func (st *stageEvidence) mountedWorkdir() string {
	w := st.f.Workdir
	if w == "" || w == "/" {
		return ""
	}
	for _, v := range st.f.Volumes {
		p := v.Expanded
		if !path.IsAbs(p) || strings.Contains(p, "$") {
			continue
		}
		p = path.Clean(p)
		if _, ok := under(w, p); ok && p != "/" {
			where := "is the VOLUME " + p
			if p != w {
				where = "is inside VOLUME " + p
			}
			return "its WORKDIR " + w + " " + where + ": if a workspace is bind-mounted there, the host's user owns it and a chown in the image does not reach it"
		}
	}
	final := st.f.Stage.Nodes
	if len(final) == 0 {
		return ""
	}
	first := st.f.Stage.From.StartLine
	last := final[len(final)-1].EndLine
	for l := first; l <= last; l++ {
		if !st.d.IsComment(l) {
			continue
		}
		lower := strings.ToLower(st.d.Line(l))
		if strings.Contains(lower, "mount") && (strings.Contains(lower, w) || strings.Contains(lower, "source") || strings.Contains(lower, "code")) {
			text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(st.d.Line(l)), "#"))
			if len(text) > 80 {
				text = text[:80] + "…"
			}
			return fmt.Sprintf("the comment at line %d says files are mounted (\"%s\"): a bind mount keeps the host's owner, which a chown in the image does not reach", l, text)
		}
	}
	return ""
}

// downloadedApp explains why the program or app the container runs comes
// from a RUN that downloads or clones it (git clone, svn checkout, curl -o,
// wget -O, tar -C after a download, npm install of a git URL) into the
// WORKDIR or a path the command names: harden cannot read it, and the app
// may write under its own directory, which root owns. Or "".
func (st *stageEvidence) downloadedApp() string {
	w := st.f.Workdir
	var args []string
	for _, c := range st.entryCommands() {
		args = append(args, c.Name)
		for _, a := range c.Args {
			if a.Literal {
				v := a.Value
				if _, val, ok := strings.Cut(v, "="); ok && strings.HasPrefix(v, "-") {
					v = val
				}
				args = append(args, v)
			}
		}
	}
	for _, r := range st.f.Runs {
		cwd := workdirAt(st.d, r.Stage, r.Index, false)
		downloads := r.Mentions("curl", "wget", "git", "svn", "hg")
		for _, cmd := range r.Commands() {
			dest, what := downloadDest(cmd, downloads)
			if dest == "" || strings.Contains(dest, "$") {
				continue
			}
			if !path.IsAbs(dest) {
				if cwd == "" {
					continue
				}
				dest = path.Join(cwd, dest)
			}
			dest = path.Clean(dest)
			if dest == "/" || systemPath(dest) || dest == "/usr/local/bin" || dest == "/usr/bin" || dest == "/tmp" {
				continue
			}
			hit := ""
			if _, ok := under(w, dest); w != "" && ok {
				hit = "the WORKDIR " + w
			}
			if entry := st.entryCommands(); hit == "" && len(entry) > 0 && !path.IsAbs(entry[0].Name) && entry[0].Name == path.Base(dest) && path.Base(path.Dir(dest)) == "bin" {
				hit = "its command " + entry[0].Name
			}
			for _, a := range args {
				if hit != "" {
					break
				}
				if _, ok := under(path.Clean(a), dest); path.IsAbs(a) && ok {
					hit = "its command's " + a
				}
			}
			if hit != "" {
				return fmt.Sprintf("RUN at line %d %s into %s, %s: harden cannot read that program, which may write under its own directory (root owns it)", r.Node.StartLine, what, dest, hit)
			}
		}
	}
	return ""
}

// downloadDest returns where a command downloads or clones files, and
// what it does, or "". inDownload tells whether its RUN downloads (then
// tar -C and unzip -d unpack what it fetched).
func downloadDest(cmd shell.Command, inDownload bool) (dest, what string) {
	pos := cmd.Positionals(map[string]bool{"-b": true, "--branch": true, "--depth": true, "-c": true, "--config": true, "--origin": true, "-o": true, "-j": true, "--jobs": true, "-r": true, "--revision": true})
	val := func(opts ...string) string {
		for i, a := range cmd.Args {
			for _, o := range opts {
				if a.Value == o && i+1 < len(cmd.Args) {
					return cmd.Args[i+1].Value
				}
				if v, ok := strings.CutPrefix(a.Value, o+"="); ok && strings.HasPrefix(o, "--") {
					return v
				}
			}
		}
		return ""
	}
	switch cmd.Name {
	case "git", "hg":
		if len(pos) >= 2 && pos[0].Value == "clone" {
			if len(pos) >= 3 {
				return pos[2].Value, cmd.Name + " clones " + pos[1].Value
			}
			return strings.TrimSuffix(path.Base(pos[1].Value), ".git"), cmd.Name + " clones " + pos[1].Value
		}
	case "svn":
		if len(pos) >= 2 && (pos[0].Value == "checkout" || pos[0].Value == "co" || pos[0].Value == "export") {
			if len(pos) >= 3 {
				return pos[2].Value, "svn checks out " + pos[1].Value
			}
			return path.Base(pos[1].Value), "svn checks out " + pos[1].Value
		}
	case "curl":
		if d := val("-o", "--output"); d != "" && d != "-" {
			return d, "curl downloads"
		}
	case "wget":
		if d := val("-O", "--output-document"); d != "" && d != "-" {
			return d, "wget downloads"
		}
		if d := val("-P", "--directory-prefix"); d != "" {
			return d, "wget downloads"
		}
	case "tar":
		if d := val("-C", "--directory"); d != "" && inDownload {
			return d, "tar unpacks a download"
		}
	case "unzip":
		if d := val("-d"); d != "" && inDownload {
			return d, "unzip unpacks a download"
		}
	case "npm", "yarn", "pnpm":
		for _, a := range pos {
			v := a.Value
			if strings.HasPrefix(v, "git+") || strings.HasPrefix(v, "git://") || strings.HasPrefix(v, "github:") || strings.HasSuffix(v, ".git") {
				return ".", cmd.Name + " installs " + v
			}
		}
	}
	return "", ""
}

// ownerNeverUser explains why the user the edit switches to is one the
// Dockerfile only gives files to (COPY --chown, RUN chown) and never names
// in a USER: the authors may have removed that USER on purpose, or its
// data directory may be a bind mount. Or "".
func (st *stageEvidence) ownerNeverUser() string {
	if st.created != nil || len(st.owners) == 0 || st.family == images.Windows {
		return ""
	}
	users := st.runtimeUsers()
	if len(users) != 1 {
		return ""
	}
	return "the Dockerfile gives files to " + users[0] + " but never switches to it: check why"
}
