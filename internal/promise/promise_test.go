package promise

import (
	"strings"
	"testing"
)

func TestLintReportsBuildkitWarnings(t *testing.T) {
	got, err := Lint([]byte("FROM alpine AS Builder\nMAINTAINER someone\nRUN true\n"))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{"StageNameCasing", "MaintainerDeprecated"} {
		if !strings.Contains(joined, want) {
			t.Errorf("lint output lacks %s:\n%s", want, joined)
		}
	}
}

func TestLintSeesInconsistentCasing(t *testing.T) {
	before, err := Lint([]byte("FROM alpine\nRUN true\nCMD [\"sh\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	after, err := Lint([]byte("FROM alpine\nRUN true\nuser 1000\nCMD [\"sh\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	added := NewWarnings(before, after)
	if len(added) != 1 || !strings.HasPrefix(added[0], "ConsistentInstructionCasing") {
		t.Fatalf("want one new ConsistentInstructionCasing warning, got %q", added)
	}
}

func TestNewWarningsIsAMultiset(t *testing.T) {
	got := NewWarnings([]string{"a", "b"}, []string{"a", "a", "b", "c"})
	if strings.Join(got, ",") != "a,c" {
		t.Fatalf("got %q", got)
	}
}

func TestUntouchedLost(t *testing.T) {
	src := []byte("FROM a\n# keep me\nRUN x\n")
	if l := untouchedLost(src, []byte("FROM a\n# keep me\nRUN x\nUSER 1\n"), nil); l != "" {
		t.Errorf("insertion reported as loss: %q", l)
	}
	if l := untouchedLost(src, []byte("FROM a\nRUN x\n"), nil); l != "# keep me\n" {
		t.Errorf("lost comment not reported, got %q", l)
	}
	if l := untouchedLost(src, []byte("FROM a\r\n# keep me\nRUN x\n"), nil); l != "FROM a\n" {
		t.Errorf("changed line ending not reported, got %q", l)
	}
	if l := untouchedLost(src, []byte("FROM a\n# keep me\nRUN y\n"), [][2]int{{3, 3}}); l != "" {
		t.Errorf("touched line reported: %q", l)
	}
}

func TestApplyDiffsCatchesAWrongDiff(t *testing.T) {
	files := []File{{
		Path: "d/Dockerfile",
		In:   []byte("FROM a\nRUN x\n"),
		Out:  []byte("FROM a\nRUN x\nUSER 1\n"),
		Diff: "--- a/d/Dockerfile\n+++ b/d/Dockerfile\n@@ -1,2 +1,3 @@\n FROM a\n RUN x\n+USER 2\n",
	}}
	problems, err := ApplyDiffs(t.TempDir(), files)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 2 {
		t.Fatalf("want both tools to disagree with the expected output, got %q", problems)
	}
	files[0].Diff = strings.Replace(files[0].Diff, "USER 2", "USER 1", 1)
	problems, err = ApplyDiffs(t.TempDir(), files)
	if err != nil || len(problems) != 0 {
		t.Fatalf("a right diff was refused: %v %q", err, problems)
	}
}

func TestApplyUnified(t *testing.T) {
	src := []byte("FROM a\nRUN b")
	diff := "--- a/D\n+++ b/D\n@@ -1,2 +1,3 @@\n FROM a\n-RUN b\n\\ No newline at end of file\n+RUN b\n+USER 1\n\\ No newline at end of file\n"
	got, err := ApplyUnified(src, diff)
	if err != nil || string(got) != "FROM a\nRUN b\nUSER 1" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := ApplyUnified([]byte("FROM z\nRUN b"), diff); err == nil {
		t.Fatal("a mismatched context line must be refused")
	}
	if _, err := ApplyUnified(src, strings.Replace(diff, "-1,2 +1,3", "-1,2 +1,4", 1)); err == nil {
		t.Fatal("wrong hunk counts must be refused")
	}
}
