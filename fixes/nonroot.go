package fixes

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/internal/runas"
	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// The policy of non-root-user, in three files: this one decides whether
// and where to act, nonroot_keep.go why a stage must keep starting as root
// and nonroot_plan.go which user to switch to. What the Dockerfile says
// about the stage comes from transform.Facts; what must start as root from
// internal/runas.

// NonRootUser makes the image built by the Dockerfile run as a non-root user.
var NonRootUser = &transform.Fix{
	Name:          "non-root-user",
	Summary:       "Run the final stage as a non-root user",
	Also:          []string{"DL3002", "DS002"},
	Applicability: transform.Safe,
	// Online (or from the lock file), the configuration of a base image
	// harden has no table entry for tells its user, OS and command.
	Needs: transform.NeedsImageConfig,
	Check: checkNonRootUser,
	Example: `FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates
COPY app /usr/local/bin/app
VOLUME /var/lib/app
EXPOSE 8080
CMD ["app"]
`,
	Doc: `What it does
  Works out who the final stage runs as: its last USER, else the user of the
  stage it is built FROM, else the base image's default (root, unless the base
  is known to run as non-root: gcr.io/distroless/*:nonroot, cgr.dev/chainguard/*
  and Red Hat's UBI language images). When that is root (USER root, USER 0 or
  USER 0:0 count as root), it switches to a non-root user, chosen by base:
    - Debian, Ubuntu, RHEL/CentOS/Fedora/UBI, Amazon Linux (useradd; on
      Amazon Linux and ubi-minimal only once a RUN installs shadow-utils):
        RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --no-log-init --shell /sbin/nologin app
        USER 10001:10001
    - Alpine and BusyBox (addgroup/adduser applets):
        RUN addgroup -S -g 10001 app && adduser -S -D -h /home/app -u 10001 -G app -s /sbin/nologin app
        USER 10001:10001
    - bases that ship a non-root user (node: 1000, distroless and Chainguard:
      65532, dev containers: 1000, .NET 8+: 1654): only USER with its ids;
    - scratch, distroless and unknown bases: USER 65532:65532 (a numeric user
      needs no /etc/passwd entry);
    - Windows bases or a PowerShell SHELL: USER ContainerUser;
    - when the stage already creates a user (useradd/adduser in a RUN) but never
      switches to it: USER with that user's uid:gid (or its name when the uid is
      not given), and no new user;
    - when the stage gives its files to one user (COPY --chown, RUN chown):
      that user, and directories it already chowned are left alone.
  The base is read from the FROM line, following earlier stages and ARG
  defaults, and from the package managers the stage runs (apt-get, dnf, apk…).
  The new lines go after the stage's last RUN, COPY, ADD, WORKDIR or USER, so
  trailing CMD, ENTRYPOINT, EXPOSE, HEALTHCHECK and LABEL lines stay last.
  Directories named by VOLUME are created and chowned to the new user in the
  same RUN, so the process can write its data there; when the VOLUME comes
  earlier (in the stage or in a stage it is built FROM), that RUN goes just
  before it (buildah and the legacy builder discard later changes to a
  volume). Under a non-POSIX SHELL (e.g. PowerShell on Linux) the RUN uses
  exec form through /bin/sh.

  The new user gets a home (/home/app) for the tools that keep files under
  ~, and /bin/sh as its shell when the command is an interactive program
  that starts the user's shell (tmux, terminal emulators). Directories the
  command is known to write (from the CMD, the ENTRYPOINT, the scripts they
  run, ENV variables such as DATA_DIR, data directories a RUN mkdir made)
  are given to it with chown -R, as are VOLUME directories; ADD <url>
  downloads (mode 0600) get --chmod=644.

Three outcomes
  It reads the build context (the Dockerfile's directory or --context): the
  entrypoint and command scripts that COPY and ADD bring in, parsed as
  shell, and the configuration files (*.conf, *.ini, *.cfg, *.cnf) they
  copy. Then:
  - default edit: nothing suggests the process needs root or writes a
    path it will not own;
  - unsafe edit (--unsafe): the same edit, with the evidence to check in
    its message: a script copied from a context that is not available, a
    write to a root-owned path (/etc, /var/run/x.pid), a RUN of a script the
    context does not hold, a package that creates its own system user, a
    base image harden does not know, a WORKDIR the Dockerfile never fills,
    a chmod that takes read access from others, a command that exposes
    and names no port (ENTRYPOINT, else CMD) or only echoes a message, a
    WORKDIR that is a VOLUME or that a comment says is mounted, an app a
    RUN clones or downloads into the WORKDIR or the command's path, a user
    the Dockerfile gives files to but never switches to;
  - report only: the evidence says root is needed (below).

Why
  A process running as root in a container is root on the host's kernel: one
  escape or mis-mounted path away from the host. Kubernetes' runAsNonRoot can
  only verify a numeric USER, so harden writes UID:GID wherever it knows them.

What can break
  - Ports below 1024: a non-root process cannot bind them under Kubernetes (or
    any runtime that keeps net.ipv4.ip_unprivileged_port_start at 1024). Listen
    on 8080 and map the port instead.
  - Paths the app writes to: files copied earlier and the WORKDIR stay owned by
    root, read-only to the app (that is the point). An app that writes to its
    working directory or to copied files needs a chown, or a VOLUME, or a
    writable mount.
  - Data written by the old root container: an existing named volume or a
    bind-mounted host directory keeps its root-owned files; chown them once.
  Opt out with "# harden:ignore=non-root-user" (or "# hadolint ignore=DL3002")
  on the line above the final FROM or USER root, or --ignore non-root-user.

What it will not do
  It reports, without an edit, when a USER would break the image or the
  images built from it:
  - the entrypoint drops privileges itself (gosu, su-exec, setpriv, chroot
    --userspec, runuser), or the base must start as root (postgres, redis,
    mysql, mongo, nginx, httpd, php-fpm/apache, IIS, docker:dind);
  - the command is an init system or supervisor (systemd, supervisord,
    runit, s6) or a daemon that starts as root (sshd, nginx, httpd, named,
    php-fpm, cron…), anywhere in ENTRYPOINT and CMD; or a start script in a
    stage that installs such a server package;
  - its documented run command (a "docker run" line in a comment or a LABEL
    RUN) uses --privileged, --cap-add or --device, which a non-root user
    does not get;
  - the stage is a base or toolbox image: no CMD or ENTRYPOINT, a bare
    interpreter or shell as its command, or ONBUILD RUN triggers;
  - it defines a development environment (.devcontainer/, .gitpod.Dockerfile,
    dev container bases, a dev-envs stage), whose user its tooling chooses;
  - it uses /root (WORKDIR, HOME, files copied there, mounts documented
    there), which a non-root user cannot reach;
  - it names several users and harden cannot tell which is the app's;
  - a script it runs drops privileges (gosu, su-exec, setpriv…), uses
    sudo, writes under /root, or starts a daemon; a configuration file it
    copies has a user= directive (the daemon drops privileges itself);
  - it is a tool or CI step (its ENTRYPOINT is a CLI or build tool, an
    action.yml beside it declares a Docker container action, a LABEL
    com.github.actions.*, a script that reads CI variables): it runs over
    a mounted workspace that root owns;
  - it needs privileges beyond files: a documented mount of the Docker
    socket or a device, real-time scheduling, raw sockets, mlock, an
    orchestrator agent; every port it EXPOSEs (ARG defaults substituted)
    is below 1024; its base is ASP.NET before 8 (port 80);
  - its USER names a variable, or a comment right above its USER root
    explains it: the author's decision;
  - a shell-less base (scratch, distroless) with a VOLUME, which cannot be
    given to the user;
  - it installs programs under /root (cabal install, pip install --user);
  - its base image is a variable without a default and nothing in the stage
    tells its family, or an unknown image whose /home/USER the stage works
    in (the base likely ships that user).
  It does not touch stages other than the final one (a build that deploys
  another --target is not covered), stages that only export files (FROM
  scratch without CMD or ENTRYPOINT) or bootc host images, and it does not
  chown files copied earlier in the build. For a base image its tables do
  not know, it reads the image's configuration from the registry (or from
  the --lock file; offline without one, nothing): a base that already runs
  as a non-root user gets no edit, a Windows base gets ContainerUser, and
  the base's ENTRYPOINT and CMD count as the stage's own when the Dockerfile
  sets none. An unknown base whose configuration it cannot read gets USER
  65532:65532 as an unsafe edit only.
  Test fixtures (under testdata/, testfiles/, fixtures/, or beside an
  expected-output file) are reported, never edited.`,
}

