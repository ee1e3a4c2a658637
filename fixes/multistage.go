package fixes

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/harden-dev/harden/internal/runtimes"
	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// The multi-stage fix, in three files: this one decides whether a
// single-stage Dockerfile builds an artifact and runs it, and writes the
// split; multistage_detect.go finds the artifact of each ecosystem;
// multistage_needs.go checks what the runtime stage would lack. The
// runtime images come from internal/runtimes.

// MultiStage splits a single-stage build into a build stage and a runtime
// stage on a minimal image, with harden's runtime table.
var MultiStage = NewMultiStage(runtimes.Default())

// NewMultiStage is the multi-stage fix over a runtime image table (the
// configuration may give its own).
func NewMultiStage(table runtimes.Table) *transform.Fix {
	return &transform.Fix{
		Name:          "multi-stage",
		Summary:       "Split a single-stage build into a build stage and a minimal runtime stage",
		Applicability: transform.Unsafe,
		Check:         func(pass *transform.Pass) { checkMultiStage(pass, table) },
		Example: `FROM golang:1.22
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
EXPOSE 8080
ENTRYPOINT ["/out/app"]
`,
		Doc: `What it does
  When a Dockerfile has one stage that builds an artifact with a toolchain and
  then runs it, it names that stage "build" (FROM … AS build) and adds a
  runtime stage on a minimal image that receives only the artifact with
  COPY --from=build. The instructions after the build stay where they are and
  so land in the runtime stage; ENV, ARG (when the runtime part uses it),
  WORKDIR, LABEL, EXPOSE, VOLUME, USER, HEALTHCHECK, STOPSIGNAL, CMD and
  ENTRYPOINT written before the build are repeated, in order, at the top of
  the runtime stage, so the image is configured as before. Recognised:
    - Go: go build -o OUT, go install PKG (GOBIN, else $GOPATH/bin, /go/bin):
      gcr.io/distroless/static-debian12:nonroot when CGO_ENABLED=0 (ENV, ARG
      or on the command), else gcr.io/distroless/base-debianN:nonroot of the
      Debian release the golang tag names;
    - Rust: cargo build --release (the binary the command runs, or --bin),
      cargo install: gcr.io/distroless/cc-debianN:nonroot of the tag's release;
    - Java: mvn package/install/verify, gradle build/jar/bootJar/shadowJar/
      assemble, or the jar tool, with a "java -jar PATH" command:
      eclipse-temurin:<major>-jre of the JDK's major version (and variant);
    - Python: a stage that installs compilers or -dev packages and runs
      pip install: pip installs into a virtualenv (/opt/venv) in the build
      stage; the runtime is the -slim variant of the same python tag with the
      virtualenv and the working directory copied over;
    - Node: npm/yarn/pnpm install and a build script (npm run build, yarn
      build, pnpm build), then node on a file under the WORKDIR or a package
      script (npm start: read from package.json in the build context) that
      does: the build stage ends with npm prune --omit=dev (--production
      before Node 16) or pnpm prune --prod, and the whole WORKDIR (build
      output, package.json, node_modules) is copied to the -slim variant of
      the same node tag (node:20-bookworm -> node:20-bookworm-slim). The
      dependencies are pruned and copied rather than installed again with
      npm ci --omit=dev in the runtime stage: a second install needs the
      registry and a lock file, and native addons would need the compilers
      -slim lacks; the copy is the tree the app ran with, less its
      devDependencies. Yarn has no offline prune: its devDependencies stay
      (on an alpine tag, where there is no smaller image, no split).
  The runtime image table lives in internal/runtimes.

Why
  A toolchain image ships compilers, package managers, headers and shells the
  app never uses: hundreds of megabytes and hundreds of CVEs an attacker can
  use once inside. The runtime stage keeps only what runs.

What can break
  It is unsafe: applied only with --unsafe or --select multi-stage. Check
  that the app does not read files from the build context at run time
  (templates, static files, configs copied with the sources): only the
  artifact (for Python: the virtualenv and the working directory) reaches the
  runtime stage. Check that the app needs no program of the toolchain image
  (git, a shell on distroless) and no library the build installed.

What it will not do
  It reports, without an edit, what blocks the split:
  artifact-unknown (the build output cannot be told from the Dockerfile: go
  build without -o, cargo without the binary's path, a jar no build step
  writes), command-not-artifact (the command runs something else),
  runs-toolchain (go run, mvn spring-boot:run, cargo run), shell-command (the
  command needs a shell the runtime image lacks), command-tool (the command
  uses a program the runtime image lacks), healthcheck-tool (the HEALTHCHECK
  does), context-files (the command names files copied from the build
  context, or a COPY puts files outside the build's directory),
  run-after-build (a RUN after the build the runtime would need),
  build-writes-outside (Python, Node: a build step that may write outside the
  working directory), runtime-packages (packages the build installs that the
  runtime image lacks), runtime-unknown (no runtime image for the builder's
  tag, e.g. cgo or Rust without a Debian release in the tag), named-user (a
  USER or --chown by name the runtime image does not have), installer-
  unsupported (poetry, pipenv, conda, uv; pip --user, --target, --prefix),
  no-workdir (Python or Node without a WORKDIR to copy), variable-path (the
  artifact path depends on a build argument), dev-dependencies (Node: the
  start script runs a program package.json lists in devDependencies),
  file-owner (Node: the working directory holds files of a user other than
  root, which COPY --from would give to root). For Node, runs-toolchain is a
  development server (npm run dev, next dev, vite, nodemon…), and
  artifact-unknown includes a package script harden cannot read without
  --context. It leaves files with more than one stage
  alone, as well as stages without CMD or ENTRYPOINT.`,
	}
}

