package fixes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// NonRootUser makes the image built by the Dockerfile run as a non-root user.
var NonRootUser = &transform.Fix{
	Name:          "non-root-user",
	Summary:       "Run the final stage as a non-root user",
	Also:          []string{"DL3002", "DS002"},
	Applicability: transform.Safe,
	Check:         checkNonRootUser,
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
        RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-create-home --no-log-init --shell /sbin/nologin app
        USER 10001:10001
    - Alpine and BusyBox (addgroup/adduser applets):
        RUN addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app -s /sbin/nologin app
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
  - its base image is a variable without a default and nothing in the stage
    tells its family, or an unknown image whose /home/USER the stage works
    in (the base likely ships that user).
  It does not touch stages other than the final one (a build that deploys
  another --target is not covered), stages that only export files (FROM
  scratch without CMD or ENTRYPOINT) or bootc host images, and it does not
  chown files copied earlier in the build. It cannot see inside base images:
  an unknown base that already runs as a non-root user of its own gets USER
  65532:65532; add a USER line yourself or suppress the fix there.`,
}

// Ids of the user harden creates, and of the numeric user for bases where
// no user can be created.
const (
	appUser    = "app"
	appID      = 10001
	nobodyIDs  = "65532:65532"
	windowsUsr = "ContainerUser"
)

// privilegeDroppers run a command as another user; an entrypoint that uses
// one starts as root on purpose.
var privilegeDroppers = map[string]bool{
	"gosu": true, "su-exec": true, "setpriv": true, "runuser": true,
	"s6-setuidgid": true, "chpst": true, "setuidgid": true,
}

func checkNonRootUser(pass *transform.Pass) {
	d := pass.Doc
	final := d.FinalStage()
	if final == nil {
		return // only ARGs: nothing is built
	}
	st := analyzeStage(d, final)
	if st.user != nil {
		if !st.userRoot {
			return
		}
	} else if st.base.NonRoot {
		return
	}
	if st.base.Exempt != "" {
		return
	}
	if st.baseRef == "scratch" && st.entrypoint == nil && st.cmd == nil {
		return // exports files; nothing runs in it
	}
	st.scanRuns()

	line := final.From.StartLine
	if st.userNode != nil && d.StageOf(st.userNode) == final {
		line = st.userNode.StartLine
	}
	if why := st.keepRoot(); why != "" {
		pass.Reportf(line, "Final stage runs as root, but %s: not adding USER", why)
		return
	}

	plan := st.plan()
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
	msg := "Final stage runs as root"
	if len(st.lowPorts) > 0 {
		sort.Slice(st.lowPorts, func(i, j int) bool {
			a, _ := strconv.Atoi(st.lowPorts[i])
			b, _ := strconv.Atoi(st.lowPorts[j])
			return a < b
		})
		st.lowPorts = slices.Compact(st.lowPorts)
		msg += fmt.Sprintf("; note: port %s is below 1024, which a non-root process may not be allowed to bind", strings.Join(st.lowPorts, ", "))
	}
	pass.Report(transform.Finding{Line: line, Message: msg, Title: plan.message, Edits: edits})
}

// stageFacts is what non-root-user learns about the final stage and the
// stages it is built from.
type stageFacts struct {
	d       *transform.Document
	chain   []*transform.Stage
	baseRef string
	base    images.Info
	family  images.Family
	shell   bool // a RUN can be added

	user     *string // effective USER value, nil when the chain sets none
	userRoot bool
	userNode *parser.Node

	entrypoint, cmd *instructions.ShellDependantCmdLine
	volumes         []string
	lowPorts        []string // EXPOSEd ports below 1024
	createdNames    []string // every non-root user a RUN creates, in order
	rootHome        string   // WORKDIR or HOME under /root, or ""
	baseExpr        string   // the FROM image as written
	baseResolved    bool     // its variables all had defaults
	foreignShell    bool     // the stage's SHELL is not a POSIX shell
	onbuildRun      *parser.Node
	created         *createdUser // last non-root user a RUN creates
	mentions        map[string]bool
	owners          []ownerUse             // users files are chowned to (COPY --chown, RUN chown)
	chowned         []string               // paths RUN chown changes
	workdir         string                 // the final WORKDIR
	serverPkg       string                 // a server package a RUN installs
	pmFamilies      map[images.Family]bool // families of the package managers RUNs use
	scriptDrops     string                 // a privilege-dropping tool in a script the Dockerfile writes
}

type createdUser struct {
	name     string
	uid, gid string       // numeric or ""
	node     *parser.Node // the RUN that creates it
}

// analyzeStage reads the cheap facts of the final stage's chain: base,
// users, entrypoint, volumes, shell. The shell inside RUNs is read later by
// scanRuns, and only when a USER is to be added.
func analyzeStage(d *transform.Document, final *transform.Stage) *stageFacts {
	st := &stageFacts{d: d, chain: d.Chain(final), mentions: map[string]bool{}}
	root := st.chain[len(st.chain)-1]
	st.baseRef, st.baseResolved = d.BaseName(root)
	st.baseExpr = root.Parsed.BaseName
	st.base = images.Lookup(st.baseRef)
	var workdir, home string
	st.family, st.shell = st.base.Family, st.base.Shell
	if platform, _ := d.Expand(root.Parsed.Platform, d.MetaEnv()); strings.HasPrefix(platform, "windows") {
		st.family, st.shell = images.Windows, true
	}

	// Walk the chain from the base outwards so later instructions win; env
	// holds the ARG and ENV values visible at each instruction.
	env := transform.Env{}
	for i := len(st.chain) - 1; i >= 0; i-- {
		s := st.chain[i]
		for j, c := range s.Parsed.Commands {
			switch c := c.(type) {
			case *instructions.UserCommand:
				v, _ := d.Expand(c.User, env)
				if strings.TrimSpace(v) == "" {
					v = c.User // unresolvable: keep it as written
				}
				st.user, st.userNode = &v, s.Nodes[j]
				st.userRoot = images.IsRootUser(v)
			case *instructions.EntrypointCommand:
				st.entrypoint = &c.ShellDependantCmdLine
				st.cmd = nil // ENTRYPOINT resets CMD
			case *instructions.CmdCommand:
				st.cmd = &c.ShellDependantCmdLine
			case *instructions.VolumeCommand:
				st.volumes = append(st.volumes, c.Volumes...)
			case *instructions.WorkdirCommand:
				v, _ := d.Expand(c.Path, env)
				if path.IsAbs(v) {
					workdir = path.Clean(v)
				} else {
					workdir = path.Join("/", workdir, v)
				}
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					if kv.Key == "HOME" {
						home, _ = d.Expand(kv.Value, env)
					}
				}
			case *instructions.ExposeCommand:
				for _, p := range c.Ports {
					port, _, _ := strings.Cut(p, "/")
					if n, err := strconv.Atoi(port); err == nil && n > 0 && n < 1024 {
						st.lowPorts = append(st.lowPorts, port)
					}
				}
			case *instructions.ShellCommand:
				st.foreignShell = len(c.Shell) > 0 && !shell.IsPOSIX(path.Base(c.Shell[0]))
				// A PowerShell or cmd SHELL means Windows unless the base is a
				// known Linux image (PowerShell runs on Linux too).
				if len(c.Shell) > 0 && isWindowsShell(c.Shell[0]) && (st.family == images.Unknown || st.family == images.Minimal && !st.base.Known) {
					st.family, st.shell = images.Windows, true
				}
			case *instructions.OnbuildCommand:
				if f := strings.Fields(c.Expression); len(f) > 0 && strings.EqualFold(f[0], "RUN") {
					st.onbuildRun = s.Nodes[j]
				}
			case *instructions.RunCommand:
				if c.PrependShell && st.family != images.Windows {
					st.shell = true
				}
			case *instructions.CopyCommand:
				st.copied(c.SourcesAndDest, c.Chown, env)
			case *instructions.AddCommand:
				st.copied(c.SourcesAndDest, c.Chown, env)
			}
			d.ApplyEnv(env, c)
		}
	}
	for _, p := range []string{workdir, home} {
		if underRoot(p) {
			st.rootHome = p
			break
		}
	}
	st.workdir = workdir
	return st
}

func underRoot(p string) bool { return p == "/root" || strings.HasPrefix(p, "/root/") }

// copied records what a COPY or ADD tells: its owner, files under /root,
// and privilege-dropping tools among its sources or heredoc contents.
func (st *stageFacts) copied(sd instructions.SourcesAndDest, chown string, env transform.Env) {
	for _, src := range sd.SourcePaths {
		st.mention(src)
	}
	for _, c := range sd.SourceContents {
		st.mention(c.Data)
		for tool := range privilegeDroppers {
			if strings.Contains(c.Data, tool) {
				st.scriptDrops = tool // a script written by the Dockerfile itself
			}
		}
	}
	st.mention(sd.DestPath)
	dest, _ := st.d.Expand(sd.DestPath, env)
	if underRoot(path.Clean(dest)) && st.rootHome == "" {
		st.rootHome = dest
	}
	if chown != "" {
		owner, _ := st.d.Expand(chown, env)
		st.owner(owner, nil)
	}
}

// owner records a user that files are chowned to ("user", "user:group",
// "uid:gid"); root is ignored. paths are the chowned paths, if known.
func (st *stageFacts) owner(spec string, paths []string) {
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

// ownerUse is a user the Dockerfile chowns files to.
type ownerUse struct{ user, group string }

// documentedRun reads the `docker run` (or podman run) command lines in the
// file's comments and LABELs, the only word a Dockerfile has on how its
// image is run. It returns the first flag that gives the container
// privileges a non-root user does not get (--privileged, --cap-add,
// --device), and the first volume mounted under /root.
func (st *stageFacts) documentedRun() (flag, rootMount string) {
	d := st.d
	lowerSrc := bytes.ToLower(d.Src)
	if !bytes.Contains(lowerSrc, []byte("docker run")) && !bytes.Contains(lowerSrc, []byte("podman run")) && !bytes.Contains(lowerSrc, []byte("${opt1}")) {
		return "", ""
	}
	isLabel := map[int]bool{}
	for _, n := range d.Instructions() {
		if strings.EqualFold(n.Value, "label") {
			for l := n.StartLine; l <= n.EndLine; l++ {
				isLabel[l] = true
			}
		}
	}
	for l := 1; l <= d.LineCount(); l++ {
		if !isLabel[l] && !d.IsComment(l) {
			continue
		}
		line := d.Line(l)
		lower := strings.ToLower(line)
		if !strings.Contains(lower, "docker run") && !strings.Contains(lower, "podman run") && !strings.Contains(lower, "${opt1}") {
			continue
		}
		for _, f := range strings.Fields(line) {
			f = strings.Trim(f, `"'\`)
			for _, fl := range []string{"--privileged", "--cap-add", "--device"} {
				if flag == "" && (f == fl || strings.HasPrefix(f, fl+"=")) {
					flag = fl
				}
			}
			if i := strings.Index(f, ":/root"); rootMount == "" && i > 0 && underRoot(f[i+1:]) {
				rootMount = f[i+1:]
			}
		}
	}
	return flag, rootMount
}