func init() {
	NonRootUser.Doc += "\n\nThe table (internal/runas): kind, need, key, reason\n" + runas.Describe()
}

// Ids of the user harden creates, and of the numeric user for bases where
// no user can be created.
const (
	appUser    = "app"
	appID      = 10001
	nobodyIDs  = "65532:65532"
	windowsUsr = "ContainerUser"
)

func checkNonRootUser(pass *transform.Pass) {
	d := pass.Doc
	final := d.FinalStage()
	if final == nil {
		return // only ARGs: nothing is built
	}
	f := pass.Facts(final)
	base := baseConfig(pass, f)
	if f.UserNode != nil {
		if !images.IsRootUser(f.User) {
			return
		}
	} else if f.Image.NonRoot || runas.ForNonRootImage(f.Base) != nil {
		return
	} else if base != nil && strings.TrimSpace(base.User) != "" && !images.IsRootUser(base.User) {
		return // the base image's configuration already runs as a non-root user
	}
	f = withBaseCommand(f, base)
	if f.Image.Exempt != "" {
		return
	}
	if f.Base == "scratch" && f.Entrypoint == nil && f.Cmd == nil {
		return // exports files; nothing runs in it
	}
	st := newStageEvidence(d, f, pass.Context)
	st.base = base
	if base != nil && strings.EqualFold(base.OS, "windows") {
		st.family = images.Windows // a Windows base, whatever its name says
	}
	st.readContext()
	st.commandWrites()

	line := final.From.StartLine
	if f.UserNode != nil && d.StageOf(f.UserNode) == final {
		line = f.UserNode.StartLine
	}
	why := st.keepRoot()
	if why == "" {
		why = st.reportReason()
	}
	if why != "" {
		pass.Reportf(line, "Final stage runs as root, but %s: not adding USER", why)
		return
	}
	risks := st.risks()

	plan := st.plan(userFromConfig(pass.Config))
	anchor := final.From
	for _, n := range final.Nodes {
		switch strings.ToLower(n.Value) {
		case "run", "copy", "add", "workdir", "user":
			anchor = n
		}
	}
	userLine := d.Keyword("USER") + " " + plan.user
	var volume *parser.Node
	if plan.chowns {
		volume = st.volumeBefore(anchor, plan.after)
	}
	var edits []transform.Edit
	switch {
	case plan.run == "":
		edits = append(edits, d.InsertAfter(anchor, d.Lines(userLine)))
	case volume != nil:
		// A RUN after VOLUME cannot change the volume's directory under
		// buildah or the legacy builder: create and chown it before.
		edits = append(edits,
			d.InsertBeforeComments(volume, d.Lines(st.runLine(plan.run))),
			d.InsertAfter(anchor, d.Lines(userLine)))
	default:
		edits = append(edits, d.InsertAfter(anchor, d.Lines(st.runLine(plan.run), userLine)))
	}
	edits = append(edits, st.addChmods()...)
	msg := "Final stage runs as root"
	applicability := transform.Safe
	if len(risks) > 0 {
		msg = st.describeRisks(risks)
		applicability = transform.Unsafe
	}
	if ports := st.lowPorts(); len(ports) > 0 {
		msg += fmt.Sprintf("; note: port %s is below 1024, which a non-root process may not be allowed to bind", strings.Join(ports, ", "))
	}
	pass.Report(transform.Finding{Line: line, Message: msg, Title: plan.message, Edits: edits, Applicability: applicability})
}