// Reasons are the words of the reports that block a split, one per report.
var Reasons = []string{
	"artifact-unknown", "command-not-artifact", "runs-toolchain", "shell-command", "command-tool",
	"healthcheck-tool", "context-files", "run-after-build", "build-writes-outside", "runtime-packages",
	"runtime-unknown", "named-user", "installer-unsupported", "no-workdir", "variable-path",
	"dev-dependencies", "file-owner",
}

// blocked is why a split cannot be made.
type blocked struct{ reason, detail string }

func block(reason, format string, args ...any) *blocked {
	return &blocked{reason: reason, detail: fmt.Sprintf(format, args...)}
}

// copyOp is one COPY --from=build of the runtime stage.
type copyOp struct{ src, dst string }

// artifact is what a detector found: what the build stage produces and
// what the runtime stage needs of it.
type artifact struct {
	kind string // runtimes kind
	what string // "a Go binary"
	// last is the index in the stage of the last instruction of the build:
	// everything after it goes to the runtime stage.
	last   int
	copies []copyOp
	// before are lines (RUN, ENV) inserted before the instruction at index
	// beforeAt, in the build stage; after are lines the runtime stage adds
	// before its copies.
	before   []string
	beforeAt int
	// fromContext are the copies of files of the build context the
	// command reads (templates/, a config file), found in --context.
	fromContext []string
	// buildTail are lines that end the build stage (npm prune).
	buildTail []string
	after     []string
	// runs are the programs the runtime command may start (absolute paths
	// and, for artifacts on PATH, bare names).
	runs []string
	// check is what a reviewer must check, added to the message.
	check string
}

// stageInfo is the stage walked once: each instruction's WORKDIR and kind.
type stageInfo struct {
	pass    *transform.Pass
	d       *transform.Document
	s       *transform.Stage
	f       *transform.Facts
	table   runtimes.Table
	workdir []string // WORKDIR in effect at each instruction ("/" when none)
}

