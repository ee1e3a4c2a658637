package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/harden-dev/harden/internal/atomicfile"
	"github.com/harden-dev/harden/internal/report"
	"github.com/harden-dev/harden/internal/runner"
	"github.com/harden-dev/harden/transform"
)

const fixDescription = `Apply harden's fixes to Dockerfiles.

By default prints a unified diff of every change (apply it with 'git apply' or
'patch -p1'); -w writes the changes in place, -l lists the files that would
change, --check exits 1 when any would. "-" reads a Dockerfile on standard
input and writes the patched file to standard output.`

func runFix(e *env, name string, args []string) error {
	fs := newFlagSet(e, name, "[PATH…]", fixDescription)
	write := fs.BoolP("write", "w", false, "write changes to the files in place")
	list := fs.BoolP("list", "l", false, "print the names of files that would change")
	check := fs.Bool("check", false, "exit 1 when any file would change")
	format := fs.String("format", "diff", "output format: diff, json, or markdown (a pull-request body)")
	stdinName := fs.String("stdin-filename", "<stdin>", "name of the file read from standard input, for messages")
	var sel selection
	sel.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *format {
	case "diff", "json", "markdown":
	default:
		return fmt.Errorf("--format must be diff, json or markdown, not %q", *format)
	}
	ro, paths, err := sel.prepare(e, fs, runner.Fix, *stdinName)
	if err != nil {
		return err
	}
	if *write && len(paths) == 1 && paths[0] == "-" && sel.svc.lock == "" && e.outputs == nil {
		return fmt.Errorf(`-w has nothing to write with "-": the fixed Dockerfile goes to standard output (drop -w; with --lock, -w writes the lock file)`)
	}
	out := &fixOutput{e: e, format: *format, write: *write, list: *list,
		stdin: len(paths) == 1 && paths[0] == "-",
		doc:   &report.Document{Tool: "harden", Version: versionString(), Files: []report.File{}}}
	res, err := runner.Run(e.context(), paths, ro, out.file)
	if err != nil {
		return err
	}
	for _, o := range res.Outputs {
		out.output(o)
	}
	switch *format {
	case "json":
		if err := report.WriteJSON(e.stdout, out.doc); err != nil {
			return err
		}
	case "markdown":
		if err := report.WriteMarkdown(e.stdout, out.md); err != nil {
			return err
		}
	}
	return status(out.failed, out.pending && *check)
}

// fixOutput prints (or writes) the results of harden fix as they come.
type fixOutput struct {
	e                  *env
	format             string
	write, list, stdin bool
	failed, pending    bool
	doc                *report.Document   // --format json
	md                 []report.FixedFile // --format markdown
}

// diffName is the name the diff of the file at path gives it (see
// runner.DiffName); when that is not path, it says so on stderr.
func (o *fixOutput) diffName(path string) string {
	name, note := runner.DiffName(path)
	if note != "" {
		fmt.Fprintf(o.e.stderr, "harden: note: %s\n", printable(note))
	}
	return name
}

// file handles one file's result, in path order.
func (o *fixOutput) file(f *runner.File) error {
	e := o.e
	if f.Err != nil {
		o.failed = true
		reportError(e.stderr, f.Path, f.Err)
	}
	res := f.Result
	if res != nil && reportLookupErrors(e.stderr, f.Path, res.Applied, res.Remaining) {
		o.failed = true
	}
	if f.Stdin {
		return o.stdinFile(f)
	}
	err := f.Err
	if f.Changed() {
		o.pending = true
		if o.write {
			if werr := atomicfile.Write(f.Path, res.Fixed); werr != nil {
				o.failed = true
				reportError(e.stderr, f.Path, werr)
				err = werr
			} else {
				fmt.Fprintf(e.stderr, "fixed %s: %s\n", printable(f.Path), plural(len(res.Applied), "fix", "fixes"))
			}
		}
		switch {
		case o.format != "diff":
		case o.list:
			fmt.Fprintln(e.stdout, f.Path)
		case !o.write:
			report.WriteDiff(e.stdout, o.diffName(f.Path), res.Original, res.Fixed)
		}
	}
	o.collect(f, err)
	return nil
}

// stdinFile writes the fixed standard input to standard output (or its
// name with -l). On error the input is written back unchanged, so a pipe
// never loses it.
func (o *fixOutput) stdinFile(f *runner.File) error {
	res := f.Result
	if res == nil { // standard input could not be read
		return nil
	}
	if res.Changed() {
		o.pending = true
	}
	switch {
	case o.format != "diff":
		o.collect(f, f.Err)
	case o.list:
		if res.Changed() {
			fmt.Fprintln(o.e.stdout, f.Path)
		}
	default:
		if _, err := o.e.stdout.Write(res.Fixed); err != nil {
			return err
		}
	}
	return nil
}

