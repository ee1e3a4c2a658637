package fixes

import (
	"bytes"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/transform"
)

// ApkNoCache adds --no-cache to apk add.
var ApkNoCache = &transform.Fix{
	Name:          "apk-no-cache",
	Summary:       "Install Alpine packages without keeping the index cache",
	Also:          []string{"DL3019", "apkAddUseNoCache"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkApkNoCache,
	Example: `FROM alpine:3.20
RUN apk update && apk add curl && rm -rf /var/cache/apk/*
`,
	Doc: `What it does
  Adds --no-cache right after "add" in every apk add of a RUN that does not
  pass it. Then, in that RUN, it drops what --no-cache makes redundant when
  it is written as a link of an "&&" chain: a leading "apk update &&" and a
  trailing "&& rm -rf /var/cache/apk/*".

Why
  apk add (and apk update) store the package index in /var/cache/apk, about
  a megabyte per repository, in the layer. With --no-cache, apk fetches a
  fresh index into a temporary place and keeps nothing; it installs the
  same packages.

What it will not do
  It leaves RUNs with a cache or tmpfs mount over /var/cache/apk or
  /etc/apk/cache alone (the cache is meant to be kept there), keeps an
  "apk update" that other apk commands (search, info, fetch, upgrade…) of
  the RUN or of a later RUN may read, keeps "apk update; …" and "rm … ||" forms, and never
  touches commands inside "sh -c '…'" strings.`,
}

func checkApkNoCache(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, i int, n *parserNode) {
		if cacheMount(doc, n, "/var/cache/apk", "/etc/apk/cache") {
			return
		}
		cs := calls(doc, n)
		var adds []call
		var update, rm *call
		other := false
		for k, c := range cs {
			switch v, _ := c.verb(); {
			case c.name == "apk" && v == "add":
				if !pkgmgr.HasLong(c.args(), "--no-cache") {
					adds = append(adds, c)
				}
			case c.name == "apk" && v == "update":
				update = &cs[k]
			case c.name == "apk":
				other = true
			case c.name == "rm" && len(c.args()) == 2 && c.args()[0].Value == "-rf" && c.args()[1].Value == "/var/cache/apk/*":
				rm = &cs[k]
			}
		}
		if len(adds) == 0 {
			return
		}
		f := transform.Finding{Line: lineOf(doc, adds[0].sh, adds[0].stmt), Message: "apk add keeps the package index in /var/cache/apk"}
		for _, c := range adds {
			_, i := c.verb()
			e, ok := c.sh.InsertWordAfter(c.arg(i), "--no-cache")
			if !ok {
				pass.Report(transform.Finding{Line: f.Line, Message: f.Message})
				return
			}
			f.Edits = append(f.Edits, e)
		}
		f.Title = "Add --no-cache to apk add"
		cacheLeft := update != nil
		if update != nil && !other && !laterApkReads(doc, st, i) {
			if e, ok := dropAndLink(doc, update, true); ok {
				f.Edits = append(f.Edits, e)
				f.Title += ", drop the apk update it makes redundant"
				cacheLeft = false
			}
		}
		if rm != nil && !cacheLeft && !earlierApk(doc, st, i) {
			if e, ok := dropAndLink(doc, rm, false); ok {
				f.Edits = append(f.Edits, e)
				f.Title += ", drop the rm of /var/cache/apk"
			}
		}
		pass.Report(f)
	})
}

// dropAndLink returns an edit that removes c's statement from the "&&"
// chain it is a link of: "c && " when c is the chain's left operand
// (first), " && c" when it is the right one; ok=false when it is neither,
// or when a comment line lies in the bytes removed.
func dropAndLink(doc *transform.Document, c *call, first bool) (transform.Edit, bool) {
	var edit transform.Edit
	found := false
	syntax.Walk(c.sh.File, func(n syntax.Node) bool {
		b, ok := n.(*syntax.BinaryCmd)
		if found || !ok || b.Op != syntax.AndStmt {
			return !found
		}
		var sp transform.Span
		switch {
		case first && b.X == c.stmt:
			sp, ok = c.sh.Span(int(b.X.Pos().Offset()), int(b.Y.Pos().Offset()))
		case !first && b.Y == c.stmt:
			sp, ok = c.sh.Span(int(b.X.End().Offset()), int(b.Y.End().Offset()))
		default:
			return true
		}
		if ok && !bytes.Contains(doc.Src[sp.Start:sp.End], []byte("#")) && !strings.ContainsAny(string(doc.Src[sp.Start:sp.End]), ";|") {
			edit, found = sp.Replace(""), true
		}
		return false
	})
	return edit, found
}

// earlierApk reports an apk command in a RUN built before RUN i of st: the
// cache it may have filled is still there, and an rm of it is not
// redundant.
func earlierApk(doc *transform.Document, st *transform.Stage, i int) bool {
	for _, r := range doc.Facts(st).Runs {
		if r.Stage == st && r.Index >= i {
			break
		}
		if r.Mentions("apk") {
			return true
		}
	}
	return false
}

// laterApkReads reports an apk command other than add and del in a RUN
// built later (in the stage or the stages built from it): search, info,
// policy, fetch… may read the index that apk update left in the cache.
func laterApkReads(doc *transform.Document, st *transform.Stage, i int) bool {
	for _, seq := range laterRuns(doc, st, i) {
		for _, m := range seq {
			for _, c := range calls(doc, m) {
				if v, _ := c.verb(); c.name == "apk" && v != "add" && v != "del" && v != "update" {
					return true
				}
			}
		}
	}
	return false
}
