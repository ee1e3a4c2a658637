package fixes

import (
	"path"
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

When it is safe, and when not
  A URL that does not redirect is downloaded exactly as before. Only a
  redirect changes: curl now fetches where it points instead of saving the
  redirect page, so only builds that were saving a redirect page change.
  Credentials given with -u are not sent to another host (-L, unlike
  --location-trusted, keeps them for the first one).
  When the output is piped into a text filter (grep, sed, awk, cut, jq…)
  rather than a program that reads it as a file (tar, gzip, sh, python,
  gpg, apt-key, tee, sha256sum…), the edit is unsafe: the filter may be
  reading the redirect page on purpose, as in
    curl -s https://github.com/OWNER/REPO/releases/latest | sed 's#.*tag/##'
  which takes the release tag from the redirect; check it.

What it will not do
  It leaves alone curl that does not download: one that neither saves nor
  pipes its output (an API call, a health probe), -o /dev/null; curl whose
  redirects matter in another way: -I/--head, -i/--include,
  -w/--write-out, -D/--dump-header (the response itself is read),
  -X/--request, -d/--data…, -F/--form, -T/--upload-file, --json (a
  redirect may turn a POST into a GET), --post301/302/303, --max-redirs 0,
  --proto-redir, --no-location (its author chose); downloads of ftp:// or file:// URLs only; curl over a unix
  socket; command lines harden cannot read in full (an option it does not
  know, a variable harden cannot evaluate that may hold options such as
  $CURL_OPTS, -K config files, --next); curl whose output is captured
  with $(…) without a pipe; curl inside "sh -c '…'" strings.`,
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
		var sc *scope
		for _, c := range calls(doc, n) {
			if c.name != "curl" {
				continue
			}
			argv := c.words[c.prog:]
			t, ok, why := shell.ParseTransfer(argv)
			if !ok || why != "" || len(t.URLs) == 0 || mentions(t, curlRedirectAware) || !oneWord(doc, n, c, t.Unsure, &sc) {
				continue
			}
			if o, ok := t.Last("--max-redirs"); ok && (!o.ValLiteral || o.Val == "0") {
				continue
			}
			if _, piped := pipeConsumer(c); !anyHTTP(argv, t.URLs) || !piped && !curlSavesFile(c, t) {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt),
				Message: "curl without -L saves the redirect page instead of the file when the URL redirects"}
			if to, piped := pipeConsumer(c); piped && !curlSavesFile(c, t) {
				f.Message = "curl without -L pipes the redirect page on instead of the file when the URL redirects"
				if !fileReaders[to] {
					if to == "" {
						to = "the command after the pipe"
					}
					f.Applicability = transform.Unsafe
					f.Message += "; check that " + to + " does not read the redirect page on purpose (a GitHub releases/latest redirect parsed for its tag)"
				}
			}
			if e, ok := c.sh.InsertWordAfter(c.progWord(), "-L"); ok {
				f.Title, f.Edits = "Add -L to curl", []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}

// mentions reports whether the command line gives one of the options,
// even turned off (--no-location: its author decided).
func mentions(t shell.Transfer, names []string) bool {
	for _, o := range t.Opts {
		for _, n := range names {
			if o.Name == n {
				return true
			}
		}
	}
	return false
}

// oneWord reports whether each of the call's words at (in argv, which
// start with an unquoted expansion such as $URL) is one word that is not
// an option: the variable's value in scope has no blank and does not
// start with "-". A variable harden cannot evaluate may hold options
// ($CURL_OPTS).
func oneWord(doc *transform.Document, n *parserNode, c call, at []int, sc **scope) bool {
	for _, i := range at {
		if *sc == nil {
			s := scopeAt(doc, n)
			*sc = &s
		}
		b, err := (*sc).shellURL(c.sh, c.expr.Args[c.prog+i])
		if err != nil || b.URL == "" || strings.HasPrefix(b.URL, "-") || strings.ContainsAny(b.URL, " \t\n*?[") {
			return false
		}
	}
	return true
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

// fileReaders are programs that read a download's content as a file (an
// archive, a script, a key): fed a redirect page, they fail or do the
// wrong thing. Text filters (grep, sed, awk…) may be reading the redirect
// page on purpose.
var fileReaders = map[string]bool{
	"tar": true, "bsdtar": true, "gzip": true, "gunzip": true, "zcat": true, "xz": true, "unxz": true, "xzcat": true,
	"bzip2": true, "bunzip2": true, "bzcat": true, "zstd": true, "unzstd": true, "lz4": true, "funzip": true,
	"cpio": true, "sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "ksh": true,
	"python": true, "python2": true, "python3": true, "perl": true, "ruby": true, "node": true, "php": true,
	"gpg": true, "gpg2": true, "apt-key": true, "tee": true, "dd": true, "cat": true, "install": true,
	"sha256sum": true, "sha512sum": true, "sha1sum": true, "md5sum": true, "b2sum": true, "base64": true,
	"openssl": true, "rpm": true, "dpkg": true, "docker": true, "kubectl": true,
}

// pipeConsumer is the program the call's output is piped into, and
// whether it is piped.
func pipeConsumer(c call) (string, bool) {
	var y *syntax.Stmt
	syntax.Walk(c.sh.File, func(n syntax.Node) bool {
		if b, ok := n.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) && b.X == c.stmt {
			y = b.Y
		}
		return y == nil
	})
	for y != nil {
		switch cmd := y.Cmd.(type) {
		case *syntax.BinaryCmd:
			y = cmd.X
			continue
		case *syntax.CallExpr:
			words := make([]shellWord, len(cmd.Args))
			for i, w := range cmd.Args {
				words[i] = shell.WordOf(c.sh.Text, w)
			}
			if p := shell.Program(words); p >= 0 {
				return path.Base(words[p].Value), true
			}
		}
		return "", true
	}
	return "", false
}

// curlSavesFile reports a curl call that writes what it downloads to a
// file: -o FILE, -O, a > redirection of its output.
func curlSavesFile(c call, t shell.Transfer) bool {
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
	return false
}
