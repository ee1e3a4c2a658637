package fixes

import (
	"bufio"
	"errors"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/buildctx"
	"github.com/harden-dev/harden/internal/runas"
	"github.com/harden-dev/harden/transform"
)

// This file reads what the container runs from the build context: the
// entrypoint and command scripts and the configuration files that COPY and
// ADD bring into the image, mapped back from their image paths. What they
// show decides between a default edit, an unsafe one and a report.

// pathDirs are the directories a command name without a slash is looked
// up in.
var pathDirs = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// contextSource maps an image path to the build-context file a COPY or ADD
// of the stage's chain brings there: its path in the context, and whether
// some COPY brings it at all (copied is true and exists false when the
// file comes from the context but the context at hand does not have it).
func (st *stageEvidence) contextSource(imagePath string) (ctxPath string, copied, exists bool) {
	ctx := st.ctx
	imagePath = path.Clean(imagePath)
	for i := len(st.f.Copies) - 1; i >= 0; i-- {
		c := st.f.Copies[i]
		if c.From != "" || len(c.Contents) > 0 {
			continue
		}
		dest := c.DestExpanded
		if dest == "" || strings.Contains(dest, "$") {
			continue
		}
		if !path.IsAbs(dest) {
			dest = path.Join("/", st.f.Workdir, dest)
		}
		destDir := strings.HasSuffix(c.DestExpanded, "/") || len(c.Sources) > 1
		for _, src := range c.Sources {
			if strings.Contains(src, "://") || strings.Contains(src, "$") || strings.HasPrefix(src, "git@") {
				continue
			}
			src = path.Clean(strings.TrimPrefix(strings.TrimPrefix(src, "/"), "./"))
			if strings.HasPrefix(src, "..") {
				continue
			}
			matches := []string{src}
			if strings.ContainsAny(src, "*?[") {
				destDir = true
				matches, _ = fs.Glob(ctx, src)
			}
			for _, m := range matches {
				info, err := fs.Stat(ctx, m)
				switch {
				case err == nil && info.IsDir():
					// A directory's contents go under dest.
					if rel, ok := under(imagePath, dest); ok && rel != "" {
						p := path.Join(m, rel)
						if fi, err := fs.Stat(ctx, p); err == nil && !fi.IsDir() {
							return p, true, true
						}
						if len(c.Sources) == 1 {
							return p, true, false // the context at hand lacks it
						}
					}
				case err == nil:
					target := dest
					if destDir || st.isDir(dest) {
						target = path.Join(dest, path.Base(m))
					}
					if target == imagePath {
						return m, true, true
					}
				default:
					// Not in the context at hand: a file it would hold.
					if m == "." {
						if _, ok := under(imagePath, dest); ok {
							return "", true, false
						}
						continue
					}
					target := dest
					if destDir || st.isDir(dest) {
						target = path.Join(dest, path.Base(m))
					}
					if target == imagePath {
						return m, true, false
					}
					if rel, ok := under(imagePath, dest); ok && rel != "" && !destDir && path.Ext(m) == "" {
						return path.Join(m, rel), true, false // likely a directory copied whole
					}
				}
			}
		}
	}
	return "", false, false
}

// isDir reports whether an image path is known to be a directory: the
// WORKDIR or one a RUN mkdir created.
func (st *stageEvidence) isDir(p string) bool {
	p = path.Clean(p)
	return p == st.f.Workdir || slices.Contains(st.madeDirs, p) || slices.Contains(pathDirs, p)
}

// under returns p relative to dir, when p is dir or lies under it.
func under(p, dir string) (string, bool) {
	dir = path.Clean(dir)
	if p == dir {
		return "", true
	}
	if dir == "/" {
		return strings.TrimPrefix(p, "/"), true
	}
	rest, ok := strings.CutPrefix(p, dir+"/")
	return rest, ok
}

