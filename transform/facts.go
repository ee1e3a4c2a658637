package transform

import (
	"path"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/internal/shell"
)

// Facts is what the Dockerfile tells about one stage, including what it
// inherits from the stages it is built FROM, as buildkit builds it: later
// instructions win, and an earlier stage's facts carry into the stages
// built from it. Fixes get it from Pass.Facts (or Document.Facts), which
// compute it once per document and share it; it must not be modified.
//
// The fields come from one walk over the chain's instructions. The facts
// that need the shell inside RUNs (Users, Groups, PackageCommands, Family)
// are methods, computed on first use; each RUN is parsed at most once.
type Facts struct {
	Stage *Stage
	// Chain is Stage followed by the stages it is built FROM, nearest
	// first; its last stage starts from an image (or scratch).
	Chain []*Stage

	// Base is the image the chain starts from: the last stage's FROM
	// reference with meta ARG defaults substituted ("debian:bookworm",
	// "scratch"). BaseWritten is that reference as written, and
	// BaseResolved is false when a variable in it had no default.
	Base         string
	BaseWritten  string
	BaseResolved bool
	// Platform is that FROM's --platform with ARGs substituted, or "".
	Platform string
	// Image is what internal/images knows about Base.
	Image images.Info

	// User is the effective USER, with variables substituted (as written
	// when that gives nothing), and UserNode its instruction; "" and nil
	// when the chain sets none, so the base image's user applies.
	User     string
	UserNode *parser.Node
	// Workdir is the effective WORKDIR, absolute and clean, and
	// WorkdirNode its last instruction; "" and nil when none is set.
	Workdir     string
	WorkdirNode *parser.Node
	// Env is what the chain's ENV instructions set, as the image config
	// will hold it: each value expanded with the variables in scope before
	// its instruction.
	Env Env
	// Vars is every ARG and ENV value in scope at the end of the stage,
	// what Document.StageEnv(Stage, len(Stage.Nodes)) gives: the variables
	// a word of the stage expands with.
	Vars Env
	// Shell is the argv of the chain's last SHELL, ShellNode its
	// instruction; nil when none is set (the default ["/bin/sh", "-c"]).
	Shell     []string
	ShellNode *parser.Node
	// HasShell is true when the image has a shell a RUN can use: its base
	// is known to have one, it is a Windows image, or a shell-form RUN of
	// the chain needed one.
	HasShell bool

	// Entrypoint and Cmd are the instructions the container starts with,
	// nil when unset. An ENTRYPOINT resets a CMD set before the stage it is
	// in (from a stage it is built FROM), as buildkit does.
	Entrypoint, Cmd *CmdLine
	// Volumes are the chain's VOLUME paths, Ports its EXPOSEd ports, in
	// build order (buildkit sorts the ports of one EXPOSE as strings).
	Volumes []Volume
	Ports   []Port
	// Copies are the chain's COPY and ADD instructions, in build order.
	Copies []Copy
	// Onbuild are the chain's ONBUILD triggers, in build order.
	Onbuild []Trigger
	// Runs are the chain's RUN instructions, in build order.
	Runs []*StageRun

	d          *Document
	windows    bool // Windows by --platform or SHELL, whatever the base
	sharedMaps bool // Env and Vars are still the parent's (inherit)

	users      []CreatedUser
	groups     []CreatedGroup
	usersDone  bool
	pkgCmds    []PackageCommand
	pkgDone    bool
	family     images.Family
	familyDone bool
}

// CmdLine is an ENTRYPOINT or CMD instruction.
type CmdLine struct {
	Stage *Stage
	Node  *parser.Node
	instructions.ShellDependantCmdLine
}

// Volume is one path of a VOLUME instruction.
type Volume struct {
	Node *parser.Node
	// Path is as written ("/data", "$DATA"); Expanded has the variables in
	// scope substituted.
	Path, Expanded string
}

// Port is one port of an EXPOSE instruction.
type Port struct {
	Node *parser.Node
	// Spec is as written ("80", "8080/tcp", "$PORT", "8000-8010/udp");
	// Expanded has the variables in scope substituted.
	Spec, Expanded string
}

