package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// WriteGitHub writes a file's findings as GitHub Actions workflow commands,
// which a workflow run shows as annotations on the lines they name:
//
//	::warning file=PATH,line=N,title=NAME::problem [fix: KIND: what the fix does]
//
// (::error for fixes of severity error, ::notice for info)
//
// and an error that stopped the file as
//
//	::error file=PATH,line=N,title=harden::message
//
// (line omitted when unknown). Data and properties are escaped as GitHub
// documents it: %, CR and LF everywhere, and ":" and "," in properties.
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
func WriteGitHub(w io.Writer, file FileFindings) error {
	if file.Error != "" {
		props := "file=" + escapeProperty(file.Path)
		if file.ErrorLine > 0 {
			props += fmt.Sprintf(",line=%d", file.ErrorLine)
		}
		if _, err := fmt.Fprintf(w, "::error %s,title=harden::%s\n", props, escapeData(file.Error)); err != nil {
			return err
		}
	}
	for _, f := range file.Findings {
		line := max(f.Line, 1)
		if _, err := fmt.Fprintf(w, "::%s file=%s,line=%d,title=%s::%s\n",
			githubCommand(f.Fix.Level()), escapeProperty(file.Path), line, escapeProperty(f.Fix.Name), escapeData(FindingText(f))); err != nil {
			return err
		}
	}
	return nil
}

// escapeData escapes the message of a workflow command.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value of a workflow command.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// githubCommand is the annotation command of a severity.
func githubCommand(s transform.Severity) string {
	switch s {
	case transform.Error:
		return "error"
	case transform.Info:
		return "notice"
	}
	return "warning"
}