// stageEvidence is what non-root-user reads from the facts of the final
// stage (and the stages it is built from) once it knows the stage runs as
// root: who owns its files, what its RUNs install and mention.
type stageEvidence struct {
	base   *transform.ImageConfig // the base image's configuration, when harden read it
	d      *transform.Document
	f      *transform.Facts
	family images.Family // f.Family()

	rawRun *transform.StageRun // the RUN raw indexes, for rawProgram
	raw    map[string]string   // its words with a directory, by base name

	rootHome    string          // WORKDIR, HOME or a COPY destination under /root, or ""
	mentions    map[string]bool // privilege-dropping tools named in RUNs and COPYs
	scriptDrops string          // a privilege-dropping tool in a script the Dockerfile writes
	owners      []ownerUse      // users files are chowned to (COPY --chown, RUN chown)
	chowned     []string        // paths RUN chown changes
	serverPkg   *runas.Entry    // a root-daemon package a RUN installs
	onbuildRun  *parser.Node    // the last ONBUILD RUN trigger

	created      *transform.CreatedUser // last non-root user a RUN creates
	createdNames []string               // every non-root user a RUN creates, in order

	// What the build context and the container's command show
	// (nonroot_context.go).
	ctx           fs.FS
	madeDirs      []string // directories RUN mkdir creates
	unreadable    string   // a RUN chmod that takes read access from others
	unknownScript string   // a script copied from the context that is not here
	scriptDrop    string   // a script that drops privileges itself
	sudo          string   // a script or command that runs sudo
	scriptNeed    string   // a script that starts a daemon or needs a capability
	scriptRoot    string   // a script that uses /root
	ciVar         string   // a CI variable a script reads
	action        string   // action.yml declaring a Docker container action
	userConfig    string   // a config file with a user directive
	writeRisk     []string // paths written that cannot be given to the user
	writeDirs     []string // directories written that the new user gets
	runScripts    []string // RUNs of scripts from the context that is not here
	readScripts   []string // base names of the scripts read from the context
}

