package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/harden-dev/harden/transform"
)

// TestSeverityLevels: a fix's severity gives the SARIF rule's default
// level, its results' level and security-severity, the GitHub annotation
// command and the JSON severity.
func TestSeverityLevels(t *testing.T) {
	for _, tc := range []struct {
		sev           transform.Severity
		sarif, github string
	}{
		{transform.Info, "note", "::notice "},
		{0, "warning", "::warning "},
		{transform.Warning, "warning", "::warning "},
		{transform.Error, "error", "::error "},
	} {
		fix := &transform.Fix{Name: "x", Summary: "X", Doc: "What it does\n  X.", Severity: tc.sev}
		ff := FileFindings{Path: "Dockerfile", Findings: []transform.Finding{{Fix: fix, Line: 2, Message: "m"}}}
		var b bytes.Buffer
		if err := WriteSARIF(&b, "v", []*transform.Fix{fix}, []FileFindings{ff}); err != nil {
			t.Fatal(err)
		}
		var log sarifLog
		if err := json.Unmarshal(b.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		run := log.Runs[0]
		if got := run.Tool.Driver.Rules[0].DefaultConfiguration.Level; got != tc.sarif {
			t.Errorf("%v: rule level %q, want %q", tc.sev, got, tc.sarif)
		}
		if got := run.Results[0].Level; got != tc.sarif {
			t.Errorf("%v: result level %q, want %q", tc.sev, got, tc.sarif)
		}
		if got := run.Tool.Driver.Rules[0].Properties.Severity; got != fix.Level().String() {
			t.Errorf("%v: rule severity %q", tc.sev, got)
		}
		b.Reset()
		WriteGitHub(&b, ff)
		if !strings.HasPrefix(b.String(), tc.github) {
			t.Errorf("%v: annotation %q, want prefix %q", tc.sev, b.String(), tc.github)
		}
		if got := NewFinding(ff.Findings[0]).Severity; got != fix.Level().String() {
			t.Errorf("%v: JSON severity %q", tc.sev, got)
		}
	}
}
