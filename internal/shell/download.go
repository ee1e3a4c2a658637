package shell

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Downloads and the interpreters they are piped into: what `curl … | sh`
// is made of, and how to rewrite each side to work through a file.

// WordOf reads one word of a parsed script (src is the text f was parsed
// from) as Commands does: quotes removed when literal, else the raw text.
func WordOf(src string, w *syntax.Word) Word { return word(src, w) }

// Piece is one word of a rewritten command: a word of the original argv
// kept as written (Arg >= 0), or new text (Arg < 0).
type Piece struct {
	Arg  int
	Text string
}

func keep(i int) Piece    { return Piece{Arg: i} }
func text(s string) Piece { return Piece{Arg: -1, Text: s} }

// Fetch is a curl or wget command that writes one URL's content to
// standard output.
type Fetch struct {
	Tool string // "curl" or "wget"
	// URL is the index in argv of the URL word.
	URL  int
	argv []Word
	// curl: whether -f/-L are already given, and the first short-option
	// cluster (-1 when none) that they can join.
	fail, location bool
	cluster        int
	// wget: the word holding "-O -" (out), and whether "-" is glued to it
	// ("-qO-", "--output-document=-") or the next word (outSep).
	out    int
	outSep bool
	dashes int // index of a "--" ending options, -1 when none
}

// curl options that do not change what is downloaded nor where it is
// written, with whether they take an argument. Anything else (-o, -O, -i,
// -w, -H, -u, -d, -X, -r, -K…) makes harden leave the command alone. The
// arity of each is checked against `curl --help all` by the tests.
var curlShort = map[byte]bool{
	'f': false, 's': false, 'S': false, 'L': false, 'k': false, 'v': false, '4': false, '6': false,
	'#': false, 'g': false, 'q': false, 'N': false, 'm': true, 'x': true, 'y': true, 'Y': true,
}

var curlLong = map[string]bool{
	"--fail": false, "--fail-early": false, "--fail-with-body": false, "--silent": false, "--show-error": false,
	"--location": false, "--location-trusted": false, "--insecure": false, "--verbose": false,
	"--ipv4": false, "--ipv6": false, "--progress-bar": false, "--globoff": false, "--compressed": false,
	"--http1.0": false, "--http1.1": false, "--http2": false, "--http2-prior-knowledge": false,
	"--no-buffer": false, "--no-progress-meter": false, "--no-keepalive": false, "--no-sessionid": false,
	"--tcp-nodelay": false, "--retry-connrefused": false, "--retry-all-errors": false, "--ssl-reqd": false,
	"--tlsv1": false, "--tlsv1.0": false, "--tlsv1.1": false, "--tlsv1.2": false, "--tlsv1.3": false,
	"--disable": false, "--proxy-insecure": false, "--ssl-no-revoke": false, "--no-alpn": false,
	"--retry": true, "--retry-delay": true, "--retry-max-time": true, "--connect-timeout": true,
	"--max-time": true, "--max-redirs": true, "--proto": true, "--proto-redir": true, "--proto-default": true,
	"--tls-max": true, "--cacert": true, "--capath": true, "--ciphers": true, "--proxy": true,
	"--noproxy": true, "--limit-rate": true, "--speed-limit": true, "--speed-time": true,
	"--keepalive-time": true, "--stderr": true, "--interface": true, "--dns-servers": true,
	"--resolve": true, "--connect-to": true, "--proxy-cacert": true, "--pinnedpubkey": true,
	"--doh-url": true, "--expect100-timeout": true,
}

// wget options (GNU and BusyBox) of the same kind. Long options may be
// written --name=value.
var wgetShort = map[byte]bool{
	'q': false, 'v': false, 'S': false, '4': false, '6': false,
	't': true, 'T': true, 'Y': true, 'o': true, 'a': true,
}

var wgetLong = map[string]bool{
	"--quiet": false, "--no-verbose": false, "--verbose": false, "--server-response": false,
	"--no-check-certificate": false, "--https-only": false, "--inet4-only": false, "--inet6-only": false,
	"--show-progress": false, "--no-cache": false, "--retry-connrefused": false, "--no-dns-cache": false,
	"--no-hsts": false, "--no-proxy": false,
	"--tries": true, "--timeout": true, "--dns-timeout": true, "--connect-timeout": true,
	"--read-timeout": true, "--wait": true, "--waitretry": true, "--secure-protocol": true,
	"--max-redirect": true, "--progress": true, "--limit-rate": true, "--ca-certificate": true,
	"--ca-directory": true, "--bind-address": true, "--output-file": true, "--append-output": true,
}

