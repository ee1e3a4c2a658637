package fixes

import (
	"github.com/harden-dev/harden/transform"
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
			if e, ok := c.sh.InsertWordAfter(c.progWord(), "--batch"); ok {
				f.Title, f.Edits = "Add --batch to "+c.name, []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}