// runKeywords are the words that make a RUN worth parsing for this fix.
var runKeywords = append([]string{"useradd", "adduser", "groupadd", "addgroup", "gosu", "su-exec", "chown"}, pkgmgr.RootDaemonPackages()...)

// scanRuns reads the shell of the chain's RUNs (and COPY paths) for users
// created, package managers used and privilege-dropping tools installed.
func (st *stageFacts) scanRuns() {
	groups := map[string]string{} // group name → gid
	st.pmFamilies = map[images.Family]bool{}
	needFamily := st.family == images.Unknown || (st.family == images.Minimal && !st.base.Known)
	keywords := runKeywords
	if pkg := st.base.ShadowPackage; pkg != "" && st.family == images.Useradd {
		st.family = images.Minimal // until a RUN installs the package
		keywords = append([]string{pkg}, keywords...)
	}
	for i := len(st.chain) - 1; i >= 0; i-- {
		s := st.chain[i]
		for j, c := range s.Parsed.Commands {
			switch c := c.(type) {
			case *instructions.RunCommand:
				if !needFamily && !containsAny(c.ShellDependantCmdLine, keywords) {
					continue
				}
				for _, cmd := range shell.RunCommands(c.ShellDependantCmdLine) {
					st.learn(cmd, s, j, groups)
				}
			}
		}
	}
	if u := st.created; u != nil {
		if g, ok := strings.CutPrefix(u.gid, "group:"); ok {
			u.gid = groups[g]
		} else if u.gid == "" {
			u.gid = groups[u.name]
		}
	}
	// RUNs that use both apt/dnf and apk (a base chosen by ARG): only a
	// numeric user works on all of them.
	if needFamily && st.pmFamilies[images.Useradd] && st.pmFamilies[images.BusyBox] {
		st.family = images.Minimal
	}
}

