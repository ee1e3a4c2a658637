package fixes

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/runtimes"
	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// detect finds the artifact the stage builds and runs, by the ecosystem
// its base belongs to. Both nil: not a build that runs its artifact.
func (si *stageInfo) detect() (*artifact, *blocked) {
	name := images.ParseRef(si.f.Base).Name()
	kinds := map[string]bool{}
	for _, r := range si.table {
		for _, b := range r.Builders {
			if images.Match(b, name) {
				kinds[r.Kind] = true
			}
		}
	}
	switch {
	case kinds[runtimes.GoStatic] || kinds[runtimes.GoCgo]:
		return si.detectGo()
	case kinds[runtimes.Rust]:
		return si.detectRust()
	case kinds[runtimes.Java]:
		return si.detectJava()
	case kinds[runtimes.Python]:
		return si.detectPython()
	case kinds[runtimes.Node]:
		return si.detectNode()
	}
	return nil, nil
}

// builderPath are the directories on the PATH of the toolchain images.
var builderPath = []string{"/go/bin", "/usr/local/go/bin", "/usr/local/cargo/bin", "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// runtimePath is the PATH of the runtime images (distroless, Debian).
var runtimePath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

func inList(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pathDirs is the stage's own ENV PATH, split.
func (si *stageInfo) pathDirs() []string {
	return strings.Split(si.f.Env["PATH"], ":")
}

// binaryCopy is the copy of a binary at out, and the names the command may
// start it by: its path, and its base name when it is on the PATH. A
// binary on the toolchain's PATH only goes to /usr/local/bin.
func (si *stageInfo) binaryCopy(out string) (copyOp, []string) {
	dir, base := path.Split(out)
	dir = path.Clean(dir)
	op := copyOp{src: out, dst: out}
	runs := []string{out}
	switch {
	case inList(runtimePath, dir) || inList(si.pathDirs(), dir):
		runs = append(runs, base)
	case inList(builderPath, dir):
		op.dst = "/usr/local/bin/" + base
		runs = append(runs, base)
	}
	return op, runs
}

// startsArtifact reports whether argv0 of the command names one of runs,
// resolved against the final WORKDIR.
func (si *stageInfo) startsArtifact(argv0 string, runs []string) bool {
	if !strings.Contains(argv0, "/") {
		return inList(runs[1:], argv0)
	}
	return si.resolve(len(si.s.Nodes)-1, argv0) == runs[0]
}

// buildOut is one toolchain command's output.
type buildOut struct {
	run *transform.StageRun
	out string
	cgo bool // Go: linked against the C library
	b   *blocked
}

var goValueFlags = map[string]bool{"o": true, "ldflags": true, "gcflags": true, "asmflags": true, "tags": true, "mod": true,
	"buildmode": true, "p": true, "installsuffix": true, "pkgdir": true, "modfile": true, "overlay": true, "pgo": true,
	"compiler": true, "gccgoflags": true, "toolexec": true, "C": true, "buildvcs": false, "cover": false}

var majorSuffix = regexp.MustCompile(`^v[0-9]+$`)

func (si *stageInfo) goOutput(r *transform.StageRun, c shell.Command) buildOut {
	o := buildOut{run: r}
	sub := c.Args[0].Value
	var outW *shell.Word
	var pkgs []shell.Word
	args := c.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a.Literal && strings.HasPrefix(a.Value, "-") {
			name, val, eq := strings.Cut(strings.TrimLeft(a.Value, "-"), "=")
			switch {
			case name == "o":
				if eq {
					outW = &shell.Word{Value: val, Literal: true}
				} else if i+1 < len(args) {
					outW = &args[i+1]
					i++
				}
			case name == "C":
				o.b = block("artifact-unknown", "go %s -C changes directory", sub)
				return o
			case !eq && goValueFlags[name]:
				i++
			}
			continue
		}
		pkgs = append(pkgs, a)
	}
	env := si.d.ScopeAt(si.s, r.Index)
	o.cgo = env["CGO_ENABLED"] != "0" && !cgoOffIn(si.d.Shell(r.Node))
	if sub == "build" {
		if outW != nil {
			v := r.Value(*outW)
			if v == "" {
				o.b = block("variable-path", "the output of go build (-o %s) depends on a variable without a value", outW.Value)
				return o
			}
			if strings.HasSuffix(v, "/") {
				o.b = block("artifact-unknown", "go build -o %s writes into a directory, under names the Dockerfile does not show", v)
				return o
			}
			o.out = si.resolve(r.Index, v)
			return o
		}
		if len(pkgs) == 1 && pkgs[0].Literal {
			p := path.Clean(pkgs[0].Value)
			if strings.HasSuffix(p, ".go") {
				o.out = si.resolve(r.Index, strings.TrimSuffix(path.Base(p), ".go"))
				return o
			}
			if strings.HasPrefix(pkgs[0].Value, ".") && p != "." && p != ".." && !strings.Contains(p, "...") {
				o.out = si.resolve(r.Index, path.Base(p))
				return o
			}
		}
		o.b = block("artifact-unknown", "go build without -o names its binary after the module, which the Dockerfile does not show")
		return o
	}
	// go install
	if len(pkgs) != 1 || !pkgs[0].Literal {
		o.b = block("artifact-unknown", "go install of %d packages: which binary the command runs is not shown", len(pkgs))
		return o
	}
	p, _, _ := strings.Cut(pkgs[0].Value, "@")
	p = path.Clean(p)
	if p == "." || p == ".." || strings.Contains(p, "...") {
		o.b = block("artifact-unknown", "go install %s names its binary after the module, which the Dockerfile does not show", pkgs[0].Value)
		return o
	}
	name := path.Base(p)
	if majorSuffix.MatchString(name) && strings.Contains(p, "/") {
		name = path.Base(path.Dir(p))
	}
	if env["GOOS"] != "" || env["GOARCH"] != "" {
		o.b = block("artifact-unknown", "go install with GOOS/GOARCH set writes under a platform directory")
		return o
	}
	bin := env["GOBIN"]
	if bin == "" {
		gopath := env["GOPATH"]
		if gopath == "" {
			gopath = "/go" // the golang images' GOPATH
		}
		bin = path.Join(strings.Split(gopath, ":")[0], "bin")
	}
	o.out = path.Join(bin, name)
	return o
}

// cgoOffIn reports whether the RUN disables cgo for its go commands:
// `CGO_ENABLED=0 go …`, `env CGO_ENABLED=0 go …` or `export CGO_ENABLED=0`.
func cgoOffIn(sh *transform.Shell) bool {
	if sh == nil || sh.File == nil {
		return false
	}
	off := false
	isZero := func(a *syntax.Assign) bool {
		return a.Name != nil && a.Name.Value == "CGO_ENABLED" && a.Value != nil && a.Value.Lit() == "0"
	}
	syntax.Walk(sh.File, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.DeclClause:
			if n.Variant != nil && n.Variant.Value == "export" {
				for _, a := range n.Args {
					off = off || isZero(a)
				}
			}
		case *syntax.CallExpr:
			for _, a := range n.Assigns {
				off = off || isZero(a)
			}
			if len(n.Args) > 1 && n.Args[0].Lit() == "env" {
				for _, w := range n.Args[1:] {
					if w.Lit() == "CGO_ENABLED=0" {
						off = true
					}
				}
			}
		}
		return true
	})
	return off
}

