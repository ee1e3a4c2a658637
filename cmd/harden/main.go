// Command harden rewrites Dockerfiles so the images they build are safer.
//
//	harden fix [flags] [PATH…]     print (or write) the fixes as a unified diff
//	harden check [flags] [PATH…]   report every finding, fixable or not
//	harden pr [flags]              open or update a pull request with the fixes
//	harden config [PATH]           print the configuration that applies to a path
//	harden rules [NAME]            list the fixes, or document one
//	harden version                 print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/internal/config"
	"github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/internal/runner"
	"github.com/harden-dev/harden/transform"
)

// version is set by the Makefile with -ldflags "-X main.version=…".
var version = ""

// Exit codes.
const (
	exitOK      = 0
	exitPending = 1 // --check: changes pending; check: findings
	exitError   = 2
)

// exitCode is an error that carries the process exit code. Subcommands
// return it; main turns it into the exit status in one place.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// env is the process environment a subcommand runs in.
type env struct {
	// ctx is cancelled by Ctrl-C (SIGINT) or SIGTERM; nil means never.
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer

	// fixes is the fix registry; nil means fixes.All. Tests give fake
	// fixes here to test the CLI apart from any real fix's wording.
	fixes func() []*transform.Fix
	// images and urls are the network backends of the resolver; nil means
	// the real registries and HTTP. Tests give fakes, so that the lock
	// file, --offline and the run-wide cache are exercised for real.
	images resolve.ImageSource
	urls   resolve.URLSource
	// outputs, when not nil, gives output files of a fix run besides the
	// Dockerfiles and the lock file: shown in the diff, listed with -l and
	// written with -w like a changed Dockerfile.
	outputs func(ctx context.Context) ([]runner.Output, error)
}

// registry returns the fixes the CLI knows, in the order they run.
func (e *env) registry() []*transform.Fix {
	if e.fixes != nil {
		return e.fixes()
	}
	return fixes.All()
}

// context returns the run's context.
func (e *env) context() context.Context {
	if e.ctx == nil {
		return context.Background()
	}
	return e.ctx
}

type command struct {
	name    string
	summary string
	run     func(e *env, name string, args []string) error
}

func commands() []command {
	return []command{
		{"fix", "apply fixes: print a unified diff, or write them with -w", runFix},
		{"check", "report every finding, including those with no automatic fix", runCheck},
		{"pr", "commit the fixes on a branch and open or update a pull request", runPR},
		{"rules", "list the fixes, or show the full documentation of one", runRules},
		{"config", "print the configuration (" + config.FileName + " and flags) that applies to a path", runConfig},
		{"version", "print harden's version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(os.Args[1:], &env{ctx: ctx, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// run executes harden with args and returns the exit status.
func run(args []string, e *env) int {
	err := dispatch(args, e)
	var code exitCode
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, pflag.ErrHelp):
		return exitOK
	default:
		fmt.Fprintf(e.stderr, "harden: %v\n", err)
		return exitError
	}
}

func dispatch(args []string, e *env) error {
	if len(args) == 0 {
		usage(e.stderr)
		return exitCode(exitError)
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) > 2 {
			return fmt.Errorf("unexpected argument %q after %s %s", args[2], args[0], args[1])
		}
		if len(args) > 1 && args[0] == "help" {
			return dispatch([]string{args[1], "--help"}, e)
		}
		if len(args) > 1 {
			return fmt.Errorf("unexpected argument %q after %s", args[1], args[0])
		}
		usage(e.stdout)
		return nil
	case "-v", "--version":
		return runVersion(e, "version", args[1:])
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(e, c.name, args[1:])
		}
	}
	return fmt.Errorf("unknown command %q; run 'harden --help'", args[0])
}

func usage(w io.Writer) {
	fmt.Fprint(w, `harden rewrites Dockerfiles so the images they build are safer: it adds a
non-root USER and more, editing only the lines it must.

Usage:
  harden <command> [flags] [PATH…]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
PATH is a Dockerfile (any name), or a directory searched recursively for
`+runner.DiscoveryHelp+`,
skipping .git, node_modules and vendor, and warning of a symlink named like
a Dockerfile that leads nowhere. No PATH means ".", and "-" reads standard
input. A file over --max-size (default 1MiB) is refused, unread.

Exit codes: 0 success; 1 changes pending (fix --check) or findings (check);
2 an error (after every other file has been processed).

Run 'harden <command> --help' for a command's flags.
`)
}

func runVersion(e *env, name string, args []string) error {
	fs := newFlagSet(e, name, "", "Print harden's version.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	fmt.Fprintf(e.stdout, "harden %s\n", versionString())
	return nil
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// flagSet is a pflag.FlagSet with the help text of its subcommand.
type flagSet struct {
	*pflag.FlagSet
	e                       *env
	name, args, description string
}

// newFlagSet returns the flag set of a subcommand.
func newFlagSet(e *env, name, argsUsage, description string) *flagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.SortFlags = false
	fs.Usage = func() {} // help is printed by parseFlags, errors by pflag
	return &flagSet{FlagSet: fs, e: e, name: name, args: argsUsage, description: description}
}

// parseFlags parses args. --help prints the command's help on stdout and
// ends the command successfully; a bad flag is reported on stderr and ends
// it with exit status 2.
func parseFlags(fs *flagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pflag.ErrHelp):
		out := fs.e.stdout
		fmt.Fprintf(out, "Usage: harden %s [flags] %s\n\n%s\n", fs.name, fs.args, fs.description)
		if fs.HasFlags() {
			fmt.Fprintf(out, "\nFlags:\n%s", fs.FlagUsages())
		}
		return err
	default:
		return usageError(fs, err)
	}
}

// usageError reports a bad command line on stderr and ends the command
// with exit status 2.
func usageError(fs *flagSet, err error) error {
	fmt.Fprintf(fs.e.stderr, "harden %s: %v\nRun 'harden %s --help' for usage.\n", fs.name, err, fs.name)
	return exitCode(exitError)
}
