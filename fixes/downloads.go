package fixes

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/shell"
)

// Where a curl or wget call saves what it downloads, read with
// shell.ParseTransfer (which knows every option of both tools, so an
// option's value is never taken for a URL or a file). Two readings of it:
// downloadFiles (tar-archive-cleanup, usr-src-cleanup) names only files it
// is sure of; downloadsTo (gpg-asc-cleanup) asks whether a call may have
// written a given file.

// transfer reads call c as a curl or wget command line: its argv (the
// program first), what ParseTransfer reads, and why it stopped reading.
func transfer(c call) (argv []shell.Word, t shell.Transfer, why string, ok bool) {
	argv = c.words[c.prog:]
	t, ok, why = shell.ParseTransfer(argv)
	return argv, t, why, ok
}

// downloadFiles are the files a curl or wget call saves, as canonical
// paths; none when it writes to standard output or harden cannot tell the
// name.
func downloadFiles(c call) []string {
	argv, t, why, ok := transfer(c)
	if !ok || why != "" || mentions(t, renames[t.Tool]) {
		return nil
	}
	s := t.Saved()
	dir := ""
	if s.HasDir {
		d, ok := optPath(c, argv, s.Dir)
		if !ok {
			return nil
		}
		dir = d
	}
	// keepsName: every option leaves a URL's file name alone.
	keepsName := true
	for _, o := range t.Opts {
		keepsName = keepsName && nameKept[t.Tool][o.Name]
	}
	if t.Tool == "wget" {
		return wgetFiles(c, argv, t, s, dir, keepsName)
	}
	var files []string
	outs := 0
	for _, o := range s.Outputs {
		switch {
		case o.Value < 0:
			continue
		case o.Value == o.At:
			return nil // -ofile: rare, left alone
		}
		outs++
		f, glob, ok := canon(c.arg(o.Value - 1))
		if !ok || glob || f == "-" || f == "" || strings.HasPrefix(f, "/dev/") || strings.Contains(f, "#") {
			continue
		}
		if dir != "" && !path.IsAbs(f) {
			f = path.Join(dir, f)
		}
		files = append(files, f)
	}
	if !s.Remote && outs == 0 && len(t.URLs) == 1 {
		if f, ok := stdoutFile(c.stmt); ok {
			files = append(files, f)
		}
	}
	if s.Remote && outs == 0 && len(t.URLs) == 1 && keepsName {
		if b, ok := urlBase(c.arg(t.URLs[0] - 1)); ok {
			if dir != "" {
				b = path.Join(dir, b)
			}
			files = append(files, b)
		}
	}
	return files
}

// wgetFiles is downloadFiles for wget, whose -O writes every URL into one
// file, and whose -P does not apply to it.
func wgetFiles(c call, argv []shell.Word, t shell.Transfer, s shell.Saved, dir string, keepsName bool) []string {
	if len(s.Outputs) > 0 {
		o := s.Outputs[len(s.Outputs)-1]
		f, ok := optPath(c, argv, o)
		if ok && (f == "-" || f == "/dev/stdout") && len(t.URLs) == 1 {
			if f, ok := stdoutFile(c.stmt); ok {
				return []string{f}
			}
		}
		if !ok || f == "" || f == "-" || strings.HasPrefix(f, "/dev/") {
			return nil
		}
		return []string{f}
	}
	if len(t.URLs) != 1 || !keepsName {
		return nil
	}
	b, ok := urlBase(c.arg(t.URLs[0] - 1))
	if !ok {
		return nil
	}
	if dir != "" {
		b = path.Join(dir, b)
	}
	return []string{b}
}

// optPath is the value of option o of a transfer (argv as ParseTransfer
// read it) as a canonical path without patterns: the next word, or the
// literal rest of the option's word (-qO-, --output-document=file).
func optPath(c call, argv []shell.Word, o shell.Opt) (string, bool) {
	prefix := ""
	switch {
	case o.Value < 0:
		return "", false
	case o.Value == o.At:
		p, ok := o.Glued(argv)
		if !ok {
			return "", false
		}
		prefix = p
	}
	return canonAfter(c, o.Value-1, prefix)
}

// renames are the options after which a file may not be where the command
// line says, or not the download: a name the server gives, a file kept or
// continued, a recursive download, a list of URLs, links rewritten.
var renames = map[string][]string{
	"curl": {"--remote-header-name", "--skip-existing", "--no-clobber", "--continue-at"},
	"wget": {"--content-disposition", "--trust-server-names", "--input-file", "--recursive", "--mirror",
		"--force-directories", "--no-clobber", "--timestamping", "--continue", "--adjust-extension",
		"--backups", "--page-requisites", "--backup-converted", "--convert-links"},
}