func (si *stageInfo) detectGo() (*artifact, *blocked) {
	var outs []buildOut
	for _, r := range si.f.Runs {
		if !r.Mentions("go") {
			continue
		}
		for _, c := range r.Commands() {
			if c.Name == "go" && len(c.Args) > 0 && (c.Args[0].Value == "build" || c.Args[0].Value == "install") {
				outs = append(outs, si.goOutput(r, c))
			}
		}
	}
	cmd := si.command()
	if len(cmd.argv) > 1 && path.Base(cmd.argv[0]) == "go" && cmd.argv[1] == "run" {
		return &artifact{what: "a Go program"}, block("runs-toolchain", "the command compiles and runs the program with go run")
	}
	if len(outs) == 0 {
		return nil, nil
	}
	a := &artifact{what: "a Go binary"}
	o, b := si.pick(outs, cmd)
	if b != nil {
		return a, b
	}
	a.kind = runtimes.GoStatic
	if o.cgo {
		a.kind = runtimes.GoCgo
	}
	op, runs := si.binaryCopy(o.out)
	a.copies, a.runs = []copyOp{op}, runs
	a.last = o.run.Index
	return a, nil
}

// pick finds the output the command starts.
func (si *stageInfo) pick(outs []buildOut, cmd command) (buildOut, *blocked) {
	if len(cmd.argv) == 0 {
		return buildOut{}, block("command-not-artifact", "the command %q does not start the built binary", cmd.text)
	}
	var first *blocked
	for i := len(outs) - 1; i >= 0; i-- {
		o := outs[i]
		if o.b != nil {
			if first == nil {
				first = o.b
			}
			continue
		}
		_, runs := si.binaryCopy(o.out)
		if si.startsArtifact(cmd.argv[0], runs) {
			return o, nil
		}
	}
	if first != nil {
		return buildOut{}, first
	}
	return buildOut{}, block("command-not-artifact", "the command starts %s, which no build step of the stage writes", cmd.argv[0])
}

