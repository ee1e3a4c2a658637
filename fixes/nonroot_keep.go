package fixes

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/runas"
	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// keepRoot explains why the final stage must keep starting as root, or
// returns "". Each reason is a case where a USER would break the image or
// the images built from it, so the finding is reported without an edit.
func (st *stageEvidence) keepRoot() string {
	entry := st.entryCommands()
	f := st.f
	for _, cmd := range entry {
		if e := runas.ForProgram(cmd.Name); e != nil && e.Need == runas.DropsPrivileges &&
			(e.Option == "" || cmd.Has(e.Option) || hasPrefixArg(cmd, e.Option+"=") || len(e.Option) == 2 && hasPrefixArg(cmd, e.Option)) {
			return "its entrypoint " + e.Reason + " with " + e.Name()
		}
	}
	// An entrypoint script in an image that installs gosu or su-exec: the
	// pattern of the official database images.
	if f.Entrypoint != nil {
		for _, tool := range []string{"gosu", "su-exec", st.scriptDrops} {
			if tool != "" && st.mentions[tool] {
				return "its entrypoint " + runas.ForProgram(tool).Reason + " with " + tool
			}
		}
	}
	for _, cmd := range entry {
		for _, name := range daemonNames(cmd) {
			if name == "httpd" && st.family == images.BusyBox {
				continue // BusyBox's httpd applet is a plain server, not Apache
			}
			if e := runas.ForProgram(name); e != nil && e.Need == runas.StartsAsRoot {
				if e.Derived {
					continue // only with its package installed: reportReason
				}
				if e.Reason == runas.DataServer && st.created != nil {
					continue // the Dockerfile made a user for it
				}
				return "its command " + name + " " + e.Reason
			}
		}
	}
	if e := runas.ForImage(f.Base); e != nil {
		return "base image " + st.baseShown() + " must start as root: " + e.Reason
	}
	flag, rootMount := st.documentedRun()
	if flag != "" {
		return "its documented run command uses " + flag + ", which gives nothing to a non-root user"
	}
	if st.rootHome == "" {
		st.rootHome = rootMount
	}
	if e := st.serverPkg; e != nil && len(entry) > 0 && opaqueScript(entry[0].Name) {
		return "it installs " + e.Key + " and starts through " + entry[0].Name + ", whose " + e.Reason
	}
	if st.onbuildRun != nil {
		return fmt.Sprintf("it has ONBUILD RUN triggers (line %d), which child builds would run as the new user", st.onbuildRun.StartLine)
	}
	if why := st.devContainer(); why != "" {
		return why
	}
	if f.Entrypoint == nil && f.Cmd == nil {
		return "it sets no CMD or ENTRYPOINT: it is a base for other images (a USER would apply to their builds) or runs its base's command, whose needs are unknown"
	}
	if name, e := bareInterpreter(entry); e != nil {
		return "its command is a bare " + name + ": " + e.Reason
	}
	if st.rootHome != "" {
		return "it uses " + st.rootHome + ", which a non-root user cannot reach"
	}
	if users := st.runtimeUsers(); len(users) > 1 {
		return "it names several users (" + strings.Join(users, ", ") + "); switch to the right one with USER"
	}
	if !f.Image.Known {
		if st.family == images.Unknown && !f.BaseResolved {
			return "its base image " + f.BaseWritten + " is not known here"
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
// no program to run (after pass-through entrypoints), and its entry in the
// table; nil when there is none.
func bareInterpreter(entry []shell.Command) (string, *runas.Entry) {
	for len(entry) > 1 && passThrough[entry[0].Name] {
		entry = entry[1:]
	}
	if len(entry) != 1 || len(entry[0].Args) > 1 {
		return "", nil
	}
	interpreter := func(name string) *runas.Entry {
		if e := runas.ForProgram(name); e != nil && e.Need == runas.BaseImage {
			return e
		}
		return nil
	}
	name := entry[0].Name
	e := interpreter(name)
	if e == nil {
		name = normalizeName(name)
		if e = interpreter(name); e == nil {
			return "", nil
		}
	}
	if len(entry[0].Args) == 1 {
		if a := entry[0].Args[0].Value; a != "-a" && a != "-i" && a != "-l" {
			return "", nil
		}
	}
	return name, e
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
func (st *stageEvidence) runtimeUsers() []string {
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
		if u := st.created; u != nil && (o.user == u.Name || o.user == u.UID) {
			continue
		}
		if sh := st.f.Image.Ships; sh != nil && (o.user == sh.Name || o.user == strconv.Itoa(sh.UID)) {
			add(sh.Name)
			continue
		}
		add(o.user)
	}
	return users
}

// homeUser returns X when the final WORKDIR is /home/X and the Dockerfile
// does not create X itself.
func (st *stageEvidence) homeUser() string {
	rest, ok := strings.CutPrefix(st.f.Workdir, "/home/")
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
func (st *stageEvidence) entryCommands() []shell.Command {
	var out []shell.Command
	// The facts keep a CMD written before the ENTRYPOINT of the same
	// stage, as buildkit does (only a CMD inherited from an earlier stage
	// is reset).
	for _, c := range []*transform.CmdLine{st.f.Entrypoint, st.f.Cmd} {
		if c != nil {
			out = append(out, shell.RunCommands(c.ShellDependantCmdLine)...)
		}
	}
	return out
}

// devContainer explains why the Dockerfile defines a development
// environment, whose user devcontainer.json (remoteUser) chooses, or "".
func (st *stageEvidence) devContainer() string {
	p := "/" + filepath.ToSlash(st.d.Path)
	switch {
	case strings.Contains(p, "/.devcontainer/"):
		return "it defines a dev container, whose user devcontainer.json chooses (remoteUser)"
	case path.Base(p) == ".gitpod.Dockerfile":
		return "it defines a Gitpod workspace image, whose user Gitpod chooses"
	case st.f.Image.Ships == images.DevContainerUser:
		return "its base is a dev container image, whose user devcontainer.json chooses (remoteUser)"
	}
	switch name := st.f.Stage.Parsed.Name; name {
	case "dev-envs", "devcontainer":
		return "its stage " + name + " is a development environment, run as root by design"
	}
	return ""
}

// documentedRun reads the `docker run` (or podman run) command lines in the
// file's comments and LABELs, the only word a Dockerfile has on how its
// image is run; a comment line ending in a backslash continues on the next
// comment line. It returns the first flag that gives the container
// privileges a non-root user does not get (--privileged, --cap-add,
// --device, or a mount of a root-only socket or device), and the first
// volume mounted under /root.
func (st *stageEvidence) documentedRun() (flag, rootMount string) {
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
	text := func(l int) string {
		line := d.Line(l)
		if d.IsComment(l) {
			line = strings.TrimPrefix(strings.TrimSpace(line), "#")
		}
		return strings.TrimRight(line, "\r\n")
	}
	for l := 1; l <= d.LineCount(); l++ {
		if !isLabel[l] && !d.IsComment(l) {
			continue
		}
		line := text(l)
		lower := strings.ToLower(line)
		i := strings.Index(lower, "docker run")
		if i < 0 {
			i = strings.Index(lower, "podman run")
		}
		if i < 0 {
			i = strings.Index(lower, "${opt1}")
		}
		if i < 0 {
			continue
		}
		line = line[i:]
		// Join the comment lines it continues on.
		for strings.HasSuffix(strings.TrimSpace(line), "\\") && l+1 <= d.LineCount() && (d.IsComment(l+1) || isLabel[l+1]) {
			l++
			line = strings.TrimSuffix(strings.TrimSpace(line), "\\") + " " + text(l)
		}
		fields := strings.Fields(line)
		for k, f := range fields {
			f = strings.Trim(f, `"'\`)
			for _, fl := range []string{"--privileged", "--cap-add", "--device"} {
				if flag == "" && (f == fl || strings.HasPrefix(f, fl+"=")) {
					flag = fl
				}
			}
			mount := ""
			if f == "-v" || f == "--volume" || f == "--mount" {
				if k+1 < len(fields) {
					mount = strings.Trim(fields[k+1], `"'`)
				}
			} else if v, ok := strings.CutPrefix(f, "--volume="); ok {
				mount = v
			}
			if mount != "" && flag == "" {
				host, _, _ := strings.Cut(mount, ":")
				if e := runas.ForPath(host); e != nil {
					flag = "a mount of " + host + " (" + strings.TrimPrefix(e.Reason, "is ") + ")"
				}
			}
			if i := strings.Index(f, ":/root"); rootMount == "" && i > 0 && underRoot(f[i+1:]) {
				rootMount = f[i+1:]
			}
		}
	}
	return flag, rootMount
}

func hasPrefixArg(cmd shell.Command, p string) bool {
	for _, a := range cmd.Args {
		if a.Literal && strings.HasPrefix(a.Value, p) {
			return true
		}
	}
	return false
}