// wget's -n takes one letter glued: -nv (not verbose), -nc, -nd, -nH, -np.
var wgetN = "vcdHp"

func isStdout(v string) bool { return v == "-" || v == "/dev/stdout" }

// ParseFetch reads argv (argv[0] is the program) as a curl or wget command
// that prints a URL to standard output. isFetch is false when it is
// neither, or writes to a file; why is non-empty when it is a download to
// standard output that harden cannot rewrite (an option that may change
// what is downloaded, several URLs, words it cannot read).
func ParseFetch(argv []Word) (f Fetch, isFetch bool, why string) {
	if len(argv) == 0 || !argv[0].Literal {
		return Fetch{}, false, ""
	}
	f = Fetch{Tool: path.Base(argv[0].Value), URL: -1, cluster: -1, out: -1, dashes: -1, argv: argv}
	switch f.Tool {
	case "curl":
		why = f.curl(argv)
	case "wget":
		why = f.wget(argv)
		if f.out < 0 && why == "" {
			return Fetch{}, false, "" // saves to a file
		}
	default:
		return Fetch{}, false, ""
	}
	if why == "" && f.URL < 0 {
		why = "no URL"
	}
	return f, true, why
}

func (f *Fetch) positional(i int) string {
	if f.URL >= 0 {
		return "several URLs"
	}
	f.URL = i
	return ""
}

func (f *Fetch) curl(argv []Word) string {
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		switch {
		case f.dashes >= 0 || !a.Literal || !strings.HasPrefix(a.Value, "-") || a.Value == "-":
			if why := f.positional(i); why != "" {
				return why
			}
		case a.Value == "--":
			f.dashes = i
		case strings.HasPrefix(a.Value, "--"):
			arg, ok := curlLong[a.Value]
			if !ok {
				return "curl option " + a.Value
			}
			f.fail = f.fail || a.Value == "--fail" || a.Value == "--fail-with-body"
			f.location = f.location || a.Value == "--location" || a.Value == "--location-trusted"
			if arg {
				i++
			}
		default:
			if f.cluster < 0 {
				f.cluster = i
			}
			for j := 1; j < len(a.Value); j++ {
				c := a.Value[j]
				arg, ok := curlShort[c]
				if !ok {
					return "curl option -" + string(c)
				}
				f.fail = f.fail || c == 'f'
				f.location = f.location || c == 'L'
				if arg {
					if j == len(a.Value)-1 {
						i++
					}
					break
				}
			}
		}
	}
	return ""
}

func (f *Fetch) wget(argv []Word) string {
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		v := a.Value
		switch {
		case f.dashes >= 0 || !a.Literal || !strings.HasPrefix(v, "-") || v == "-":
			if why := f.positional(i); why != "" {
				return why
			}
		case v == "--":
			f.dashes = i
		case v == "--output-document" || strings.HasPrefix(v, "--output-document="):
			val, sep := strings.CutPrefix(v, "--output-document=")
			if !sep {
				if i+1 >= len(argv) {
					return "wget -O without a file"
				}
				i++
				val = argv[i].Value
				if !argv[i].Literal {
					return "wget output " + val
				}
			}
			if !isStdout(val) {
				return "" // saves to a file
			}
			f.out, f.outSep = i, !sep
		case strings.HasPrefix(v, "--"):
			name, _, eq := strings.Cut(v, "=")
			arg, ok := wgetLong[name]
			if !ok {
				return "wget option " + name
			}
			if arg && !eq {
				i++
			}
		default:
			for j := 1; j < len(v); j++ {
				c := v[j]
				if c == 'n' && j == 1 && len(v) == 3 && strings.IndexByte(wgetN, v[2]) >= 0 {
					break
				}
				if c == 'O' {
					val := v[j+1:]
					if val == "" {
						if i+1 >= len(argv) || !argv[i+1].Literal {
							return "wget -O without a file"
						}
						i++
						val = argv[i].Value
						f.outSep = true
					}
					if !isStdout(val) {
						f.out = -1
						return ""
					}
					f.out = i
					break
				}
				arg, ok := wgetShort[c]
				if !ok {
					return "wget option -" + string(c)
				}
				if arg {
					if j == len(v)-1 {
						i++
					}
					break
				}
			}
		}
	}
	return ""
}

