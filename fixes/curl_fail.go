package fixes

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/transform"
)

// CurlFail makes curl fail on HTTP errors.
var CurlFail = &transform.Fix{
	Name:          "curl-fail",
	Summary:       "Make curl fail the build on HTTP errors",
	Also:          []string{"curlUseFlagF"},
	Applicability: transform.Safe,
	Severity:      transform.Warning,
	Check:         checkCurlFail,
	Example: `FROM debian:bookworm-slim
RUN curl -sSL -o /usr/local/bin/tool https://example.com/tool && chmod +x /usr/local/bin/tool
`,
	Doc: `What it does
  Adds -f right after curl when a RUN downloads with it (saves to a file
  with -o/-O, or pipes into another program) without --fail, -f (alone or
  in a cluster such as -fsSL) or --fail-with-body.

Why
  Without -f, curl exits 0 on a 404 or a 500 and writes the server's error
  page where the download should be: the build goes on with an HTML page as
  a binary, an archive or a script, and fails later, or not at all.

Safe
  A download that works is written exactly as before. Only a failing one
  changes: it now fails the RUN where it happens (in a pipeline, curl's
  status counts under pipefail; without it, the next program reads nothing
  instead of an error page).

What it will not do
  It reports without an edit (unsafe, to check) a curl that neither saves
  nor pipes its output (an API call, a health probe: an HTTP error status
  may be expected), and leaves alone curl with -w/--write-out, -I/--head,
  -i/--include (the status is read), curl right before "||", and curl inside
  "sh -c '…'" strings.`,
}

// curlFlags are curl's short options without a value, for reading clusters.
const curlFlags = "fsSLkvqiIgGjJlnNOpRZ#0123456"

func checkCurlFail(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			if c.name != "curl" {
				continue
			}
			args := c.args()
			if pkgmgr.HasShort(args, 'f', curlFlags) || pkgmgr.HasLong(args, "--fail", "--fail-with-body", "--fail-early") ||
				pkgmgr.HasShort(args, 'I', curlFlags) || pkgmgr.HasShort(args, 'i', curlFlags) ||
				pkgmgr.HasLong(args, "--head", "--include", "--write-out", "-w") || behindOr(c) {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: "curl without -f exits 0 on HTTP errors and keeps the error page"}
			saves := pkgmgr.HasShort(args, 'O', curlFlags) || pkgmgr.HasLong(args, "--remote-name", "--output", "-o", "--remote-name-all", "--output-dir")
			for _, a := range args {
				saves = saves || curlClusterOutput(a.Value)
			}
			if !saves && !piped(c) {
				f.Applicability = transform.Unsafe
				f.Message += "; check that no HTTP error status is expected here"
			}
			if e, ok := c.sh.InsertWordAfter(c.progWord(), "-f"); ok {
				f.Title, f.Edits = "Add -f to curl", []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}

// piped reports a call whose output goes into a pipe.
func piped(c call) bool {
	found := false
	syntax.Walk(c.sh.File, func(n syntax.Node) bool {
		if b, ok := n.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) && b.X == c.stmt {
			found = true
		}
		return !found
	})
	return found
}

// behindOr reports a call that is the left operand of "||": its author
// handles its failure there.
func behindOr(c call) bool {
	found := false
	syntax.Walk(c.sh.File, func(n syntax.Node) bool {
		if b, ok := n.(*syntax.BinaryCmd); ok && b.Op == syntax.OrStmt && b.X == c.stmt {
			found = true
		}
		return !found
	})
	return found
}

// curlClusterOutput reports a short-option word that ends in -o's value or
// holds it: "-o", "-ofile", "-sSLo", "-sSLofile" (flags without a value
// first, then o).
func curlClusterOutput(w string) bool {
	if len(w) < 2 || w[0] != '-' || w[1] == '-' {
		return false
	}
	for _, r := range w[1:] {
		if r == 'o' {
			return true
		}
		if !strings.ContainsRune(curlFlags, r) {
			return false
		}
	}
	return false
}