// ownerUse is a user the Dockerfile chowns files to.
type ownerUse struct{ user, group string }

func underRoot(p string) bool { return p == "/root" || strings.HasPrefix(p, "/root/") }

// droppers are the privilege-dropping programs that are looked for by name
// inside words (chroot needs its --userspec: not by name).
var droppers = func() []string {
	var out []string
	for _, e := range runas.Entries(runas.Program) {
		if e.Need == runas.DropsPrivileges && e.Option == "" {
			out = append(out, e.Key)
		}
	}
	return out
}()

// runKeywords are the words that make a RUN worth reading for this fix
// (users created and package managers used come from the facts).
// "/" first: most RUNs have one, and Mentions stops at the first match.
var runKeywords = append([]string{"/", "gosu", "su-exec", "chown", "mkdir", "chmod", ".sh", "cabal", "stack", "--user", "~", "HOME"}, runas.Keys(runas.Package)...)

// baseConfig is the configuration of the final stage's base image when
// harden's tables do not know the image: the resolver's answer, online or
// from the lock file (nil offline without it, or when the lookup fails:
// the tables and the Dockerfile decide then, as without a network).
func baseConfig(pass *transform.Pass, f *transform.Facts) *transform.ImageConfig {
	if f.Image.Known || !f.BaseResolved || f.Base == "" || f.Base == "scratch" || strings.Contains(f.Base, "$") {
		return nil
	}
	img, err := pass.Resolver.Image(pass.Ctx, f.Base)
	if err != nil {
		return nil
	}
	return img.Config
}

// withBaseCommand returns f with the base image's ENTRYPOINT and CMD as
// the stage's own when the Dockerfile sets neither: the container starts
// with them.
func withBaseCommand(f *transform.Facts, base *transform.ImageConfig) *transform.Facts {
	if base == nil || f.Entrypoint != nil || f.Cmd != nil || len(base.Entrypoint)+len(base.Cmd) == 0 {
		return f
	}
	g := *f
	if len(base.Entrypoint) > 0 {
		g.Entrypoint = &transform.CmdLine{ShellDependantCmdLine: instructions.ShellDependantCmdLine{CmdLine: base.Entrypoint}}
	}
	if len(base.Cmd) > 0 {
		g.Cmd = &transform.CmdLine{ShellDependantCmdLine: instructions.ShellDependantCmdLine{CmdLine: base.Cmd}}
	}
	return &g
}

