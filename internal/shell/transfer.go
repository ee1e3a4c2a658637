package shell

import (
	"path"
	"strings"
)

// Transfer is a curl or wget command line read option by option, as the
// tool itself reads it: which words are URLs, and which options it gives
// with their values. Unlike Fetch (downloads to standard output that
// harden rewrites), it knows every option of both tools, so that an
// option's value (-o FILE, -H HEADER, -x PROXY, --referer URL) is never
// taken for a URL.
type Transfer struct {
	Tool string // "curl" or "wget"
	// URLs are the indices in argv of the URL arguments: the words that
	// are not options nor option values, and curl's --url values.
	URLs []int
	// Unsure are the indices of URLs that start with an unquoted expansion
	// ($URL, $(cmd)): the shell splits them, and they may hold options.
	Unsure []int
	// Opts are the options in the order given, under their long names.
	Opts []Opt
}

// Opt is one option of a transfer's command line.
type Opt struct {
	Name string // long name: "--location" (curl's -L), "--no-verbose" (wget's -nv)
	// Off marks a boolean option turned off with "--no-NAME".
	Off bool
	// At is the index in argv of the word holding the option; Value the
	// index of the word holding its value (At when glued, as in -ofile,
	// or wget's --output-document=file), -1 for an option without one.
	At, Value int
	// Val is the value, when it is literal text.
	Val        string
	ValLiteral bool
}

// Has reports whether the command line gives one of the options (long
// names), not turned off by a later "--no-" form.
func (t Transfer) Has(names ...string) bool {
	on := false
	for _, o := range t.Opts {
		for _, n := range names {
			if o.Name == n {
				on = !o.Off
			}
		}
	}
	return on
}

// Last is the last use of option name, and whether it is given.
func (t Transfer) Last(name string) (Opt, bool) {
	for i := len(t.Opts) - 1; i >= 0; i-- {
		if t.Opts[i].Name == name {
			return t.Opts[i], true
		}
	}
	return Opt{}, false
}

// Saved is where a transfer saves what it downloads, as its options say
// (a redirection of its standard output is the shell's).
type Saved struct {
	// Outputs are the options that name a file to write, in order: curl's
	// -o (--output), wget's -O (--output-document, which writes every URL
	// into the last one given).
	Outputs []Opt
	// Dir is the last option that names the directory files go to: curl's
	// --output-dir, wget's -P (--directory-prefix); HasDir is false when
	// none is given.
	Dir    Opt
	HasDir bool
	// Remote reports URLs saved under their own file name: curl's -O
	// (--remote-name, --remote-name-all), and wget without -O.
	Remote bool
}

// Saved reads where the transfer saves what it downloads.
func (t Transfer) Saved() Saved {
	out, dir := "--output", "--output-dir"
	if t.Tool == "wget" {
		out, dir = "--output-document", "--directory-prefix"
	}
	var s Saved
	for _, o := range t.Opts {
		switch {
		case o.Name == out:
			s.Outputs = append(s.Outputs, o)
		case o.Name == dir:
			s.Dir, s.HasDir = o, true
		case t.Tool == "curl" && (o.Name == "--remote-name" || o.Name == "--remote-name-all") && !o.Off:
			s.Remote = true
		}
	}
	if t.Tool == "wget" {
		s.Remote = len(s.Outputs) == 0
	}
	return s
}

// Glued is the text before the value in the word of an option whose
// literal value is glued to it ("-o" of -ofile, "-qO" of -qO-,
// "--output-document=" of --output-document=x); false when the value is a
// word of its own, missing, or not literal.
func (o Opt) Glued(argv []Word) (string, bool) {
	if o.Value != o.At || !o.ValLiteral || o.At < 0 || o.At >= len(argv) {
		return "", false
	}
	w := argv[o.At].Value
	if !strings.HasSuffix(w, o.Val) {
		return "", false
	}
	return w[:len(w)-len(o.Val)], true
}

