package report

import (
	"strings"
	"testing"

	"github.com/harden-dev/harden/transform"
)

// A safe fix that writes a USER instruction is listed under "What to check
// before merging" with the user it switches to; one that does not is not.
func TestMarkdownListsUserChanges(t *testing.T) {
	fx := &transform.Fix{Name: "non-root-user", Summary: "s", Applicability: transform.Safe}
	other := &transform.Fix{Name: "label", Summary: "s", Applicability: transform.Safe}
	f := FixedFile{Path: "Dockerfile", Old: []byte("FROM x\n"), New: []byte("FROM x\nLABEL a=b\nUSER 10001:10001\n"),
		Applied: []transform.Finding{
			{Fix: fx, Line: 1, Title: "Add USER", Applicability: transform.Safe, Edits: []transform.Edit{{Start: 7, End: 7, New: "RUN useradd app\nUSER 10001:10001\n"}}},
			{Fix: other, Line: 1, Title: "Add LABEL", Applicability: transform.Safe, Edits: []transform.Edit{{Start: 7, End: 7, New: "LABEL user=USER\n"}}},
		}}
	var b strings.Builder
	if err := WriteMarkdown(&b, []FixedFile{f}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "### What to check before merging") || !strings.Contains(out, "- [ ] `Dockerfile:1` (`non-root-user`): now runs as `10001:10001`") {
		t.Errorf("no user check:\n%s", out)
	}
	if strings.Contains(out, "(`label`): now runs") {
		t.Errorf("label listed as changing the user:\n%s", out)
	}
}