func newStageEvidence(d *transform.Document, f *transform.Facts, ctx fs.FS) *stageEvidence {
	st := &stageEvidence{d: d, f: f, mentions: map[string]bool{}, ctx: ctx}
	for _, c := range f.Copies {
		st.copied(c)
	}
	for _, t := range f.Onbuild {
		if t.Keyword() == "RUN" {
			st.onbuildRun = t.Node
		}
	}
	for _, p := range []string{f.Workdir, f.Env["HOME"]} {
		if underRoot(p) {
			st.rootHome = p
			break
		}
	}
	st.family = f.Family()
	for _, r := range f.Runs {
		if !r.Mentions(runKeywords...) {
			continue
		}
		for _, cmd := range r.Commands() {
			st.learn(cmd, r)
		}
	}
	for _, u := range f.Users() {
		if u.Name == "root" || u.UID == "0" {
			continue
		}
		st.created = &u
		if !slices.Contains(st.createdNames, u.Name) {
			st.createdNames = append(st.createdNames, u.Name)
		}
	}
	return st
}

// copied records what a COPY or ADD tells: its owner, files under /root,
// and privilege-dropping tools among its sources or heredoc contents.
func (st *stageEvidence) copied(c transform.Copy) {
	for _, src := range c.Sources {
		st.mention(src)
	}
	for _, content := range c.Contents {
		st.mention(content.Data)
		for _, tool := range droppers {
			if strings.Contains(content.Data, tool) {
				st.scriptDrops = tool // a script written by the Dockerfile itself
			}
		}
	}
	st.mention(c.Dest)
	if underRoot(path.Clean(c.DestExpanded)) && st.rootHome == "" {
		st.rootHome = c.DestExpanded
	}
	st.owner(c.Chown, nil)
}

func (st *stageEvidence) mention(word string) {
	for _, tool := range droppers {
		if strings.Contains(word, tool) {
			st.mentions[tool] = true
		}
	}
}

// owner records a user that files are chowned to ("user", "user:group",
// "uid:gid"); root is ignored. paths are the chowned paths, if known.
func (st *stageEvidence) owner(spec string, paths []string) {
	spec = strings.TrimSpace(spec)
	if spec == "" || strings.ContainsAny(spec, "$ ") || images.IsRootUser(spec) {
		return
	}
	user, group, ok := strings.Cut(spec, ":")
	if !ok {
		user, group, _ = strings.Cut(spec, ".") // chown's old user.group form
	}
	if user == "" {
		return
	}
	st.owners = append(st.owners, ownerUse{user: user, group: group})
	st.chowned = append(st.chowned, paths...)
}

