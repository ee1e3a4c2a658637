package fixes

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/shell"
	"github.com/harden-dev/harden/transform"
)

// HTTPSURL downloads over https what curl and wget fetch over plain http.
var HTTPSURL = &transform.Fix{
	Name:          "https-url",
	Summary:       "Download with curl and wget over https, not plain http",
	Also:          []string{"curlUseHttpsUrl", "wgetUseHttpsUrl"},
	Applicability: transform.Unsafe,
	Severity:      transform.Warning,
	Check:         checkHTTPSURL,
	Example: `FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl
RUN curl -fsSL -o /tmp/app.tgz http://example.com/app/1.2.3/app.tgz
`,
	Doc: `What it does
  Finds curl and wget in RUN commands that download an http:// URL and
  changes that URL to https://, in that word only: the URL as written (a
  literal word, or the URL part of a word such as
  "http://example.com/v${VERSION}/app.tgz"), nothing else of the command.
  Options are read as curl and wget read them, so that option values that
  are URLs too (a proxy with -x, a --referer, a header) are left alone.

Why
  A file downloaded over http can be read and replaced by anyone on the
  network path (a compromised mirror, a proxy, a hostile network): the
  image then holds whatever they sent. Over https the server is
  authenticated and the content cannot be changed in transit.

When it is safe, and when not
  Never applied by default: harden cannot know offline that the host serves
  the same file over https, and an https download needs CA certificates in
  the stage (the ca-certificates package; slim and Alpine images may lack
  them), and BusyBox's wget either needs its ssl_client helper or, built
  with its own TLS client (BusyBox 1.35 in harden's e2e), fails the
  handshake with servers that require TLS 1.2 signature algorithms, such
  as OpenSSL 3 ones: the finding says so in BusyBox and Alpine stages that
  install no wget package. Each finding says
  which host to check. Also check:
  - a build behind a proxy set with http_proxy only: https downloads use
    https_proxy (the finding says so when the Dockerfile sets http_proxy);
  - curl -k (--insecure) or wget --no-check-certificate on the command:
    https then still does not check the server's certificate (the finding
    says so); drop the option once the download works.

What it will not do
  It reports without an edit: hosts that are IP addresses, names without a
  dot or with an internal suffix (.local, .internal, .lan…), which are
  internal services that may not serve https; URLs with a port
  (http://host:8080: https on the same port is unlikely); URLs whose host
  or whose http:// comes from a variable (change the ARG or ENV where it is
  set); curl with --proto, recursive wget (-r, -m, -p); command lines
  harden cannot read in full (an option it does not know, options from a
  variable, curl -K); a URL whose "http" is split by a line continuation.
  It leaves alone http://localhost and loopback addresses (the traffic
  never leaves the container), https, ftp and file URLs, URLs without a
  scheme, curl over a unix socket (--unix-socket), values of options (-o,
  -H, -x, -e, -d…), commands inside "sh -c '…'" strings and exec-form
  RUNs, and http URLs anywhere else (apt sources, sed, echo, ADD).`,
}

// internalSuffixes are domain suffixes of private networks.
var internalSuffixes = []string{".local", ".internal", ".lan", ".localdomain", ".home.arpa", ".intranet", ".corp"}

func checkHTTPSURL(pass *transform.Pass) {
	doc := pass.Doc
	lower := strings.ToLower(string(doc.Src))
	proxyNote := ""
	if strings.Contains(lower, "http_proxy") && !strings.Contains(lower, "https_proxy") {
		proxyNote = "; the Dockerfile sets http_proxy, which https downloads do not use (they use https_proxy)"
	}
	stageRuns(doc, func(st *transform.Stage, _ int, n *parserNode) {
		var sc *scope
		scopeOf := func() scope {
			if sc == nil {
				s := scopeAt(doc, n)
				sc = &s
			}
			return *sc
		}
		for _, c := range calls(doc, n) {
			if c.name != "curl" && c.name != "wget" {
				continue
			}
			argv := c.words[c.prog:]
			t, ok, why := shell.ParseTransfer(argv)
			if !ok || t.Has("--unix-socket", "--abstract-unix-socket") {
				continue
			}
			u := urlCheck{pass: pass, c: c, t: t, scope: scopeOf, proxyNote: proxyNote}
			if c.name == "wget" {
				f := pass.Facts(st)
				u.busyboxWget = f.Family() == images.BusyBox && !f.Installs("wget")
			}
			switch {
			case t.Has("--proto"):
				u.block = "curl --proto limits the protocols it may use"
			case t.Has("--recursive", "--mirror", "--page-requisites", "--protocol-directories"):
				u.block = "a recursive wget (-r, -m, -p) follows the links of the pages it downloads"
			}
			for _, at := range t.URLs {
				u.unsure = ""
				for _, x := range t.Unsure {
					if x < at {
						u.unsure = "options may come from " + argv[x].Value
					}
				}
				u.check(at)
			}
			if why == "" {
				continue
			}
			// Past where harden stopped reading: report http URLs it cannot place.
			values := map[int]bool{}
			for _, o := range t.Opts {
				values[o.At], values[o.Value] = true, true
			}
			for at := 1; at < len(argv); at++ {
				if !values[at] && !slices.Contains(t.URLs, at) {
					u.block, u.unsure = "harden cannot read the whole command line ("+why+")", ""
					u.checkLiteralOnly(at)
				}
			}
		}
	})
}