// curlOpts are curl's long options, with whether each takes an argument:
// those of `curl --help all` (7.88, checked by the tests) and those added
// since up to 8.x.
var curlOpts = map[string]bool{
	"--abstract-unix-socket": true, "--alt-svc": true, "--anyauth": false, "--append": false, "--aws-sigv4": true,
	"--basic": false, "--cacert": true, "--capath": true, "--cert": true, "--cert-status": false, "--cert-type": true,
	"--ciphers": true, "--compressed": false, "--compressed-ssh": false, "--connect-timeout": true,
	"--connect-to": true, "--continue-at": true, "--cookie": true, "--cookie-jar": true, "--create-dirs": false,
	"--create-file-mode": true, "--crlf": false, "--crlfile": true, "--curves": true, "--data": true, "--data-ascii": true,
	"--data-binary": true, "--data-raw": true, "--data-urlencode": true, "--delegation": true, "--digest": false,
	"--disable": false, "--disable-eprt": false, "--disable-epsv": false, "--disallow-username-in-url": false,
	"--dns-interface": true, "--dns-ipv4-addr": true, "--dns-ipv6-addr": true, "--dns-servers": true,
	"--doh-cert-status": false, "--doh-insecure": false, "--doh-url": true, "--dump-header": true, "--egd-file": true,
	"--engine": true, "--etag-compare": true, "--etag-save": true, "--expect100-timeout": true, "--fail": false,
	"--fail-early": false, "--fail-with-body": false, "--false-start": false, "--form": true, "--form-escape": false,
	"--form-string": true, "--ftp-account": true, "--ftp-alternative-to-user": true, "--ftp-create-dirs": false,
	"--ftp-method": true, "--ftp-pasv": false, "--ftp-port": true, "--ftp-pret": false, "--ftp-skip-pasv-ip": false,
	"--ftp-ssl-ccc": false, "--ftp-ssl-ccc-mode": true, "--ftp-ssl-control": false, "--get": false, "--globoff": false,
	"--happy-eyeballs-timeout-ms": true, "--haproxy-protocol": false, "--head": false, "--header": true,
	"--hostpubmd5": true, "--hostpubsha256": true, "--hsts": true, "--http0.9": false, "--http1.0": false,
	"--http1.1": false, "--http2": false, "--http2-prior-knowledge": false, "--http3": false, "--http3-only": false,
	"--ignore-content-length": false, "--include": false, "--insecure": false, "--interface": true, "--ipv4": false,
	"--ipv6": false, "--json": true, "--junk-session-cookies": false, "--keepalive-time": true, "--key": true,
	"--key-type": true, "--krb": true, "--libcurl": true, "--limit-rate": true, "--list-only": false, "--local-port": true,
	"--location": false, "--location-trusted": false, "--login-options": true, "--mail-auth": true, "--mail-from": true,
	"--mail-rcpt": true, "--mail-rcpt-allowfails": false, "--max-filesize": true, "--max-redirs": true,
	"--max-time": true, "--metalink": false, "--negotiate": false, "--netrc": false, "--netrc-file": true,
	"--netrc-optional": false, "--no-alpn": false, "--no-buffer": false, "--no-clobber": false,
	"--no-keepalive": false, "--no-npn": false, "--no-progress-meter": false, "--no-sessionid": false, "--noproxy": true,
	"--ntlm": false, "--ntlm-wb": false, "--oauth2-bearer": true, "--output": true, "--output-dir": true,
	"--parallel": false, "--parallel-immediate": false, "--parallel-max": true, "--pass": true, "--path-as-is": false,
	"--pinnedpubkey": true, "--post301": false, "--post302": false, "--post303": false, "--preproxy": true,
	"--progress-bar": false, "--proto": true, "--proto-default": true, "--proto-redir": true, "--proxy": true,
	"--proxy-anyauth": false, "--proxy-basic": false, "--proxy-cacert": true, "--proxy-capath": true,
	"--proxy-cert": true, "--proxy-cert-type": true, "--proxy-ciphers": true, "--proxy-crlfile": true,
	"--proxy-digest": false, "--proxy-header": true, "--proxy-insecure": false, "--proxy-key": true,
	"--proxy-key-type": true, "--proxy-negotiate": false, "--proxy-ntlm": false, "--proxy-pass": true,
	"--proxy-pinnedpubkey": true, "--proxy-service-name": true, "--proxy-ssl-allow-beast": false,
	"--proxy-ssl-auto-client-cert": false, "--proxy-tls13-ciphers": true, "--proxy-tlsauthtype": true,
	"--proxy-tlspassword": true, "--proxy-tlsuser": true, "--proxy-tlsv1": false, "--proxy-user": true,
	"--proxy1.0": true, "--proxytunnel": false, "--pubkey": true, "--quote": true, "--random-file": true,
	"--range": true, "--rate": true, "--raw": false, "--referer": true, "--remote-header-name": false,
	"--remote-name": false, "--remote-name-all": false, "--remote-time": false, "--remove-on-error": false,
	"--request": true, "--request-target": true, "--resolve": true, "--retry": true, "--retry-all-errors": false,
	"--retry-connrefused": false, "--retry-delay": true, "--retry-max-time": true, "--sasl-authzid": true,
	"--sasl-ir": false, "--service-name": true, "--show-error": false, "--silent": false, "--socks4": true,
	"--socks4a": true, "--socks5": true, "--socks5-basic": false, "--socks5-gssapi": false,
	"--socks5-gssapi-nec": false, "--socks5-gssapi-service": true, "--socks5-hostname": true, "--speed-limit": true,
	"--speed-time": true, "--ssl": false, "--ssl-allow-beast": false, "--ssl-auto-client-cert": false,
	"--ssl-no-revoke": false, "--ssl-reqd": false, "--ssl-revoke-best-effort": false, "--sslv2": false,
	"--sslv3": false, "--stderr": true, "--styled-output": false, "--suppress-connect-headers": false,
	"--tcp-fastopen": false, "--tcp-nodelay": false, "--telnet-option": true, "--tftp-blksize": true,
	"--tftp-no-options": false, "--time-cond": true, "--tls-max": true, "--tls13-ciphers": true, "--tlsauthtype": true,
	"--tlspassword": true, "--tlsuser": true, "--tlsv1": false, "--tlsv1.0": false, "--tlsv1.1": false,
	"--tlsv1.2": false, "--tlsv1.3": false, "--tr-encoding": false, "--trace": true, "--trace-ascii": true,
	"--trace-time": false, "--unix-socket": true, "--upload-file": true, "--url": true, "--url-query": true,
	"--use-ascii": false, "--user": true, "--user-agent": true, "--verbose": false, "--write-out": true,
	"--xattr": false,
	// Since 7.88.
	"--ca-native": false, "--proxy-ca-native": false, "--ech": true, "--ip-tos": true, "--ipfs-gateway": true,
	"--mptcp": false, "--skip-existing": false, "--variable": true, "--vlan-priority": true, "--trace-config": true,
	"--trace-ids": false, "--sigalgs": true, "--tls-earlydata": false, "--follow": false, "--out-null": false,
	"--upload-flags": true, "--knownhosts": true, "--keepalive-cnt": true, "--proxy-http2": false,
	"--ssl-sessions": true, "--parallel-max-host": true, "--dump-ca-embed": false,
	// Where harden stops reading (curlStops).
	"--config": true, "--next": false, "--help": true, "--version": false, "--manual": false,
}

