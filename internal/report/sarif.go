package report

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// SARIF 2.1.0, the subset GitHub code scanning reads.
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// InformationURI is harden's home page.
	InformationURI = "https://github.com/harden-dev/harden"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	ColumnKind  string            `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	SemanticVer    string      `json:"semanticVersion,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags             []string `json:"tags"`
	Precision        string   `json:"precision"`
	SecuritySeverity string   `json:"security-severity"`
	Severity         string   `json:"severity"`
	Fix              string   `json:"fix"`
	Equivalents      []string `json:"equivalents,omitempty"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	Props     map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

// WriteSARIF writes one SARIF run with a rule for every fix and a result for
// every finding. Paths are URIs relative to the repository root (%SRCROOT%).
func WriteSARIF(w io.Writer, version string, fixes []*transform.Fix, files []FileFindings) error {
	index := map[string]int{}
	rules := []sarifRule{}
	for i, f := range fixes {
		index[f.Name] = i
		rules = append(rules, sarifRule{
			ID:                   f.Name,
			Name:                 RuleID(f.Name),
			ShortDescription:     sarifText{Text: f.Summary},
			FullDescription:      sarifText{Text: firstSentence(f.Doc)},
			Help:                 sarifText{Text: f.Doc},
			HelpURI:              InformationURI + "#rules",
			DefaultConfiguration: sarifConfig{Level: SARIFLevel(f.Level())},
			Properties: sarifRuleProps{
				Tags:             []string{"security", "dockerfile"},
				Precision:        "high",
				SecuritySeverity: securitySeverity(f.Level()),
				Severity:         f.Level().String(),
				Fix:              f.Applicability.String(),
				Equivalents:      f.Also,
			},
		})
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "harden", Version: version, InformationURI: InformationURI, Rules: rules,
		}},
		Results:     []sarifResult{},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true, Notifications: []sarifNotification{}}},
		ColumnKind:  "unicodeCodePoints",
	}
	for _, file := range files {
		loc := func(line int) sarifLocation {
			l := sarifLocation{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: uri(file.Path), URIBaseID: "%SRCROOT%"},
			}}
			if line > 0 {
				l.PhysicalLocation.Region = &sarifRegion{StartLine: line}
			}
			return l
		}
		if file.Error != "" {
			inv := &run.Invocations[0]
			inv.ExecutionSuccessful = false
			inv.Notifications = append(inv.Notifications, sarifNotification{
				Level: "error", Message: sarifText{Text: file.Error},
				Locations: []sarifLocation{loc(file.ErrorLine)},
			})
			continue
		}
		for _, f := range file.Findings {
			line := f.Line
			if line < 1 {
				line = 1
			}
			run.Results = append(run.Results, sarifResult{
				RuleID:    f.Fix.Name,
				RuleIndex: index[f.Fix.Name],
				Level:     SARIFLevel(f.Fix.Level()),
				Message:   sarifText{Text: f.Message},
				Locations: []sarifLocation{loc(line)},
				Props:     map[string]any{"fix": f.Applicability.String()},
			})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// uri escapes a relative path for a SARIF artifact URI.
func uri(p string) string {
	var b strings.Builder
	for _, c := range []byte(p) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		const hex = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// firstSentence is the first sentence of a fix's Doc, without its heading
// line ("What it does").
func firstSentence(doc string) string {
	doc = strings.TrimSpace(doc)
	if head, body, ok := strings.Cut(doc, "\n"); ok && !strings.HasPrefix(head, " ") && strings.HasPrefix(body, " ") {
		doc = body
	}
	doc = strings.Join(strings.Fields(doc), " ")
	if i := strings.Index(doc, ". "); i >= 0 {
		doc = doc[:i+1]
	}
	return doc
}

// SARIFLevel is the SARIF result level of a severity: error, warning or
// note.
func SARIFLevel(s transform.Severity) string {
	switch s {
	case transform.Error:
		return "error"
	case transform.Info:
		return "note"
	}
	return "warning"
}

// securitySeverity is the CVSS-like score GitHub code scanning ranks
// security results by: high, medium, low.
func securitySeverity(s transform.Severity) string {
	switch s {
	case transform.Error:
		return "8.0"
	case transform.Info:
		return "2.0"
	}
	return "5.0"
}