// Number is the port number of Expanded, and false when it is not a single
// number (a range, or a variable without a value).
func (p Port) Number() (int, bool) {
	port, _, _ := strings.Cut(p.Expanded, "/")
	n, err := strconv.Atoi(port)
	return n, err == nil && n > 0 && n < 65536
}

// Protocol is "tcp" or "udp" ("tcp" when not given).
func (p Port) Protocol() string {
	if _, proto, ok := strings.Cut(p.Expanded, "/"); ok {
		return strings.ToLower(proto)
	}
	return "tcp"
}

// Copy is a COPY or ADD instruction.
type Copy struct {
	Stage *Stage
	Node  *parser.Node
	Add   bool // ADD rather than COPY
	// Sources are the source paths as written; Contents the heredocs
	// written in place of sources.
	Sources  []string
	Contents []instructions.SourceContent
	// Dest is the destination as written; DestExpanded with the variables
	// in scope substituted.
	Dest, DestExpanded string
	// Chown is the --chown value with variables substituted, or "".
	Chown string
	// From is the --from stage or image, as written, or "".
	From string
}

// Trigger is an ONBUILD instruction.
type Trigger struct {
	Node *parser.Node
	// Expression is the instruction it triggers, as written after ONBUILD.
	Expression string
}

// Keyword is the triggered instruction's keyword in upper case ("RUN").
func (t Trigger) Keyword() string {
	if f := strings.Fields(t.Expression); len(f) > 0 {
		return strings.ToUpper(f[0])
	}
	return ""
}

// StageRun is a RUN instruction of a stage, with its shell read on demand.
type StageRun struct {
	Stage *Stage
	Index int // of the instruction in Stage.Nodes and Stage.Parsed.Commands
	Node  *parser.Node
	Cmd   *instructions.RunCommand

	d        *Document
	commands []shell.Command
	parsed   bool
}

// Commands are the simple commands the RUN's shell runs (see
// shell.RunCommands), parsed on first use.
func (r *StageRun) Commands() []shell.Command {
	if !r.parsed {
		r.commands = r.readCommands()
		r.parsed = true
	}
	return r.commands
}

// readCommands reads the RUN's commands from the document's one parse of
// its shell (Document.Shell); heredocs that are data for a command of the
// line are read as scripts too, since they are often fed to a shell. Exec
// forms and shells that did not parse are read from buildkit's fields.
func (r *StageRun) readCommands() []shell.Command {
	c := r.Cmd.ShellDependantCmdLine
	sh := r.d.Shell(r.Node)
	if !c.PrependShell || sh == nil || sh.File == nil || sh.Exec {
		return shell.RunCommands(c)
	}
	if sh.Heredoc && len(c.CmdLine) == 1 && parser.MustParseHeredoc(c.CmdLine[0]) != nil {
		// RUN <<EOF: the heredoc body is the script.
		if len(c.Files) != 1 {
			return shell.RunCommands(c)
		}
		return shell.CommandsOf(sh.File, sh.Text)
	}
	cmds := shell.CommandsOf(sh.File, sh.Text)
	for _, f := range c.Files {
		if more, ok := shell.Commands(f.Data); ok {
			cmds = append(cmds, more...)
		}
	}
	return cmds
}

// Mentions reports whether the RUN's command line or heredocs contain any
// of words: a cheap test before reading Commands.
func (r *StageRun) Mentions(words ...string) bool {
	for _, w := range words {
		for _, part := range r.Cmd.CmdLine {
			if strings.Contains(part, w) {
				return true
			}
		}
		for _, f := range r.Cmd.Files {
			if strings.Contains(f.Data, w) {
				return true
			}
		}
	}
	return false
}

// Value is a word of the RUN as the shell sees it: literal words as they
// are, others expanded with the ARG and ENV values in scope at the RUN, ""
// when that is not possible.
func (r *StageRun) Value(w shell.Word) string {
	if w.Literal {
		return w.Value
	}
	v, ok := r.d.Expand(w.Value, r.d.envAt(r.Stage, r.Index))
	if !ok {
		return ""
	}
	return v
}