// nameKept are the options known to leave alone the name a URL's file is
// saved under (curl -O, plain wget): with any other, harden leaves the
// download unnamed.
var nameKept = map[string]map[string]bool{
	"curl": setOf("--output", "--output-dir", "--header", "--user-agent", "--user",
		"--data", "--data-raw", "--data-binary", "--data-urlencode", "--form",
		"--request", "--referer", "--cookie", "--cookie-jar", "--connect-timeout",
		"--max-time", "--retry", "--retry-delay", "--retry-max-time", "--proxy",
		"--cacert", "--capath", "--cert", "--key", "--limit-rate",
		"--max-filesize", "--range", "--write-out", "--dump-header", "--proto",
		"--proto-redir", "--proto-default", "--tls-max", "--ciphers", "--resolve",
		"--connect-to", "--interface", "--dns-servers", "--noproxy", "--stderr",
		"--keepalive-time", "--speed-limit", "--speed-time", "--expect100-timeout",
		"--pinnedpubkey", "--doh-url", "--netrc-file", "--oauth2-bearer", "--max-redirs",
		"--fail", "--fail-early", "--fail-with-body", "--silent", "--show-error",
		"--location", "--location-trusted", "--insecure", "--verbose",
		"--compressed", "--remote-name", "--remote-name-all", "--create-dirs",
		"--progress-bar", "--globoff", "--http1.0", "--http1.1", "--http2",
		"--ipv4", "--ipv6", "--no-progress-meter", "--retry-connrefused",
		"--retry-all-errors", "--tlsv1.2", "--tlsv1.3", "--ssl-reqd",
		"--no-buffer", "--disable", "--netrc", "--netrc-optional",
		"--proxy-insecure", "--tcp-nodelay", "--no-keepalive", "--remote-time"),
	"wget": setOf("--output-document", "--directory-prefix", "--tries", "--timeout",
		"--user-agent", "--header", "--user", "--password", "--post-data",
		"--output-file", "--append-output", "--wait", "--waitretry", "--quota",
		"--limit-rate", "--execute", "--ca-certificate", "--certificate",
		"--private-key", "--secure-protocol", "--progress", "--bind-address",
		"--dns-timeout", "--connect-timeout", "--read-timeout", "--max-redirect",
		"--referer", "--load-cookies", "--save-cookies",
		"--quiet", "--no-verbose", "--verbose", "--server-response", "--debug",
		"--no-check-certificate", "--https-only", "--inet4-only", "--inet6-only",
		"--show-progress", "--no-cache", "--retry-connrefused", "--no-dns-cache",
		"--no-hsts", "--no-proxy", "--no-directories", "--no-host-directories", "--no-parent",
		// Options of recursive downloads and of -i, which -r and -i stop.
		"--base", "--level", "--accept", "--reject", "--domains", "--exclude-directories", "--include-directories"),
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// downloadsTo reports a curl or wget call that may write file sig (a
// normPath): a file its options or a redirection of its standard output
// name, or one of its URLs' file names under -O (wget without -O). Values
// are compared as written, variables and all; what follows an option
// harden does not know is not read.
func downloadsTo(c call, sig string) bool {
	argv, t, _, ok := transfer(c)
	if !ok {
		return false
	}
	s := t.Saved()
	// written is an option's value as written: its word's text, or the
	// literal rest of the option's word.
	written := func(o shell.Opt) string {
		if o.Value == o.At {
			if _, ok := o.Glued(argv); ok {
				return o.Val
			}
			return ""
		}
		if o.Value < 0 {
			return ""
		}
		return argv[o.Value].Value
	}
	var outs []string
	for _, o := range s.Outputs {
		outs = append(outs, written(o))
	}
	dir := ""
	if s.HasDir {
		dir = written(s.Dir)
	}
	for _, r := range c.stmt.Redirs {
		if (r.Op == syntax.RdrOut || r.Op == syntax.AppOut || r.Op == syntax.RdrClob) && (r.N == nil || r.N.Value == "1") && r.Word != nil {
			outs = append(outs, c.sh.Text[r.Word.Pos().Offset():r.Word.End().Offset()])
		}
	}
	for _, o := range outs {
		if o != "" && normPath(o) == sig {
			return true
		}
	}
	if s.Remote {
		for _, k := range t.URLs {
			u := argv[k].Value
			if !strings.Contains(u, "://") {
				continue
			}
			u = normPath(u)
			if i := strings.IndexAny(u, "?#"); i >= 0 {
				u = u[:i]
			}
			name := path.Base(u)
			if dir != "" {
				name = path.Join(normPath(dir), name)
			}
			if name == sig {
				return true
			}
		}
	}
	return false
}

// stdoutFile is the file a statement's standard output is written to
// (> FILE, >| FILE), as a canonical path; false when it has none.
func stdoutFile(s *syntax.Stmt) (string, bool) {
	file := ""
	for _, r := range s.Redirs {
		if r.N != nil && r.N.Value != "1" {
			continue
		}
		switch r.Op {
		case syntax.RdrOut, syntax.RdrClob:
			f, glob, ok := canon(r.Word)
			if !ok || glob || f == "" || strings.HasPrefix(f, "/dev/") {
				return "", false
			}
			file = f
		case syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.DplOut:
			return "", false
		}
	}
	return file, file != ""
}

// urlBase is the file name a download of URL w gets by default: the last
// part of its path; false when it has a query, a fragment or no name.
func urlBase(w *syntax.Word) (string, bool) {
	s, glob, ok := canon(w)
	if !ok || glob || strings.ContainsAny(s, "?#") {
		return "", false
	}
	_, rest, ok := strings.Cut(s, "://")
	if !ok || !strings.Contains(rest, "/") {
		return "", false
	}
	b := rest[strings.LastIndexByte(rest, '/')+1:]
	if b == "" || b == "." || b == ".." {
		return "", false
	}
	return b, true
}
