package report

import (
	"io"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// WriteDiff writes the unified diff from old to new of the file at path
// (`--- a/PATH`, `+++ b/PATH`, hunks by transform.UnifiedDiff), and nothing
// when they are equal. A nil old is a file the run creates: its old side
// is /dev/null, as git apply and patch -p1 expect.
func WriteDiff(w io.Writer, path string, old, new []byte) error {
	diff := transform.UnifiedDiff(path, old, new)
	if old == nil && new != nil {
		if len(new) == 0 {
			return nil // an empty new file has no hunk to show
		}
		_, rest, _ := strings.Cut(diff, "\n")
		diff = "--- /dev/null\n" + rest
	}
	_, err := io.WriteString(w, diff)
	return err
}