// curlShortOpts maps curl's one-letter options to their long names.
var curlShortOpts = map[byte]string{
	'a': "--append", 'E': "--cert", 'K': "--config", 'C': "--continue-at", 'b': "--cookie", 'c': "--cookie-jar",
	'd': "--data", 'q': "--disable", 'D': "--dump-header", 'f': "--fail", 'F': "--form", 'P': "--ftp-port",
	'G': "--get", 'g': "--globoff", 'I': "--head", 'H': "--header", '0': "--http1.0", 'i': "--include",
	'k': "--insecure", '4': "--ipv4", '6': "--ipv6", 'j': "--junk-session-cookies", 'l': "--list-only",
	'L': "--location", 'm': "--max-time", 'n': "--netrc", 'N': "--no-buffer", 'o': "--output", 'Z': "--parallel",
	'#': "--progress-bar", 'x': "--proxy", 'U': "--proxy-user", 'p': "--proxytunnel", 'Q': "--quote", 'r': "--range",
	'e': "--referer", 'J': "--remote-header-name", 'O': "--remote-name", 'R': "--remote-time", 'X': "--request",
	'S': "--show-error", 's': "--silent", 'Y': "--speed-limit", 'y': "--speed-time", '2': "--sslv2", '3': "--sslv3",
	't': "--telnet-option", 'z': "--time-cond", '1': "--tlsv1", 'T': "--upload-file", 'B': "--use-ascii",
	'u': "--user", 'A': "--user-agent", 'v': "--verbose", 'w': "--write-out",
	':': "--next", 'h': "--help", 'V': "--version", 'M': "--manual",
}

