package fixes

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/shell"
)

// What the gpg fixes share: how gpg (and apt-key adv, which hands its
// words to gpg) reads its command line.

// isGPG reports the OpenPGP programs whose command line gpgLine reads.
func isGPG(name string) bool { return name == "gpg" || name == "gpg2" || name == "gpg1" }

// gpgValueOptions are gpg's long options that take the next word as their
// value (unless written --name=value).
var gpgValueOptions = map[string]bool{
	"--keyserver": true, "--keyring": true, "--secret-keyring": true, "--primary-keyring": true, "--homedir": true,
	"--output": true, "--recipient": true, "--hidden-recipient": true, "--local-user": true, "--default-key": true,
	"--default-recipient": true, "--encrypt-to": true, "--hidden-encrypt-to": true, "--recipient-file": true,
	"--hidden-recipient-file": true, "--trust-model": true, "--keyid-format": true, "--status-fd": true,
	"--status-file": true, "--logger-fd": true, "--logger-file": true, "--attribute-fd": true, "--attribute-file": true,
	"--command-fd": true, "--command-file": true, "--passphrase": true, "--passphrase-fd": true,
	"--passphrase-file": true, "--passphrase-repeat": true, "--pinentry-mode": true, "--keyserver-options": true,
	"--import-options": true, "--export-options": true, "--import-filter": true, "--export-filter": true,
	"--verify-options": true, "--list-options": true, "--trusted-key": true, "--compress-algo": true,
	"--cipher-algo": true, "--digest-algo": true, "--cert-digest-algo": true, "--s2k-cipher-algo": true,
	"--s2k-digest-algo": true, "--s2k-mode": true, "--s2k-count": true, "--set-filename": true, "--comment": true,
	"--weak-digest": true, "--auto-key-locate": true, "--options": true, "--agent-program": true,
	"--dirmngr-program": true, "--max-output": true, "--compliance": true, "--faked-system-time": true,
	"--sig-notation": true, "--cert-notation": true, "--set-notation": true, "--sig-policy-url": true,
	"--cert-policy-url": true, "--set-policy-url": true, "--sig-keyserver-url": true, "--display-charset": true,
	"--charset": true, "--trustdb-name": true, "--group": true, "--known-notation": true, "--debug": true,
	"--debug-level": true, "--tofu-policy": true, "--tofu-default-policy": true, "--default-cert-level": true,
	"--min-cert-level": true, "--completes-needed": true, "--marginals-needed": true, "--max-cert-depth": true,
	"--personal-cipher-preferences": true, "--personal-digest-preferences": true,
	"--personal-compress-preferences": true, "--default-preference-list": true, "--default-new-key-algo": true,
	"--request-origin": true, "--assert-signer": true, "--assert-pubkey-algo": true, "--default-sig-expire": true,
	"--default-cert-expire": true, "--compress-level": true, "--bzip2-compress-level": true,
	"--sender": true, "--ctapi-driver": true, "--pcsc-driver": true, "--photo-viewer": true, "--exec-path": true,
	"--limit-card-insert-tries": true, "--disable-cipher-algo": true, "--disable-pubkey-algo": true,
	"--override-session-key": true, "--override-session-key-fd": true, "--input-size-hint": true,
	"--chunk-size": true, "--key-origin": true, "--local-user-file": true,
}

// gpgShortValues are gpg's one-letter options that take a value (glued or
// in the next word): -o FILE, -r NAME, -u NAME, -R NAME, -N NOTATION,
// -z LEVEL, -f FILE, -F FILE.
const gpgShortValues = "oruRNzfF"

// gpgLine is a gpg command line read as gpg reads it.
type gpgLine struct {
	// ops are the commands it names, spelled the canonical way
	// ("--recv-keys", "--list-keys", "--sign"…).
	ops []string
	// pos are the indexes (in the words given) of the non-option words:
	// the commands' arguments.
	pos []int
	// value maps the index of an option taking a value to the index of
	// that value (itself when glued: --keyserver=x, -ofile).
	value map[int]int
	// batch reports --batch or --no-batch.
	batch bool
}

