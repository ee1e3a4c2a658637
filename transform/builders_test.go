package transform

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"
)

// apply applies e to d and re-parses the result, which must parse and keep
// every span property.
func apply(t *testing.T, d *Document, e Edit) (string, *Document) {
	t.Helper()
	out, err := ApplyEdits(d.Src, []Edit{e})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Parse("Dockerfile", out)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, out)
	}
	checkSpans(t, d2)
	return string(out), d2
}

// call finds the first simple command named name in s.
func call(t *testing.T, s *Shell, name string) (*syntax.CallExpr, *syntax.Stmt) {
	t.Helper()
	var stmt *syntax.Stmt
	var found *syntax.CallExpr
	syntax.Walk(s.File, func(n syntax.Node) bool {
		if found != nil {
			return false
		}
		if st, ok := n.(*syntax.Stmt); ok {
			if c, ok := st.Cmd.(*syntax.CallExpr); ok && len(c.Args) > 0 {
				var b strings.Builder
				syntax.NewPrinter().Print(&b, c)
				if b.String() == name || strings.HasPrefix(b.String(), name+" ") {
					found, stmt = c, st
				}
			}
		}
		return true
	})
	if found == nil {
		t.Fatalf("no command %q in %q", name, s.Text)
	}
	return found, stmt
}

// sameOtherwise checks that d2's instructions other than index i read the
// same as d's.
func sameOtherwise(t *testing.T, d, d2 *Document, i int) {
	t.Helper()
	a, b := d.Instructions(), d2.Instructions()
	if len(a) != len(b) {
		t.Fatalf("%d instructions became %d", len(a), len(b))
	}
	for k := range a {
		if k != i && a[k].Original != b[k].Original {
			t.Errorf("instruction %d changed: %q -> %q", k, a[k].Original, b[k].Original)
		}
	}
}

func TestAddFlag(t *testing.T) {
	cases := []struct{ src, flag, want string }{
		{"FROM a\nADD https://x/y.tgz /y.tgz\n", "--checksum=sha256:ab", "FROM a\nADD --checksum=sha256:ab https://x/y.tgz /y.tgz\n"},
		{"FROM a\ncopy --chown=1:1 \\\n  a /b\n", "--chmod=644", "FROM a\ncopy --chown=1:1 --chmod=644 \\\n  a /b\n"},
		{"# escape=`\r\nFROM a\r\nCOPY `\r\n  a /b\r\n", "--chmod=644", "# escape=`\r\nFROM a\r\nCOPY --chmod=644 `\r\n  a /b\r\n"},
		{"FROM a\nADD [\"a b\", \"/c\"]", "--link", "FROM a\nADD --link [\"a b\", \"/c\"]"},
	}
	for _, c := range cases {
		d := mustParse(t, c.src)
		n := d.Instructions()[1]
		e, ok := d.Inst(n).AddFlag(c.flag)
		if !ok {
			t.Fatalf("AddFlag refused on %q", c.src)
		}
		out, d2 := apply(t, d, e)
		if out != c.want {
			t.Errorf("AddFlag(%q) on %q:\n got %q\nwant %q", c.flag, c.src, out, c.want)
		}
		n2 := d2.Instructions()[1]
		if got := n2.Flags[len(n2.Flags)-1]; got != c.flag {
			t.Errorf("last flag %q, want %q", got, c.flag)
		}
		if strings.Join(nodeValues(n), "|") != strings.Join(nodeValues(n2), "|") {
			t.Errorf("arguments changed: %q -> %q", nodeValues(n), nodeValues(n2))
		}
	}
	d := mustParse(t, "FROM a\nCOPY a b\n")
	if _, ok := d.Inst(d.Instructions()[1]).AddFlag("--chmod=6 44"); ok {
		t.Error("AddFlag accepted a flag with a blank")
	}
}

func nodeValues(n *parser.Node) []string {
	var out []string
	for m := n.Next; m != nil; m = m.Next {
		out = append(out, m.Value)
	}
	return out
}