// curlStops are curl options after which harden does not read the command
// line: options come from elsewhere (-K), each URL gets its own options
// (-:), or nothing is transferred (help, version, manual).
var curlStops = map[string]string{
	"--config": "curl -K reads options from a file", "--next": "curl --next gives each URL its own options",
	"--help": "curl --help", "--version": "curl --version", "--manual": "curl --manual",
}

// wgetOpts are GNU wget's long options (those of `wget --help`, 1.21,
// checked by the tests) and BusyBox wget's, with whether each takes an
// argument.
var wgetOpts = map[string]bool{
	"--version": false, "--help": false, "--background": false, "--execute": true, "--output-file": true,
	"--append-output": true, "--debug": false, "--quiet": false, "--verbose": false, "--no-verbose": false,
	"--report-speed": true, "--input-file": true, "--force-html": false, "--base": true, "--config": true,
	"--no-config": false, "--rejected-log": true, "--tries": true, "--retry-connrefused": false,
	"--retry-on-host-error": false, "--retry-on-http-error": true, "--output-document": true, "--no-clobber": false,
	"--no-netrc": false, "--continue": false, "--start-pos": true, "--progress": true, "--show-progress": false,
	"--timestamping": false, "--no-if-modified-since": false, "--no-use-server-timestamps": false,
	"--server-response": false, "--spider": false, "--timeout": true, "--dns-timeout": true, "--connect-timeout": true,
	"--read-timeout": true, "--wait": true, "--waitretry": true, "--random-wait": false, "--no-proxy": false,
	"--quota": true, "--bind-address": true, "--bind-dns-address": true, "--dns-servers": true, "--limit-rate": true,
	"--no-dns-cache": false, "--restrict-file-names": true, "--ignore-case": false, "--inet4-only": false,
	"--inet6-only": false, "--prefer-family": true, "--user": true, "--password": true, "--ask-password": false,
	"--use-askpass": true, "--no-iri": false, "--local-encoding": true, "--remote-encoding": true, "--unlink": false,
	"--xattr": false, "--no-directories": false, "--force-directories": false, "--no-host-directories": false,
	"--protocol-directories": false, "--directory-prefix": true, "--cut-dirs": true, "--http-user": true,
	"--http-password": true, "--no-cache": false, "--default-page": true, "--adjust-extension": false,
	"--ignore-length": false, "--header": true, "--compression": true, "--max-redirect": true, "--proxy-user": true,
	"--proxy-password": true, "--referer": true, "--save-headers": false, "--user-agent": true,
	"--no-http-keep-alive": false, "--no-cookies": false, "--load-cookies": true, "--save-cookies": true,
	"--keep-session-cookies": false, "--post-data": true, "--post-file": true, "--method": true, "--body-data": true,
	"--body-file": true, "--content-disposition": false, "--content-on-error": false, "--auth-no-challenge": false,
	"--secure-protocol": true, "--https-only": false, "--no-check-certificate": false, "--certificate": true,
	"--certificate-type": true, "--private-key": true, "--private-key-type": true, "--ca-certificate": true,
	"--ca-directory": true, "--crl-file": true, "--pinnedpubkey": true, "--random-file": true, "--egd-file": true,
	"--ciphers": true, "--no-hsts": false, "--hsts-file": true, "--ftp-user": true, "--ftp-password": true,
	"--no-remove-listing": false, "--no-glob": false, "--no-passive-ftp": false, "--preserve-permissions": false,
	"--retr-symlinks": false, "--ftps-implicit": false, "--ftps-resume-ssl": false,
	"--ftps-clear-data-connection": false, "--ftps-fallback-to-ftp": false, "--warc-file": true,
	"--warc-header": true, "--warc-max-size": true, "--warc-cdx": false, "--warc-dedup": true,
	"--no-warc-compression": false, "--no-warc-digests": false, "--no-warc-keep-log": false, "--warc-tempdir": true,
	"--recursive": false, "--level": true, "--delete-after": false, "--convert-links": false,
	"--convert-file-only": false, "--backups": true, "--backup-converted": false, "--mirror": false,
	"--page-requisites": false, "--strict-comments": false, "--accept": true, "--reject": true,
	"--accept-regex": true, "--reject-regex": true, "--regex-type": true, "--domains": true,
	"--exclude-domains": true, "--follow-ftp": false, "--follow-tags": true, "--ignore-tags": true,
	"--span-hosts": false, "--relative": false, "--include-directories": true, "--trust-server-names": false,
	"--exclude-directories": true, "--no-parent": false,
}