func checkMultiStage(pass *transform.Pass, table runtimes.Table) {
	d := pass.Doc
	if len(d.Stages) != 1 {
		return
	}
	s := d.Stages[0]
	f := pass.Facts(s)
	if f.Entrypoint == nil && f.Cmd == nil {
		return
	}
	if !f.POSIXShell() || f.Platform != "" && strings.HasPrefix(f.Platform, "windows") {
		return
	}
	for _, c := range s.Parsed.Commands {
		if _, ok := c.(*instructions.OnbuildCommand); ok {
			return // a base image: its children build on the toolchain
		}
	}
	if len(pass.Config.RuntimeImages) > 0 {
		var over []runtimes.Override
		for _, ri := range pass.Config.RuntimeImages {
			over = append(over, runtimes.Override{Builder: ri.Builder, Runtime: ri.Runtime})
		}
		table = table.With(over)
	}
	si := &stageInfo{pass: pass, d: d, s: s, f: f, table: table}
	si.walk()
	art, b := si.detect()
	if art == nil && b == nil {
		return
	}
	line := s.From.StartLine
	if b == nil {
		var edits []transform.Edit
		var title string
		edits, title, b = si.split(art)
		if b == nil {
			pass.Report(transform.Finding{
				Line:    line,
				Message: fmt.Sprintf("The final stage builds %s with its toolchain and ships the toolchain with it", art.what),
				Title:   title,
				Edits:   edits,
				Alone:   true,
			})
			return
		}
	}
	what := "an artifact"
	if art != nil {
		what = art.what
	}
	pass.Reportf(line, "The final stage builds %s with its toolchain and ships the toolchain with it; not splitting it: %s [%s]", what, b.detail, b.reason)
}

// walk records the WORKDIR of each instruction.
func (si *stageInfo) walk() {
	wd := "/"
	env := si.d.StageEnv(si.s, 0)
	for _, c := range si.s.Parsed.Commands {
		if w, ok := c.(*instructions.WorkdirCommand); ok {
			v, _ := si.d.Expand(w.Path, env)
			if path.IsAbs(v) {
				wd = path.Clean(v)
			} else {
				wd = path.Join(wd, v)
			}
		}
		si.workdir = append(si.workdir, wd)
		si.d.ApplyEnv(env, c)
	}
}

// index is the position of n among the stage's instructions, or -1.
func (si *stageInfo) index(n *parser.Node) int {
	for i, m := range si.s.Nodes {
		if m == n {
			return i
		}
	}
	return -1
}

// resolve makes p absolute against the WORKDIR of instruction i.
func (si *stageInfo) resolve(i int, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(si.workdir[i], p)
}

// command is how the container starts: ENTRYPOINT and CMD combined.
type command struct {
	exec bool            // exec form: argv holds the words
	argv []string        // exec form: ENTRYPOINT + CMD words; shell form: the words of the first command
	cmds []shell.Command // shell form: every command of the script
	text string          // as written, for messages
	node *parser.Node
}

func (si *stageInfo) command() command {
	f := si.f
	var c command
	ep, cmd := f.Entrypoint, f.Cmd
	first := ep
	if first == nil {
		first = cmd
	}
	c.node = first.Node
	c.text = strings.Join(first.CmdLine, " ")
	if !first.PrependShell {
		c.exec = true
		c.argv = append(c.argv, first.CmdLine...)
		if ep != nil && cmd != nil {
			if cmd.PrependShell {
				c.argv = append(c.argv, "/bin/sh", "-c", strings.Join(cmd.CmdLine, " "))
			} else {
				c.argv = append(c.argv, cmd.CmdLine...)
			}
		}
		return c
	}
	if cmds, ok := shell.Commands(c.text); ok {
		c.cmds = cmds
		if len(cmds) == 1 && !strings.ContainsAny(c.text, "|&;<>()`\\\"'") {
			// One simple command: its program as written, path included.
			f := strings.Fields(c.text)
			if len(f) > 1 && f[0] == "exec" {
				f = f[1:]
			}
			c.argv = append([]string{f[0]}, words(cmds[0].Args)...)
		} else if len(cmds) > 0 {
			c.argv = append([]string{cmds[0].Name}, words(cmds[0].Args)...)
		}
	}
	return c
}

func words(ws []shell.Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Value
	}
	return out
}