// entryScripts returns the image paths of the programs and scripts the
// container starts with, as candidates: the ENTRYPOINT's or CMD's program,
// and the script an interpreter or shell runs.
func (st *stageEvidence) entryScripts() [][]string {
	var out [][]string
	for _, c := range []*transform.CmdLine{st.f.Entrypoint, st.f.Cmd} {
		if c == nil {
			continue
		}
		argv := c.CmdLine
		if c.PrependShell {
			argv = strings.Fields(strings.Join(c.CmdLine, " "))
		}
		for len(argv) > 0 && (passWrappers[path.Base(argv[0])] || strings.HasPrefix(argv[0], "-")) {
			argv = argv[1:]
		}
		if len(argv) == 0 {
			continue
		}
		out = append(out, st.candidates(argv[0], false))
		if e := runas.ForProgram(path.Base(argv[0])); e != nil && e.Need == runas.BaseImage {
			for _, a := range argv[1:] {
				if strings.HasPrefix(a, "-") {
					if a == "-c" {
						break
					}
					continue
				}
				out = append(out, st.candidates(a, true))
				break
			}
		}
	}
	return out
}

// passWrappers start the command that follows them.
var passWrappers = map[string]bool{"tini": true, "tini-static": true, "dumb-init": true, "exec": true, "env": true, "catatonit": true}

func (st *stageEvidence) candidates(p string, arg bool) []string {
	p = strings.Trim(p, `"'`)
	if p == "" || strings.Contains(p, "$") {
		return nil
	}
	if path.IsAbs(p) {
		return []string{path.Clean(p)}
	}
	if strings.Contains(p, "/") || arg {
		return []string{path.Join("/", st.f.Workdir, p)}
	}
	var out []string
	for _, d := range pathDirs {
		out = append(out, path.Join(d, p))
	}
	return out
}

// readContext reads the entrypoint scripts and the configuration files of
// the final stage from the build context, and records what they show.
func (st *stageEvidence) readContext() {
	seen := map[string]bool{}
	for _, cands := range st.entryScripts() {
		for _, imgPath := range cands {
			ctxPath, copied, exists := st.contextSource(imgPath)
			if !copied {
				continue
			}
			if !exists {
				if st.unknownScript == "" {
					st.unknownScript = imgPath
				}
				break
			}
			if seen[ctxPath] {
				break
			}
			seen[ctxPath] = true
			data, err := fs.ReadFile(st.ctx, ctxPath)
			if errors.Is(err, buildctx.ErrBinary) {
				// A compiled program: nothing to read in it, and nothing
				// in it that says root (the Dockerfile and configs still
				// speak).
				st.readScripts = append(st.readScripts, path.Base(imgPath))
				break
			}
			if err != nil {
				if st.unknownScript == "" {
					st.unknownScript = imgPath
				}
				break
			}
			st.scanScript(ctxPath, string(data))
			st.readScripts = append(st.readScripts, path.Base(imgPath))
			break
		}
	}
	st.readConfigs()
	for _, name := range []string{"action.yml", "action.yaml"} {
		data, err := fs.ReadFile(st.ctx, name)
		if err == nil && dockerAction.Match(data) && st.action == "" {
			st.action = name
		}
	}
}

var dockerAction = regexp.MustCompile(`(?m)^\s*using:\s*['"]?docker['"]?\s*$`)

// configExt are the extensions of configuration files read for a user
// directive.
var configExt = map[string]bool{".conf": true, ".cnf": true, ".ini": true, ".cfg": true}

// userDirective is a line of a daemon's configuration that names the user
// it drops privileges to: supervisord's user=, nginx's user x;, php-fpm's
// user = x, Apache's User x, squid's cache_effective_user.
var userDirective = regexp.MustCompile(`^\s*(user|User|run_as_user|runas_user|cache_effective_user|setuid|uid)\s*(=|\s)\s*["']?[A-Za-z_][\w.-]*["']?\s*;?\s*$`)

// readConfigs looks for a user directive in the configuration files the
// stage copies from the context (files named, and the top level of
// directories copied whole).
func (st *stageEvidence) readConfigs() {
	read := 0
	check := func(p string) {
		if read >= 64 || !configExt[path.Ext(p)] || st.userConfig != "" {
			return
		}
		read++
		data, err := fs.ReadFile(st.ctx, p)
		if err != nil {
			return
		}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			if line := sc.Text(); userDirective.MatchString(line) && !strings.Contains(line, "root") {
				st.userConfig = p + ": " + strings.TrimSpace(line)
				return
			}
		}
	}
	for _, c := range st.f.Copies {
		if c.From != "" {
			continue
		}
		for _, src := range c.Sources {
			if strings.Contains(src, "://") || strings.Contains(src, "$") {
				continue
			}
			src = path.Clean(strings.TrimPrefix(src, "./"))
			if strings.HasPrefix(src, "..") {
				continue
			}
			matches := []string{src}
			if strings.ContainsAny(src, "*?[") {
				matches, _ = fs.Glob(st.ctx, src)
			}
			for _, m := range matches {
				if fi, err := fs.Stat(st.ctx, m); err == nil && fi.IsDir() {
					entries, _ := fs.ReadDir(st.ctx, m)
					for _, e := range entries {
						if !e.IsDir() {
							check(path.Join(m, e.Name()))
						}
					}
					continue
				}
				check(m)
			}
		}
	}
}