func TestRemoveFlag(t *testing.T) {
	cases := []struct {
		src  string
		flag int
		want string
	}{
		{"FROM a\nRUN --mount=type=cache,target=/a \\\n    --mount=type=secret,id=x \\\n    echo hi\n", 1,
			"FROM a\nRUN --mount=type=cache,target=/a \\\n    echo hi\n"},
		{"FROM a\nRUN --network=none --mount=type=cache,target=/a echo hi\n", 0,
			"FROM a\nRUN --mount=type=cache,target=/a echo hi\n"},
		{"FROM a\nCOPY --chown=1 \\\n  --chmod=644 a b\n", 1, "FROM a\nCOPY --chown=1 \\\n  a b\n"},
		{"FROM a\nCOPY --link=true \\\n# note\n  --chmod=644 \\\n  a b\n", 1, "FROM a\nCOPY --link=true \\\n# note\n  a b\n"},
	}
	for _, c := range cases {
		d := mustParse(t, c.src)
		n := d.Instructions()[1]
		in := d.Inst(n)
		e, ok := in.RemoveFlag(in.Flags[c.flag])
		if !ok {
			t.Fatalf("RemoveFlag refused on %q", c.src)
		}
		out, d2 := apply(t, d, e)
		if out != c.want {
			t.Errorf("RemoveFlag on %q:\n got %q\nwant %q", c.src, out, c.want)
		}
		n2 := d2.Instructions()[1]
		want := append(append([]string{}, n.Flags[:c.flag]...), n.Flags[c.flag+1:]...)
		if strings.Join(n2.Flags, " ") != strings.Join(want, " ") {
			t.Errorf("flags %q, want %q", n2.Flags, want)
		}
		if s1, s2 := d.Shell(n), d2.Shell(n2); s1 != nil && strings.TrimSpace(s1.Text) != strings.TrimSpace(s2.Text) {
			t.Errorf("shell text changed: %q -> %q", s1.Text, s2.Text)
		}
	}
}

func TestInsertAndRemoveWord(t *testing.T) {
	src := "FROM a\nRUN apt-get update \\\n && apt-get install \\\n    curl \\\n    -q \\\n    jq -v\n"
	d := mustParse(t, src)
	n := d.Instructions()[1]
	s := d.Shell(n)
	install, _ := call(t, s, "apt-get install")
	e, ok := s.InsertWordAfter(install.Args[1], "--no-install-recommends")
	if !ok {
		t.Fatal("InsertWordAfter refused")
	}
	out, d2 := apply(t, d, e)
	want := "FROM a\nRUN apt-get update \\\n && apt-get install --no-install-recommends \\\n    curl \\\n    -q \\\n    jq -v\n"
	if out != want {
		t.Errorf("insert:\n got %q\nwant %q", out, want)
	}
	if got, w := d2.Shell(d2.Instructions()[1]).Text, strings.Replace(s.Text, "install", "install --no-install-recommends", 1); got != w {
		t.Errorf("shell text %q, want %q", got, w)
	}
	// A word alone on a continued line goes with its line; one that ends
	// the instruction takes the continuation before it; one among others
	// takes its leading blank.
	for _, c := range []struct{ word, want string }{
		{"-q", "FROM a\nRUN apt-get update \\\n && apt-get install \\\n    curl \\\n    jq -v\n"},
		{"-v", "FROM a\nRUN apt-get update \\\n && apt-get install \\\n    curl \\\n    -q \\\n    jq\n"},
		{"curl", "FROM a\nRUN apt-get update \\\n && apt-get install \\\n    -q \\\n    jq -v\n"},
	} {
		var w *syntax.Word
		syntax.Walk(s.File, func(n syntax.Node) bool {
			if x, ok := n.(*syntax.Word); ok && x.Lit() == c.word {
				w = x
			}
			return true
		})
		e, ok := s.RemoveWord(w)
		if !ok {
			t.Fatalf("RemoveWord(%s) refused", c.word)
		}
		out, d2 := apply(t, d, e)
		if out != c.want {
			t.Errorf("remove %s:\n got %q\nwant %q", c.word, out, c.want)
		}
		got := strings.Fields(d2.Shell(d2.Instructions()[1]).Text)
		wantF := strings.Fields(strings.Replace(" "+s.Text+" ", " "+c.word+" ", " ", 1))
		if strings.Join(got, " ") != strings.Join(wantF, " ") {
			t.Errorf("remove %s: shell words %q, want %q", c.word, got, wantF)
		}
	}
	// The last word of the instruction, alone on its line.
	d = mustParse(t, "FROM a\nRUN apt-get install curl \\\n    # comment\n    -y\nUSER x\n")
	s = d.Shell(d.Instructions()[1])
	c, _ := call(t, s, "apt-get")
	e, ok = s.RemoveWord(c.Args[3])
	if !ok {
		t.Fatal("RemoveWord refused the last word")
	}
	if out, _ := apply(t, d, e); out != "FROM a\nRUN apt-get install curl\nUSER x\n" {
		t.Errorf("remove last word: %q", out)
	}
}

