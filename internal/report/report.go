// Package report renders harden's results, one file per output format:
// the unified diff stream (diff.go), JSON (json.go), SARIF 2.1.0
// (sarif.go), GitHub workflow annotations (github.go) and the Markdown
// body of a pull request (markdown.go).
package report

import (
	"errors"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// RuleID turns a kebab-case fix name into the PascalCase SARIF rule name.
func RuleID(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// FileFindings is one file's findings, or the error that stopped its check:
// the input of the check formats (text, SARIF, GitHub annotations).
type FileFindings struct {
	Path     string
	Findings []transform.Finding
	// Error is the error's message ("" for none) and ErrorLine its line
	// when it knows one (a parse error), else 0.
	Error     string
	ErrorLine int
}

// NewFileFindings pairs a file's findings with the error that stopped it.
func NewFileFindings(path string, findings []transform.Finding, err error) FileFindings {
	ff := FileFindings{Path: path, Findings: findings}
	if err != nil {
		ff.Error = err.Error()
		var pe *transform.ParseError
		if errors.As(err, &pe) {
			ff.ErrorLine = pe.Line
		}
	}
	return ff
}

// FixedFile is one file of a fix run: its content before and after, the
// findings applied and left, or the error that stopped it. The run's other
// outputs (a lock file) are FixedFiles without findings.
type FixedFile struct {
	Path string
	// Old is nil for a file the run creates.
	Old, New           []byte
	Applied, Remaining []transform.Finding
	Error              string
}

// Changed reports whether the file is to be changed (or created).
func (f FixedFile) Changed() bool {
	return f.Error == "" && (f.Old == nil && f.New != nil || string(f.Old) != string(f.New))
}

// FindingText is a finding as one line of text: the problem, then how
// harden fix treats it and what the fix does, "[fix: default: Add USER …]",
// or "[fix: none]". When the engine gave a reason the fix is not applied
// that the kind does not already say, it follows: "[fix: none: generated
// file (its header says DO NOT EDIT): change its generator]" (the title is
// left out: nothing will be done), "[fix: default: Add USER …; not applied:
// overlaps another fix in this round]".
func FindingText(f transform.Finding) string {
	kind := f.Applicability.String()
	reason := f.Reason
	switch {
	case f.Applicability == transform.DisplayOnly && reason == "no automatic fix",
		f.Applicability == transform.Unsafe && strings.HasPrefix(reason, "unsafe fix:"):
		reason = "" // what the kind says
	}
	fix := kind
	switch {
	case f.Applicability == transform.DisplayOnly:
		if reason != "" {
			fix += ": " + reason
		}
	default:
		if f.Title != "" {
			fix += ": " + f.Title
		}
		if reason != "" {
			fix += "; not applied: " + reason
		}
	}
	return f.Message + " [fix: " + fix + "]"
}
