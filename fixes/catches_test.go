package fixes

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/harden-dev/harden/transform"
)

// TestCatchesLeavesAlone is hadolint's pair for every fix: the golden
// case "catches" gives at least one finding of the fix (run alone), and
// "leaves-alone" none. The golden test checks the edits; this checks the
// findings, which for report-only fixes are all there is.
func TestCatchesLeavesAlone(t *testing.T) {
	for _, f := range All() {
		dir := filepath.Join("..", "golden", "testdata", f.Name)
		if f == NonRootUser {
			continue // its cases have other names; see golden/testdata/non-root-user
		}
		for name, want := range map[string]bool{"catches": true, "leaves-alone": false} {
			src, err := os.ReadFile(filepath.Join(dir, name, "input"))
			if err != nil {
				t.Errorf("%s: no %s case: %v", f.Name, name, err)
				continue
			}
			doc, err := transform.Parse("Dockerfile", src)
			if err != nil {
				t.Fatalf("%s/%s: %v", f.Name, name, err)
			}
			got := transform.Collect(context.Background(), doc, transform.Options{Fixes: []*transform.Fix{f}, Offline: true})
			if want && len(got) == 0 {
				t.Errorf("%s/%s: no finding", f.Name, name)
			}
			if !want && len(got) > 0 {
				t.Errorf("%s/%s: findings %v", f.Name, name, got)
			}
		}
	}
}