// SaveTo is the command rewritten to save the download to file: curl gets
// -f and -L when it lacks them (so an HTTP error fails it and a redirect is
// followed, as harden followed it to checksum the content) and -o FILE
// after the URL; wget's -O - becomes -O FILE (wget fails on HTTP errors
// and follows redirects by default). Every other word is kept as written.
func (f Fetch) SaveTo(file string) []Piece {
	var out []Piece
	switch f.Tool {
	case "curl":
		add := ""
		if !f.fail {
			add += "f"
		}
		if !f.location {
			add += "L"
		}
		out = append(out, keep(0))
		if f.cluster < 0 && add != "" {
			out = append(out, text("-"+add))
		}
		for i := 1; i < len(f.argv); i++ {
			switch {
			case i == f.dashes:
				out = append(out, text("-o"), text(file), keep(i))
			case i == f.cluster && add != "":
				out = append(out, text("-"+add+f.argv[i].Value[1:]))
			default:
				out = append(out, keep(i))
			}
			if i == f.URL && f.dashes < 0 {
				out = append(out, text("-o"), text(file))
			}
		}
	case "wget":
		for i := range f.argv {
			v := f.argv[i].Value
			switch {
			case i != f.out:
				out = append(out, keep(i))
			case f.outSep:
				out = append(out, text(file))
			case strings.HasPrefix(v, "--output-document="):
				out = append(out, text("--output-document="+file))
			default: // a cluster ending in O- or O/dev/stdout
				out = append(out, text(v[:strings.IndexByte(v, 'O')+1]), text(file))
			}
		}
	}
	return out
}

// Interpreter kinds a downloaded script is piped into.
const (
	InterpShell  = "shell"
	InterpPython = "python"
	InterpPerl   = "perl"
)

var pythonName = regexp.MustCompile(`^(python|pypy)([23](\.[0-9]+)?)?$`)

// otherInterps read a program from standard input too, but harden does not
// know how each passes arguments to a script file: reported, not rewritten.
var otherInterps = map[string]bool{"php": true, "ruby": true, "node": true, "nodejs": true, "deno": true, "lua": true, "tclsh": true}

// InterpKind is the kind of interpreter a program base name is ("" when it
// is none harden rewrites), and whether it is an interpreter at all.
func InterpKind(name string) (kind string, known bool) {
	switch {
	case KindOf(name) == POSIX && name != "busybox":
		return InterpShell, true
	case pythonName.MatchString(name):
		return InterpPython, true
	case name == "perl":
		return InterpPerl, true
	case otherInterps[name]:
		return "", true
	}
	return "", false
}

// ScriptRun is a command that runs a program it reads from standard input:
// `sh`, `sudo -E bash -s -- -y`, `python3 -`, `perl - App::cpanminus`,
// `bash /dev/stdin -v latest`.
type ScriptRun struct {
	// Interp is the index in argv of the interpreter, after wrappers such
	// as sudo and env; Name its base name.
	Interp int
	Name   string
	Kind   string
	argv   []Word
	opts   []Piece // the interpreter's options, rewritten
	args   int     // index of the first argument given to the script; len(argv) when none
}

// ParseScriptRun reads argv as a command that runs the program on its
// standard input. isRun is false when it does not (`sh -c '…'`,
// `python -c …`, `bash script.sh`, not an interpreter); why is non-empty
// when it does but harden cannot rewrite it to run a file.
func ParseScriptRun(argv []Word) (r ScriptRun, isRun bool, why string) {
	i, why := SkipWrappers(argv)
	if i >= len(argv) || why != "" {
		return ScriptRun{}, why != "", why
	}
	if !argv[i].Literal {
		return ScriptRun{}, false, ""
	}
	name := path.Base(argv[i].Value)
	kind, known := InterpKind(name)
	if !known {
		return ScriptRun{}, false, ""
	}
	r = ScriptRun{Interp: i, Name: name, Kind: kind, argv: argv, args: len(argv)}
	switch kind {
	case InterpShell:
		return r.shell()
	case InterpPython:
		return r.python()
	case InterpPerl:
		return r.perl()
	}
	// php, ruby, node…: a bare interpreter (or "-") reads stdin.
	for _, a := range argv[i+1:] {
		if !a.Literal || !(a.Value == "-" || a.Value == "--" || strings.HasPrefix(a.Value, "-")) {
			return ScriptRun{}, false, ""
		}
		if a.Value == "--" {
			break
		}
		if a.Value == "-r" || a.Value == "-e" || a.Value == "-c" || a.Value == "-p" {
			return ScriptRun{}, false, ""
		}
	}
	return ScriptRun{Interp: i, Name: name}, true, name + ": harden does not know how it passes arguments to a script file"
}

