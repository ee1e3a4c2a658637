package main

import (
	"errors"
	"fmt"

	"github.com/harden-dev/harden/internal/report"
	"github.com/harden-dev/harden/transform"
)

const checkDescription = `Report every finding, including those harden cannot fix, one per line:

  PATH:LINE: NAME: problem [fix: KIND: what the fix does]

KIND is "default" (fixed by 'harden fix'), "unsafe" (fixed by 'harden fix
--unsafe') or "none" (no automatic fix, and nothing after it). Exits 1 when
there are findings.`

type checkOutcome struct {
	findings []transform.Finding
	err      error
}

func runCheck(e *env, name string, args []string) error {
	fs := newFlagSet(e, name, "[PATH…]", checkDescription)
	format := fs.String("format", "text", "output format: text, json or sarif (SARIF 2.1.0, for GitHub code scanning)")
	stdinName := fs.String("stdin-filename", "<stdin>", "name of the file read from standard input, for messages")
	var sel selection
	sel.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		return fmt.Errorf("--format must be text, json or sarif, not %q", *format)
	}
	opts, paths, err := sel.resolve(fs)
	if err != nil {
		return err
	}

	var failed, found bool
	doc := &report.Document{Tool: "harden", Version: versionString(), Files: []report.File{}}
	var sarif []report.SARIFFile
	forEach(collect(paths), func(in input) checkOutcome {
		if in.err != nil {
			return checkOutcome{err: in.err}
		}
		path := in.path
		if path == "-" {
			path = *stdinName
		}
		src, err := readInput(e, in.path)
		if err != nil {
			return checkOutcome{err: err}
		}
		d, err := transform.Parse(path, src)
		if err != nil {
			return checkOutcome{err: err}
		}
		return checkOutcome{findings: transform.Collect(e.context(), d, opts)}
	}, func(in input, out checkOutcome) {
		path := in.path
		if path == "-" {
			path = *stdinName
		}
		if out.err != nil {
			failed = true
			reportError(e.stderr, path, out.err)
		}
		if len(out.findings) > 0 {
			found = true
		}
		switch *format {
		case "text":
			for _, f := range out.findings {
				fix := f.Applicability.String()
				if f.Title != "" {
					fix += ": " + f.Title
				}
				fmt.Fprintf(e.stdout, "%s:%d: %s: %s [fix: %s]\n", path, f.Line, f.Fix.Name, f.Message, fix)
			}
		case "json":
			jf := report.File{Path: path, Findings: report.Findings(out.findings)}
			if out.err != nil {
				jf.Error = out.err.Error()
			}
			doc.Files = append(doc.Files, jf)
		case "sarif":
			sf := report.SARIFFile{Path: path, Findings: out.findings}
			if out.err != nil {
				sf.Error = out.err.Error()
				var pe *transform.ParseError
				if errors.As(out.err, &pe) {
					sf.ErrorLine = pe.Line
				}
			}
			sarif = append(sarif, sf)
		}
	})
	switch *format {
	case "json":
		if err := report.WriteJSON(e.stdout, doc); err != nil {
			return err
		}
	case "sarif":
		if err := report.WriteSARIF(e.stdout, versionString(), opts.Fixes, sarif); err != nil {
			return err
		}
	}
	return status(failed, found)
}
