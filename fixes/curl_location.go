package fixes

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// CurlLocation makes curl follow redirects when it downloads.
var CurlLocation = &transform.Fix{
	Name:          "curl-location",
	Summary:       "Make curl follow redirects when it downloads",
	Also:          []string{"curlUseFlagL"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkCurlLocation,
	Example: `FROM debian:bookworm-slim
RUN curl -fsS -o /usr/local/bin/tool https://example.com/tool/latest && chmod +x /usr/local/bin/tool
`,
	Doc: `What it does
  Adds -L right after curl when a RUN downloads with it (saves to a file
  with -o/--output, -O/--remote-name or a > redirection, or pipes its
  output into another program) without -L, --location, --location-trusted
  or --follow. The -L is a word of its own even when a cluster such as
  -fsS is there; with curl-fail the command becomes "curl -L -f …".

Why
  Without -L, curl does not follow a redirect: when the URL answers 301,
  302, 307 or 308 (release downloads, "latest" links, mirrors and CDNs
  often do), curl saves the redirect response, a small HTML page, where
  the file should be, and exits 0, even with -f (a 3xx status is not an
  error). The build goes on with that page as the archive or binary.

Safe
  A URL that does not redirect is downloaded exactly as before. Only a
  redirect changes: curl now fetches where it points instead of saving the
  redirect page, so only builds that were saving a redirect page change.
  Credentials given with -u are not sent to another host (-L, unlike
  --location-trusted, keeps them for the first one).

What it will not do
  It leaves alone curl that does not download: one that neither saves nor
  pipes its output (an API call, a health probe), -o /dev/null; curl whose
  redirects matter in another way: -I/--head, -i/--include,
  -w/--write-out, -D/--dump-header (the response itself is read),
  -X/--request, -d/--data…, -F/--form, -T/--upload-file, --json (a
  redirect may turn a POST into a GET), --post301/302/303, --max-redirs 0,
  --proto-redir; downloads of ftp:// or file:// URLs only; curl over a unix
  socket; command lines harden cannot read in full (an option it does not
  know, options from a variable such as $CURL_OPTS, -K config files,
  --next); and curl inside "sh -c '…'" strings.`,
}

// curlRedirectAware are the options with which a redirect matters in
// another way than for a download: the response itself is read, or the
// request is not a GET.
var curlRedirectAware = []string{
	"--location", "--location-trusted", "--follow",
	"--head", "--include", "--write-out", "--dump-header", "--request",
	"--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode",
	"--form", "--form-string", "--upload-file", "--json",
	"--post301", "--post302", "--post303", "--proto-redir",
	"--unix-socket", "--abstract-unix-socket",
}

func checkCurlLocation(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			if c.name != "curl" {
				continue
			}
			argv := c.words[c.prog:]
			t, ok, why := shell.ParseTransfer(argv)
			if !ok || why != "" || len(t.Unsure) > 0 || len(t.URLs) == 0 || t.Has(curlRedirectAware...) {
				continue
			}
			if o, ok := t.Last("--max-redirs"); ok && (!o.ValLiteral || o.Val == "0") {
				continue
			}
			if !anyHTTP(argv, t.URLs) || !curlSaves(c, t) {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt),
				Message: "curl without -L saves the redirect page instead of the file when the URL redirects"}
			if e, ok := c.sh.InsertWordAfter(c.progWord(), "-L"); ok {
				f.Title, f.Edits = "Add -L to curl", []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}

// anyHTTP reports whether one of the URL words may be an http(s) URL:
// one with that scheme, without a scheme (curl then uses http), or not
// literal.
func anyHTTP(argv []shellWord, urls []int) bool {
	for _, i := range urls {
		w := argv[i]
		if !w.Literal {
			return true
		}
		scheme, _, found := strings.Cut(w.Value, "://")
		if !found || strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") {
			return true
		}
	}
	return false
}

// curlSaves reports a curl call that writes what it downloads to a file
// (-o FILE, -O, a > redirection of its output) or into a pipe.
func curlSaves(c call, t shell.Transfer) bool {
	if t.Has("--remote-name", "--remote-name-all") {
		return true
	}
	for _, o := range t.Opts {
		if o.Name == "--output" && o.Value >= 0 && !(o.ValLiteral && (o.Val == "-" || o.Val == "/dev/null")) {
			return true
		}
	}
	for _, r := range c.stmt.Redirs {
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.ClbOut, syntax.RdrAll, syntax.AppAll:
		default:
			continue
		}
		if r.N != nil && r.N.Value != "1" || r.Word == nil {
			continue
		}
		if target := shell.WordOf(c.sh.Text, r.Word); !(target.Literal && target.Value == "/dev/null") {
			return true
		}
	}
	return piped(c)
}