// SkipWrappers returns the index in argv of the command that sudo, doas
// and env run (0 without them), or why it cannot tell.
func SkipWrappers(argv []Word) (int, string) {
	i := 0
	for i < len(argv) && argv[i].Literal {
		switch path.Base(argv[i].Value) {
		case "sudo", "doas":
			i++
			for i < len(argv) && argv[i].Literal && strings.HasPrefix(argv[i].Value, "-") {
				if argv[i].Value == "--" {
					i++
					break
				}
				if sudoArgs[argv[i].Value] {
					i++
				}
				i++
			}
			for i < len(argv) && argv[i].Literal && isAssignment(argv[i].Value) {
				i++ // sudo VAR=value cmd
			}
		case "env":
			i++
			for i < len(argv) && argv[i].Literal && strings.HasPrefix(argv[i].Value, "-") {
				if argv[i].Value == "-i" || argv[i].Value == "--ignore-environment" || argv[i].Value == "-" {
					return i, "env -i empties the environment"
				}
				if envArgs[argv[i].Value] {
					i++
				}
				i++
			}
			for i < len(argv) && argv[i].Literal && isAssignment(argv[i].Value) {
				i++
			}
		default:
			return i, ""
		}
	}
	return i, ""
}

// posixLong are bash's long invocation options (--rcfile and --init-file
// take a file).
var posixLong = map[string]bool{
	"--login": false, "--noprofile": false, "--norc": false, "--posix": false, "--verbose": false,
	"--noediting": false, "--restricted": false, "--rcfile": true, "--init-file": true,
}

// posixFlags are the one-letter options of sh/bash/dash/zsh invocations
// other than -c, -s and -o (set options and -i, -l, -r).
const posixFlags = "abefhkmnptuvxBCEHPTilr"

// isStdinScript reports a script file name that is standard input.
func isStdinScript(v string) bool {
	return v == "/dev/stdin" || v == "/dev/fd/0" || v == "/proc/self/fd/0"
}

func (r ScriptRun) shell() (ScriptRun, bool, string) {
	argv := r.argv
	sMode := false
	i := r.Interp + 1
opts:
	for ; i < len(argv); i++ {
		a := argv[i]
		v := a.Value
		switch {
		case !a.Literal:
			break opts
		case v == "-" || v == "--":
			i++
			break opts
		case strings.HasPrefix(v, "--"):
			arg, ok := posixLong[v]
			if !ok {
				return r, true, r.Name + " option " + v
			}
			r.opts = append(r.opts, keep(i))
			if arg {
				i++
				r.opts = append(r.opts, keep(i))
			}
		case len(v) > 1 && (v[0] == '-' || v[0] == '+'):
			kept := v[:1]
			takes := false
			for j := 1; j < len(v); j++ {
				c := v[j]
				switch {
				case c == 'c':
					return ScriptRun{}, false, "" // runs a command string
				case c == 's' && v[0] == '-':
					sMode = true
				case (c == 'o' || c == 'O') && j == len(v)-1:
					takes = true
					kept += string(c)
				case strings.IndexByte(posixFlags, c) >= 0:
					kept += string(c)
				default:
					return r, true, r.Name + " option " + v
				}
			}
			if kept == v {
				r.opts = append(r.opts, keep(i))
			} else if len(kept) > 1 {
				r.opts = append(r.opts, text(kept))
			}
			if takes {
				i++
				if i >= len(argv) {
					return ScriptRun{}, false, ""
				}
				r.opts = append(r.opts, keep(i))
			}
		default:
			break opts
		}
	}
	if i >= len(argv) {
		return r, true, ""
	}
	if sMode {
		r.args = i
		return r, true, ""
	}
	// A first argument is the script file: standard input only by name.
	if argv[i].Literal && isStdinScript(argv[i].Value) {
		r.args = i + 1
		return r, true, ""
	}
	return ScriptRun{}, false, ""
}

// pythonFlags are CPython's one-letter options without an argument.
const pythonFlags = "bBdEhiIOqsSuvVxPR"