// gpgCommands maps the spellings of gpg's commands to their canonical
// names, with whether harden knows them to run without asking anything.
var gpgCommands = map[string]struct {
	name        string
	noQuestions bool
}{
	"--recv-keys": {"--recv-keys", true}, "--recv-key": {"--recv-keys", true}, "--recv": {"--recv-keys", true},
	"--receive-keys": {"--recv-keys", true}, "--refresh-keys": {"--refresh-keys", true},
	"--fetch-keys": {"--fetch-keys", true}, "--locate-keys": {"--locate-keys", true},
	"--locate-external-keys": {"--locate-keys", true},
	"--verify":               {"--verify", true}, "--verify-files": {"--verify", true},
	"--import": {"--import", true}, "--export": {"--export", true},
	"--dearmor": {"--dearmor", true}, "--dearmour": {"--dearmor", true},
	"--enarmor": {"--enarmor", true}, "--enarmour": {"--enarmor", true},
	"--fingerprint": {"--fingerprint", true}, "--list-keys": {"--list-keys", true}, "--list-key": {"--list-keys", true},
	"--list-public-keys": {"--list-keys", true}, "--list-secret-keys": {"--list-secret-keys", true},
	"--list-sigs": {"--list-sigs", true}, "--list-signatures": {"--list-sigs", true},
	"--check-sigs": {"--check-sigs", true}, "--check-signatures": {"--check-sigs", true},
	"--list-packets": {"--list-packets", true}, "--show-keys": {"--show-keys", true},
	"--decrypt": {"--decrypt", true},
	// Commands that ask, or whose answers --batch changes.
	"--edit-key": {"--edit-key", false}, "--edit": {"--edit-key", false}, "--sign-key": {"--sign-key", false},
	"--lsign-key": {"--sign-key", false}, "--quick-sign-key": {"--sign-key", false},
	"--quick-lsign-key": {"--sign-key", false}, "--gen-key": {"--gen-key", false},
	"--generate-key": {"--gen-key", false}, "--full-gen-key": {"--gen-key", false},
	"--full-generate-key": {"--gen-key", false}, "--quick-gen-key": {"--gen-key", false},
	"--quick-generate-key": {"--gen-key", false}, "--quick-add-uid": {"--gen-key", false},
	"--quick-add-key": {"--gen-key", false}, "--quick-revoke-uid": {"--edit-key", false},
	"--quick-set-expire": {"--edit-key", false}, "--quick-set-primary-uid": {"--edit-key", false},
	"--gen-revoke": {"--gen-revoke", false}, "--generate-revocation": {"--gen-revoke", false},
	"--desig-revoke": {"--gen-revoke", false}, "--generate-designated-revocation": {"--gen-revoke", false},
	"--sign": {"--sign", false}, "--clearsign": {"--sign", false}, "--clear-sign": {"--sign", false},
	"--detach-sign": {"--sign", false}, "--encrypt": {"--encrypt", false}, "--encrypt-files": {"--encrypt", false},
	"--symmetric": {"--symmetric", false}, "--decrypt-files": {"--decrypt-files", false},
	"--delete-key": {"--delete-keys", false}, "--delete-keys": {"--delete-keys", false},
	"--delete-secret-key": {"--delete-keys", false}, "--delete-secret-keys": {"--delete-keys", false},
	"--delete-secret-and-public-key": {"--delete-keys", false}, "--delete-secret-and-public-keys": {"--delete-keys", false},
	"--search-keys": {"--search-keys", false}, "--search": {"--search-keys", false},
	"--send-keys": {"--send-keys", false}, "--card-edit": {"--card-edit", false}, "--edit-card": {"--card-edit", false},
	"--card-status": {"--card-edit", false}, "--change-pin": {"--card-edit", false}, "--passwd": {"--passwd", false},
	"--update-trustdb": {"--update-trustdb", false}, "--check-trustdb": {"--update-trustdb", false},
	"--import-ownertrust": {"--import-ownertrust", false}, "--export-ownertrust": {"--export-ownertrust", false},
	"--export-secret-keys": {"--export-secret-keys", false}, "--export-secret-subkeys": {"--export-secret-keys", false},
	"--export-ssh-key": {"--export-secret-keys", false}, "--store": {"--store", false},
	"--tofu-policy": {"--tofu-policy", false}, "--gen-random": {"--gen-random", false},
	"--gen-prime": {"--gen-prime", false}, "--print-md": {"--print-md", false}, "--print-mds": {"--print-md", false},
}

// gpgShortCommands are the one-letter commands.
var gpgShortCommands = map[byte]string{'k': "--list-keys", 'K': "--list-secret-keys", 'd': "--decrypt",
	's': "--sign", 'b': "--sign", 'e': "--encrypt", 'c': "--symmetric"}

// readGPG reads args (the words after gpg, or after apt-key adv).
// Non-literal words are arguments: gpg reads what they expand to, which
// harden does not know.
func readGPG(args []shell.Word) gpgLine {
	l := gpgLine{value: map[int]int{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case !a.Literal || v == "-" || !strings.HasPrefix(v, "-"):
			l.pos = append(l.pos, i)
		case v == "--":
			for j := i + 1; j < len(args); j++ {
				l.pos = append(l.pos, j)
			}
			return l
		case strings.HasPrefix(v, "--"):
			name, _, glued := strings.Cut(v, "=")
			if name == "--batch" || name == "--no-batch" {
				l.batch = true
			}
			if c, ok := gpgCommands[name]; ok && !(name == "--tofu-policy" && glued) {
				l.ops = append(l.ops, c.name)
			}
			if glued {
				l.value[i] = i
			} else if gpgValueOptions[name] && name != "--tofu-policy" && i+1 < len(args) {
				l.value[i] = i + 1
				i++
			}
		default:
			for k := 1; k < len(v); k++ {
				if op, ok := gpgShortCommands[v[k]]; ok {
					l.ops = append(l.ops, op)
				}
				if strings.IndexByte(gpgShortValues, v[k]) >= 0 {
					if k+1 < len(v) {
						l.value[i] = i
					} else if i+1 < len(args) {
						l.value[i] = i + 1
						i++
					}
					break
				}
			}
		}
	}
	return l
}

// has reports whether the line names command op (canonical name).
func (l gpgLine) has(op string) bool {
	for _, o := range l.ops {
		if o == op {
			return true
		}
	}
	return false
}

// gpgArgs are the words of a call that gpg reads: after the program for
// gpg, gpg2 and gpg1, after "adv" for apt-key adv; ok is false for other
// calls.
func gpgArgs(c call) (args []shell.Word, nodes []*syntax.Word, ok bool) {
	args = c.args()
	nodes = c.expr.Args[c.prog+1:]
	switch {
	case isGPG(c.name):
		return args, nodes, true
	case c.name == "apt-key":
		for i := 0; i < len(args); i++ {
			switch {
			case !args[i].Literal:
				return nil, nil, false
			case args[i].Value == "--keyring":
				i++
			case strings.HasPrefix(args[i].Value, "-"):
			case args[i].Value == "adv":
				return args[i+1:], nodes[i+1:], true
			default:
				return nil, nil, false
			}
		}
	}
	return nil, nil, false
}
