package fixes

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/runas"
	"github.com/harden-dev/harden/transform"
)

type userPlan struct {
	run     string       // shell for a RUN line, or ""
	chowns  bool         // run creates and chowns VOLUME directories
	after   *parser.Node // run must come after this instruction (it creates the user), or nil
	user    string       // USER value
	message string
}

// runLine renders a RUN for the stage: shell form, or exec form through
// /bin/sh when the stage's SHELL is not a POSIX shell (PowerShell on Linux).
func (st *stageEvidence) runLine(script string) string {
	kw := st.d.Keyword("RUN")
	if st.f.POSIXShell() {
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
func (st *stageEvidence) volumeBefore(anchor, after *parser.Node) *parser.Node {
	for i := len(st.f.Chain) - 1; i >= 0; i-- {
		for _, n := range st.f.Chain[i].Nodes {
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

// plan decides what to insert for the stage's family; u is the user to
// create where the image has none (newUser).
func (st *stageEvidence) plan(u newUser) userPlan {
	vols := st.volumeArgs()
	chowns := vols != "" && st.f.HasShell && st.family != images.Windows
	dirs := st.writeArgs()
	if !st.f.HasShell || st.family == images.Windows {
		dirs = ""
	}
	chown := func(owner string) string {
		all := strings.TrimSpace(vols + " " + dirs)
		if !chowns {
			all = dirs
		}
		if all == "" {
			return ""
		}
		return "mkdir -p " + all + " && chown -R " + owner + " " + all
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
		user := u.Name
		if u.UID != "" {
			user = u.UID
			if u.GID != "" {
				user += ":" + u.GID
			}
		}
		node := u.Run.Node
		return userPlan{run: chown(user), chowns: chowns, after: node, user: user,
			message: fmt.Sprintf("Switch to user %s, created at line %d, with USER %s", u.Name, node.StartLine, user)}
	}
	if users := st.runtimeUsers(); len(users) == 1 && (st.f.Image.Ships == nil || users[0] != st.f.Image.Ships.Name) {
		// the one user the Dockerfile chowns files to
		o := st.owners[0]
		user := o.user
		if isNumber(o.user) && isNumber(o.group) {
			user += ":" + o.group
		}
		return userPlan{run: chown(user), chowns: chowns, user: user,
			message: fmt.Sprintf("Switch to user %s, which the Dockerfile gives its files to, with USER %s", o.user, user)}
	}
	if u := st.f.Image.Ships; u != nil {
		return userPlan{run: chown(u.IDs()), chowns: chowns, user: u.IDs(),
			message: fmt.Sprintf("Switch to the base image's non-root user %s with USER %s", u.Name, u.IDs())}
	}
	uid, gid := strconv.Itoa(u.uid), strconv.Itoa(u.gid)
	ids := uid + ":" + gid
	switch st.family {
	case images.Useradd:
		create := "groupadd --system --gid " + gid + " " + u.name + " && useradd --system --uid " + uid +
			" --gid " + u.name + " --create-home --home-dir /home/" + u.name + " --no-log-init --shell " + st.loginShell() + " " + u.name
		return userPlan{run: join(create, chown(u.name+":"+u.name)), chowns: chowns, user: ids,
			message: fmt.Sprintf("Create user %s (%s) and switch to it with USER %s", u.name, ids, ids)}
	case images.BusyBox:
		create := "addgroup -S -g " + gid + " " + u.name + " && adduser -S -D -h /home/" + u.name + " -u " + uid +
			" -G " + u.name + " -s " + st.loginShell() + " " + u.name
		return userPlan{run: join(create, chown(u.name+":"+u.name)), chowns: chowns, user: ids,
			message: fmt.Sprintf("Create user %s (%s) and switch to it with USER %s", u.name, ids, ids)}
	}
	return userPlan{run: chown(nobodyIDs), chowns: chowns, user: nobodyIDs,
		message: "Switch the final stage to the numeric non-root USER " + nobodyIDs}
}

// loginShell is the new user's shell: /sbin/nologin, or /bin/sh when the
// container starts an interactive program that starts the user's shell.
func (st *stageEvidence) loginShell() string {
	for _, cmd := range st.entryCommands() {
		if e := runas.ForProgram(cmd.Name); e != nil && e.Need == runas.Interactive {
			return "/bin/sh"
		}
	}
	return "/sbin/nologin"
}

// writeArgs is the directories the container is known to write, other
// than VOLUMEs, as shell words, or "".
func (st *stageEvidence) writeArgs() string {
	var out []string
	for _, d := range st.writeDirs {
		out = append(out, shellQuote(d))
	}
	return strings.Join(out, " ")
}

// addChmods gives files that ADD downloads (mode 0600) a mode the new user
// can read, with --chmod=644 on each ADD <url> of the final stage that has
// no --chmod of its own.
func (st *stageEvidence) addChmods() []transform.Edit {
	var edits []transform.Edit
	if st.family == images.Windows {
		return nil
	}
	for _, c := range st.f.Copies {
		if !c.Add || c.Stage != st.f.Stage || len(c.Sources) == 0 {
			continue
		}
		urls := true
		for _, src := range c.Sources {
			if !(strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")) || strings.HasSuffix(src, ".git") {
				urls = false
			}
		}
		in := st.d.Inst(c.Node)
		if !urls || in == nil {
			continue
		}
		has := false
		for _, fl := range in.Flags {
			if strings.EqualFold(strings.TrimLeft(fl.Name.Value, "-"), "chmod") {
				has = true
			}
		}
		if !has {
			if e, ok := in.AddFlag("--chmod=644"); ok {
				edits = append(edits, e)
			}
		}
	}
	return edits
}

// volumeArgs is the VOLUME paths as shell words, or "".
func (st *stageEvidence) volumeArgs() string {
	var out []string
	for _, vol := range st.f.Volumes {
		v := strings.TrimSpace(vol.Path)
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
func (st *stageEvidence) alreadyChowned(v string) bool {
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

// newUser is the user the fix creates where the image has none: the
// project's configuration (.harden.yaml `user:`, read through Pass.Config)
// where it names one, else app with uid and gid 10001.
type newUser struct {
	name     string
	uid, gid int
}

// userFromConfig is the user to create under the project's configuration.
func userFromConfig(c transform.Config) newUser {
	u := newUser{name: appUser, uid: appID, gid: appID}
	if c.User.Name != "" {
		u.name = c.User.Name
	}
	if c.User.UID != 0 {
		u.uid = c.User.UID
		u.gid = c.User.UID // one id for both unless the gid is given too
	}
	if c.User.GID != 0 {
		u.gid = c.User.GID
	}
	return u
}
