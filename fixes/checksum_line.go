package fixes

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/transform"
)

// ChecksumLine writes checksum lines with the two spaces every sha256sum
// reads.
var ChecksumLine = &transform.Fix{
	Name:          "checksum-line",
	Summary:       "Separate hash and file name with two spaces in a checksum line",
	Also:          []string{"sha256sumEchoOneSpaces"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkChecksumLine,
	Example: `FROM alpine:3.20
ARG TOOL_SHA256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RUN wget -O tool.tgz https://example.com/tool.tgz \
 && echo "$TOOL_SHA256 tool.tgz" | sha256sum -c -
`,
	Doc: `What it does
  In echo "HASH FILE" | sha256sum -c (also sha1sum, sha224sum, sha384sum,
  sha512sum, md5sum; with -c or --check, reading standard input), where
  the one word echo prints puts a single space between the hash and the
  file name, it makes that space two: echo "HASH  FILE". The hash may be
  a literal hexadecimal string or a variable ("$TOOL_SHA256",
  "${sha256}"); the space is edited where it is written, inside the
  quotes.

Why
  Two spaces (or a space and "*" for a binary file) is the format these
  tools write and the one every implementation reads. BusyBox's applets
  (Alpine, the busybox image) find the file name by looking for "  " or
  " *" and reject a line with one space: checked with BusyBox 1.35 run
  in a container, echo "$h f" | sha256sum -c prints "WARNING: 1 of 1
  computed checksums did NOT match" and exits 1, for md5sum, sha1sum,
  sha256sum and sha512sum alike, with and without "-"; "$h  f" and
  "$h *f" print "f: OK". On such a stage the check fails the build today;
  elsewhere it passes only as long as sha256sum is GNU coreutils.

Safe
  GNU coreutils (9.1 checked) reads "HASH FILE" and "HASH  FILE" alike,
  --strict included: the same file is checked against the same hash. The
  edit only makes the line one that BusyBox reads too.

What it will not do
  It leaves alone lines that already use two spaces or the binary marker
  ("HASH *FILE"), and reports without an edit echo $SHA file (two words,
  which echo joins with one space: quoting them anew is not an edit to
  make blind). It leaves alone words with backslashes or more than one
  line, a hash part that is neither hexadecimal nor a variable, printf,
  here-strings, checksum files written to disk and checked later,
  sha256sum -c reading a file, shasum (Perl), and checks inside
  "sh -c '…'" strings.`,
}

// sumTools are the programs whose -c reads "HASH  FILE" lines, in GNU
// coreutils and in BusyBox.
var sumTools = map[string]bool{"md5sum": true, "sha1sum": true, "sha224sum": true, "sha256sum": true, "sha384sum": true, "sha512sum": true}

func checkChecksumLine(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			if !sumTools[c.name] || !checksFromStdin(c.args()) {
				continue
			}
			echo := pipedFrom(c)
			if echo == nil {
				continue
			}
			words := echoedWords(echo)
			var node syntax.Node
			var off int
			switch {
			case len(words) == 1:
				var ok bool
				if node, off, ok = singleSpace(words[0]); !ok {
					continue
				}
			case len(words) == 2 && hashWord(words[0]) && !strings.HasPrefix(words[1].Lit(), "*"):
			default:
				continue
			}
			facts := pass.Facts(st)
			f := transform.Finding{Line: lineOf(doc, c.sh, echo), Message: "the checksum line has one space between hash and file name: " + c.name + " -c of BusyBox (Alpine) rejects it"}
			if facts.Family() == images.BusyBox && !facts.Installs("coreutils") {
				f.Message = "the checksum line has one space between hash and file name: this stage's " + c.name + " -c (BusyBox) rejects it and fails the build"
			}
			if node == nil {
				f.Message += "; not changed: echo joins its two words with one space (quote them as one word, \"HASH  FILE\")"
			} else if e, ok := c.sh.ReplaceWithin(node, off, off+1, "  "); ok {
				f.Title, f.Edits = "Separate hash and file name with two spaces", []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}

// checksFromStdin reports arguments of a sum tool that check the lines
// of standard input: -c (alone or in a cluster) or --check, and no file
// other than "-".
func checksFromStdin(args []shellWord) bool {
	if !pkgmgr.HasShort(args, 'c', "bctwzs") && !pkgmgr.HasLong(args, "--check") {
		return false
	}
	for _, a := range args {
		if !a.Literal || a.Value != "-" && !strings.HasPrefix(a.Value, "-") {
			return false
		}
	}
	return true
}

// pipedFrom is the echo command whose output call c reads through a pipe,
// or nil.
func pipedFrom(c call) *syntax.CallExpr {
	var from *syntax.Stmt
	syntax.Walk(c.sh.File, func(n syntax.Node) bool {
		if b, ok := n.(*syntax.BinaryCmd); ok && b.Op == syntax.Pipe && b.Y == c.stmt {
			from = b.X
			if x, ok := from.Cmd.(*syntax.BinaryCmd); ok && (x.Op == syntax.Pipe || x.Op == syntax.PipeAll) {
				from = x.Y
			}
		}
		return from == nil
	})
	if from == nil || len(from.Redirs) > 0 {
		return nil
	}
	ce, ok := from.Cmd.(*syntax.CallExpr)
	if !ok || len(ce.Assigns) > 0 || len(ce.Args) == 0 || ce.Args[0].Lit() != "echo" {
		return nil
	}
	return ce
}

// echoedWords are the words echo prints after its options -n, -e, -E.
func echoedWords(ce *syntax.CallExpr) []*syntax.Word {
	args := ce.Args[1:]
	for len(args) > 0 {
		switch args[0].Lit() {
		case "-n", "-e", "-E", "-ne", "-en":
			args = args[1:]
			continue
		}
		break
	}
	return args
}

// hashWord reports a word that is a hash: 32 hexadecimal digits or more,
// or one variable ($SHA, "${SHA}").
func hashWord(w *syntax.Word) bool {
	if len(w.Parts) == 1 {
		p := w.Parts[0]
		if q, ok := p.(*syntax.DblQuoted); ok && !q.Dollar && len(q.Parts) == 1 {
			p = q.Parts[0]
		}
		if _, ok := p.(*syntax.ParamExp); ok {
			return true
		}
	}
	v := w.Lit()
	return len(v) >= 32 && strings.Trim(v, "0123456789abcdefABCDEF") == ""
}

// lineChar is one character of the line a word prints: a literal byte of
// node (at off from its start), or an expansion (node is the expansion,
// off is -1).
type lineChar struct {
	b    byte
	node syntax.Node
	off  int
}

// singleSpace finds, in a word that prints "HASH FILE" with one space,
// that space: the node holding it and its offset from the node's start.
// The hash is hexadecimal digits (32 at least when there is no variable)
// and variables; the file name does not start with a blank or "*".
func singleSpace(w *syntax.Word) (syntax.Node, int, bool) {
	var line []lineChar
	lit := func(n syntax.Node, v string, base int) bool {
		if strings.ContainsAny(v, "\\\n\r") {
			return false
		}
		for i := 0; i < len(v); i++ {
			line = append(line, lineChar{v[i], n, base + i})
		}
		return true
	}
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if !lit(p, p.Value, 0) {
				return nil, 0, false
			}
		case *syntax.SglQuoted:
			if p.Dollar || !lit(p, p.Value, 1) {
				return nil, 0, false
			}
		case *syntax.DblQuoted:
			if p.Dollar {
				return nil, 0, false
			}
			for _, q := range p.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
					if !lit(q, q.Value, 0) {
						return nil, 0, false
					}
				case *syntax.ParamExp:
					line = append(line, lineChar{node: q, off: -1})
				default:
					return nil, 0, false
				}
			}
		case *syntax.ParamExp:
			line = append(line, lineChar{node: p, off: -1})
		default:
			return nil, 0, false
		}
	}
	sp := -1
	for i, ch := range line {
		if ch.off >= 0 && (ch.b == ' ' || ch.b == '\t') {
			sp = i
			break
		}
	}
	if sp <= 0 || line[sp].b != ' ' || sp+1 >= len(line) {
		return nil, 0, false
	}
	vars, digits := false, 0
	for _, ch := range line[:sp] {
		switch {
		case ch.off < 0:
			vars = true
		case isHex(ch.b):
			digits++
		default:
			return nil, 0, false
		}
	}
	if !vars && digits < 32 {
		return nil, 0, false
	}
	if next := line[sp+1]; next.off >= 0 && (next.b == ' ' || next.b == '\t' || next.b == '*') {
		return nil, 0, false
	}
	return line[sp].node, line[sp].off, true
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}