// containsAny reports whether the command line or its heredocs mention any word.
func containsAny(c instructions.ShellDependantCmdLine, words []string) bool {
	for _, w := range words {
		for _, part := range c.CmdLine {
			if strings.Contains(part, w) {
				return true
			}
		}
		for _, f := range c.Files {
			if strings.Contains(f.Data, w) {
				return true
			}
		}
	}
	return false
}

func (st *stageFacts) mention(word string) {
	for tool := range privilegeDroppers {
		if strings.Contains(word, tool) {
			st.mentions[tool] = true
		}
	}
}

// learn records what one shell command tells about the stage.
func (st *stageFacts) learn(cmd shell.Command, s *transform.Stage, idx int, groups map[string]string) {
	st.mention(cmd.Name)
	for _, a := range cmd.Args {
		st.mention(a.Value)
	}
	if f := pkgmgr.Family(cmd.Name); f != images.Unknown {
		st.pmFamilies[f] = true
		if st.family == images.Unknown || (st.family == images.Minimal && !st.base.Known) {
			st.family = f
		}
	}
	if st.serverPkg == "" {
		st.serverPkg = pkgmgr.RootDaemon(cmd)
	}
	if pkg := st.base.ShadowPackage; pkg != "" && pkgmgr.InstallsPackage(cmd, pkg) {
		st.family = images.Useradd
	}
	value := func(w shell.Word) string {
		if w.Literal {
			return w.Value
		}
		v, ok := st.d.Expand(w.Value, st.d.StageEnv(s, idx))
		if !ok {
			return ""
		}
		return v
	}
	switch cmd.Name {
	case "chown":
		if pos := positionals(cmd, map[string]bool{"--from": true, "--reference": true}); len(pos) >= 2 {
			var paths []string
			for _, p := range pos[1:] {
				paths = append(paths, value(p))
			}
			st.owner(value(pos[0]), paths)
		}
	case "groupadd", "addgroup":
		if pos := positionals(cmd, groupOptsWithArg); len(pos) > 0 {
			if g, ok := cmd.Option("-g", "--gid"); ok && isNumber(value(g)) {
				groups[value(pos[len(pos)-1])] = value(g)
			}
		}
	case "useradd", "adduser":
		u := parseUserCreation(cmd, value)
		if u == nil || u.name == "root" || u.uid == "0" {
			return
		}
		u.node = s.Nodes[idx]
		st.created = u
		if !slices.Contains(st.createdNames, u.name) {
			st.createdNames = append(st.createdNames, u.name)
		}
	}
}

