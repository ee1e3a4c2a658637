package transform

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
)

// Applicability says whether a fix's edits are applied.
type Applicability int

const (
	inherit Applicability = iota // a Finding's zero value: take the Fix's
	// Safe fixes are applied by `harden fix`: a reviewer accepts them without
	// thinking hard.
	Safe
	// Unsafe fixes are applied only with --unsafe, or when named in --select.
	Unsafe
	// DisplayOnly findings are reported, never applied.
	DisplayOnly
)

func (a Applicability) String() string {
	switch a {
	case Safe:
		return "default"
	case Unsafe:
		return "unsafe"
	case DisplayOnly:
		return "none"
	}
	return "inherit"
}

// Needs lists what a fix needs beyond the file itself.
type Needs uint

const (
	// NeedsNetwork marks fixes that talk to registries or download URLs
	// through Pass.Resolver. Under --offline the resolver answers from the
	// lock file alone, and what it cannot answer the fix reports without
	// an edit.
	NeedsNetwork Needs = 1 << iota
	// NeedsImageConfig marks fixes that read base images' configurations
	// (Image.Config): a run in which no fix has it fetches digests only.
	NeedsImageConfig
)

// Fix is one rule: what it looks for, what it changes and its documentation.
type Fix struct {
	Name    string   // stable kebab-case handle: "non-root-user"
	Summary string   // short title, no final period
	Doc     string   // what it does, why, what it will not do (plain text)
	Example string   // a Dockerfile it changes; its diff is shown in the docs
	Also    []string // equivalent IDs elsewhere: "DL3002", "DS002", buildkit checks
	// Applicability is Safe (applied by default) or Unsafe (--unsafe only).
	Applicability Applicability
	Needs         Needs
	// Severity says how much a finding of this fix matters; zero means
	// Warning. `harden check --severity/--fail-on` filter on it.
	Severity Severity
	// Check inspects pass.Doc and reports findings, with edits when it can fix them.
	Check func(pass *Pass)
}

// Matches reports whether name is this fix's name or one of its equivalent
// IDs (case-insensitive), or "ALL".
func (f *Fix) Matches(name string) bool {
	if strings.EqualFold(name, "ALL") || strings.EqualFold(name, f.Name) {
		return true
	}
	for _, id := range f.Also {
		if strings.EqualFold(name, id) {
			return true
		}
	}
	return false
}

// Finding is one problem a fix found, with the edits that fix it (applied
// all-or-nothing) or none. As in go/analysis, the problem (Message) is kept
// apart from what the fix does about it (Title, a verb phrase).
type Finding struct {
	Fix  *Fix
	Line int // 1-based line in the file as it was before any edit
	// Message states the problem: "Final stage runs as root".
	Message string
	// Title says what the edits do, as a verb phrase: "Add USER 10001:10001
	// before CMD". Empty when there are no edits.
	Title string
	Edits []Edit
	// Applicability of this finding; zero means the Fix's, and a finding
	// without edits is always DisplayOnly.
	Applicability Applicability
	// Err is a lookup that failed (registry or URL not found, unauthorized,
	// timeout…) and kept the fix from deciding: the finding then has no
	// edits, the rest of the file is still fixed, and the CLI reports it
	// and exits 2 at the end. A key missing from the lock file under
	// --offline (ErrNotInLock) is not such a failure: fixes report it in
	// Message and leave Err nil.
	Err error
	// Alone marks a finding that restructures the file (splits a stage):
	// the other fixes' edits of the same round were computed for the
	// structure it changes, so it is applied in a round of its own, and the
	// others are retried on its result.
	Alone bool

	Applied bool   // set by the engine
	Reason  string // why it was not applied, set by the engine
}

func (f *Finding) String() string {
	return fmt.Sprintf("%d: %s: %s", f.Line, f.Fix.Name, f.Message)
}

// Pass is what a fix sees while it checks one document: the document, and
// the services of the run it belongs to.
type Pass struct {
	// Ctx is the run's context: a fix that waits (on the network) stops
	// when it is done.
	Ctx context.Context
	Doc *Document
	Fix *Fix
	// Offline is true when the network must not be used: a fix that needs it
	// reports findings without edits.
	Offline bool
	// Update is true with --update-digests: fixes re-resolve what the
	// Dockerfile already pins and update it when it has moved.
	Update bool
	// Resolver answers image and URL lookups for fixes that need the
	// network (and, under --offline, from the lock file only). Never nil:
	// without one configured, every lookup fails with ErrNoResolver.
	Resolver Resolver
	// Context is the build context the Dockerfile's COPY and ADD read
	// from, as a file system of regular text files only. Never nil; a
	// Dockerfile read from standard input without --context has an empty
	// one.
	Context fs.FS
	// Config is the project's configuration (.harden.yaml) for this file:
	// the user to create, runtime images. Its zero value means defaults.
	Config Config

	findings []Finding
}

// Report records a finding for the current fix. Its Fix is set by the pass.
func (p *Pass) Report(f Finding) {
	f.Fix = p.Fix
	p.findings = append(p.findings, f)
}

// Reportf records a finding without edits: a problem harden reports but
// does not fix.
func (p *Pass) Reportf(line int, format string, args ...any) {
	p.Report(Finding{Line: line, Message: fmt.Sprintf(format, args...)})
}

// Severity ranks findings for `harden check --severity` and `--fail-on`.
type Severity int

const (
	unsetSeverity Severity = iota
	// Info is hygiene: image size, build reproducibility, style.
	Info
	// Warning is a weakness a reviewer should fix.
	Warning
	// Error is a problem that exposes the image (root, secrets, a shell
	// piped from the network).
	Error
)

// Level is the fix's severity, Warning when it sets none.
func (f *Fix) Level() Severity {
	if f.Severity == unsetSeverity {
		return Warning
	}
	return f.Severity
}

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "warning"
}

// ParseSeverity reads "info", "warning" or "error" (any case); "note" is
// SARIF's name for info.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "info", "note":
		return Info, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return 0, fmt.Errorf("unknown severity %q (info, warning or error)", s)
}
