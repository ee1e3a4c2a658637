package main

import (
	"fmt"

	"github.com/harden-dev/harden/internal/report"
	"github.com/harden-dev/harden/internal/runner"
	"github.com/harden-dev/harden/transform"
)

const checkDescription = `Report every finding, including those harden cannot fix, one per line:

  PATH:LINE: NAME: problem [fix: KIND: what the fix does]

KIND is "default" (fixed by 'harden fix'), "unsafe" (fixed by 'harden fix
--unsafe') or "none" (no automatic fix). When harden fix would not apply a
fix for another reason, the reason follows: "[fix: none: generated file (its
header says DO NOT EDIT): change its generator]", or "; not applied: REASON"
after what the fix does. Exits 1 when there are findings (of at least the
--fail-on severity). --format github prints the same as GitHub Actions
annotations (::warning file=PATH,line=LINE,title=NAME::…).`

func runCheck(e *env, name string, args []string) error {
	fs := newFlagSet(e, name, "[PATH…]", checkDescription)
	format := fs.String("format", "text", "output format: text, json, sarif (SARIF 2.1.0, for GitHub code scanning) or github (GitHub Actions annotations)")
	minSev := fs.String("severity", "info", "report only findings of at least this severity: info, warning or error")
	failOn := fs.String("fail-on", "info", "exit 1 only for findings of at least this severity (info, warning, error), or never (none)")
	stdinName := fs.String("stdin-filename", "<stdin>", "name of the file read from standard input, for messages")
	var sel selection
	sel.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *format {
	case "text", "json", "sarif", "github":
	default:
		return fmt.Errorf("--format must be text, json, sarif or github, not %q", *format)
	}
	show, err := transform.ParseSeverity(*minSev)
	if err != nil {
		return fmt.Errorf("--severity: %w", err)
	}
	fail := transform.Severity(1 << 30) // none
	if *failOn != "none" {
		if fail, err = transform.ParseSeverity(*failOn); err != nil {
			return fmt.Errorf("--fail-on: %w", err)
		}
	}
	ro, paths, err := sel.prepare(e, fs, runner.Check, *stdinName)
	if err != nil {
		return err
	}

	var failed, found bool
	doc := &report.Document{Tool: "harden", Version: versionString(), Files: []report.File{}}
	var sarif []report.FileFindings
	_, err = runner.Run(e.context(), paths, ro, func(f *runner.File) error {
		if f.Err != nil {
			failed = true
			reportError(e.stderr, f.Path, f.Err)
		}
		var shown []transform.Finding
		for _, x := range f.Findings {
			if x.Fix.Level() >= show {
				shown = append(shown, x)
				found = found || x.Fix.Level() >= fail
			}
		}
		if reportLookupErrors(e.stderr, f.Path, f.Findings) {
			failed = true
		}
		ff := report.NewFileFindings(f.Path, shown, f.Err)
		switch *format {
		case "text":
			report.WriteText(e.stdout, ff)
		case "github":
			report.WriteGitHub(e.stdout, ff)
		case "json":
			jf := report.File{Path: f.Path, Findings: report.Findings(shown)}
			if f.Err != nil {
				jf.Error = f.Err.Error()
			}
			doc.Files = append(doc.Files, jf)
		case "sarif":
			sarif = append(sarif, ff)
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		if err := report.WriteJSON(e.stdout, doc); err != nil {
			return err
		}
	case "sarif":
		if err := report.WriteSARIF(e.stdout, versionString(), ro.Engine.Fixes, sarif); err != nil {
			return err
		}
	}
	return status(failed, found)
}
