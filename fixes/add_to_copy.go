package fixes

import (
	"bytes"
	"io/fs"
	"path"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// AddToCopy replaces ADD of local files that are not archives with COPY.
var AddToCopy = &transform.Fix{
	Name:          "add-to-copy",
	Summary:       "Use COPY, not ADD, for local files and directories",
	Also:          []string{"DL3020", "DS005"},
	Applicability: transform.Safe,
	Severity:      transform.Warning,
	Check:         checkAddToCopy,
	Example: `FROM alpine:3.20
ADD app.py /srv/app.py
ADD conf/ /etc/app/
`,
	Doc: `What it does
  Replaces the ADD keyword with COPY when every source is a local file or
  directory that ADD would copy as it is, and ADD has no flag COPY lacks.

Why
  ADD also downloads URLs and unpacks local tar archives, so a reader (and
  a reviewer of a later change to the file) cannot tell what it does; COPY
  only copies.

When it is safe, and when not
  A source is known not to be unpacked when it is a directory (ends with
  "/" or is "."), when the build context holds it as a text file (an
  archive is binary), or when its name says it is text, a script, a
  configuration, or an archive ADD does not unpack (.jar, .war, .zip, .whl,
  .deb, .rpm): the edit is default. Any other source (a name without an
  extension, a binary harden cannot read) might be a tar archive under
  another name, which ADD unpacks and COPY would not: the edit is unsafe;
  check that it is not one.

What it will not do
  It leaves alone ADD of URLs, git sources, sources with variables or
  globs, sources named like tar archives (.tar, .tar.gz, .tgz, .tar.bz2,
  .tar.xz…), heredocs, and ADD with --checksum, --keep-git-dir or --unpack.`,
}

// copyLikeExt are extensions of files ADD copies as they are: text,
// scripts, configuration, and archives it does not unpack.
var copyLikeExt = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range strings.Fields(`sh bash zsh ps1 bat cmd py rb pl php js mjs cjs ts go java kt c h cpp rs lua r
		json yaml yml toml ini conf cfg cnf config properties env xml html htm css md txt rst csv sql tpl tmpl template j2 service
		pem crt cer key pub gpg asc repo list sources patch diff lock mod sum gradle pom jar war ear zip whl egg deb rpm apk jks p12 ico png jpg svg`) {
		m["."+e] = true
	}
	return m
}()

var tarExt = []string{".tar", ".gz", ".tgz", ".bz2", ".tbz", ".tbz2", ".xz", ".txz", ".lzma", ".zst", ".z"}

func checkAddToCopy(pass *transform.Pass) {
	doc := pass.Doc
	for _, st := range doc.Stages {
		for _, n := range st.Nodes {
			in := doc.Inst(n)
			if !strings.EqualFold(n.Value, "add") || in == nil || len(in.Heredocs) > 0 || len(in.Args) < 2 {
				continue
			}
			if addOnlyFlags(in) {
				continue
			}
			unsure := ""
			skip := false
			for _, a := range in.Args[:len(in.Args)-1] {
				switch src := a.Value; sourceKind(pass.Context, src) {
				case srcRemoteOrArchive:
					skip = true
				case srcUnsure:
					if unsure == "" {
						unsure = src
					}
				}
			}
			if skip {
				continue
			}
			f := transform.Finding{Line: n.StartLine, Message: "ADD of local files: COPY says what it does"}
			if unsure != "" {
				f.Applicability = transform.Unsafe
				f.Message += "; check that " + unsure + " is not a tar archive (ADD unpacks it, COPY would not)"
			}
			f.Title = "Replace ADD with COPY"
			f.Edits = []transform.Edit{in.Keyword.Span.Replace(doc.Keyword("COPY"))}
			pass.Report(f)
		}
	}
}

func addOnlyFlags(in *transform.Instruction) bool {
	for _, f := range in.Flags {
		switch strings.ToLower(f.Name.Value) {
		case "chown", "chmod", "link", "exclude", "parents":
		default:
			return true
		}
	}
	return false
}

type srcKind int

const (
	srcPlain srcKind = iota
	srcUnsure
	srcRemoteOrArchive
)

func sourceKind(ctx fs.FS, src string) srcKind {
	lower := strings.ToLower(src)
	if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") || strings.ContainsAny(src, "$*?[#") {
		return srcRemoteOrArchive
	}
	for _, e := range tarExt {
		if strings.HasSuffix(lower, e) {
			return srcRemoteOrArchive
		}
	}
	if strings.HasSuffix(src, "/") || src == "." || path.Base(src) == "." {
		return srcPlain
	}
	name := path.Clean(strings.TrimPrefix(src, "/"))
	if fi, err := fs.Stat(ctx, name); err == nil && fi.IsDir() {
		return srcPlain
	}
	if b, err := fs.ReadFile(ctx, name); err == nil && !bytes.HasPrefix(b, []byte("BZh")) && !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		return srcPlain // a text file: an archive holds NUL bytes
	}
	if copyLikeExt[path.Ext(lower)] {
		return srcPlain
	}
	return srcUnsure
}
