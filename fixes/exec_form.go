package fixes

import (
	"encoding/json"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/transform"
)

// ExecForm writes shell-form CMD and ENTRYPOINT in exec (JSON) form.
var ExecForm = &transform.Fix{
	Name:          "exec-form",
	Summary:       "Write CMD and ENTRYPOINT in exec (JSON) form",
	Also:          []string{"DL3025", "JSONArgsRecommended"},
	Applicability: transform.Unsafe,
	Severity:      transform.Warning,
	Check:         checkExecForm,
	Example: `FROM python:3.12-slim
CMD python -m http.server 8000
`,
	Doc: `What it does
  Rewrites a shell-form CMD or ENTRYPOINT whose command uses no shell
  feature (plain words only: no variables, quotes, escapes, globs, ~,
  operators, redirections, assignments or shell builtins) as the JSON
  array of those words: CMD python app.py becomes CMD ["python", "app.py"].

Why
  In shell form the container runs /bin/sh -c "python app.py": depending on
  the shell, sh stays PID 1 and never passes on SIGTERM, so "docker stop"
  waits 10 s and kills the app without a clean shutdown. buildkit warns
  (JSONArgsRecommended).

Why it is unsafe
  It changes how the container starts: the program becomes PID 1 and now
  receives the stop signal itself (check that it shuts down cleanly on
  SIGTERM, and that it does not need an init to reap child processes); the
  stage's SHELL and /bin/sh no longer run. For ENTRYPOINT, the arguments of
  "docker run IMAGE ARGS" and of the base image's CMD now reach the
  program, where the shell form dropped them: it is only reported when the
  stage sets a CMD. A shell-form CMD under an ENTRYPOINT is passed to it as
  ["/bin/sh", "-c", "…"]: it is only reported.

What it will not do
  It only reports a command with shell features: write it as
  ["/bin/sh", "-c", "…"] only if you need the shell, or use exec in it. It
  leaves a non-POSIX SHELL's commands, and HEALTHCHECK, alone.`,
}

// shellOnly are builtins with no program of the same name.
var shellOnly = map[string]bool{"cd": true, "export": true, "source": true, ".": true, "set": true, "ulimit": true, "umask": true,
	"trap": true, "eval": true, "exec": true, "exit": true, "alias": true, "read": true, "wait": true, "unset": true, "shift": true, "local": true}

func checkExecForm(pass *transform.Pass) {
	doc := pass.Doc
	for _, st := range doc.Stages {
		for _, n := range st.Nodes {
			kw := strings.ToUpper(n.Value)
			if kw != "CMD" && kw != "ENTRYPOINT" {
				continue
			}
			in := doc.Inst(n)
			if in == nil || in.JSON || len(in.Args) != 1 {
				continue
			}
			f := transform.Finding{Line: n.StartLine, Message: kw + " in shell form runs under /bin/sh -c, which may not pass on stop signals"}
			words, why := plainWords(doc.Shell(n))
			switch {
			case why != "":
				f.Message += "; not rewritten: it uses " + why
			case !noComment(doc, in.Args[0].Span):
				f.Message += "; not rewritten: a comment line sits inside it"
			case kw == "ENTRYPOINT" && sets(doc, st, "cmd"):
				f.Message += "; not rewritten: in exec form it would also receive the CMD as arguments"
			case kw == "CMD" && sets(doc, st, "entrypoint"):
				f.Message += "; not rewritten: the ENTRYPOINT receives it as [\"/bin/sh\", \"-c\", …], and would receive other arguments"
			default:
				b, _ := json.Marshal(words)
				arr := strings.ReplaceAll(string(b), `","`, `", "`)
				f.Title = "Write " + kw + " " + arr
				f.Edits = []transform.Edit{in.Args[0].Span.Replace(arr)}
				f.Message += "; check that the program shuts down cleanly on SIGTERM as PID 1"
			}
			pass.Report(f)
		}
	}
}

// plainWords are the words of a script that is one simple command of
// plain literal words, or why not.
func plainWords(sh *transform.Shell) ([]string, string) {
	if sh == nil || sh.File == nil {
		return nil, "a shell harden does not read"
	}
	if len(sh.File.Stmts) != 1 || strings.ContainsAny(sh.Text, "#\n") {
		return nil, "several commands or comments"
	}
	st := sh.File.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || len(st.Redirs) > 0 || len(call.Assigns) > 0 {
		return nil, "shell syntax"
	}
	var words []string
	for _, w := range call.Args {
		lit := w.Lit()
		if len(w.Parts) != 1 || lit == "" || strings.ContainsAny(lit, "*?[]{}~$\\'\"`") {
			return nil, "quotes, variables, globs or escapes"
		}
		words = append(words, lit)
	}
	if shellOnly[words[0]] {
		return nil, "the shell builtin " + words[0]
	}
	return words, ""
}

// sets reports an instruction kw in the stage or the stages it is built
// from.
func sets(doc *transform.Document, st *transform.Stage, kw string) bool {
	for _, s := range doc.Chain(st) {
		for _, n := range s.Nodes {
			if strings.EqualFold(n.Value, kw) {
				return true
			}
		}
	}
	return false
}
