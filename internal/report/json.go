package report

import (
	"encoding/json"
	"io"

	"github.com/harden-dev/harden/transform"
)

// Finding is one finding in JSON output.
type Finding struct {
	Fix     string `json:"fix"`
	Line    int    `json:"line"`
	Message string `json:"message"`
	// Title is what the fix does about it, a verb phrase; "" without edits.
	Title string `json:"title,omitempty"`
	// Kind is how harden fix treats it: "default", "unsafe" or "none".
	Kind string `json:"kind"`
	// Severity is the fix's: "info", "warning" or "error".
	Severity string `json:"severity"`
	Applied  bool   `json:"applied"`
	Reason   string `json:"reason,omitempty"`
}

// File is the result for one file.
type File struct {
	Path     string    `json:"path"`
	Changed  *bool     `json:"changed,omitempty"`
	Error    string    `json:"error,omitempty"`
	Findings []Finding `json:"findings"`
	Diff     *string   `json:"diff,omitempty"`
}

// Document is the whole JSON output.
type Document struct {
	Tool    string `json:"tool"`
	Version string `json:"version"`
	Files   []File `json:"files"`
}

// NewFinding converts an engine finding.
func NewFinding(f transform.Finding) Finding {
	return Finding{
		Fix:      f.Fix.Name,
		Line:     f.Line,
		Message:  f.Message,
		Title:    f.Title,
		Kind:     f.Applicability.String(),
		Severity: f.Fix.Level().String(),
		Applied:  f.Applied,
		Reason:   f.Reason,
	}
}

// Findings converts a list of engine findings; never nil, so JSON shows [].
func Findings(fs ...[]transform.Finding) []Finding {
	out := []Finding{}
	for _, list := range fs {
		for _, f := range list {
			out = append(out, NewFinding(f))
		}
	}
	return out
}

// WriteJSON writes doc as indented JSON.
func WriteJSON(w io.Writer, doc *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