func TestReplaceCommand(t *testing.T) {
	cases := []struct {
		name, src, cmd string
		with           []string
		want           string
	}{
		{"leading && CRLF", "FROM a\r\nRUN apt-get update \\\r\n    && apt-get install -y curl \\\r\n    && rm -rf /x\r\n", "apt-get update",
			[]string{"apt-get update", "apt-get upgrade -y"},
			"FROM a\r\nRUN apt-get update \\\r\n    && apt-get upgrade -y \\\r\n    && apt-get install -y curl \\\r\n    && rm -rf /x\r\n"},
		{"trailing && backtick", "# escape=`\nFROM a\nRUN a &&  `\n  curl -o x http://h | sh &&  `\n  c\n", "c",
			[]string{"c1", "c2"},
			"# escape=`\nFROM a\nRUN a &&  `\n  curl -o x http://h | sh &&  `\n  c1 &&  `\n  c2\n"},
		{"pipeline single", "FROM a\nRUN curl -fsSL http://h | sh\n", "sh", []string{"bash -s"},
			"FROM a\nRUN curl -fsSL http://h | bash -s\n"},
		{"inline", "FROM a\nRUN a; b > /log; c\n", "b", []string{"x", "y"}, "FROM a\nRUN a; x && y; c\n"},
	}
	for _, c := range cases {
		d := mustParse(t, c.src)
		s := d.Shell(d.Instructions()[1])
		_, stmt := call(t, s, c.cmd)
		e, ok := s.ReplaceCommand(stmt, c.with...)
		if !ok {
			t.Fatalf("%s: refused", c.name)
		}
		out, d2 := apply(t, d, e)
		if out != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, out, c.want)
		}
		sameOtherwise(t, d, d2, 1)
		if s2 := d2.Shell(d2.Instructions()[1]); s2.File == nil {
			t.Errorf("%s: result does not parse as shell: %v", c.name, s2.Err)
		}
	}
	for _, src := range []string{"FROM a\nRUN a || b\n", "FROM a\nRUN a | b\n", "FROM a\nRUN a && ! b\n"} {
		d := mustParse(t, src)
		s := d.Shell(d.Instructions()[1])
		_, stmt := call(t, s, "b")
		if e, ok := s.ReplaceCommand(stmt, "x", "y"); ok {
			t.Errorf("ReplaceCommand in %q accepted: %v", src, e)
		}
	}
}