var cargoValueFlags = map[string]bool{"bin": true, "target": true, "p": true, "package": true, "features": true, "F": true,
	"j": true, "jobs": true, "profile": true, "target-dir": true, "manifest-path": true, "example": true, "config": true, "Z": true,
	"path": true, "root": true, "version": true, "git": true, "branch": true, "tag": true, "rev": true, "color": true}

func (si *stageInfo) detectRust() (*artifact, *blocked) {
	cmd := si.command()
	if len(cmd.argv) > 1 && path.Base(cmd.argv[0]) == "cargo" && cmd.argv[1] == "run" {
		return &artifact{what: "a Rust program"}, block("runs-toolchain", "the command compiles and runs the program with cargo run")
	}
	var outs []buildOut
	for _, r := range si.f.Runs {
		if !r.Mentions("cargo") {
			continue
		}
		for _, c := range r.Commands() {
			if c.Name != "cargo" || len(c.Args) == 0 {
				continue
			}
			switch sub := c.Args[0].Value; sub {
			case "build", "install":
				outs = append(outs, si.cargoOutputs(r, c, sub, cmd)...)
			}
		}
	}
	if len(outs) == 0 {
		return nil, nil
	}
	a := &artifact{what: "a Rust binary", kind: runtimes.Rust}
	o, b := si.pick(outs, cmd)
	if b != nil {
		return a, b
	}
	op, runs := si.binaryCopy(o.out)
	a.copies, a.runs = []copyOp{op}, runs
	a.last = o.run.Index
	return a, nil
}

// cargoOutputs lists where a cargo build --release or cargo install puts
// the binary the command starts (named by --bin, or by the command).
func (si *stageInfo) cargoOutputs(r *transform.StageRun, c shell.Command, sub string, cmd command) []buildOut {
	opt := func(name string) string {
		for i, a := range c.Args {
			if a.Value == "--"+name && i+1 < len(c.Args) {
				return r.Value(c.Args[i+1])
			}
			if v, ok := strings.CutPrefix(a.Value, "--"+name+"="); ok {
				return v
			}
		}
		return ""
	}
	name := opt("bin")
	if name == "" && len(cmd.argv) > 0 {
		name = path.Base(cmd.argv[0])
	}
	env := si.d.ScopeAt(si.s, r.Index)
	if sub == "install" {
		root := opt("root")
		if root == "" {
			root = env["CARGO_INSTALL_ROOT"]
		}
		if root == "" {
			root = env["CARGO_HOME"]
		}
		if root == "" {
			root = "/usr/local/cargo" // the rust images' CARGO_HOME
		}
		return []buildOut{{run: r, out: path.Join(root, "bin", name)}}
	}
	if !c.Has("--release", "-r") {
		return []buildOut{{run: r, b: block("artifact-unknown", "cargo build without --release: a debug build is not what to ship")}}
	}
	dir := opt("target-dir")
	if dir == "" {
		dir = env["CARGO_TARGET_DIR"]
	}
	if dir == "" {
		dir = "target"
	}
	if t := opt("target"); t != "" {
		dir = path.Join(dir, t)
	}
	return []buildOut{{run: r, out: si.resolve(r.Index, path.Join(dir, "release", name))}}
}

var (
	mavenGoals  = []string{"package", "install", "verify"}
	gradleTasks = []string{"build", "jar", "bootJar", "shadowJar", "assemble", "bootWar", "war"}
)

// javaCommand finds `java … -jar PATH` in the command: the jar as written.
func (si *stageInfo) javaCommand(cmd command) (string, bool) {
	argvs := [][]string{cmd.argv}
	if !cmd.exec {
		argvs = nil
		for _, c := range cmd.cmds {
			argvs = append(argvs, append([]string{c.Name}, words(c.Args)...))
		}
	}
	for _, argv := range argvs {
		if len(argv) == 0 || path.Base(argv[0]) != "java" {
			continue
		}
		for i, a := range argv {
			if a == "-jar" && i+1 < len(argv) {
				return argv[i+1], true
			}
		}
	}
	return "", false
}