// wgetShortOpts maps wget's one-letter options to their long names (-Y
// and -s are BusyBox's: proxy on/off, spider).
var wgetShortOpts = map[byte]string{
	'V': "--version", 'h': "--help", 'b': "--background", 'e': "--execute", 'o': "--output-file",
	'a': "--append-output", 'd': "--debug", 'q': "--quiet", 'v': "--verbose", 'i': "--input-file",
	'F': "--force-html", 'B': "--base", 't': "--tries", 'O': "--output-document", 'c': "--continue",
	'N': "--timestamping", 'S': "--server-response", 'T': "--timeout", 'w': "--wait", 'Q': "--quota",
	'4': "--inet4-only", '6': "--inet6-only", 'x': "--force-directories", 'P': "--directory-prefix",
	'E': "--adjust-extension", 'U': "--user-agent", 'r': "--recursive", 'l': "--level", 'k': "--convert-links",
	'K': "--backup-converted", 'm': "--mirror", 'p': "--page-requisites", 'A': "--accept", 'R': "--reject",
	'D': "--domains", 'H': "--span-hosts", 'L': "--relative", 'I': "--include-directories",
	'X': "--exclude-directories", 's': "--spider",
}

// wgetShortArg are BusyBox wget's one-letter options without a GNU long
// name that take an argument (-Y on|off: use a proxy).
var wgetShortArg = map[byte]bool{'Y': true}

// wgetNo are the letters of wget's -n option (-nv, -nc, -nd, -nH, -np).
var wgetNo = map[byte]string{'v': "--no-verbose", 'c': "--no-clobber", 'd': "--no-directories", 'H': "--no-host-directories", 'p': "--no-parent"}

var wgetStops = map[string]string{"--config": "wget --config reads options from a file", "--help": "wget --help", "--version": "wget --version"}

// tool is what ParseTransfer knows of one of them.
type tool struct {
	long     map[string]bool   // long options: takes an argument
	short    map[byte]string   // one-letter options: long name
	shortArg map[byte]bool     // one-letter options without a long name that take an argument
	stops    map[string]string // options after which harden stops reading: why
	eq       bool              // reads --name=value
	n        bool              // wget's -n: the letters after it are options of their own
}

var tools = map[string]tool{
	"curl": {long: curlOpts, short: curlShortOpts, stops: curlStops},
	"wget": {long: wgetOpts, short: wgetShortOpts, shortArg: wgetShortArg, stops: wgetStops, eq: true, n: true},
}

// ParseTransfer reads argv (argv[0] is the program) as a curl or wget
// command line. ok is false when it is neither. why is non-empty when
// harden cannot read all of it: an option it does not know (whose value
// may be taken for a URL), a word that may expand to options ($OPTS), or
// options read from elsewhere (-K, --config); t then holds what was read
// up to there.
func ParseTransfer(argv []Word) (t Transfer, ok bool, why string) {
	if len(argv) == 0 || !argv[0].Literal {
		return Transfer{}, false, ""
	}
	t.Tool = path.Base(argv[0].Value)
	spec, ok := tools[t.Tool]
	if !ok {
		return Transfer{}, false, ""
	}
	return t, true, t.read(argv, spec)
}

