package fixes

import (
	"fmt"
	"path"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// TarArchiveCleanup removes an archive that a RUN downloads and extracts.
var TarArchiveCleanup = &transform.Fix{
	Name:          "tar-archive-cleanup",
	Summary:       "Remove a downloaded archive in the RUN that extracts it",
	Also:          []string{"tarSomethingRmTheSomething"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkTarArchiveCleanup,
	Example: `FROM debian:bookworm-slim
RUN curl -fsSL -o /tmp/node.tar.xz https://example.com/node.tar.xz \
    && tar -xJf /tmp/node.tar.xz -C /usr/local --strip-components=1 \
    && node --version
`,
	Doc: `What it does
  Adds "rm -f FILE" after "tar -x… -f FILE" (any option form: xzf FILE,
  -xzf FILE, -x -f FILE, --extract --file=FILE, -C DIR anywhere) or "unzip
  FILE", when FILE was downloaded earlier in the same RUN (curl -o FILE,
  curl -O, curl URL > FILE, wget -O FILE, wget -P DIR, plain wget URL) and
  nothing removes it afterwards. Where tar is followed by "&&" it becomes
  "tar … && rm -f FILE && …"; where it ends a statement with ";" (set -eux;
  …; tar …; …), "rm -f FILE;" goes right after that ";"; elsewhere "&& rm
  -f FILE" goes at the end of the RUN when FILE names the same file there
  (an absolute path, or no cd since the download).

Why
  The archive stays in the layer next to what was extracted from it, often
  as large. Only the RUN that downloads it can leave it out of the image.

When it is safe, and when not
  The edit is made only with positive evidence that nothing needs the file
  afterwards: it was downloaded in this RUN, in a part of the script that
  runs whenever the extraction does, to the same path (the same directory
  for a relative name, the same variables); nothing after the extraction
  in the RUN names it (a second tar, a mv or cp, a pattern that matches
  it), checks checksums or signatures, or copies a directory it is in; no
  other instruction of the stage, of the stages built from it, or COPY
  --from them names it or copies a directory it is in (COPY --from: any
  directory, when the file's directory is unknown). "rm -f" does not fail
  when the file is gone. Inserted commands never change what a failing tar
  does: "&&" only goes where another "&&" follows, so set -e and the RUN's
  status still see a failing tar.

What it will not do
  It leaves alone archives that come from COPY or ADD, or from an earlier
  RUN: removing a file in a later layer than the one that wrote it saves
  nothing. It skips tar reading standard input (-f -, a pipe), tar
  creating or listing archives, downloads it cannot name (curl -J, wget
  --content-disposition, -nc, -N, -c, URLs with a query), RUNs with a
  --mount over the file's directory or below it (cache, tmpfs, bind: the
  file is not in the image, or rm would fail), and tar in a loop the
  download is not in (rm then goes at the end of the RUN). A plain "wget
  URL" that finds the file already there saves FILE.1: harden assumes an
  earlier instruction would name it. When rm cannot go where the file has
  the same name (a cd since the download, and no ";" or "&&" after tar),
  it reports without an edit.`,
}

func checkTarArchiveCleanup(pass *transform.Pass) {
	doc := pass.Doc
	flowRuns(doc, []string{"tar", "unzip"}, func(st *transform.Stage, i int, n *parserNode, cs []call, fl *flow) {
		type fetched struct {
			c    call
			file string
			at   place
		}
		var got []fetched
		done := map[int]bool{} // downloads reported
		for k, c := range cs {
			pc := fl.at[c.stmt]
			ex, isExtract := readExtract(c)
			for _, f := range downloadFiles(c) {
				got = append(got, fetched{c, f, pc})
			}
			if !isExtract {
				continue
			}
			var src *fetched
			srcAt := -1
			for j := len(got) - 1; j >= 0; j-- {
				d := got[j]
				a, b, ok := comparable(d.file, d.at, ex.file, pc)
				if ok && a == b && d.c.stmt != c.stmt && fl.dominates(d.at, pc) &&
					!fl.setBetween(ex.file, int(d.c.stmt.Pos().Offset()), int(c.stmt.Pos().Offset())) {
					src, srcAt = &got[j], j
					break
				}
			}
			if src == nil {
				continue
			}
			abs := absPath(ex.file, pc)
			if done[srcAt] {
				continue
			}
			if mountOver(doc, n, abs) {
				continue
			}
			if usedAfter(c, cs[k+1:], fl, ex.file, pc) || archiveNamedElsewhere(doc, st, n, ex.file, abs) {
				continue
			}
			done[srcAt] = true
			base := path.Base(strings.Trim(ex.raw, `"'`))
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt),
				Message: fmt.Sprintf("%s is downloaded and extracted in this RUN but stays in the image layer", base)}
			rm := src.c.sudo() + "rm -f " + ex.raw
			if src.c.asOther() {
				f.Message += "; not changed: it is downloaded as another user"
				pass.Report(f)
				continue
			}
			var e transform.Edit
			ok := false
			if !pc.loop || src.at.guard == pc.guard {
				e, ok = c.sh.InsertAfter(c.stmt, rm)
			}
			if !ok {
				if a, b, same := comparable(ex.file, pc, ex.file, fl.end); same && a == b && !fl.setBetween(ex.file, int(c.stmt.Pos().Offset()), len(c.sh.Text)+1) {
					e, ok = appendCmd(doc, c.sh, rm)
				}
			}
			if ok {
				f.Title, f.Edits = "Remove "+base+" after extracting it", []transform.Edit{e}
			} else {
				f.Message += "; not changed: harden cannot place rm where the file has the same name"
			}
			pass.Report(f)
		}
	})
}

