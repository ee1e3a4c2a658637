package fixes

import (
	"strings"

	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/transform"
)

// PipNoCacheDir adds --no-cache-dir to pip install.
var PipNoCacheDir = &transform.Fix{
	Name:          "pip-no-cache-dir",
	Summary:       "Install Python packages without keeping pip's cache",
	Also:          []string{"DL3042", "pipUseNoCacheDir"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkPipNoCacheDir,
	Example: `FROM python:3.12-slim
RUN pip install flask
`,
	Doc: `What it does
  Adds --no-cache-dir right after "install" in pip, pip3, pip3.X and
  "python -m pip" install commands of a RUN.

Why
  pip keeps every wheel it downloads or builds in ~/.cache/pip, often as
  large as the packages themselves, in the layer. The same packages are
  installed without it (in a virtual environment, from a local path or a
  requirements file alike).

What it will not do
  Nothing when PIP_NO_CACHE_DIR is set (by ENV or ARG in scope, or on the
  command), when --cache-dir or --no-cache-dir is given, or when the RUN
  mounts a cache (or tmpfs) over /root/.cache: the cache is then meant to be
  kept out of the image, and kept. It leaves pip download and pip wheel,
  uv, pipx and pipenv, and commands in "sh -c '…'" strings alone.`,
}

func checkPipNoCacheDir(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, i int, n *parserNode) {
		if _, ok := doc.ScopeAt(st, i).Get("PIP_NO_CACHE_DIR"); ok {
			return
		}
		if cacheMount(doc, n, "/root/.cache/pip") || strings.Contains(doc.Text(n), "/.cache") {
			return
		}
		for _, c := range calls(doc, n) {
			args, off := c.args(), 0
			switch {
			case pkgmgr.IsPip(c.name):
			case strings.HasPrefix(c.name, "python") && len(args) >= 2 && args[0].Value == "-m" && args[1].Value == "pip":
				args, off = args[2:], 2
			default:
				continue
			}
			v, k := pkgmgr.Verb("pip", args)
			if v != "install" || pkgmgr.HasLong(args, "--no-cache-dir", "--cache-dir") || inlineEnv(c, "PIP_NO_CACHE_DIR") {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: "pip install keeps its download cache in the image layer"}
			if e, ok := c.sh.InsertWordAfter(c.arg(off+k), "--no-cache-dir"); ok {
				f.Title, f.Edits = "Add --no-cache-dir to pip install", []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}

// inlineEnv reports a variable set for the call alone: "NAME=v cmd" or
// "env NAME=v cmd".
func inlineEnv(c call, name string) bool {
	for _, a := range c.expr.Assigns {
		if a.Name != nil && a.Name.Value == name {
			return true
		}
	}
	for _, w := range c.words[:c.prog] {
		if strings.HasPrefix(w.Value, name+"=") {
			return true
		}
	}
	return false
}