// urlCheck checks the URL words of one curl or wget call.
type urlCheck struct {
	pass      *transform.Pass
	c         call
	t         shell.Transfer
	scope     func() scope
	proxyNote string
	// busyboxWget: the call is wget in a BusyBox-family stage that installs
	// no wget package, so BusyBox's own wget runs.
	busyboxWget bool
	// block is why no URL of the call is changed, unsure why this one is
	// not ("" when it may be).
	block, unsure string
}

// check reports argv word at (argv[0] is the program) when it is an http
// URL.
func (u *urlCheck) check(at int) {
	w := u.c.expr.Args[u.c.prog+at]
	prefix, complete := literalPrefix(w)
	if !hasHTTP(prefix) {
		u.fromVariable(w, prefix)
		return
	}
	u.literal(w, prefix, complete)
}

// checkLiteralOnly reports word at when its http:// is written in it.
func (u *urlCheck) checkLiteralOnly(at int) {
	w := u.c.expr.Args[u.c.prog+at]
	if prefix, complete := literalPrefix(w); hasHTTP(prefix) {
		u.literal(w, prefix, complete)
	}
}

func hasHTTP(s string) bool { return len(s) >= 7 && strings.EqualFold(s[:7], "http://") }

// literal handles a URL whose http:// is written in the word.
func (u *urlCheck) literal(w *syntax.Word, prefix string, complete bool) {
	c := u.c
	display := shownURL(c, w)
	f := transform.Finding{Line: lineOf(u.pass.Doc, c.sh, w), Message: c.name + " downloads " + display + " over plain http"}
	host, port, hostKnown := splitHost(prefix[7:], complete)
	kind := ""
	if hostKnown {
		kind = hostKind(host)
	} else if b, err := u.scope().shellURL(c.sh, w); err == nil && hasHTTP(b.URL) {
		if h, _, ok := splitHost(b.URL[7:], true); ok && hostKind(h) == "loopback" {
			return
		}
	}
	if kind == "loopback" {
		return
	}
	reason := ""
	switch {
	case u.block != "":
		reason = u.block
	case u.unsure != "":
		reason = u.unsure
	case !hostKnown:
		reason = "its host comes from a variable: check the values it may take"
	case port != "":
		reason = "it names port " + port + ", where https is unlikely to be served"
	case kind != "":
		reason = kind
	}
	if reason != "" {
		f.Message += " (not changed: " + reason + ")"
		u.pass.Report(f)
		return
	}
	e, ok := httpsEdit(c.sh, w)
	if !ok {
		f.Message += " (not changed: its http:// is split by a line continuation)"
		u.pass.Report(f)
		return
	}
	f.Applicability = transform.Unsafe
	f.Title, f.Edits = "Download from "+host+" over https", []transform.Edit{e}
	f.Message += fmt.Sprintf("; check that %s serves the same file over https and that the stage has CA certificates (ca-certificates)", host)
	if u.busyboxWget {
		f.Message += "; BusyBox's wget runs here: its TLS client fails the handshake with many servers (OpenSSL 3 ones among them: no signature_algorithms), install wget or curl"
	}
	if u.t.Has("--insecure", "--no-check-certificate") {
		opt := "-k (--insecure)"
		if c.name == "wget" {
			opt = "--no-check-certificate"
		}
		f.Message += "; with " + c.name + " " + opt + " https still does not check the server's certificate: drop it once the download works"
	}
	f.Message += u.proxyNote
	u.pass.Report(f)
}