// learn records what one shell command of a RUN tells about the stage.
func (st *stageEvidence) learn(cmd shell.Command, r *transform.StageRun) {
	st.mention(cmd.Name)
	for _, a := range cmd.Args {
		st.mention(a.Value)
	}
	if st.serverPkg == nil {
		for _, p := range pkgmgr.Installs(cmd) {
			if e := runas.ForPackage(pkgmgr.Name(p)); e != nil {
				st.serverPkg = e
				break
			}
		}
	}
	if home := st.f.Env["HOME"]; home == "" || underRoot(home) {
		for _, a := range cmd.Args {
			v := a.Value
			dotAtRoot := len(v) > 2 && strings.HasPrefix(v, "/.") && v[2] != '.' && v[2] != '/'
			if (strings.HasPrefix(v, "~/") || strings.HasPrefix(v, "$HOME/") || strings.HasPrefix(v, "${HOME}/") || dotAtRoot) && st.rootHome == "" {
				st.rootHome = fmt.Sprintf("/root (RUN at line %d puts %s in root's home, which the new user's $HOME is not)", r.Node.StartLine, v)
			}
		}
	}
	switch {
	case cmd.Name == "cabal" || cmd.Name == "stack":
		if len(cmd.Args) > 0 && cmd.Args[0].Value == "install" && st.rootHome == "" && !strings.HasPrefix(st.f.Env["HOME"], "/") {
			st.rootHome = "/root (RUN " + cmd.Name + " install puts its programs under /root/.cabal or /root/.local)"
		}
	case cmd.Name == "pip" || cmd.Name == "pip3":
		if cmd.Has("--user") && st.rootHome == "" && st.f.Env["HOME"] == "" {
			st.rootHome = "/root (RUN pip install --user installs under /root/.local)"
		}
	}
	if st.ctx != nil {
		raw := ""
		if len(cmd.Args) > 0 && (cmd.Name == "sh" || cmd.Name == "bash") && cmd.Args[0].Literal && !strings.HasPrefix(cmd.Args[0].Value, "-") {
			raw = cmd.Args[0].Value
		}
		if raw == "" {
			raw = st.rawProgram(r, cmd)
		}
		if raw != "" && (strings.Contains(raw, "/") || strings.HasSuffix(raw, ".sh")) {
			for _, c := range st.candidates(raw, true) {
				if _, copied, exists := st.contextSource(c); copied && !exists {
					st.runScripts = append(st.runScripts, fmt.Sprintf("RUN at line %d runs %s from the build context, which is not available here: check what it installs and creates", r.Node.StartLine, c))
					break
				}
			}
		}
	}
	if cmd.Name == "mkdir" {
		for _, a := range cmd.Args {
			if v := r.Value(a); a.Literal && strings.HasPrefix(v, "/") {
				st.madeDirs = append(st.madeDirs, path.Clean(v))
			}
		}
	}
	if cmd.Name == "chmod" && st.unreadable == "" {
		if pos := cmd.Positionals(nil); len(pos) >= 2 {
			if m := r.Value(pos[0]); takesReadFromOthers(m) {
				st.unreadable = fmt.Sprintf("RUN at line %d runs chmod %s %s", r.Node.StartLine, m, r.Value(pos[1]))
			}
		}
	}
	if cmd.Name == "chown" {
		if pos := cmd.Positionals(map[string]bool{"--from": true, "--reference": true}); len(pos) >= 2 {
			var paths []string
			for _, p := range pos[1:] {
				paths = append(paths, r.Value(p))
			}
			st.owner(r.Value(pos[0]), paths)
		}
	}
}

// rawProgram returns the program of cmd as written in the RUN, with its
// directory ("/container/install.sh"), or "" when it has none. The RUN's
// words with a directory are indexed by base name once per RUN.
func (st *stageEvidence) rawProgram(r *transform.StageRun, cmd shell.Command) string {
	if st.rawRun != r {
		st.rawRun, st.raw = r, map[string]string{}
		for _, part := range r.Cmd.CmdLine {
			for _, f := range strings.Fields(part) {
				f = strings.Trim(f, `"';()&|`)
				if !strings.Contains(f, "/") {
					continue
				}
				if b := path.Base(f); st.raw[b] == "" {
					st.raw[b] = f
				}
			}
		}
	}
	return st.raw[cmd.Name]
}

// lowPorts are the EXPOSEd ports below 1024, with their variables
// substituted (EXPOSE $PORT with ARG PORT=80), sorted.
func (st *stageEvidence) lowPorts() []string {
	var ports []string
	for _, p := range st.f.Ports {
		port, _, _ := strings.Cut(p.Expanded, "/")
		if n, err := strconv.Atoi(port); err == nil && n > 0 && n < 1024 {
			ports = append(ports, port)
		}
	}
	sort.Slice(ports, func(i, j int) bool {
		a, _ := strconv.Atoi(ports[i])
		b, _ := strconv.Atoi(ports[j])
		return a < b
	})
	return slices.Compact(ports)
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s != ""
}
