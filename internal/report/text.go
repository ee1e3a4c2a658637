package report

import (
	"fmt"
	"io"
)

// WriteText writes one line per finding of a file, the format of
// `harden check`:
//
//	PATH:LINE: NAME: problem [fix: KIND: what the fix does]
//
// Errors are not written: the caller reports them on standard error.
func WriteText(w io.Writer, file FileFindings) error {
	for _, f := range file.Findings {
		if _, err := fmt.Fprintf(w, "%s:%d: %s: %s\n", file.Path, f.Line, f.Fix.Name, FindingText(f)); err != nil {
			return err
		}
	}
	return nil
}
