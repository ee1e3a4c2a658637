package fixes

import (
	"encoding/json"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/runtimes"
	"github.com/harden-dev/harden/internal/shell"
)

// Node: a stage on a node image that installs dependencies and runs a
// build script, then starts the app. The split keeps the working directory
// whole (package.json, the build output wherever the build script puts it
// under it, node_modules with the native addons compiled against the same
// Node and C library) after removing the devDependencies in the build
// stage (npm prune, pnpm prune), and copies it to the -slim variant of the
// same node tag. Installing again in the runtime stage (npm ci --omit=dev)
// would need the registry, a lock file and, for native addons, the
// compilers the -slim image lacks: copying keeps the image running the
// same.

// packageJSON is what the split reads of package.json.
type packageJSON struct {
	Main            string            `json:"main"`
	Scripts         map[string]string `json:"scripts"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

// devServers are programs that rebuild and serve the sources: the command
// runs the toolchain, not a build output.
var devServers = []string{"nodemon", "vite", "webpack-dev-server", "ts-node", "ts-node-dev", "tsx", "parcel", "ng", "react-scripts", "vue-cli-service", "next", "nuxt", "gatsby", "astro", "remix", "svelte-kit", "nest"}

// devSubcommands are the subcommands of devServers that build or serve
// for development ("next start" serves a build, "next dev" does not).
var devSubcommands = map[string][]string{
	"next": {"dev"}, "nuxt": {"dev"}, "gatsby": {"develop"}, "astro": {"dev"}, "remix": {"dev"},
	"ng": {"serve"}, "react-scripts": {"start"}, "vue-cli-service": {"serve"}, "nest": {"start"},
	"svelte-kit": {"dev"},
}

// isDevServer reports whether argv starts a development server.
func isDevServer(argv []string) bool {
	if len(argv) == 0 {
		return false
	}
	name := path.Base(argv[0])
	if !inList(devServers, name) {
		return false
	}
	subs, ok := devSubcommands[name]
	if !ok {
		return true
	}
	if len(argv) < 2 {
		return name != "next" && name != "nuxt" && name != "astro" // bare "next" is next dev
	}
	if name == "nest" && len(argv) > 1 && argv[1] == "start" {
		return inList(argv, "--watch") || inList(argv, "--debug") || inList(argv, "-w")
	}
	return inList(subs, argv[1])
}

// nodeScript reads `npm run X`, `npm start`, `yarn X`, `pnpm X`: the
// script name, or "".
func nodeScript(argv []string) string {
	if len(argv) < 2 {
		return ""
	}
	var args []string
	for _, a := range argv[1:] {
		if !strings.HasPrefix(a, "-") {
			args = append(args, a)
		}
	}
	if len(args) == 0 {
		return ""
	}
	switch mgr := path.Base(argv[0]); {
	case args[0] == "run" || args[0] == "run-script":
		if len(args) > 1 {
			return args[1]
		}
	case args[0] == "start" || args[0] == "test":
		return args[0]
	case mgr == "yarn" || mgr == "pnpm":
		switch args[0] {
		case "install", "add", "remove", "exec", "dlx", "global", "workspace", "prune":
			return ""
		}
		return args[0]
	}
	return ""
}

// nodeInstall reports a command that installs the project's dependencies
// into the working directory, and whether it installs outside it.
func nodeInstall(c shell.Command) (install, global bool) {
	if c.Name != "npm" && c.Name != "yarn" && c.Name != "pnpm" {
		return false, false
	}
	global = c.Has("-g", "--global", "--location=global")
	var pos []string
	for _, a := range c.Args {
		if !strings.HasPrefix(a.Value, "-") {
			pos = append(pos, a.Value)
		}
	}
	if c.Name == "yarn" && len(pos) > 0 && pos[0] == "global" {
		return true, true
	}
	if c.Name == "npm" && len(pos) > 0 && pos[0] == "link" {
		return true, true
	}
	if c.Name == "yarn" && len(pos) == 0 {
		return true, global
	}
	if len(pos) == 0 {
		return false, global
	}
	switch pos[0] {
	case "ci", "install", "i", "add", "clean-install":
		return true, global
	}
	return false, global
}

// readPackageJSON reads the package.json the stage copies into dir from
// the build context: nil when there is no context or no such file.
func (si *stageInfo) readPackageJSON(dir string) *packageJSON {
	ctx := si.pass.Context
	if ctx == nil {
		return nil
	}
	for i := range si.s.Nodes {
		c, ok := si.copyOf(i)
		if !ok || c.From != "" || c.Add {
			continue
		}
		dst := si.resolve(i, c.DestExpanded)
		for _, src := range c.Sources {
			src = strings.TrimPrefix(path.Clean("/"+src), "/")
			var file string
			switch {
			case path.Base(src) == "package.json" && (dst == dir || strings.HasSuffix(c.DestExpanded, "/") && dst == dir || dst == path.Join(dir, "package.json")):
				file = src
			case src == "" && dst == dir: // COPY . .
				file = "package.json"
			case strings.ContainsAny(path.Base(src), "*?[") && path.Base(src) != "*" && dst == dir:
				if ok, _ := path.Match(path.Base(src), "package.json"); ok {
					file = path.Join(path.Dir(src), "package.json")
				}
			default:
				continue
			}
			if file == "" {
				continue
			}
			data, err := fs.ReadFile(ctx, file)
			if err != nil {
				continue
			}
			var p packageJSON
			if json.Unmarshal(data, &p) != nil {
				return nil
			}
			return &p
		}
	}
	return nil
}

// nodeSafeCommands may run in the build part of a Node split: they write
// only under the working directory (which the runtime copies) or nowhere.
var nodeSafeCommands = []string{"rm", "true", "echo", "set", "cd", "mkdir", "ls", "cp", "mv", "test", "[", "node", "corepack"}

func (si *stageInfo) detectNode() (*artifact, *blocked) {
	w := si.workdir[len(si.workdir)-1]
	buildAt, mgr := -1, ""
	for _, r := range si.f.Runs {
		if !r.Mentions("npm", "yarn", "pnpm") {
			continue
		}
		for _, c := range r.Commands() {
			if c.Name != "npm" && c.Name != "yarn" && c.Name != "pnpm" {
				continue
			}
			if nodeScript(append([]string{c.Name}, words(c.Args)...)) == "build" {
				buildAt, mgr = r.Index, c.Name
			}
		}
	}
	if buildAt < 0 {
		return nil, nil
	}
	a := &artifact{what: "a Node application", kind: runtimes.Node, runs: []string{"node", "npm", "npx"}}
	tag := images.ParseRef(si.builder()).Tag
	if t := runtimes.ParseTag(tag); tag != "" && tag != "latest" && t.Version == "" && t.Codename == "" && !t.Alpine {
		return a, block("runtime-unknown", "the tag %s names no Node version: its -slim variant is not known", tag)
	}
	if _, img, err := si.table.Lookup(a.kind, si.builder()); mgr == "yarn" && err == nil && img == si.builder() {
		return nil, nil // the same image (alpine), and no prune: nothing to gain
	}
	if w == "/" {
		return a, block("no-workdir", "the app's files are not under a WORKDIR the runtime stage could copy")
	}
	// The build part: every RUN up to the last one installs, builds or
	// writes only under the working directory.
	a.last = -1
	for _, r := range si.f.Runs {
		a.last = r.Index
		for _, c := range r.Commands() {
			install, global := nodeInstall(c)
			switch {
			case global:
				return a, block("build-writes-outside", "%s installs packages globally, outside %s which the runtime stage copies", firstLine(si.d, r.Node), w)
			case install || c.Name == "npm" || c.Name == "yarn" || c.Name == "pnpm":
				if si.workdir[r.Index] != w {
					return a, block("artifact-unknown", "%s runs in %s, not in the working directory %s the command runs in", c.Name, si.workdir[r.Index], w)
				}
			case pkgmgrCommand(c.Name) || inList(nodeSafeCommands, c.Name) && (c.Name != "node" || len(c.Args) > 0 && !strings.HasPrefix(c.Args[0].Value, "-")):
				if (c.Name == "cp" || c.Name == "mv" || c.Name == "mkdir") && !si.writesWithin(r.Index, c, w) {
					return a, block("build-writes-outside", "%s writes outside %s, which the runtime stage copies", firstLine(si.d, r.Node), w)
				}
			default:
				return a, block("build-writes-outside", "the build runs %s, which may write outside %s, the directory the runtime stage copies", c.Name, w)
			}
		}
	}
	for i, n := range si.s.Nodes[:a.last+1] {
		if c, ok := si.copyOf(i); ok && c.From == "" {
			if d := si.resolve(i, c.DestExpanded); !within(d, w) {
				return a, block("context-files", "%s puts files in %s, outside the working directory %s the runtime stage copies", firstLine(si.d, n), d, w)
			}
		}
	}
	if b := si.buildOwner(a.last); b != nil {
		return a, b
	}
	pkg := si.readPackageJSON(w)
	if pkg != nil {
		for _, word := range strings.Fields(pkg.Scripts["build"]) {
			if strings.HasPrefix(word, "--") {
				_, word, _ = strings.Cut(word, "=")
			}
			if strings.HasPrefix(word, "/") && !within(path.Clean(word), w) {
				return a, block("build-writes-outside", "the build script of package.json names %s, outside %s which the runtime stage copies", word, w)
			}
		}
	}
	if b := si.nodeCommand(pkg, w); b != nil {
		return a, b
	}
	// Production dependencies only.
	switch mgr {
	case "npm":
		omit := "--omit=dev"
		if v, err := strconv.Atoi(strings.SplitN(runtimes.ParseTag(tag).Version, ".", 2)[0]); err == nil && v < 16 {
			omit = "--production" // npm 6 and older do not know --omit
		}
		a.buildTail = []string{si.d.Keyword("RUN") + " npm prune " + omit}
		a.check = "that the app needs no devDependencies at run time (npm prune " + omit + " removes them) and no file outside " + w
	case "pnpm":
		a.buildTail = []string{si.d.Keyword("RUN") + " pnpm prune --prod"}
		a.check = "that the app needs no devDependencies at run time (pnpm prune --prod removes them) and no file outside " + w
	default:
		a.check = "that the app needs no file outside " + w + " (yarn has no offline prune: the devDependencies stay)"
	}
	a.copies = []copyOp{{w, w}}
	return a, nil
}

// writesWithin reports whether the destination of cp, mv or mkdir is under
// dir.
func (si *stageInfo) writesWithin(i int, c shell.Command, dir string) bool {
	pos := c.Positionals(nil)
	if len(pos) == 0 {
		return true
	}
	ws := pos[len(pos)-1:]
	if c.Name == "mkdir" {
		ws = pos
	}
	for _, w := range ws {
		v := w.Value
		if !w.Literal {
			return false
		}
		if !within(si.resolve(i, v), dir) {
			return false
		}
	}
	return true
}

// buildOwner blocks a split whose working directory holds files of a user
// other than root in the build stage: COPY --from gives them to root.
func (si *stageInfo) buildOwner(last int) *blocked {
	for i := 0; i <= last; i++ {
		switch c := si.s.Parsed.Commands[i].(type) {
		case *instructions.UserCommand:
			if u, _, _ := strings.Cut(c.User, ":"); u != "root" && u != "0" {
				return block("file-owner", "the build runs as %s, whose files COPY --from would give to root in the runtime stage", c.User)
			}
		case *instructions.CopyCommand:
			if c.Chown != "" && c.Chown != "root" && c.Chown != "0" && c.Chown != "0:0" && c.Chown != "root:root" {
				return block("file-owner", "%s gives files to %s, which COPY --from would give to root in the runtime stage", firstLine(si.d, si.s.Nodes[i]), c.Chown)
			}
		}
	}
	return nil
}

// nodeCommand checks what the command starts: node on a file under the
// working directory, a package script that does, a dependency's program.
func (si *stageInfo) nodeCommand(pkg *packageJSON, w string) *blocked {
	cmd := si.command()
	argvs := [][]string{cmd.argv}
	if !cmd.exec {
		argvs = nil
		for _, c := range cmd.cmds {
			argvs = append(argvs, append([]string{c.Name}, words(c.Args)...))
		}
	}
	for _, argv := range argvs {
		if b := si.nodeArgv(pkg, w, argv, 0); b != nil {
			return b
		}
	}
	return nil
}

func (si *stageInfo) nodeArgv(pkg *packageJSON, w string, argv []string, depth int) *blocked {
	if len(argv) == 0 {
		return nil
	}
	name := path.Base(argv[0])
	if isDevServer(argv) {
		return block("runs-toolchain", "the command runs the development server (%s)", strings.Join(argv, " "))
	}
	switch name {
	case "node", "nodejs":
		for _, a := range argv[1:] {
			if strings.HasPrefix(a, "-") {
				continue
			}
			if !within(si.resolve(len(si.s.Nodes)-1, a), w) {
				return block("artifact-unknown", "the command runs %s, outside %s which the runtime stage copies", a, w)
			}
			return nil
		}
		return nil
	case "npm", "yarn", "pnpm":
		script := nodeScript(argv)
		if script == "" {
			return nil
		}
		if script == "dev" || script == "serve" || script == "watch" || script == "develop" {
			return block("runs-toolchain", "the command runs the %s script, a development server", script)
		}
		if pkg == nil {
			return block("artifact-unknown", "the command runs the %s script of package.json, which harden cannot read (give the build context with --context)", script)
		}
		body, ok := pkg.Scripts[script]
		if !ok {
			if script == "start" && name == "npm" {
				return nil // npm start without a script runs node server.js
			}
			return block("artifact-unknown", "package.json has no %s script", script)
		}
		if depth > 2 {
			return nil
		}
		cmds, ok := shell.Commands(body)
		if !ok {
			return block("artifact-unknown", "the %s script of package.json does not parse", script)
		}
		for _, c := range cmds {
			if b := si.nodeArgv(pkg, w, append([]string{c.Name}, words(c.Args)...), depth+1); b != nil {
				return b
			}
		}
		return nil
	case "npx":
		var rest []string
		for i, a := range argv[1:] {
			if !strings.HasPrefix(a, "-") {
				rest = argv[1+i:]
				break
			}
		}
		return si.nodeArgv(pkg, w, rest, depth+1)
	}
	if depth == 0 || inList(shellUtils, name) {
		return nil // the command checks of the split see to it
	}
	// A program of a package script: node_modules/.bin of a dependency.
	if pkg == nil {
		return nil
	}
	for dep := range pkg.Dependencies {
		if path.Base(dep) == name || strings.TrimPrefix(dep, "@") == name {
			return nil
		}
	}
	for dep := range pkg.DevDependencies {
		if path.Base(dep) == name || strings.TrimPrefix(dep, "@") == name {
			return block("dev-dependencies", "the start script runs %s, which package.json lists in devDependencies: the runtime stage has production dependencies only", name)
		}
	}
	return block("command-tool", "the start script runs %s, which no dependency of package.json provides", name)
}