// fromVariable handles a URL word whose scheme is not written in it
// ("$URL", "${BASE}/x"): reported when a variable in scope gives it an
// http:// scheme, never changed.
func (u *urlCheck) fromVariable(w *syntax.Word, prefix string) {
	c := u.c
	if prefix != "" || len(w.Parts) == 0 {
		return // another scheme, or none
	}
	b, err := u.scope().shellURL(c.sh, w)
	if err != nil || !hasHTTP(b.URL) || len(b.Vars) == 0 {
		return
	}
	if h, _, ok := splitHost(b.URL[7:], true); ok && hostKind(h) == "loopback" {
		return
	}
	u.pass.Report(transform.Finding{
		Line:    lineOf(u.pass.Doc, c.sh, w),
		Message: fmt.Sprintf("%s downloads %s over plain http (not changed: the http:// comes from %s: use https:// where it is set)", c.name, b.URL, strings.Join(b.Vars, ", ")),
	})
}

// shownURL is the word as the message shows it: its value, or its source
// text without the quotes around it.
func shownURL(c call, w *syntax.Word) string {
	v := shell.WordOf(c.sh.Text, w)
	if v.Literal {
		return v.Value
	}
	return strings.Trim(v.Value, `"'`)
}

// literalPrefix is the text word w starts with up to its first expansion
// or backslash escape, quotes removed; complete is true when that is the
// whole word.
func literalPrefix(w *syntax.Word) (prefix string, complete bool) {
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.Contains(p.Value, `\`) {
				return b.String(), false
			}
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar {
				return b.String(), false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				lit, ok := q.(*syntax.Lit)
				if !ok || strings.Contains(lit.Value, `\`) {
					return b.String(), false
				}
				b.WriteString(lit.Value)
			}
		default:
			return b.String(), false
		}
	}
	return b.String(), true
}

// splitHost reads the host and port of a URL from what follows "http://".
// ok is false when the host is not all there: rest ends (an expansion
// follows, !complete) before the path starts.
func splitHost(rest string, complete bool) (host, port string, ok bool) {
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		if !complete {
			return "", "", false
		}
		end = len(rest)
	}
	hp := rest[:end]
	if i := strings.LastIndexByte(hp, '@'); i >= 0 {
		hp = hp[i+1:] // user:password@
	}
	if strings.HasPrefix(hp, "[") {
		j := strings.IndexByte(hp, ']')
		if j < 0 {
			return "", "", false
		}
		host, port = hp[1:j], strings.TrimPrefix(hp[j+1:], ":")
	} else if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		host, port = hp[:i], hp[i+1:]
	} else {
		host = hp
	}
	return strings.ToLower(host), port, host != ""
}

// hostKind is "loopback" for this machine, why https is unlikely on an
// internal host (an IP address, a name without a domain), or "" for a
// public name.
func hostKind(host string) string {
	h := strings.TrimSuffix(host, ".")
	const internal = ": an internal service, which may not serve https"
	switch h {
	case "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback":
		return "loopback"
	}
	if strings.HasSuffix(h, ".localhost") {
		return "loopback"
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		switch {
		case ip.IsLoopback() || ip.IsUnspecified():
			return "loopback"
		case ip.IsPrivate() || ip.IsLinkLocalUnicast() || netip.MustParsePrefix("100.64.0.0/10").Contains(ip):
			return host + " is a private IP address" + internal
		}
		return host + " is an IP address, for which certificates are rarely issued"
	}
	if strings.Trim(h, "0123456789.") == "" {
		return host + " is an IP address, for which certificates are rarely issued"
	}
	if !strings.Contains(h, ".") {
		return host + " has no domain" + internal
	}
	for _, sfx := range internalSuffixes {
		if strings.HasSuffix(h, sfx) {
			return host + " is in a private domain (" + sfx + ")" + internal
		}
	}
	return ""
}

// httpsEdit rewrites the http:// that starts word w to https://, keeping
// the rest of the word (quotes, expansions) as written.
func httpsEdit(sh *transform.Shell, w *syntax.Word) (transform.Edit, bool) {
	start := -1
	switch p := w.Parts[0].(type) {
	case *syntax.Lit:
		start = int(p.Pos().Offset())
	case *syntax.SglQuoted:
		start = int(p.Pos().Offset()) + 1
	case *syntax.DblQuoted:
		if len(p.Parts) > 0 {
			start = int(p.Parts[0].Pos().Offset())
		}
	}
	a, b := int(w.Pos().Offset()), int(w.End().Offset())
	if start < a || start+7 > b {
		return transform.Edit{}, false
	}
	raw := sh.Text[a:b]
	at := start - a
	if !hasHTTP(raw[at:]) {
		return transform.Edit{}, false
	}
	s := "s"
	if raw[at:at+4] == "HTTP" {
		s = "S"
	}
	return sh.ReplaceWithin(w, at, at+4, raw[at:at+4]+s)
}