func (r ScriptRun) python() (ScriptRun, bool, string) {
	argv := r.argv
	i := r.Interp + 1
	for ; i < len(argv); i++ {
		a := argv[i]
		v := a.Value
		if !a.Literal || v == "-" || !strings.HasPrefix(v, "-") {
			break
		}
		if v == "--" {
			i++
			break
		}
		if strings.HasPrefix(v, "--") {
			return r, true, r.Name + " option " + v
		}
		r.opts = append(r.opts, keep(i))
		for j := 1; j < len(v); j++ {
			c := v[j]
			switch {
			case c == 'c' || c == 'm':
				return ScriptRun{}, false, "" // runs a command or a module
			case c == 'W' || c == 'X':
				if j == len(v)-1 {
					i++
					if i >= len(argv) {
						return ScriptRun{}, false, ""
					}
					r.opts = append(r.opts, keep(i))
				}
				j = len(v)
			case strings.IndexByte(pythonFlags, c) < 0:
				return r, true, r.Name + " option -" + string(c)
			}
		}
	}
	return r.scriptFromStdin(i)
}

// perlFlags are perl's one-letter switches without an argument that
// harden keeps.
const perlFlags = "wWXtTsUaSn"

func (r ScriptRun) perl() (ScriptRun, bool, string) {
	argv := r.argv
	i := r.Interp + 1
	for ; i < len(argv); i++ {
		a := argv[i]
		v := a.Value
		if !a.Literal || v == "-" || !strings.HasPrefix(v, "-") {
			break
		}
		if v == "--" {
			i++
			break
		}
		for j := 1; j < len(v); j++ {
			switch c := v[j]; {
			case c == 'e' || c == 'E':
				return ScriptRun{}, false, ""
			case strings.IndexByte(perlFlags, c) < 0:
				return r, true, "perl option -" + string(c)
			}
		}
		r.opts = append(r.opts, keep(i))
	}
	return r.scriptFromStdin(i)
}

// scriptFromStdin ends an interpreter's options at argv[i]: the script it
// runs is standard input when nothing, "-" or /dev/stdin follows, and the
// words after that are its arguments; anything else is a script file, not
// a pipe into the interpreter.
func (r ScriptRun) scriptFromStdin(i int) (ScriptRun, bool, string) {
	argv := r.argv
	switch {
	case i >= len(argv):
	case argv[i].Literal && (argv[i].Value == "-" || isStdinScript(argv[i].Value)):
		r.args = i + 1
	default:
		return ScriptRun{}, false, ""
	}
	return r, true, ""
}

// RunFile is the command rewritten to run file instead of its standard
// input: wrappers, the interpreter and its options as written (without
// -s), then file, then the script's arguments (without the "-", "--" or
// /dev/stdin that stood for standard input).
func (r ScriptRun) RunFile(file string) []Piece {
	var out []Piece
	for i := 0; i <= r.Interp; i++ {
		out = append(out, keep(i))
	}
	out = append(out, r.opts...)
	out = append(out, text(file))
	for i := r.args; i < len(r.argv); i++ {
		out = append(out, keep(i))
	}
	return out
}

// DashC finds the script word of `[sudo] sh|bash… [-opts] -c SCRIPT [args…]`:
// its index in argv, and whether argv is such a command.
func DashC(argv []Word) (int, bool) {
	i, why := SkipWrappers(argv)
	if why != "" || i >= len(argv) || !argv[i].Literal {
		return 0, false
	}
	if k, _ := InterpKind(path.Base(argv[i].Value)); k != InterpShell {
		return 0, false
	}
	c := false
	for i++; i < len(argv); i++ {
		a := argv[i]
		if !a.Literal || !strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "+") {
			break
		}
		if a.Value == "--" || a.Value == "-" {
			i++
			break
		}
		if !strings.HasPrefix(a.Value, "--") && strings.Contains(a.Value[1:], "c") {
			c = true
		}
		if strings.HasSuffix(a.Value, "o") && !strings.HasPrefix(a.Value, "--") {
			i++
		}
	}
	if !c || i >= len(argv) {
		return 0, false
	}
	return i, true
}

// IsSource reports the `.` and `source` builtins, which run a file in the
// current shell.
func IsSource(name string) bool { return name == "." || name == "source" }

// isAssignment reports a NAME=value word.
func isAssignment(v string) bool {
	name, _, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return false
	}
	for i, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