func TestAppend(t *testing.T) {
	cases := []struct{ src, want string }{
		{"FROM a\nRUN apt-get update \\\n    && apt-get install -y curl\nUSER x\n",
			"FROM a\nRUN apt-get update \\\n    && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\nUSER x\n"},
		{"FROM a\nRUN apt-get update && \\\r\n  apt-get install -y curl",
			"FROM a\nRUN apt-get update && \\\r\n  apt-get install -y curl && \\\r\n  rm -rf /var/lib/apt/lists/*"},
		{"FROM a\nRUN apt-get install -y curl # why\n",
			"FROM a\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists/* # why\n"},
		{"FROM a\nRUN --mount=type=cache,target=/v apt-get install -y curl \\\n# trailing comment\n",
			"FROM a\nRUN --mount=type=cache,target=/v apt-get install -y curl && rm -rf /var/lib/apt/lists/* \\\n# trailing comment\n"},
		{"FROM a\nRUN apt-get install -y curl \\",
			"FROM a\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists/* \\"},
	}
	for _, c := range cases {
		d := mustParse(t, c.src)
		s := d.Shell(d.Instructions()[1])
		e, ok := s.Append("rm -rf /var/lib/apt/lists/*")
		if !ok {
			t.Fatalf("Append refused on %q", c.src)
		}
		out, d2 := apply(t, d, e)
		if out != c.want {
			t.Errorf("Append on %q:\n got %q\nwant %q", c.src, out, c.want)
		}
		s2 := d2.Shell(d2.Instructions()[1])
		if !strings.Contains(strings.Join(strings.Fields(s2.Text), " "), "curl && rm -rf /var/lib/apt/lists/*") {
			t.Errorf("shell text %q", s2.Text)
		}
		sameOtherwise(t, d, d2, 1)
	}
	for _, src := range []string{
		"FROM a\nRUN a;\n", "FROM a\nRUN a &\n", "FROM a\nRUN <<EOF\na\nEOF\n", "FROM a\nRUN [\"sh\", \"-c\", \"a\"]\n",
		"FROM a\nSHELL [\"powershell\", \"-Command\"]\nRUN a\n", "FROM a\nRUN if true; then\n",
	} {
		d, err := Parse("Dockerfile", []byte(src))
		if err != nil {
			continue
		}
		n := d.Instructions()[len(d.Instructions())-1]
		if e, ok := d.Shell(n).Append("x"); ok {
			t.Errorf("Append on %q accepted: %v", src, e)
		}
	}
}

func TestShellInsertAfter(t *testing.T) {
	cases := []struct{ name, src, cmd, want string }{
		{"leading && CRLF", "FROM a\r\nRUN curl -o x.tgz http://h \\\r\n    && tar -xzf x.tgz \\\r\n    && make\r\n", "tar",
			"FROM a\r\nRUN curl -o x.tgz http://h \\\r\n    && tar -xzf x.tgz \\\r\n    && rm -f x.tgz \\\r\n    && make\r\n"},
		{"semicolons", "FROM a\nRUN set -eux; \\\n\ttar -xzf x.tgz -C /opt; \\\n\tmake\n", "tar",
			"FROM a\nRUN set -eux; \\\n\ttar -xzf x.tgz -C /opt; rm -f x.tgz; \\\n\tmake\n"},
		{"end of a chain", "FROM a\nRUN cd /tmp && tar -xzf x.tgz; make\n", "tar", "FROM a\nRUN cd /tmp && tar -xzf x.tgz; rm -f x.tgz; make\n"},
		{"redirect kept with its command", "FROM a\nRUN tar -xzf x.tgz > /dev/null 2>&1 && make\n", "tar",
			"FROM a\nRUN tar -xzf x.tgz > /dev/null 2>&1 && rm -f x.tgz && make\n"},
		{"in a subshell", "FROM a\nRUN (cd /tmp && tar -xzf x.tgz && make) && ls\n", "tar",
			"FROM a\nRUN (cd /tmp && tar -xzf x.tgz && rm -f x.tgz && make) && ls\n"},
		{"if branch", "FROM a\nRUN if true; then tar -xzf x.tgz; fi\n", "tar",
			"FROM a\nRUN if true; then tar -xzf x.tgz; rm -f x.tgz; fi\n"},
		{"before || of a later command", "FROM a\nRUN tar -xzf x.tgz && make || exit 1\n", "tar",
			"FROM a\nRUN tar -xzf x.tgz && rm -f x.tgz && make || exit 1\n"},
		{"comment line in continuation", "FROM a\nRUN tar -xzf x.tgz \\\n# why\n && make\n", "tar",
			"FROM a\nRUN tar -xzf x.tgz && rm -f x.tgz \\\n# why\n && make\n"},
		{"heredoc script", "FROM a\nRUN <<EOF\nset -e\ntar -xzf x.tgz && make\nEOF\n", "tar",
			"FROM a\nRUN <<EOF\nset -e\ntar -xzf x.tgz && rm -f x.tgz && make\nEOF\n"},
	}
	for _, c := range cases {
		d := mustParse(t, c.src)
		s := d.Shell(d.Instructions()[1])
		_, stmt := call(t, s, c.cmd)
		e, ok := s.InsertAfter(stmt, "rm -f x.tgz")
		if !ok {
			t.Fatalf("%s: refused", c.name)
		}
		out, d2 := apply(t, d, e)
		if out != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, out, c.want)
		}
		sameOtherwise(t, d, d2, 1)
		if s2 := d2.Shell(d2.Instructions()[1]); s2.File == nil {
			t.Errorf("%s: result does not parse as shell: %v", c.name, s2.Err)
		}
	}
	for _, src := range []string{
		// && there would hide a failing tar from set -e, or from the RUN's status.
		"FROM a\nRUN set -e\nRUN make && tar -xzf x.tgz\n", "FROM a\nRUN tar -xzf x.tgz\n", "FROM a\nRUN (cd /tmp && tar -xzf x.tgz) && make\n",
		"FROM a\nRUN <<EOF\nset -e\ntar -xzf x.tgz\nmake\nEOF\n",
		"FROM a\nRUN tar -xzf x.tgz || true\n", "FROM a\nRUN false || tar -xzf x.tgz && make\n", "FROM a\nRUN tar -xzf x.tgz | cat\n",
		"FROM a\nRUN ! tar -xzf x.tgz && make\n", "FROM a\nRUN tar -xzf x.tgz & make\n", "FROM a\nRUN if tar -xzf x.tgz; then make; fi\n",
		"FROM a\nRUN while tar -xzf x.tgz; do make; done\n", "FROM a\nRUN if tar -xzf x.tgz && make; then ls; fi\n", "FROM a\nRUN tar -xzf x.tgz <<EOF && make\nx\nEOF\n",
	} {
		d := mustParse(t, src)
		s := d.Shell(d.Instructions()[len(d.Instructions())-1])
		_, stmt := call(t, s, "tar")
		if e, ok := s.InsertAfter(stmt, "rm -f x.tgz"); ok {
			t.Errorf("InsertAfter in %q accepted: %v", src, e)
		}
	}
}

