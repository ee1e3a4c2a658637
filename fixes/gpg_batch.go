package fixes

import (
	"github.com/harden-dev/harden/transform"
	"path"
	"strings"
)

// GPGBatch adds --batch to gpg commands that ask nothing.
var GPGBatch = &transform.Fix{
	Name:          "gpg-batch",
	Summary:       "Run gpg in batch mode in scripts",
	Also:          []string{"gpgUseBatchFlag"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkGPGBatch,
	Example: `FROM debian:bookworm-slim
RUN gpg --keyserver keyserver.ubuntu.com --recv-keys B42F6819007F00F88E364FD4036A9C25BF357DD4
`,
	Doc: `What it does
  Adds --batch right after gpg (gpg2, gpg1) when a RUN runs it without
  --batch (or --no-batch) for commands that ask nothing when they work:
  --recv-keys (--receive-keys, --recv-key), --refresh-keys, --fetch-keys,
  --locate-keys, --verify, --import, --export, --dearmor, --enarmor,
  --fingerprint, --list-keys (-k), --list-secret-keys (-K), --list-sigs,
  --check-sigs, --list-packets, --show-keys and --decrypt (-d).

Why
  Without --batch, gpg turns to the terminal whenever it has a question
  (a file to overwrite, a data file it cannot find, a passphrase): a build
  has no terminal, so it fails there with "cannot open '/dev/tty'" instead
  of a plain error. --batch is the documented way to run gpg from a
  script.

Safe
  For these commands a run that works asks nothing and gives the same
  result with --batch. Where gpg would ask, it failed in a build before
  (no terminal) and fails with --batch too, with a clearer error. The
  other differences only turn such failures into successes: GnuPG 2.1+
  honours --passphrase, --passphrase-fd and --passphrase-file only in batch
  mode (or with --pinentry-mode loopback), so a --decrypt given one uses it
  instead of asking a pinentry that cannot run in a build; and it imports
  a secret key with --batch as it is, without asking for its passphrase.

  One exception, handled: "gpg --verify X.asc" (one argument, a name
  ending in .asc, .sig or .sign) checks X.asc against X when X is there,
  but only without --batch (GnuPG 1.4.19, 2.0.27, 2.1.1 and later do not
  guess the signed file in batch mode: "no signed data"). When the
  Dockerfile names X (the RUN downloads it, a COPY brings it), the edit
  names it too: "gpg --batch --verify X.asc X", which is what gpg does
  without --batch. When X is named nowhere, X.asc is a clear-signed or
  inline-signed file (SHASUMS256.txt.asc) and --batch alone changes
  nothing.

What it will not do
  It leaves alone gpg commands that ask or whose questions --batch answers
  differently: --edit-key, --gen-key and the --quick-* key commands,
  --sign, --clearsign, --detach-sign, --encrypt, --symmetric (-s, -b, -e,
  -c), --delete-keys, --search-keys, --send-keys, --export-secret-keys and
  the trust-database and card commands, and gpg without a command it knows
  (gpg FILE, gpg --version). gpgv (always in batch mode), gpg-agent,
  gpgconf and dirmngr are not gpg. It does not look inside "sh -c '…'"
  strings.`,
}

func checkGPGBatch(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		for _, c := range calls(doc, n) {
			if !isGPG(c.name) {
				continue
			}
			l := readGPG(c.args())
			if l.batch || len(l.ops) == 0 {
				continue
			}
			quiet := true
			for _, op := range l.ops {
				quiet = quiet && gpgCommands[op].noQuestions
			}
			if !quiet {
				continue
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt),
				Message: c.name + " " + l.ops[0] + " runs without --batch: if it has a question, it looks for a terminal the build does not have"}
			data, named, guessed := verifyDataFile(doc, c, l)
			e, ok := c.sh.InsertWordAfter(c.progWord(), "--batch")
			switch {
			case !ok:
			case guessed && !named:
				f.Message += "; not changed: with --batch, gpg --verify SIG no longer looks for the signed file next to SIG: name it (" + c.name + " --batch --verify SIG FILE)"
			case guessed:
				// gpg --verify X.asc checks X when X is there; with --batch
				// it does not guess (GnuPG 1.4.19, 2.0.27, 2.1.1 and
				// later): name X, as gpg recommends.
				sig := c.arg(l.pos[0])
				if e2, ok := c.sh.InsertWordAfter(sig, data); ok {
					f.Title, f.Edits = "Add --batch to "+c.name+" and name the signed file", []transform.Edit{e, e2}
				} else {
					f.Message += "; not changed: harden cannot name the signed file after the signature"
				}
			default:
				f.Title, f.Edits = "Add --batch to "+c.name, []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}

// verifyDataFile reads gpg --verify SIG with no signed-file argument, where
// SIG's name ends in .asc, .sig or .sign: without --batch, gpg then checks
// SIG against the file named like it without the extension when that file
// is there, and only without --batch. guessed reports that form; data is
// that file's name as written in SIG's word (quotes kept); named reports
// that the Dockerfile names that file elsewhere (downloaded by the RUN,
// copied in), so that it is there and the verify is a detached one. When
// it is named nowhere, the signature is an inline or clear-signed file and
// --batch changes nothing.
func verifyDataFile(doc *transform.Document, c call, l gpgLine) (data string, named, guessed bool) {
	if !l.has("--verify") || len(l.ops) != 1 || len(l.pos) != 1 {
		return "", false, false
	}
	w := c.arg(l.pos[0])
	raw := c.sh.Text[w.Pos().Offset():w.End().Offset()]
	quote := ""
	if n := len(raw); n > 1 && (raw[n-1] == '"' || raw[n-1] == '\'') {
		quote, raw = raw[n-1:], raw[:n-1]
	}
	var ext string
	for _, x := range []string{".asc", ".sig", ".sign"} {
		if strings.HasSuffix(raw, x) {
			ext = x
		}
	}
	if ext == "" || raw == "-" {
		return "", false, false
	}
	base := strings.TrimSuffix(raw, ext)
	name := strings.TrimLeft(path.Base(strings.Trim(base, `"'`)), `"'`)
	if name == "" || name == "." {
		return "", false, true
	}
	// Named elsewhere: an occurrence of the name not followed by the
	// signature's extension, in the RUN or in any instruction.
	mentions := func(text string) bool {
		for i := 0; ; {
			j := strings.Index(text[i:], name)
			if j < 0 {
				return false
			}
			k := i + j + len(name)
			if !strings.HasPrefix(text[k:], ext) {
				return true
			}
			i = k
		}
	}
	if mentions(c.sh.Text) {
		return base + quote, true, true
	}
	for _, n := range doc.Instructions() {
		if n.Original != "" && !strings.EqualFold(n.Value, "run") && mentions(n.Original) {
			return base + quote, true, true
		}
	}
	// A name built from variables may be a file named otherwise (tini
	// for $f): harden cannot tell, so it does not change the command.
	return base + quote, false, strings.Contains(name, "$")
}