// usedAfter reports a command after extract (in rest) that removes the
// file (then there is nothing to do) or may use it: its base name in the
// script text after extract, a pattern that matches it, a checksum or
// signature check (which reads names from a file), or a copy of a
// directory it is in.
func usedAfter(extract call, rest []call, fl *flow, file string, at place) bool {
	for _, c := range rest {
		if removes(c, fl.at[c.stmt], file, at, false) {
			return true
		}
		if c.name == "trap" {
			for _, a := range c.args() {
				if strings.Contains(flat(a.Value), flat(path.Base(file))) {
					return true
				}
			}
		}
	}
	after := extract.sh.Text[extract.expr.End().Offset():]
	if strings.Contains(flat(after), flat(path.Base(file))) {
		return true
	}
	for _, c := range rest {
		if c.name == "rm" || c.name == "rmdir" {
			continue // another rm -f of the file does no harm
		}
		if strings.HasSuffix(c.name, "sum") && hasArg(c, "-c", "--check") ||
			(c.name == "gpg" || c.name == "gpg2" || c.name == "gpgv") && (hasArg(c, "--verify") || c.name == "gpgv") {
			return true
		}
		if copiesDirOf(c, fl.at[c.stmt], file, at) {
			return true
		}
		for i := range c.args() {
			s, glob, ok := canon(c.arg(i))
			if !ok || !glob {
				continue
			}
			if a, t, ok := comparable(s, fl.at[c.stmt], file, at); ok {
				if m, _ := path.Match(a, t); m {
					return true
				}
			} else if m, _ := path.Match(path.Base(s), path.Base(file)); m {
				return true
			}
		}
	}
	return false
}

// archiveNamedElsewhere reports another instruction that may use the
// archive: its text names the file's base name, or it copies the file's
// directory (or one above) from the stage: abs, the file's absolute path,
// or any directory when that is unknown.
func archiveNamedElsewhere(doc *transform.Document, st *transform.Stage, n *parserNode, file, abs string) bool {
	base := flat(path.Base(file))
	for _, m := range otherInstructions(doc, st, n) {
		if strings.Contains(flat(doc.Text(m)), base) {
			return true
		}
		if abs == "" && copiesFrom(doc, m) {
			return true
		}
	}
	return abs != "" && namedElsewhere(doc, st, n, abs) != nil
}

// copiesFrom reports a COPY or ADD --from.
func copiesFrom(doc *transform.Document, m *parserNode) bool {
	if !strings.EqualFold(m.Value, "copy") && !strings.EqualFold(m.Value, "add") {
		return false
	}
	in := doc.Inst(m)
	if in == nil {
		return true
	}
	_, ok := in.Flag("from")
	return ok
}

// extract is a tar or unzip call that extracts an archive file.
type extract struct {
	file string // the archive, a canonical path (see canon)
	raw  string // the archive as written in the script
}

// tarValueShort are tar's short options that take a value.
const tarValueShort = "fbCFgHKLNTVX"

// tarValueLong are tar's long options that take a value as the next word.
var tarValueLong = map[string]bool{
	"--file": true, "--directory": true, "--strip-components": true, "--exclude": true, "--exclude-from": true,
	"--files-from": true, "--transform": true, "--xform": true, "--owner": true, "--group": true, "--mode": true,
	"--mtime": true, "--use-compress-program": true, "--to-command": true, "--format": true, "--blocking-factor": true,
	"--record-size": true, "--newer": true, "--after-date": true, "--newer-mtime": true, "--label": true,
	"--info-script": true, "--new-volume-script": true, "--checkpoint-action": true, "--suffix": true,
	"--index-file": true, "--rsh-command": true, "--rmt-command": true, "--tape-length": true,
	"--starting-file": true, "--warning": true, "--quoting-style": true, "--exclude-tag": true,
	"--exclude-tag-under": true, "--exclude-tag-all": true, "--volno-file": true, "--hole-detection": true,
	"--owner-map": true, "--group-map": true, "--pax-option": true,
}

