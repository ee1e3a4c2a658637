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

// checkStmtEdit makes edit on the statement of command cmd in the RUN
// (second instruction) of src, and checks the result: want, the other
// instructions unchanged, and a script that parses.
func checkStmtEdit(t *testing.T, name, src, cmd, want string, edit func(*Shell, *syntax.Stmt) (Edit, bool)) {
	t.Helper()
	d := mustParse(t, src)
	s := d.Shell(d.Instructions()[1])
	_, stmt := call(t, s, cmd)
	e, ok := edit(s, stmt)
	if !ok {
		t.Fatalf("%s: refused", name)
	}
	out, d2 := apply(t, d, e)
	if out != want {
		t.Errorf("%s:\n got %q\nwant %q", name, out, want)
	}
	sameOtherwise(t, d, d2, 1)
	if s2 := d2.Shell(d2.Instructions()[1]); s2.File == nil {
		t.Errorf("%s: result does not parse as shell: %v", name, s2.Err)
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
		checkStmtEdit(t, c.name, c.src, c.cmd, c.want, func(s *Shell, stmt *syntax.Stmt) (Edit, bool) {
			return s.ReplaceCommand(stmt, c.with...)
		})
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
		checkStmtEdit(t, c.name, c.src, c.cmd, c.want, func(s *Shell, stmt *syntax.Stmt) (Edit, bool) {
			return s.InsertAfter(stmt, "rm -f x.tgz")
		})
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

// TestReplaceWithin replaces bytes inside a word, counted from a node of
// the shell, and refuses ranges the file does not hold as the shell reads
// them.
func TestReplaceWithin(t *testing.T) {
	// lit finds the n-th literal part of the shell that contains sub.
	lit := func(s *Shell, sub string) *syntax.Lit {
		var found *syntax.Lit
		syntax.Walk(s.File, func(n syntax.Node) bool {
			if l, ok := n.(*syntax.Lit); ok && found == nil && strings.Contains(l.Value, sub) {
				found = l
			}
			return found == nil
		})
		if found == nil {
			t.Fatalf("no literal with %q in %q", sub, s.Text)
		}
		return found
	}
	cases := []struct {
		src, sub string // sub: a literal of the RUN; the range is where "X" is in it
		text     string
		want     string
	}{
		{"FROM a\nRUN echo \"$H X\" | sha256sum -c\n", " X", "  X", "FROM a\nRUN echo \"$H   X\" | sha256sum -c\n"},
		{"FROM a\r\nRUN echo \"$H X\" \\\r\n  | sha256sum -c\r\n", " X", "  X", "FROM a\r\nRUN echo \"$H   X\" \\\r\n  | sha256sum -c\r\n"},
		{"FROM a\nRUN <<EOF\necho \"ab X\"\nEOF\n", " X", "Y", "FROM a\nRUN <<EOF\necho \"ab Y\"\nEOF\n"},
		{"FROM a\nRUN true \\\n# c\n && echo \"aX\"\n", "aX", "", "FROM a\nRUN true \\\n# c\n && echo \"a\"\n"},
	}
	for _, c := range cases {
		d := mustParse(t, c.src)
		n := d.Instructions()[1]
		s := d.Shell(n)
		l := lit(s, c.sub)
		i := strings.Index(l.Value, "X")
		e, ok := s.ReplaceWithin(l, i, i+1, c.text)
		if !ok {
			t.Fatalf("ReplaceWithin refused in %q", c.src)
		}
		out, d2 := apply(t, d, e)
		if out != c.want {
			t.Errorf("ReplaceWithin in %q:\n got %q\nwant %q", c.src, out, c.want)
		}
		sameOtherwise(t, d, d2, 1)
		if got, w := d2.Shell(d2.Instructions()[1]).Text, strings.Replace(s.Text, "X", c.text, 1); got != w {
			t.Errorf("shell text %q, want %q", got, w)
		}
	}
	// The range in a single-quoted word counts from its opening quote.
	d := mustParse(t, "FROM a\nRUN echo 'ab cd'\n")
	s := d.Shell(d.Instructions()[1])
	c, _ := call(t, s, "echo")
	sq := c.Args[1].Parts[0]
	if e, ok := s.ReplaceWithin(sq, 3, 4, "  "); !ok || e.New != "  " || string(d.Src[e.Start:e.End]) != " " {
		t.Errorf("ReplaceWithin in a single-quoted word: %v %v", e, ok)
	}
	// Refusals: a continuation inside the range, a range past the node,
	// a line break or a final escape in the text.
	d = mustParse(t, "FROM a\nRUN echo \"ab\\\ncd\"\n")
	s = d.Shell(d.Instructions()[1])
	l := lit(s, "abcd")
	for _, r := range []struct {
		from, to int
		text     string
	}{{1, 3, "x"}, {0, 5, "x"}, {0, 1, "a\nb"}, {0, 1, `a\`}, {-1, 1, "x"}, {2, 1, "x"}} {
		if e, ok := s.ReplaceWithin(l, r.from, r.to, r.text); ok {
			t.Errorf("ReplaceWithin(%d, %d, %q) in %q accepted: %v", r.from, r.to, r.text, s.Text, e)
		}
	}
	if _, ok := s.ReplaceWithin(l, 0, 1, "x"); !ok {
		t.Errorf("ReplaceWithin refused a range before the continuation in %q", s.Text)
	}
}

// TestReplaceWithinWord replaces a whole word, the widest range
// ReplaceWithin takes.
func TestReplaceWithinWord(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"FROM a\nRUN curl -o /x http://x/y && true\n", "FROM a\nRUN curl -o /x https://x/y && true\n"},
		{"FROM a\nRUN curl -o /x \"http://x/$V/y\"\n", "FROM a\nRUN curl -o /x \"https://x/$V/y\"\n"},
		{"FROM a\r\nRUN curl \\\r\n  -o /x \\\r\n  http://x/y\r\n", "FROM a\r\nRUN curl \\\r\n  -o /x \\\r\n  https://x/y\r\n"},
		{"FROM a\nRUN <<EOF\ncurl -o /x \\\n  http://x/y\nEOF\n", "FROM a\nRUN <<EOF\ncurl -o /x \\\n  https://x/y\nEOF\n"},
		{"FROM a\nRUN <<-EOF\n\tcurl -o /x http://x/y\n\tEOF\n", "FROM a\nRUN <<-EOF\n\tcurl -o /x https://x/y\n\tEOF\n"},
		{`FROM a` + "\n" + `RUN ["sh", "-c", "curl -o /x http://x/y"]` + "\n", `FROM a` + "\n" + `RUN ["sh", "-c", "curl -o /x https://x/y"]` + "\n"},
		// Refused: the word crosses a continuation (with a comment line in it).
		{"FROM a\nRUN curl -o /x http://x/\\\n# c\ny\n", ""},
		// Refused: the word is written with a JSON escape.
		{`FROM a` + "\n" + `RUN ["sh", "-c", "curl -o /x http:\/\/x/y"]` + "\n", ""},
	} {
		d := mustParse(t, c.src)
		s := d.Shell(d.Instructions()[1])
		cmd, _ := call(t, s, "curl")
		w := cmd.Args[len(cmd.Args)-1]
		old := s.Text[w.Pos().Offset():w.End().Offset()]
		e, ok := s.ReplaceWithin(w, 0, len(old), strings.Replace(old, "http:", "https:", 1))
		if c.want == "" {
			if ok {
				t.Errorf("%q: ReplaceWithin did not refuse: %+v", c.src, e)
			}
			continue
		}
		if !ok {
			t.Errorf("%q: ReplaceWithin refused", c.src)
			continue
		}
		out, d2 := apply(t, d, e)
		if out != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.src, out, c.want)
		}
		sameOtherwise(t, d, d2, 1)
	}
	// Text that cannot go into the script as is.
	d := mustParse(t, "FROM a\nRUN curl http://x/y\n")
	s := d.Shell(d.Instructions()[1])
	cmd, _ := call(t, s, "curl")
	w := cmd.Args[1]
	for _, bad := range []string{"a\nb", `x\`} {
		if _, ok := s.ReplaceWithin(w, 0, int(w.End().Offset()-w.Pos().Offset()), bad); ok {
			t.Errorf("ReplaceWithin(%q) did not refuse", bad)
		}
	}
}

func TestReplaceInWord(t *testing.T) {
	cases := []struct{ name, src, word, old, want string }{
		{"unquoted", "FROM a\nRUN gpg --keyserver ha.pool.sks-keyservers.net --recv-keys K\n", "ha.pool.sks-keyservers.net", "ha.pool.sks-keyservers.net",
			"FROM a\nRUN gpg --keyserver keyserver.ubuntu.com --recv-keys K\n"},
		{"double quoted with port", "FROM a\nRUN gpg --keyserver \"hkp://p80.pool.sks-keyservers.net:80\" --recv-keys K\n", "\"hkp://p80.pool.sks-keyservers.net:80\"", "p80.pool.sks-keyservers.net",
			"FROM a\nRUN gpg --keyserver \"hkp://keyserver.ubuntu.com:80\" --recv-keys K\n"},
		{"single quoted, option=value", "FROM a\nRUN gpg '--keyserver=hkps://hkps.pool.sks-keyservers.net' --recv-keys K\n", "'--keyserver=hkps://hkps.pool.sks-keyservers.net'", "hkps.pool.sks-keyservers.net",
			"FROM a\nRUN gpg '--keyserver=hkps://keyserver.ubuntu.com' --recv-keys K\n"},
	}
	for _, c := range cases {
		d := mustParse(t, c.src)
		s := d.Shell(d.Instructions()[1])
		w := findWord(t, s, c.word)
		e, ok := s.ReplaceInWord(w, c.old, "keyserver.ubuntu.com")
		if !ok {
			t.Fatalf("%s: refused", c.name)
		}
		out, d2 := apply(t, d, e)
		if out != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, out, c.want)
		}
		sameOtherwise(t, d, d2, 1)
	}
	for _, c := range []struct{ src, word, old, new string }{
		{"FROM a\nRUN echo ${h:-pool.sks-keyservers.net}\n", "${h:-pool.sks-keyservers.net}", "pool.sks-keyservers.net", "x"}, // inside an expansion
		{"FROM a\nRUN echo a.b.a.b\n", "a.b.a.b", "a.b", "x"},                                                                 // twice
		{"FROM a\nRUN echo abc\n", "abc", "b", "x y"},                                                                         // not plain
		{"FROM a\nRUN echo abc\n", "abc", "b", "$x"},                                                                          // not plain
		{"FROM a\nRUN echo ab\\\ncd\n", "ab\\\ncd", "bc", "x"},                                                                // across a continuation
	} {
		d := mustParse(t, c.src)
		s := d.Shell(d.Instructions()[1])
		var w *syntax.Word
		syntax.Walk(s.File, func(n syntax.Node) bool {
			if x, ok := n.(*syntax.Word); ok && w == nil && strings.Contains(s.Text[x.Pos().Offset():x.End().Offset()], c.old) {
				w = x
			}
			return true
		})
		if w == nil {
			t.Fatalf("no word holding %q in %q", c.old, s.Text)
		}
		if e, ok := s.ReplaceInWord(w, c.old, c.new); ok {
			t.Errorf("ReplaceInWord(%q, %q) in %q accepted: %v", c.old, c.new, c.src, e)
		}
	}
}

// findWord finds the word whose shell text is text.
func findWord(t *testing.T, s *Shell, text string) *syntax.Word {
	t.Helper()
	var w *syntax.Word
	syntax.Walk(s.File, func(n syntax.Node) bool {
		if x, ok := n.(*syntax.Word); ok && w == nil && s.Text[x.Pos().Offset():x.End().Offset()] == text {
			w = x
		}
		return true
	})
	if w == nil {
		t.Fatalf("no word %q in %q", text, s.Text)
	}
	return w
}