// collect keeps a file's result for the formats printed at the end.
func (o *fixOutput) collect(f *runner.File, err error) {
	switch o.format {
	case "json":
		o.doc.Files = append(o.doc.Files, o.jsonFile(f.Path, f.Result, err))
	case "markdown":
		mf := report.FixedFile{Path: f.Path}
		if f.Result != nil && f.Result.Changed() && err == nil {
			mf.Path = o.diffName(f.Path) // the body shows the diff
		}
		if err != nil {
			mf.Error = err.Error()
		}
		if f.Result != nil {
			mf.Old, mf.New = f.Result.Original, f.Result.Fixed
			mf.Applied, mf.Remaining = f.Result.Applied, f.Result.Remaining
		}
		o.md = append(o.md, mf)
	}
}

// output handles a file the run produced besides the Dockerfiles (a lock
// file) like a changed Dockerfile: shown in the diff, listed with -l,
// written with -w. With standard input, whose output is the Dockerfile
// alone, it is written with -w and otherwise only mentioned on stderr.
func (o *fixOutput) output(out runner.Output) {
	if !out.Changed() {
		return
	}
	e := o.e
	o.pending = true
	var err error
	if o.write {
		if err = atomicfile.WriteOrCreate(out.Path, out.New, 0o644); err != nil {
			o.failed = true
			reportError(e.stderr, out.Path, err)
		} else {
			fmt.Fprintf(e.stderr, "wrote %s\n", printable(out.Path))
		}
	}
	switch {
	case o.format == "json":
		f := report.File{Path: out.Path, Findings: []report.Finding{}}
		changed, diff := err == nil, ""
		if err != nil {
			f.Error = err.Error()
		} else {
			var b strings.Builder
			report.WriteDiff(&b, o.diffName(out.Path), out.Old, out.New)
			diff = b.String()
		}
		f.Changed, f.Diff = &changed, &diff
		o.doc.Files = append(o.doc.Files, f)
	case o.format == "markdown":
		mf := report.FixedFile{Path: out.Path, Old: out.Old, New: out.New}
		if err != nil {
			mf.Error = err.Error()
		} else {
			mf.Path = o.diffName(out.Path)
		}
		o.md = append(o.md, mf)
	case o.list:
		fmt.Fprintln(e.stdout, out.Path)
	case o.stdin:
		if !o.write {
			fmt.Fprintf(e.stderr, "%s: not written: with standard input only -w writes it\n", printable(out.Path))
		}
	case !o.write:
		report.WriteDiff(e.stdout, o.diffName(out.Path), out.Old, out.New)
	}
}

// jsonFile is one file of harden fix --format json; its diff names the
// file as diffName does.
func (o *fixOutput) jsonFile(path string, res *transform.Result, err error) report.File {
	f := report.File{Path: path, Findings: []report.Finding{}}
	if err != nil {
		f.Error = err.Error()
	}
	if res != nil {
		changed := res.Changed() && err == nil
		diff := ""
		if changed {
			var b strings.Builder
			report.WriteDiff(&b, o.diffName(path), res.Original, res.Fixed)
			diff = b.String()
		}
		f.Changed, f.Diff = &changed, &diff
		f.Findings = report.Findings(res.Applied, res.Remaining)
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
		fmt.Fprintf(w, "%s: %s\n", printable(path), transform.Printable(unwrapPathError(err).Error()))
	}
}

// reportLookupErrors prints the findings a failed lookup left without an
// edit (Finding.Err: a registry's not found, unauthorized, timeout) as
// PATH:LINE: NAME: message, and reports whether there were any: the rest
// of the file is still fixed, and the run exits 2 at the end.
func reportLookupErrors(w io.Writer, path string, lists ...[]transform.Finding) bool {
	failed := false
	for _, list := range lists {
		for _, f := range list {
			if f.Err != nil {
				failed = true
				fmt.Fprintf(w, "%s:%d: %s: %s\n", printable(path), f.Line, f.Fix.Name, transform.Printable(f.Message))
			}
		}
	}
	return failed
}

// printable is a file name made safe to print in a message (control
// characters and invalid UTF-8 escaped), see transform.PrintablePath.
func printable(path string) string { return transform.PrintablePath(path) }

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