// CreatedUser is a user a RUN creates (useradd, adduser).
type CreatedUser struct {
	Name string
	// UID is the numeric uid given, or "". GID is the numeric primary gid:
	// given, or that of the group it names or of a group with the user's
	// name, from a groupadd/addgroup of the chain with a numeric gid; "" when
	// unknown.
	UID, GID string
	Run      *StageRun
}

// CreatedGroup is a group a RUN creates (groupadd, addgroup).
type CreatedGroup struct {
	Name string
	GID  string // numeric, or ""
	Run  *StageRun
}

// PackageCommand is a package-manager command of a RUN.
type PackageCommand struct {
	Run     *StageRun
	Command shell.Command
	// Family is how users are created on the images this manager runs on.
	Family images.Family
	// Installs are the packages it installs, as written (version pins
	// included); nil when it does not install.
	Installs []string
}

// Facts returns the facts of the stage, computing them on first use. It is
// not safe for concurrent use, as a Document is not.
func (d *Document) Facts(s *Stage) *Facts {
	if d.facts == nil {
		d.facts = make([]*Facts, len(d.Stages))
	}
	if f := d.facts[s.Index]; f != nil {
		return f
	}
	var f *Facts
	if p := d.Parent(s); p != nil {
		f = d.Facts(p).inherit(s)
	} else {
		f = d.rootFacts(s)
	}
	f.walk()
	d.facts[s.Index] = f
	return f
}

// Facts returns the facts of one of the pass's document's stages.
func (p *Pass) Facts(s *Stage) *Facts { return p.Doc.Facts(s) }

// rootFacts starts the facts of a stage built from an image.
func (d *Document) rootFacts(s *Stage) *Facts {
	f := &Facts{d: d, Stage: s, Chain: []*Stage{s}, Env: Env{}, Vars: Env{}}
	f.Base, f.BaseResolved = d.BaseName(s)
	f.BaseWritten = s.Parsed.BaseName
	f.Image = images.Lookup(f.Base)
	f.HasShell = f.Image.Shell
	if s.Parsed.Platform != "" {
		f.Platform, _ = d.Expand(s.Parsed.Platform, d.MetaEnv())
	}
	if strings.HasPrefix(f.Platform, "windows") {
		f.windows, f.HasShell = true, true
	}
	return f
}

// inherit starts the facts of stage s, built FROM the stage of p. The
// child shares its parent's data instead of copying it, so that a chain of
// stages costs memory in proportion to what the stages hold: the maps are
// copied only when the child's ARG or ENV writes to them (walk), and the
// slices are shared outright when s is its parent's only child (appending
// then writes past the parent's length, which the parent never sees), else
// clipped so that the first append copies.
func (p *Facts) inherit(s *Stage) *Facts {
	f := *p
	f.Stage = s
	f.Chain = append([]*Stage{s}, p.Chain...)
	f.sharedMaps = true
	if p.d.children(p.Stage) > 1 {
		f.Volumes = clip(p.Volumes)
		f.Ports = clip(p.Ports)
		f.Copies = clip(p.Copies)
		f.Onbuild = clip(p.Onbuild)
		f.Runs = clip(p.Runs)
	}
	f.users, f.groups, f.usersDone = nil, nil, false
	f.pkgCmds, f.pkgDone = nil, false
	f.family, f.familyDone = images.Unknown, false
	return &f
}

// ownMaps gives f copies of the Env and Vars maps it shares with its
// parent, before it writes to them.
func (f *Facts) ownMaps() {
	if f.sharedMaps {
		f.Env, f.Vars = clone(f.Env), clone(f.Vars)
		f.sharedMaps = false
	}
}

// children is how many stages are built FROM s.
func (d *Document) children(s *Stage) int {
	if d.childCount == nil {
		d.childCount = make([]int, len(d.Stages))
		for _, c := range d.Stages {
			if p := d.Parent(c); p != nil {
				d.childCount[p.Index]++
			}
		}
	}
	return d.childCount[s.Index]
}

func clone(e Env) Env {
	out := make(Env, len(e))
	for k, v := range e {
		out[k] = v
	}
	return out
}

// clip returns s with no spare capacity, so appending to it copies.
func clip[T any](s []T) []T { return s[:len(s):len(s)] }