func (si *stageInfo) detectJava() (*artifact, *blocked) {
	cmd := si.command()
	var dirs, files []string
	last := -1
	for _, r := range si.f.Runs {
		for _, c := range r.Commands() {
			switch {
			case c.Name == "mvn" || c.Name == "mvnw":
				for _, g := range mavenGoals {
					if c.Has(g) {
						dirs, last = append(dirs, si.resolve(r.Index, "target")), r.Index
						break
					}
				}
			case c.Name == "gradle" || c.Name == "gradlew":
				for _, g := range gradleTasks {
					if c.Has(g) {
						dirs, last = append(dirs, si.resolve(r.Index, "build/libs")), r.Index
						break
					}
				}
			case c.Name == "jar":
				if out, ok := jarOutput(c, r); ok {
					files, last = append(files, si.resolve(r.Index, out)), r.Index
				}
			case (c.Name == "cp" || c.Name == "mv") && last >= 0:
				pos := c.Positionals(nil)
				if len(pos) < 2 {
					continue
				}
				dst := r.Value(pos[len(pos)-1])
				from := false
				for _, w := range pos[:len(pos)-1] {
					src := si.resolve(r.Index, r.Value(w))
					from = from || inList(dirs, path.Dir(src)) || inList(files, src)
				}
				if from && dst != "" {
					if strings.HasSuffix(dst, "/") || dst == "." {
						dst = path.Join(dst, path.Base(r.Value(pos[0])))
					}
					files, last = append(files, si.resolve(r.Index, dst)), r.Index
				}
			}
		}
	}
	if len(cmd.argv) > 0 {
		switch path.Base(cmd.argv[0]) {
		case "mvn", "mvnw", "gradle", "gradlew":
			return &artifact{what: "a Java application"}, block("runs-toolchain", "the command runs the build tool (%s)", cmd.argv[0])
		}
	}
	if last < 0 {
		return nil, nil
	}
	a := &artifact{what: "a Java application", kind: runtimes.Java, last: last, runs: []string{"java"}}
	jar, ok := si.javaCommand(cmd)
	if !ok {
		return a, block("command-not-artifact", "the command %q does not run a jar with java -jar", cmd.text)
	}
	v, ok := si.d.Expand(jar, si.f.Vars)
	if !ok || v == "" || strings.Contains(jar, "$") && cmd.exec {
		return a, block("variable-path", "the jar the command runs (%s) depends on a variable", jar)
	}
	jp := si.resolve(len(si.s.Nodes)-1, v)
	switch {
	case inList(files, jp):
		a.copies = []copyOp{{jp, jp}}
	case inList(dirs, path.Dir(jp)) && !strings.ContainsAny(path.Dir(jp), "*?["):
		if strings.ContainsAny(jp, "*?[") {
			if cmd.exec {
				return a, block("artifact-unknown", "the exec-form command names a jar pattern (%s), which only a shell expands", jar)
			}
			a.copies = []copyOp{{jp, path.Dir(jp) + "/"}}
		} else {
			a.copies = []copyOp{{jp, jp}}
		}
	default:
		return a, block("artifact-unknown", "the command runs %s, which no build step of the stage is known to write", jar)
	}
	return a, nil
}

// jarOutput is the file of `jar cf FILE …`, `jar --create --file FILE`.
func jarOutput(c shell.Command, r *transform.StageRun) (string, bool) {
	if len(c.Args) == 0 {
		return "", false
	}
	if w, ok := c.Option("-f", "--file"); ok && (c.Has("--create") || c.Has("-c")) {
		return r.Value(w), r.Value(w) != ""
	}
	mode := strings.TrimPrefix(c.Args[0].Value, "-")
	if !c.Args[0].Literal || !strings.Contains(mode, "c") || !strings.Contains(mode, "f") || strings.Trim(mode, "cvf0meMn") != "" {
		return "", false
	}
	// f, m and e take the words after the mode, in the order of their letters.
	k := 1
	for _, l := range mode {
		switch l {
		case 'f':
			if k < len(c.Args) {
				return r.Value(c.Args[k]), r.Value(c.Args[k]) != ""
			}
			return "", false
		case 'm', 'e':
			k++
		}
	}
	return "", false
}

// compilers are packages that only make sense for building.
func isCompilerPackage(name string) bool {
	switch name {
	case "gcc", "g++", "build-essential", "clang", "build-base", "gcc-c++", "cmake", "make":
		return true
	}
	return strings.HasSuffix(name, "-dev") || strings.HasSuffix(name, "-devel")
}

var otherPythonInstallers = []string{"poetry", "pipenv", "conda", "mamba", "micromamba", "uv", "pdm", "hatch"}