// ciVars are prefixes of the variables CI systems give a step.
var ciVars = []string{"GITHUB_", "INPUT_", "PLUGIN_", "DRONE_", "CI_PROJECT", "BITBUCKET_", "BUILDKITE_", "GITLAB_", "CIRCLE_", "TRAVIS_"}

// scanScript records what a shell script run by the container shows.
func (st *stageEvidence) scanScript(name, data string) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(data), name)
	if err != nil {
		if st.unknownScript == "" {
			st.unknownScript = name + " (it does not parse as a shell script)"
		}
		return
	}
	lit := func(w *syntax.Word) string {
		if w == nil {
			return ""
		}
		if s := w.Lit(); s != "" {
			return s
		}
		// "quoted" and $HOME/... words: their literal text, variables as written
		var b strings.Builder
		for _, p := range w.Parts {
			switch p := p.(type) {
			case *syntax.Lit:
				b.WriteString(p.Value)
			case *syntax.SglQuoted:
				b.WriteString(p.Value)
			case *syntax.DblQuoted:
				for _, q := range p.Parts {
					switch q := q.(type) {
					case *syntax.Lit:
						b.WriteString(q.Value)
					case *syntax.ParamExp:
						b.WriteString("$" + q.Param.Value)
					default:
						return ""
					}
				}
			case *syntax.ParamExp:
				b.WriteString("$" + p.Param.Value)
			default:
				return ""
			}
		}
		return b.String()
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			for _, r := range n.Redirs {
				switch r.Op {
				case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.ClbOut:
					st.wrote(name, lit(r.Word), false)
				}
			}
		case *syntax.ParamExp:
			if n.Param != nil {
				for _, p := range ciVars {
					if strings.HasPrefix(n.Param.Value, p) && st.ciVar == "" {
						st.ciVar = n.Param.Value
					}
				}
			}
		case *syntax.CallExpr:
			if len(n.Args) == 0 {
				return true
			}
			words := make([]string, len(n.Args))
			for i, w := range n.Args {
				words[i] = lit(w)
			}
			st.scriptCommand(name, words)
		}
		return true
	})
}

// scriptCommand records one command of a script: privilege drops, sudo,
// paths that need root, and the files it writes.
func (st *stageEvidence) scriptCommand(script string, words []string) {
	for len(words) > 0 && (words[0] == "exec" || words[0] == "nohup" || words[0] == "command") {
		words = words[1:]
	}
	if len(words) == 0 {
		return
	}
	prog := path.Base(words[0])
	if e := runas.ForProgram(prog); e != nil {
		switch {
		case e.Need == runas.DropsPrivileges && (e.Option == "" || slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, e.Option) })):
			if st.scriptDrop == "" {
				st.scriptDrop = script + " runs " + e.Name()
			}
		case e.Need == runas.StartsAsRoot && (prog == "sudo" || prog == "doas"):
			if st.sudo == "" {
				st.sudo = script + " runs " + strings.Join(words[:min(len(words), 3)], " ")
			}
		case e.Need == runas.StartsAsRoot || e.Need == runas.Capability:
			if st.scriptNeed == "" && prog != "ip" && prog != "mount" {
				st.scriptNeed = script + " starts " + prog + ", which " + strings.TrimPrefix(e.Reason, "is ")
			}
		}
	}
	for _, w := range words {
		if underRoot(w) && st.scriptRoot == "" {
			st.scriptRoot = script + " uses " + w
		}
		if e := runas.ForPath(w); e != nil && st.scriptNeed == "" {
			st.scriptNeed = script + " uses " + w + ", which " + strings.TrimPrefix(e.Reason, "is ")
		}
	}
	args := words[1:]
	var targets []string
	switch prog {
	case "mkdir", "touch", "mkfifo", "tee", "truncate":
		for _, a := range args {
			if a != "" && !strings.HasPrefix(a, "-") {
				targets = append(targets, a)
			}
		}
	case "cp", "mv", "install", "ln", "envsubst", "sed":
		if prog == "sed" && !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "-i") }) {
			return
		}
		if len(args) > 0 && !strings.HasPrefix(args[len(args)-1], "-") && prog != "envsubst" {
			targets = append(targets, args[len(args)-1])
		}
	}
	for _, t := range targets {
		st.wrote(script, t, prog == "mkdir")
	}
}

