package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/harden-dev/harden/internal/report"
	"github.com/harden-dev/harden/transform"
)

const fixDescription = `Apply harden's fixes to Dockerfiles.

By default prints a unified diff of every change (apply it with 'git apply' or
'patch -p1'); -w writes the changes in place, -l lists the files that would
change, --check exits 1 when any would. "-" reads a Dockerfile on standard
input and writes the patched file to standard output.`

// fileOutcome is what happened to one file.
type fileOutcome struct {
	res *transform.Result
	err error
}

func runFix(e *env, name string, args []string) error {
	fs := newFlagSet(e, name, "[PATH…]", fixDescription)
	write := fs.BoolP("write", "w", false, "write changes to the files in place")
	list := fs.BoolP("list", "l", false, "print the names of files that would change")
	check := fs.Bool("check", false, "exit 1 when any file would change")
	format := fs.String("format", "diff", "output format: diff or json")
	stdinName := fs.String("stdin-filename", "<stdin>", "name of the file read from standard input, for messages")
	var sel selection
	sel.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "diff" && *format != "json" {
		return fmt.Errorf("--format must be diff or json, not %q", *format)
	}
	opts, paths, err := sel.resolve(fs)
	if err != nil {
		return err
	}
	if len(paths) == 1 && paths[0] == "-" {
		return fixStdin(e, *stdinName, opts, *format, *check, *list)
	}

	var failed, pending bool
	doc := &report.Document{Tool: "harden", Version: versionString(), Files: []report.File{}}
	forEach(collect(paths), func(in input) fileOutcome {
		if in.err != nil {
			return fileOutcome{err: in.err}
		}
		src, err := readInput(e, in.path)
		if err != nil {
			return fileOutcome{err: err}
		}
		res, err := transform.Run(e.context(), in.path, src, opts)
		return fileOutcome{res: res, err: err}
	}, func(in input, out fileOutcome) {
		if out.err != nil {
			failed = true
			reportError(e.stderr, in.path, out.err)
			if *format == "json" {
				doc.Files = append(doc.Files, jsonFile(in.path, out))
			}
			return
		}
		res := out.res
		if res.Changed() {
			pending = true
			if *write {
				if err := writeAtomic(in.path, res.Fixed); err != nil {
					failed = true
					reportError(e.stderr, in.path, err)
					out.err = err
				} else {
					fmt.Fprintf(e.stderr, "fixed %s: %s\n", in.path, plural(len(res.Applied), "fix", "fixes"))
				}
			}
			switch {
			case *format == "json":
			case *list:
				fmt.Fprintln(e.stdout, in.path)
			case !*write:
				io.WriteString(e.stdout, res.Diff())
			}
		}
		if *format == "json" {
			doc.Files = append(doc.Files, jsonFile(in.path, out))
		}
	})
	if *format == "json" {
		if err := report.WriteJSON(e.stdout, doc); err != nil {
			return err
		}
	}
	return status(failed, pending && *check)
}

// fixStdin fixes standard input and writes the result to standard output.
// On error the input is written back unchanged, so a pipe never loses it.
func fixStdin(e *env, name string, opts transform.Options, format string, check, list bool) error {
	src, err := readInput(e, "-")
	if err != nil {
		return err
	}
	res, err := transform.Run(e.context(), name, src, opts)
	if err != nil {
		reportError(e.stderr, name, err)
	}
	switch {
	case format == "json":
		doc := &report.Document{Tool: "harden", Version: versionString(), Files: []report.File{jsonFile(name, fileOutcome{res, err})}}
		if werr := report.WriteJSON(e.stdout, doc); werr != nil {
			return werr
		}
	case list:
		if res.Changed() {
			fmt.Fprintln(e.stdout, name)
		}
	default:
		if _, werr := e.stdout.Write(res.Fixed); werr != nil {
			return werr
		}
	}
	return status(err != nil, check && res.Changed())
}

func jsonFile(path string, out fileOutcome) report.File {
	f := report.File{Path: path, Findings: []report.Finding{}}
	if out.err != nil {
		f.Error = out.err.Error()
	}
	if out.res != nil {
		changed := out.res.Changed() && out.err == nil
		diff := ""
		if changed {
			diff = out.res.Diff()
		}
		f.Changed, f.Diff = &changed, &diff
		f.Findings = report.Findings(out.res.Applied, out.res.Remaining)
	}
	return f
}

// reportError prints an error for a file once, as PATH:LINE: message when
// the error knows its line.
func reportError(w io.Writer, path string, err error) {
	var pe *transform.ParseError
	var fe *transform.FixError
	switch {
	case errors.As(err, &pe), errors.As(err, &fe):
		fmt.Fprintf(w, "%v\n", err)
	default:
		fmt.Fprintf(w, "%s: %v\n", path, unwrapPathError(err))
	}
}

// unwrapPathError drops the path from *fs.PathError, which reportError prints itself.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func status(failed, pending bool) error {
	switch {
	case failed:
		return exitCode(exitError)
	case pending:
		return exitCode(exitPending)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