// walk reads the instructions of f.Stage over what its parent left.
func (f *Facts) walk() {
	d, s := f.d, f.Stage
	cmdSet := false // a CMD of this stage survives a later ENTRYPOINT
	for j, c := range s.Parsed.Commands {
		n := s.Nodes[j]
		switch c.(type) {
		case *instructions.ArgCommand, *instructions.EnvCommand:
			f.ownMaps()
		}
		env := f.Vars
		switch c := c.(type) {
		case *instructions.UserCommand:
			v, _ := d.Expand(c.User, env)
			if strings.TrimSpace(v) == "" {
				v = c.User // unresolvable: keep it as written
			}
			f.User, f.UserNode = v, n
		case *instructions.EntrypointCommand:
			f.Entrypoint = &CmdLine{Stage: s, Node: n, ShellDependantCmdLine: c.ShellDependantCmdLine}
			if !cmdSet {
				f.Cmd = nil
			}
		case *instructions.CmdCommand:
			f.Cmd = &CmdLine{Stage: s, Node: n, ShellDependantCmdLine: c.ShellDependantCmdLine}
			cmdSet = true
		case *instructions.VolumeCommand:
			for _, v := range c.Volumes {
				x, _ := d.Expand(v, env)
				f.Volumes = append(f.Volumes, Volume{Node: n, Path: v, Expanded: x})
			}
		case *instructions.ExposeCommand:
			for _, p := range c.Ports {
				x, _ := d.Expand(p, env)
				f.Ports = append(f.Ports, Port{Node: n, Spec: p, Expanded: x})
			}
		case *instructions.WorkdirCommand:
			v, _ := d.Expand(c.Path, env)
			if path.IsAbs(v) {
				f.Workdir = path.Clean(v)
			} else {
				f.Workdir = path.Join("/", f.Workdir, v)
			}
			f.WorkdirNode = n
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				f.Env[kv.Key], _ = d.Expand(kv.Value, env)
			}
			if len(c.Env) == 1 { // what ApplyEnv gives, without expanding again
				env[c.Env[0].Key] = f.Env[c.Env[0].Key]
				continue
			}
		case *instructions.ShellCommand:
			f.Shell, f.ShellNode = c.Shell, n
			// A PowerShell or cmd SHELL means Windows unless the base is a
			// known Linux image (PowerShell runs on Linux too).
			if len(c.Shell) > 0 && shell.IsWindowsShell(c.Shell[0]) &&
				(f.Image.Family == images.Unknown || f.Image.Family == images.Minimal && !f.Image.Known) {
				f.windows, f.HasShell = true, true
			}
		case *instructions.OnbuildCommand:
			f.Onbuild = append(f.Onbuild, Trigger{Node: n, Expression: c.Expression})
		case *instructions.RunCommand:
			if c.PrependShell {
				f.HasShell = true
			}
			f.Runs = append(f.Runs, &StageRun{Stage: s, Index: j, Node: n, Cmd: c, d: d})
		case *instructions.CopyCommand:
			f.copied(n, false, c.SourcesAndDest, c.Chown, c.From)
		case *instructions.AddCommand:
			f.copied(n, true, c.SourcesAndDest, c.Chown, "")
		}
		d.ApplyEnv(env, c)
	}
}

func (f *Facts) copied(n *parser.Node, add bool, sd instructions.SourcesAndDest, chown, from string) {
	c := Copy{Stage: f.Stage, Node: n, Add: add, Sources: sd.SourcePaths, Contents: sd.SourceContents,
		Dest: sd.DestPath, From: from}
	c.DestExpanded, _ = f.d.Expand(sd.DestPath, f.Vars)
	if chown != "" {
		c.Chown, _ = f.d.Expand(chown, f.Vars)
	}
	f.Copies = append(f.Copies, c)
}

// POSIXShell reports whether RUNs of the stage go to a POSIX shell: no
// SHELL is set, or it names one.
func (f *Facts) POSIXShell() bool {
	return len(f.Shell) == 0 || shell.IsPOSIX(path.Base(f.Shell[0]))
}

// userWords make a RUN worth reading for users and groups.
var userWords = []string{"useradd", "adduser", "groupadd", "addgroup"}