// lookup finds a long option by its name or, as getopt_long does, by an
// unambiguous prefix of it (curl before 8.3 reads them too).
func lookup(opts map[string]bool, name string) (string, bool) {
	if _, ok := opts[name]; ok {
		return name, true
	}
	hit := ""
	for n := range opts {
		if strings.HasPrefix(n, name) {
			if hit != "" {
				return "", false
			}
			hit = n
		}
	}
	return hit, hit != ""
}

// literalPrefix is the text a word starts with before any quote, escape or
// expansion (after a leading double quote), to read options such as
// -o"$FILE".
func literalPrefix(w Word) string {
	if w.Literal {
		return w.Value
	}
	v := strings.TrimPrefix(w.Value, `"`)
	if i := strings.IndexAny(v, "$`\"'\\"); i >= 0 {
		v = v[:i]
	}
	return v
}

func (t *Transfer) read(argv []Word, spec tool) string {
	dashes := false
	// next takes argv[i] as the value of o.
	next := func(o *Opt, i int) {
		o.Value = -1
		if i < len(argv) {
			o.Value, o.ValLiteral = i, argv[i].Literal
			if o.ValLiteral {
				o.Val = argv[i].Value
			}
		}
	}
	maybeOpts := func(a Word) string { return "options may come from " + a.Value }
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		pre := literalPrefix(a)
		switch {
		case dashes || !strings.HasPrefix(pre, "-") || a.Literal && a.Value == "-":
			if !a.Literal && strings.HasPrefix(a.Value, "$") {
				t.Unsure = append(t.Unsure, i)
			}
			t.URLs = append(t.URLs, i)
		case a.Literal && a.Value == "--":
			dashes = true
		case strings.HasPrefix(pre, "--"):
			name, val, eq := strings.Cut(pre, "=")
			if eq && !spec.eq {
				return t.Tool + " option " + pre // curl has no --name=value
			}
			if !a.Literal && !eq {
				return maybeOpts(a)
			}
			off := false
			full, known := lookup(spec.long, name)
			if !known && strings.HasPrefix(name, "--no-") {
				if f, ok := lookup(spec.long, "--"+name[5:]); ok && !spec.long[f] {
					full, known, off = f, true, true
				}
			}
			if !known {
				return t.Tool + " option " + name
			}
			if why, stop := spec.stops[full]; stop {
				return why
			}
			o := Opt{Name: full, Off: off, At: i, Value: -1}
			switch {
			case eq:
				o.Value, o.ValLiteral = i, a.Literal
				if a.Literal {
					o.Val = val
				}
			case spec.long[full]:
				i++
				next(&o, i)
			}
			if full == "--url" && o.Value >= 0 {
				t.URLs = append(t.URLs, o.Value)
			}
			t.Opts = append(t.Opts, o)
		default:
		cluster:
			for j := 1; j < len(pre); j++ {
				c := pre[j]
				if spec.n && c == 'n' {
					rest := pre[j+1:]
					if rest == "" || !a.Literal {
						return t.Tool + " option " + pre
					}
					for k := 0; k < len(rest); k++ {
						n, ok := wgetNo[rest[k]]
						if !ok {
							return t.Tool + " option -n" + rest
						}
						t.Opts = append(t.Opts, Opt{Name: n, At: i, Value: -1})
					}
					break cluster
				}
				name, ok := spec.short[c]
				if !ok && !spec.shortArg[c] {
					return t.Tool + " option -" + string(c)
				}
				if !ok {
					name = "-" + string(c)
				}
				if why, stop := spec.stops[name]; stop {
					return why
				}
				o := Opt{Name: name, At: i, Value: -1}
				if !spec.long[name] && !spec.shortArg[c] {
					t.Opts = append(t.Opts, o)
					if j == len(pre)-1 && !a.Literal {
						return maybeOpts(a) // -s$X
					}
					continue
				}
				if j < len(pre)-1 || !a.Literal {
					// The value is the rest of the word.
					o.Value, o.ValLiteral = i, a.Literal
					if a.Literal {
						o.Val = pre[j+1:]
					}
				} else {
					i++
					next(&o, i)
				}
				t.Opts = append(t.Opts, o)
				break cluster
			}
		}
	}
	return ""
}