// wrote records a path written by the container's command or a script:
// where it can be given to the new user, where it cannot, or where it is
// written anyway (/tmp, /dev, $HOME).
func (st *stageEvidence) wrote(by, p string, isDir bool) {
	if p == "" || strings.HasPrefix(p, "&") {
		return
	}
	p = strings.Trim(p, `"'`)
	for _, v := range []string{"$HOME", "${HOME}", "~"} {
		if strings.HasPrefix(p, v+"/") || p == v {
			home := st.f.Env["HOME"]
			if home == "" || underRoot(home) {
				if underRoot(home) && st.scriptRoot == "" {
					st.scriptRoot = by + " writes " + p + " (HOME is " + home + ")"
				}
				return // the new user's home: created for it
			}
			p = home + strings.TrimPrefix(strings.TrimPrefix(p, v), "")
		}
	}
	if strings.Contains(p, "$") || strings.ContainsAny(p, "*?`") {
		return // not known: nothing to give or to report
	}
	if !path.IsAbs(p) {
		if st.f.Workdir == "" {
			st.writeRisk = append(st.writeRisk, by+" writes "+p+" in the working directory /, which root owns")
			return
		}
		p = path.Join(st.f.Workdir, p)
	}
	p = path.Clean(p)
	for _, prefix := range []string{"/dev", "/proc", "/tmp", "/var/tmp", "/sys"} {
		if _, ok := under(p, prefix); ok {
			return
		}
	}
	if underRoot(p) {
		if st.scriptRoot == "" {
			st.scriptRoot = by + " writes " + p
		}
		return
	}
	dir := p
	if !isDir {
		dir = path.Dir(p)
	}
	if st.inVolume(dir) {
		return
	}
	if st.givable(dir) {
		st.addWriteDir(dir)
		return
	}
	st.writeRisk = append(st.writeRisk, by+" writes "+p+", which root owns")
}

func (st *stageEvidence) addWriteDir(dir string) {
	for _, d := range st.writeDirs {
		if _, ok := under(dir, d); ok {
			return
		}
	}
	st.writeDirs = append(st.writeDirs, dir)
}

// inVolume reports whether p is a VOLUME directory or lies under one.
func (st *stageEvidence) inVolume(p string) bool {
	for _, v := range st.f.Volumes {
		if _, ok := under(p, v.Expanded); ok && path.IsAbs(v.Expanded) {
			return true
		}
	}
	return false
}

// givable reports whether a directory the process writes may be given to
// the new user: a directory the Dockerfile made (WORKDIR, RUN mkdir), or
// the app's own directory under /app, /opt, /srv, /data, /home, /var/lib,
// /var/log, /var/cache, /run or /var/run: never a system directory itself.
func (st *stageEvidence) givable(dir string) bool {
	if systemPath(dir) {
		return false
	}
	if dir == st.f.Workdir && st.f.Workdir != "" || slices.Contains(st.madeDirs, dir) {
		return true
	}
	for _, d := range st.madeDirs {
		if _, ok := under(dir, d); ok && !systemPath(d) {
			return true
		}
	}
	if st.f.Workdir != "" && !systemPath(st.f.Workdir) {
		if _, ok := under(dir, st.f.Workdir); ok {
			return true
		}
	}
	for _, base := range []string{"/app", "/opt", "/srv", "/data", "/home", "/var/lib", "/var/log", "/var/cache", "/run", "/var/run", "/usr/src/app"} {
		if rest, ok := under(dir, base); ok && rest != "" {
			return true
		}
	}
	return false
}