// Users are the users the chain's RUNs create, in build order, root and
// uid 0 included. Only RUNs that mention useradd, adduser, groupadd or
// addgroup are read.
func (f *Facts) Users() []CreatedUser {
	f.scanUsers()
	return f.users
}

// Groups are the groups the chain's RUNs create, in build order (see
// shell.GroupAdd).
func (f *Facts) Groups() []CreatedGroup {
	f.scanUsers()
	return f.groups
}

func (f *Facts) scanUsers() {
	if f.usersDone {
		return
	}
	f.usersDone = true
	type named struct {
		group string
		given bool
	}
	var groupOf []named
	for _, r := range f.Runs {
		if !r.Mentions(userWords...) {
			continue
		}
		for _, cmd := range r.Commands() {
			if g, ok := shell.GroupAdd(cmd, r.Value); ok {
				f.groups = append(f.groups, CreatedGroup{Name: g.Name, GID: g.GID, Run: r})
			}
			if u, ok := shell.UserAdd(cmd, r.Value); ok {
				f.users = append(f.users, CreatedUser{Name: u.Name, UID: u.UID, GID: u.GID, Run: r})
				groupOf = append(groupOf, named{u.Group, u.GroupNamed})
			}
		}
	}
	// A group's gid, from the last groupadd that gives it one: the user's
	// group by name, or its user-private group.
	gids := map[string]string{}
	for _, g := range f.groups {
		if g.GID != "" {
			gids[g.Name] = g.GID
		}
	}
	for i := range f.users {
		u := &f.users[i]
		switch {
		case u.GID != "":
		case groupOf[i].given:
			u.GID = gids[groupOf[i].group]
		default:
			u.GID = gids[u.Name]
		}
	}
}

var managerNames = pkgmgr.Names()

// PackageCommands are the package-manager commands (internal/pkgmgr) of
// the chain's RUNs, in build order. Only RUNs that mention a manager's
// name are read.
func (f *Facts) PackageCommands() []PackageCommand {
	if f.pkgDone {
		return f.pkgCmds
	}
	f.pkgDone = true
	for _, r := range f.Runs {
		if !r.Mentions(managerNames...) {
			continue
		}
		for _, cmd := range r.Commands() {
			if fam := pkgmgr.Family(cmd.Name); fam != images.Unknown {
				f.pkgCmds = append(f.pkgCmds, PackageCommand{Run: r, Command: cmd, Family: fam, Installs: pkgmgr.Installs(cmd)})
			}
		}
	}
	return f.pkgCmds
}

// Installs reports whether a RUN of the chain installs pkg (any version).
// Only RUNs that mention pkg are read.
func (f *Facts) Installs(pkg string) bool {
	for _, r := range f.Runs {
		if !r.Mentions(pkg) {
			continue
		}
		for _, cmd := range r.Commands() {
			if pkgmgr.InstallsPackage(cmd, pkg) {
				return true
			}
		}
	}
	return false
}

// Family is how users are created in the stage's image: the base's family
// (internal/images); Windows when --platform or a PowerShell/cmd SHELL on
// an unknown base says so; for a base that lacks useradd until a package
// is installed (ubi-minimal, Amazon Linux), Minimal unless a RUN installs
// it; and for an unknown base, the family of the package managers its
// RUNs use (Minimal when they use both apt/dnf and apk, as a base chosen by
// ARG does).
func (f *Facts) Family() images.Family {
	if f.familyDone {
		return f.family
	}
	f.familyDone = true
	fam := f.Image.Family
	if f.windows {
		fam = images.Windows
	}
	unknown := func() bool { return fam == images.Unknown || fam == images.Minimal && !f.Image.Known }
	needFamily := unknown()
	if pkg := f.Image.ShadowPackage; pkg != "" && fam == images.Useradd {
		fam = images.Minimal
		if f.Installs(pkg) {
			fam = images.Useradd
		}
	}
	if needFamily {
		used := map[images.Family]bool{}
		for _, pc := range f.PackageCommands() {
			used[pc.Family] = true
			if unknown() {
				fam = pc.Family
			}
		}
		if used[images.Useradd] && used[images.BusyBox] {
			fam = images.Minimal
		}
	}
	f.family = fam
	return fam
}