// isPip reports a pip command (pip, pip3, pip3.11, python -m pip) and
// returns its arguments after "install", or false.
func pipInstall(c shell.Command) ([]shell.Word, bool) {
	args := c.Args
	switch {
	case c.Name == "pip" || strings.HasPrefix(c.Name, "pip3"):
	case strings.HasPrefix(c.Name, "python") && len(args) > 1 && args[0].Value == "-m" && args[1].Value == "pip":
		args = args[2:]
	default:
		return nil, false
	}
	for i, a := range args {
		if a.Value == "install" {
			return args[i+1:], true
		}
		if !strings.HasPrefix(a.Value, "-") {
			return nil, false
		}
	}
	return nil, false
}

// pythonBuildCommands may run in the build stage of a Python split: they
// write only to the package manager's places, the virtualenv or nowhere.
var pythonBuildCommands = []string{"rm", "true", "echo", "set", "cd", "apt-mark", "mkdir", "ls", "pip", "python", "python3"}

func (si *stageInfo) detectPython() (*artifact, *blocked) {
	compilers := false
	var installs []string
	for _, pc := range si.f.PackageCommands() {
		for _, p := range pc.Installs {
			n := pkgName(p)
			installs = append(installs, n)
			compilers = compilers || isCompilerPackage(n)
		}
	}
	if !compilers {
		return nil, nil
	}
	a := &artifact{what: "Python packages with a compiler", kind: runtimes.Python}
	if _, _, err := si.table.Lookup(a.kind, si.builder()); err != nil {
		return a, block("runtime-unknown", "%v", err)
	}
	firstPip, venv := -1, ""
	var b *blocked
	for _, r := range si.f.Runs {
		for _, c := range r.Commands() {
			if args, ok := pipInstall(c); ok {
				if firstPip < 0 {
					firstPip = r.Index
				}
				for _, w := range args {
					v, _, _ := strings.Cut(w.Value, "=")
					switch v {
					case "--user", "--target", "-t", "--prefix", "--root":
						if b == nil {
							b = block("installer-unsupported", "pip install %s installs outside the environment the split copies", v)
						}
					}
				}
				continue
			}
			if inList(otherPythonInstallers, c.Name) && b == nil {
				b = block("installer-unsupported", "the stage installs with %s, which the split does not move into a virtualenv", c.Name)
			}
			if strings.HasPrefix(c.Name, "python") && len(c.Args) > 2 && c.Args[0].Value == "-m" && (c.Args[1].Value == "venv" || c.Args[1].Value == "virtualenv") {
				venv = si.resolve(r.Index, r.Value(c.Args[len(c.Args)-1]))
			}
			if c.Name == "virtualenv" && len(c.Args) > 0 {
				venv = si.resolve(r.Index, r.Value(c.Args[len(c.Args)-1]))
			}
		}
	}
	if firstPip < 0 {
		return nil, nil
	}
	if b != nil {
		return a, b
	}
	w := si.workdir[len(si.workdir)-1]
	if w == "/" {
		return a, block("no-workdir", "the app's files are not under a WORKDIR the runtime stage could copy")
	}
	a.runs = []string{"python", "python3"}
	// The build part: up to the last RUN; every RUN must be known not to
	// write outside the working directory and the virtualenv.
	a.last = -1
	for _, r := range si.f.Runs {
		a.last = r.Index
		for _, c := range r.Commands() {
			if _, ok := pipInstall(c); ok || pkgmgrCommand(c.Name) || inList(pythonBuildCommands, c.Name) && (c.Name != "python" && c.Name != "python3" || len(c.Args) > 1 && c.Args[0].Value == "-m" && (c.Args[1].Value == "venv" || c.Args[1].Value == "pip")) {
				continue
			}
			return a, block("build-writes-outside", "the build runs %s, which may write outside %s and the installed packages", c.Name, w)
		}
	}
	for i, n := range si.s.Nodes[:a.last+1] {
		if c, ok := si.copyOf(i); ok && c.From == "" {
			if d := si.resolve(i, c.DestExpanded); !within(d, w) {
				return a, block("context-files", "%s puts files in %s, outside the working directory %s the runtime stage copies", firstLine(si.d, n), d, w)
			}
		}
	}
	if venv == "" {
		venv = "/opt/venv"
		a.before = []string{si.d.Keyword("RUN") + " python -m venv " + venv, si.d.Keyword("ENV") + ` PATH="` + venv + `/bin:$PATH"`}
		a.beforeAt = firstPip
	}
	a.copies = []copyOp{{venv, venv}, {w, w}}
	a.after = []string{si.d.Keyword("ENV") + ` PATH="` + venv + `/bin:$PATH"`}
	a.check = "that the packages need no library the build installed beyond those python -slim ships"
	return a, nil
}

func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}