// readExtract reads a tar call that extracts from an archive file, or an
// unzip call.
func readExtract(c call) (extract, bool) {
	switch c.name {
	case "tar":
		return readTar(c)
	case "unzip":
		return readUnzip(c)
	}
	return extract{}, false
}

func readTar(c call) (extract, bool) {
	args := c.args()
	x, other := false, false
	fileAt, prefix := -1, ""
	// take records that option letter l (at j in word i) takes a value:
	// the rest of the word, or the next word; it returns the next i.
	take := func(l byte, i, j int) int {
		rest := args[i].Value[j+1:]
		if l == 'f' {
			if rest != "" {
				fileAt, prefix = i, args[i].Value[:j+1]
			} else {
				fileAt, prefix = i+1, ""
			}
		}
		if rest == "" {
			return i + 1
		}
		return i
	}
	op := func(l byte) {
		switch l {
		case 'x':
			x = true
		case 'c', 't', 'r', 'u', 'A', 'd':
			other = true
		}
	}
	i := 0
	if len(args) > 0 && args[0].Literal && args[0].Value != "" && !strings.HasPrefix(args[0].Value, "-") && isLetters(args[0].Value) {
		// Old style: "xzf FILE"; the letters that take a value take the
		// next words in order.
		next := 1
		for j := 0; j < len(args[0].Value); j++ {
			l := args[0].Value[j]
			op(l)
			if strings.IndexByte(tarValueShort, l) >= 0 {
				if l == 'f' {
					fileAt, prefix = next, ""
				}
				next++
			}
		}
		i = next
	}
	for ; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case !a.Literal && !strings.HasPrefix(v, "-"):
		case v == "--":
			i = len(args)
		case strings.HasPrefix(v, "--"):
			name, _, eq := strings.Cut(v, "=")
			switch name {
			case "--extract", "--get":
				x = true
			case "--create", "--list", "--append", "--update", "--diff", "--compare", "--delete", "--concatenate", "--catenate", "--test-label":
				other = true
			case "--file":
				if eq {
					fileAt, prefix = i, "--file="
				} else {
					fileAt, prefix = i+1, ""
				}
			}
			if !eq && tarValueLong[name] {
				i++
			}
		case strings.HasPrefix(v, "-") && len(v) > 1 && a.Literal:
			for j := 1; j < len(v); j++ {
				op(v[j])
				if strings.IndexByte(tarValueShort, v[j]) >= 0 {
					i = take(v[j], i, j)
					break
				}
			}
		}
	}
	if !x || other || fileAt < 0 || fileAt >= len(args) {
		return extract{}, false
	}
	return archiveWord(c, fileAt, prefix)
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return true
}

// archiveWord reads the archive named by args[i] after prefix (an option
// glued to it: "--file=", "-xzf").
func archiveWord(c call, i int, prefix string) (extract, bool) {
	w := c.arg(i)
	s, glob, ok := canon(w)
	raw := wordText(c.sh, w)
	if !ok || glob || !strings.HasPrefix(s, prefix) || !strings.HasPrefix(raw, prefix) {
		return extract{}, false
	}
	s, raw = s[len(prefix):], raw[len(prefix):]
	if s == "" || s == "-" || strings.HasPrefix(s, "/dev/") || strings.Contains(raw, "\n") {
		return extract{}, false
	}
	return extract{file: s, raw: raw}, true
}

func readUnzip(c call) (extract, bool) {
	args := c.args()
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		if !a.Literal || !strings.HasPrefix(v, "-") {
			return archiveWord(c, i, "")
		}
		for j := 1; j < len(v); j++ {
			switch l := v[j]; {
			case l == 'd' || l == 'P':
				if j == len(v)-1 {
					i++
				}
				j = len(v)
			case strings.IndexByte("oqnjaCLuUWXKMVsbD", l) < 0:
				return extract{}, false // lists, tests, pipes, or unknown
			}
		}
	}
	return extract{}, false
}

// canonAfter is args[i] of c after prefix (an option glued to it), as a
// canonical path without patterns.
func canonAfter(c call, i int, prefix string) (string, bool) {
	if i >= len(c.args()) {
		return "", false
	}
	s, glob, ok := canon(c.arg(i))
	if !ok || glob || !strings.HasPrefix(s, prefix) {
		return "", false
	}
	return s[len(prefix):], true
}