var (
	groupOptsWithArg = map[string]bool{"-g": true, "--gid": true, "-K": true, "--key": true, "-p": true,
		"--password": true, "-R": true, "--root": true, "-P": true, "--prefix": true, "-U": true, "--users": true}
	useraddOptsWithArg = map[string]bool{"-b": true, "-c": true, "-d": true, "-e": true, "-f": true, "-g": true,
		"-G": true, "-k": true, "-K": true, "-p": true, "-s": true, "-u": true, "-R": true, "-P": true, "-Z": true,
		"--base-dir": true, "--comment": true, "--home-dir": true, "--home": true, "--expiredate": true,
		"--inactive": true, "--gid": true, "--groups": true, "--skel": true, "--key": true, "--password": true,
		"--shell": true, "--uid": true, "--root": true, "--prefix": true, "--selinux-user": true,
		// BusyBox and Debian adduser
		"-h": true, "--gecos": true, "--ingroup": true, "--firstuid": true, "--lastuid": true,
		"--firstgid": true, "--lastgid": true, "--conf": true}
)

// parseUserCreation reads a useradd or adduser command. It returns nil when
// the command does not create a user (e.g. `adduser USER GROUP` adds a user
// to a group).
func parseUserCreation(cmd shell.Command, value func(shell.Word) string) *createdUser {
	pos := positionals(cmd, useraddOptsWithArg)
	if len(pos) != 1 {
		return nil
	}
	u := &createdUser{name: value(pos[0])}
	if u.name == "" || strings.ContainsAny(u.name, " $") {
		return nil
	}
	if w, ok := cmd.Option("-u", "--uid"); ok && isNumber(value(w)) {
		u.uid = value(w)
	}
	gidShort := "-g"
	if cmd.Name == "adduser" {
		gidShort = "" // BusyBox adduser -g is the GECOS field
	}
	if w, ok := cmd.Option(gidShort, "--gid"); ok && isNumber(value(w)) {
		u.gid = value(w)
	} else if w, ok := cmd.Option("-g", ""); ok && cmd.Name == "useradd" {
		u.gid = "group:" + value(w) // a group name: resolved by the caller
	} else if w, ok := cmd.Option("", "--ingroup"); ok && cmd.Name == "adduser" {
		u.gid = "group:" + value(w)
	} else if w, ok := cmd.Option("-G", ""); ok && cmd.Name == "adduser" {
		u.gid = "group:" + value(w)
	}
	return u
}

