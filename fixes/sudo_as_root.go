package fixes

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/transform"
)

// SudoAsRoot drops sudo from RUN commands that already run as root.
var SudoAsRoot = &transform.Fix{
	Name:          "sudo-as-root",
	Summary:       "Drop sudo where the RUN already runs as root",
	Also:          []string{"DL3004"},
	Applicability: transform.Safe,
	Severity:      transform.Warning,
	Check:         checkSudoAsRoot,
	Example: `FROM debian:bookworm-slim
RUN sudo apt-get update && sudo apt-get install -y curl
`,
	Doc: `What it does
  Removes a plain "sudo" (no options) in front of a command of a RUN that
  runs as root: no USER before it in the stage or the stages it is built
  from and a base image known to run as root, or a last USER of root or 0.

Why
  sudo as root does nothing but need the sudo package (a setuid binary in
  the image) and reset the environment; images that keep sudo for a
  non-root user hand that user root.

When it is safe, and when not
  sudo resets the environment: the command no longer sees the ENV values
  and PATH of the stage. Without sudo it does. So the edit is default only
  for package managers and basic file and user commands (apt-get, apk, dnf,
  mkdir, chown, useradd…) in a stage chain that sets no ENV; otherwise it is
  unsafe: check that the command behaves the same with the stage's
  environment.

What it will not do
  It keeps sudo with options (-u, -E, -H…), sudo in a stage whose user is
  not root or not known (an unknown base image may run as another user),
  and sudo inside "sh -c '…'" strings.`,
}

// sudoPlain are commands that read nothing from the environment that sudo
// would reset, beyond what it sets itself.
var sudoPlain = map[string]bool{
	"apt-get": true, "apt": true, "apk": true, "dnf": true, "yum": true, "microdnf": true, "zypper": true, "dpkg": true, "rpm": true,
	"mkdir": true, "chown": true, "chmod": true, "chgrp": true, "cp": true, "mv": true, "rm": true, "ln": true, "touch": true,
	"useradd": true, "groupadd": true, "usermod": true, "adduser": true, "addgroup": true, "tee": true, "echo": true,
	"update-ca-certificates": true, "ldconfig": true, "locale-gen": true, "sed": true, "install": true,
}

func checkSudoAsRoot(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, _ int, n *parserNode) {
		cs := calls(doc, n)
		if len(cs) == 0 {
			return
		}
		u, known := userBefore(doc, st, n)
		if !known || (u != "" && !isRootUser(u)) {
			return
		}
		envSet := len(doc.Facts(st).Env) > 0
		for _, c := range cs {
			if c.prog != 1 || path.Base(c.words[0].Value) != "sudo" || c.words[0].Value != "sudo" {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: "sudo in a RUN that already runs as root"}
			if envSet || !sudoPlain[c.name] {
				f.Applicability = transform.Unsafe
				f.Message += "; check that " + c.name + " behaves the same with the stage's ENV and PATH, which sudo resets"
			}
			if e, ok := removeFirstWord(c); ok {
				f.Title, f.Edits = "Remove sudo", []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}

// removeFirstWord removes the call's first word (sudo) and the blanks
// after it, when both are on one line.
func removeFirstWord(c call) (transform.Edit, bool) {
	w := c.expr.Args[0]
	next := c.expr.Args[1]
	if next.Pos().Line() != w.Pos().Line() || !isPlainLit(w) {
		return transform.Edit{}, false
	}
	sp, ok := c.sh.Span(int(w.Pos().Offset()), int(next.Pos().Offset()))
	if !ok || !noComment(c.doc, sp) || strings.TrimSpace(c.sh.Text[w.End().Offset():next.Pos().Offset()]) != "" {
		return transform.Edit{}, false
	}
	return sp.Replace(""), true
}

func isPlainLit(w *syntax.Word) bool {
	return len(w.Parts) == 1 && w.Lit() != ""
}