func TestDelete(t *testing.T) {
	cases := []struct {
		src  string
		inst int
		want string
	}{
		{"# syntax=docker/dockerfile:1\n# escape=\\\n# about the image\nFROM a\nUSER x\n", 0, ""},
		{"FROM a\n# harden:ignore-file=non-root-user\n# drop root\n# harden:ignore=x\nUSER root\nCMD x\n", 1,
			"FROM a\n# harden:ignore-file=non-root-user\nCMD x\n"},
		{"FROM a\n\n# for the run\nRUN <<EOF\na\nEOF\n# for cmd\nCMD x", 2, "FROM a\n\n# for the run\nRUN <<EOF\na\nEOF"},
		{"FROM a\r\nRUN a \\\r\n  # inner\r\n  b\r\nUSER x\r\n", 1, "FROM a\r\nUSER x\r\n"},
	}
	for _, c := range cases {
		d := mustParse(t, c.src)
		e := d.Delete(d.Instructions()[c.inst])
		out, err := ApplyEdits(d.Src, []Edit{e})
		if err != nil {
			t.Fatal(err)
		}
		if c.want == "" { // the FROM of the only stage: check the directives stay
			if !strings.HasPrefix(string(out), "# syntax=docker/dockerfile:1\n# escape=\\\n") || strings.Contains(string(out), "about") {
				t.Errorf("Delete FROM: %q", out)
			}
			continue
		}
		if string(out) != c.want {
			t.Errorf("Delete %d of %q:\n got %q\nwant %q", c.inst, c.src, out, c.want)
		}
		d2 := mustParse(t, string(out))
		if len(d2.Instructions()) != len(d.Instructions())-1 {
			t.Errorf("%d instructions left", len(d2.Instructions()))
		}
	}
	// A BOM on the first line stays.
	d := mustParse(t, "\uFEFF# c\nARG X\nFROM a\n")
	out, _ := ApplyEdits(d.Src, []Edit{d.Delete(d.Instructions()[0])})
	if string(out) != "\uFEFFFROM a\n" {
		t.Errorf("Delete with BOM: %q", out)
	}
}