// positionals returns the arguments that are not options or option values.
// Short options may be combined ("-ms /bin/bash"): a letter that takes a
// value takes the rest of the word or, when last, the next word.
func positionals(cmd shell.Command, withArg map[string]bool) []shell.Word {
	var pos []shell.Word
	args := cmd.Args
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.Literal || !strings.HasPrefix(a.Value, "-") || a.Value == "-" {
			pos = append(pos, a)
			continue
		}
		switch {
		case strings.HasPrefix(a.Value, "--"):
			if withArg[a.Value] {
				i++
			}
		default:
			for k := 1; k < len(a.Value); k++ {
				if withArg["-"+a.Value[k:k+1]] {
					if k == len(a.Value)-1 {
						i++
					}
					break
				}
			}
		}
	}
	return pos
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s != ""
}

func isWindowsShell(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"powershell", "pwsh", "cmd"} {
		if s == w || strings.HasSuffix(s, w+".exe") || strings.HasSuffix(s, `\`+w) {
			return true
		}
	}
	return false
}

// keepRoot explains why the final stage must keep starting as root, or
// returns "". Each reason is a case where a USER would break the image or
// the images built from it, so the finding is reported without an edit.
func (st *stageFacts) keepRoot() string {
	entry := st.entryCommands()
	for _, cmd := range entry {
		if privilegeDroppers[cmd.Name] {
			return "its entrypoint drops privileges with " + cmd.Name
		}
		if cmd.Name == "chroot" && (cmd.Has("--userspec") || hasPrefixArg(cmd, "--userspec=")) {
			return "its entrypoint drops privileges with chroot --userspec"
		}
	}
	// An entrypoint script in an image that installs gosu or su-exec: the
	// pattern of the official database images.
	if st.entrypoint != nil {
		for _, tool := range []string{"gosu", "su-exec", st.scriptDrops} {
			if tool != "" && st.mentions[tool] {
				return "its entrypoint drops privileges with " + tool
			}
		}
	}
	for _, cmd := range entry {
		for _, name := range daemonNames(cmd) {
			if name == "httpd" && st.family == images.BusyBox {
				continue // BusyBox's httpd applet is a plain server, not Apache
			}
			if why := rootDaemons[name]; why != "" {
				return "its command " + name + " " + why
			}
		}
	}
	if st.base.StartsAsRoot != "" {
		return "base image " + st.baseRef + " must start as root: " + st.base.StartsAsRoot
	}
	flag, rootMount := st.documentedRun()
	if flag != "" {
		return "its documented run command uses " + flag + ", which gives nothing to a non-root user"
	}
	if st.rootHome == "" {
		st.rootHome = rootMount
	}
	if st.serverPkg != "" && len(entry) > 0 && opaqueScript(entry[0].Name) {
		return "it installs " + st.serverPkg + " and starts through " + entry[0].Name + ", whose daemon likely starts as root"
	}
	if st.onbuildRun != nil {
		return fmt.Sprintf("it has ONBUILD RUN triggers (line %d), which child builds would run as the new user", st.onbuildRun.StartLine)
	}
	if why := st.devContainer(); why != "" {
		return why
	}
	if st.entrypoint == nil && st.cmd == nil {
		return "it sets no CMD or ENTRYPOINT: it is a base for other images (a USER would apply to their builds) or runs its base's command, whose needs are unknown"
	}
	if name := bareInterpreter(entry); name != "" {
		return "its command is a bare " + name + ": it is a base image for others, whose builds would run as the new user"
	}
	if st.rootHome != "" {
		return "it uses " + st.rootHome + ", which a non-root user cannot reach"
	}
	if users := st.runtimeUsers(); len(users) > 1 {
		return "it names several users (" + strings.Join(users, ", ") + "); switch to the right one with USER"
	}
	if !st.base.Known {
		if st.family == images.Unknown && !st.baseResolved {
			return "its base image " + st.baseExpr + " is not known here"
		}
		if u := st.homeUser(); u != "" {
			return "it works in /home/" + u + ", so its base image likely ships user " + u + "; switch to it with USER"
		}
	}
	return ""
}

// daemonNames are the names of the program a command starts, as written
// and without a version suffix (php-fpm8.2 → php-fpm), seeing through
// `service X start`.
func daemonNames(cmd shell.Command) []string {
	name := cmd.Name
	if (name == "service" || name == "rc-service") && len(cmd.Args) > 0 {
		name = path.Base(cmd.Args[0].Value)
	}
	return []string{name, normalizeName(name)}
}

// normalizeName drops ".exe", "-preview" and a trailing version from a
// program name, so versioned binaries match the tables.
func normalizeName(name string) string {
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".exe"), ".EXE")
	name = strings.TrimSuffix(name, "-preview")
	trimmed := strings.TrimRight(name, "0123456789.")
	if trimmed != "" && trimmed != name {
		name = strings.TrimSuffix(trimmed, "-")
	}
	return name
}

// passThrough are entrypoints of official images that only prepare the
// environment and run the CMD.
var passThrough = map[string]bool{
	"docker-entrypoint.sh": true, "docker-entrypoint": true, "docker-php-entrypoint": true,
}

// bareInterpreter returns the interpreter or shell the container starts with
// no program to run (after pass-through entrypoints), or "".
func bareInterpreter(entry []shell.Command) string {
	for len(entry) > 1 && passThrough[entry[0].Name] {
		entry = entry[1:]
	}
	if len(entry) != 1 || len(entry[0].Args) > 1 {
		return ""
	}
	name := entry[0].Name
	if !interpreters[name] {
		if name = normalizeName(name); !interpreters[name] {
			return ""
		}
	}
	if len(entry[0].Args) == 1 {
		if a := entry[0].Args[0].Value; a != "-a" && a != "-i" && a != "-l" {
			return ""
		}
	}
	return name
}

// opaqueScript reports whether a program looks like a start script whose
// content harden cannot see.
func opaqueScript(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasSuffix(lower, ".sh") || strings.Contains(lower, "start") ||
		strings.Contains(lower, "entrypoint") || strings.HasPrefix(lower, "run")
}

// runtimeUsers lists the distinct non-root users the Dockerfile creates or
// chowns files to.
func (st *stageFacts) runtimeUsers() []string {
	var users []string
	add := func(u string) {
		if !slices.Contains(users, u) {
			users = append(users, u)
		}
	}
	for _, n := range st.createdNames {
		add(n)
	}
	for _, o := range st.owners {
		if u := st.created; u != nil && (o.user == u.name || o.user == u.uid) {
			continue
		}
		if sh := st.base.Ships; sh != nil && (o.user == sh.Name || o.user == strconv.Itoa(sh.UID)) {
			add(sh.Name)
			continue
		}
		add(o.user)
	}
	return users
}

// homeUser returns X when the final WORKDIR is /home/X and the Dockerfile
// does not create X itself.
func (st *stageFacts) homeUser() string {
	rest, ok := strings.CutPrefix(st.workdir, "/home/")
	if !ok || rest == "" {
		return ""
	}
	u, _, _ := strings.Cut(rest, "/")
	if slices.Contains(st.createdNames, u) {
		return ""
	}
	for _, o := range st.owners {
		if o.user == u {
			return ""
		}
	}
	return u
}

// entryCommands returns the commands the container starts with: the
// ENTRYPOINT's, else the CMD's.
func (st *stageFacts) entryCommands() []shell.Command {
	var out []shell.Command
	for _, c := range []*instructions.ShellDependantCmdLine{st.entrypoint, st.cmd} {
		if c != nil {
			out = append(out, shell.RunCommands(*c)...)
		}
	}
	return out
}

// devContainer explains why the Dockerfile defines a development
// environment, whose user devcontainer.json (remoteUser) chooses, or "".
func (st *stageFacts) devContainer() string {
	p := "/" + filepath.ToSlash(st.d.Path)
	switch {
	case strings.Contains(p, "/.devcontainer/"):
		return "it defines a dev container, whose user devcontainer.json chooses (remoteUser)"
	case path.Base(p) == ".gitpod.Dockerfile":
		return "it defines a Gitpod workspace image, whose user Gitpod chooses"
	case st.base.Ships == images.DevContainerUser:
		return "its base is a dev container image, whose user devcontainer.json chooses (remoteUser)"
	}
	switch st.chain[0].Parsed.Name {
	case "dev-envs", "devcontainer":
		return "its stage " + st.chain[0].Parsed.Name + " is a development environment, run as root by design"
	}
	return ""
}

// rootDaemons are programs that must start as root: init systems and
// supervisors, and servers that bind privileged ports or drop privileges
// themselves.
var rootDaemons = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"init", "systemd", "supervisord", "runsvdir", "runit", "runit-init", "runsv", "my_init", "s6-svscan"} {
		m[n] = "is an init system or supervisor, which must start as root"
	}
	for _, n := range []string{"sshd", "httpd", "apache2", "apache2ctl", "apachectl", "apache2-foreground", "httpd-foreground",
		"nginx", "lighttpd", "named", "dhcpd", "cupsd", "squid", "postfix", "slapd", "openvpn", "crond", "cron",
		"rsyslogd", "dockerd", "containerd", "kubelet", "kube-proxy", "php-fpm", "dnsmasq", "vsftpd", "proftpd",
		"smbd", "nmbd", "exim", "dovecot", "mysqld_safe", "sendmail", "xinetd", "inetd", "ntpd", "chronyd",
		"buildkitd", "libvirtd", "kea-dhcp", "ServiceMonitor", "apache2-foreground"} {
		m[n] = "is a daemon that starts as root (privileged ports, privilege drop or system access)"
	}
	return m
}()

// interpreters are commands that, alone, make an image a toolbox or base
// image rather than an app.
var interpreters = map[string]bool{
	"sh": true, "bash": true, "ash": true, "zsh": true, "python": true, "python3": true, "python2": true,
	"node": true, "php": true, "irb": true, "ruby": true, "jshell": true, "ghci": true, "iex": true,
	"erl": true, "julia": true, "R": true, "perl": true, "pwsh": true, "powershell": true, "lua": true, "tclsh": true,
}

func hasPrefixArg(cmd shell.Command, p string) bool {
	for _, a := range cmd.Args {
		if a.Literal && strings.HasPrefix(a.Value, p) {
			return true
		}
	}
	return false
}

type userPlan struct {
	run     string       // shell for a RUN line, or ""
	chowns  bool         // run creates and chowns VOLUME directories
	after   *parser.Node // run must come after this instruction (it creates the user), or nil
	user    string       // USER value
	message string
}

// runLine renders a RUN for the stage: shell form, or exec form through
// /bin/sh when the stage's SHELL is not a POSIX shell (PowerShell on Linux).
func (st *stageFacts) runLine(script string) string {
	kw := st.d.Keyword("RUN")
	if !st.foreignShell {
		return kw + " " + script
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode([]string{"/bin/sh", "-c", script})
	return kw + " " + strings.ReplaceAll(strings.TrimSpace(b.String()), `","`, `", "`)
}

// volumeBefore returns the first VOLUME of the final stage's chain that
// comes before anchor (and after the instruction the RUN must follow), or
// nil. VOLUMEs of earlier stages in the chain count: a RUN in the final
// stage cannot change them either.
func (st *stageFacts) volumeBefore(anchor, after *parser.Node) *parser.Node {
	for i := len(st.chain) - 1; i >= 0; i-- {
		for _, n := range st.chain[i].Nodes {
			if n.StartLine > anchor.StartLine {
				return nil
			}
			if strings.EqualFold(n.Value, "volume") {
				if after != nil && n.StartLine < after.StartLine {
					return nil
				}
				return n
			}
		}
	}
	return nil
}

// plan decides what to insert for the stage's family.
func (st *stageFacts) plan() userPlan {
	vols := st.volumeArgs()
	chowns := vols != "" && st.shell && st.family != images.Windows
	chown := func(owner string) string {
		if !chowns {
			return ""
		}
		return "mkdir -p " + vols + " && chown " + owner + " " + vols
	}
	join := func(parts ...string) string {
		var keep []string
		for _, p := range parts {
			if p != "" {
				keep = append(keep, p)
			}
		}
		return strings.Join(keep, " && ")
	}
	if st.family == images.Windows {
		return userPlan{user: windowsUsr, message: "Switch the final stage to USER " + windowsUsr}
	}
	if u := st.created; u != nil {
		user := u.name
		if u.uid != "" {
			user = u.uid
			if u.gid != "" {
				user += ":" + u.gid
			}
		}
		return userPlan{run: chown(user), chowns: chowns, after: u.node, user: user,
			message: fmt.Sprintf("Switch to user %s, created at line %d, with USER %s", u.name, u.node.StartLine, user)}
	}
	if users := st.runtimeUsers(); len(users) == 1 && (st.base.Ships == nil || users[0] != st.base.Ships.Name) {
		// the one user the Dockerfile chowns files to
		o := st.owners[0]
		user := o.user
		if isNumber(o.user) && isNumber(o.group) {
			user += ":" + o.group
		}
		return userPlan{run: chown(user), chowns: chowns, user: user,
			message: fmt.Sprintf("Switch to user %s, which the Dockerfile gives its files to, with USER %s", o.user, user)}
	}
	if u := st.base.Ships; u != nil {
		return userPlan{run: chown(u.IDs()), chowns: chowns, user: u.IDs(),
			message: fmt.Sprintf("Switch to the base image's non-root user %s with USER %s", u.Name, u.IDs())}
	}
	ids := strconv.Itoa(appID) + ":" + strconv.Itoa(appID)
	id := strconv.Itoa(appID)
	switch st.family {
	case images.Useradd:
		create := "groupadd --system --gid " + id + " " + appUser + " && useradd --system --uid " + id +
			" --gid " + appUser + " --no-create-home --no-log-init --shell /sbin/nologin " + appUser
		return userPlan{run: join(create, chown(appUser+":"+appUser)), chowns: chowns, user: ids,
			message: fmt.Sprintf("Create user %s (%s) and switch to it with USER %s", appUser, ids, ids)}
	case images.BusyBox:
		create := "addgroup -S -g " + id + " " + appUser + " && adduser -S -D -H -u " + id +
			" -G " + appUser + " -s /sbin/nologin " + appUser
		return userPlan{run: join(create, chown(appUser+":"+appUser)), chowns: chowns, user: ids,
			message: fmt.Sprintf("Create user %s (%s) and switch to it with USER %s", appUser, ids, ids)}
	}
	return userPlan{run: chown(nobodyIDs), chowns: chowns, user: nobodyIDs,
		message: "Switch the final stage to the numeric non-root USER " + nobodyIDs}
}

// volumeArgs is the VOLUME paths as shell words, or "".
func (st *stageFacts) volumeArgs() string {
	var out []string
	for _, v := range st.volumes {
		v = strings.TrimSpace(v)
		if v == "" || !(strings.HasPrefix(v, "/") || strings.HasPrefix(v, "$")) {
			continue
		}
		if systemPath(v) || st.alreadyChowned(v) {
			continue
		}
		out = append(out, shellQuote(v))
	}
	return strings.Join(out, " ")
}

// alreadyChowned reports whether a RUN chown of the Dockerfile already gives
// the VOLUME directory (or a directory above it) an owner.
func (st *stageFacts) alreadyChowned(v string) bool {
	v = path.Clean(v)
	for _, p := range st.chowned {
		p = path.Clean(p)
		if v == p || strings.HasPrefix(v, p+"/") {
			return true
		}
	}
	return false
}

// systemPath reports whether a VOLUME path is a directory of the system
// that must keep its owner and mode: /tmp is already writable by everyone,
// /run, /var/log or /etc belong to root, /sys and /proc are kernel mounts.
func systemPath(p string) bool {
	p = "/" + strings.Trim(path.Clean(p), "/")
	switch p {
	case "/", "/tmp", "/var/tmp", "/run", "/var/run", "/var", "/var/log", "/var/lib", "/var/cache",
		"/etc", "/usr", "/usr/local", "/opt", "/home", "/root", "/srv", "/mnt", "/media",
		"/bin", "/sbin", "/lib", "/lib64", "/boot", "/dev", "/proc", "/sys":
		return true
	}
	for _, prefix := range []string{"/sys/", "/proc/", "/dev/", "/run/lock", "/run/systemd", "/root/",
		"/var/lib/docker", "/var/lib/containerd", "/var/lib/kubelet", "/var/lib/containers"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// shellQuote quotes a path for sh, keeping $VAR expansions working.
func shellQuote(s string) string {
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+$@%{}:,", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`").Replace(s) + `"`
}
