package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/harden-dev/harden/transform"
)

var testFix = &transform.Fix{Name: "some-fix", Summary: "Do a thing", Doc: "What it does\n  Things.\n\nWhy\n  Because it\n  matters.\n\n  Not this.\nWhat can break\n  Nothing.\n"}

// TestGitHubEscaping: %, CR and LF are escaped in data; ":" and "," too in
// properties, as GitHub's toolkit does.
func TestGitHubEscaping(t *testing.T) {
	var b bytes.Buffer
	err := WriteGitHub(&b, FileFindings{Path: "a,b:c%/Dockerfile", Findings: []transform.Finding{
		{Fix: testFix, Line: 0, Message: "50% of it: bad,\r\nreally", Applicability: transform.DisplayOnly},
	}, Error: "boom\nagain", ErrorLine: 0})
	if err != nil {
		t.Fatal(err)
	}
	want := "::error file=a%2Cb%3Ac%25/Dockerfile,title=harden::boom%0Aagain\n" +
		"::warning file=a%2Cb%3Ac%25/Dockerfile,line=1,title=some-fix::50%25 of it: bad,%0D%0Areally [fix: none]\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestRationale: the first paragraph of Why, joined; else the Summary.
func TestRationale(t *testing.T) {
	if got := Rationale(testFix); got != "Because it matters." {
		t.Errorf("Rationale = %q", got)
	}
	if got := Rationale(&transform.Fix{Summary: "Just this", Doc: "What it does\n  Why not.\n"}); got != "Just this" {
		t.Errorf("Rationale without Why = %q", got)
	}
}

// TestWriteDiffCreate: a file to create diffs from /dev/null; equal
// content prints nothing.
func TestWriteDiffCreate(t *testing.T) {
	var b bytes.Buffer
	WriteDiff(&b, "x.lock", nil, []byte("a\nb\n"))
	if want := "--- /dev/null\n+++ b/x.lock\n@@ -0,0 +1,2 @@\n+a\n+b\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	WriteDiff(&b, "x", []byte("a\n"), []byte("a\n"))
	if b.Len() != 0 {
		t.Errorf("equal files: %q", b.String())
	}
}

// TestMarkdownEscaping: table cells and code spans survive pipes,
// backticks and HTML in paths and messages; the diff fence is longer than
// any backtick run in the diff.
func TestMarkdownEscaping(t *testing.T) {
	old := []byte("FROM a\n")
	new := []byte("FROM a\nRUN echo ```\n")
	var b bytes.Buffer
	err := WriteMarkdown(&b, []FixedFile{{
		Path: "we|ird`/Dockerfile", Old: old, New: new,
		Applied: []transform.Finding{{Fix: testFix, Line: 1, Title: "Add <b>|x</b>", Message: "m", Applicability: transform.Unsafe}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| ``we\\|ird`/Dockerfile`` | 1 | `some-fix` | Add &lt;b&gt;\\|x&lt;/b&gt; |\n",
		"**`some-fix`**: Do a thing\n\nBecause it matters.\n",
		"- [ ] ``we|ird`/Dockerfile:1`` (`some-fix`): Add &lt;b&gt;|x&lt;/b&gt;: m\n",
		"\n````diff\n--- a/we|ird`/Dockerfile\n",
		"+RUN echo ```\n````\n\n</details>\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}
