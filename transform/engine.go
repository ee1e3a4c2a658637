package transform

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// DefaultMaxRounds bounds the fixpoint loop.
const DefaultMaxRounds = 8

// Options configure one run of the engine.
type Options struct {
	// Fixes to run, in order. Fixes not listed do not run at all.
	Fixes []*Fix
	// Unsafe applies findings of Unsafe fixes too.
	Unsafe bool
	// Explicit names fixes the user selected by name: their findings are
	// applied even when Unsafe.
	Explicit map[string]bool
	// Offline forbids the network: fixes that need it report only.
	Offline bool
	// Update asks fixes to re-resolve what the Dockerfile already pins
	// (--update-digests): an image pinned by digest is looked up again and
	// updated when its tag has moved.
	Update bool
	// MaxRounds caps the fixpoint loop (DefaultMaxRounds when 0).
	MaxRounds int
	// Resolver answers fixes' network lookups; nil fails them all.
	Resolver Resolver
	// Context is the build context of the file, nil for none.
	Context fs.FS
	// Config is the project's configuration the fixes read (Pass.Config).
	Config Config
}

// Result is the outcome of fixing one file.
type Result struct {
	Path     string
	Original []byte
	Fixed    []byte // equal to Original when nothing applied or on error
	// Applied are the findings whose edits were applied, in order.
	Applied []Finding
	// Remaining are findings of the final document not applied: display-only,
	// unsafe without --unsafe, or needing the network under --offline.
	Remaining []Finding
	Rounds    int
	// Touched are the ranges of original lines [first, last] that applied
	// edits replaced or inserted at; every other line is kept byte for byte.
	Touched [][2]int
}

// Changed reports whether the fixed file differs from the original.
func (r *Result) Changed() bool { return string(r.Original) != string(r.Fixed) }

// Diff is the unified diff from Original to Fixed ("" when unchanged).
func (r *Result) Diff() string { return UnifiedDiff(r.Path, r.Original, r.Fixed) }

// FixError is a fix that produced something buildkit cannot parse, or a set of
// fixes that never settle. The engine then returns the original unchanged.
type FixError struct {
	Path  string
	Fixes []string
	Err   error
}

func (e *FixError) Error() string {
	return fmt.Sprintf("%s: %s (fix %s); file left unchanged", PrintablePath(e.Path), Printable(e.Err.Error()), strings.Join(e.Fixes, ", "))
}

func (e *FixError) Unwrap() error { return e.Err }

// Run parses src and applies the enabled fixes to a fixpoint. A parse error
// of the input is a *ParseError; a fix at fault is a *FixError; a run
// stopped by ctx returns ctx's error. In all these cases Result.Fixed is the
// original.
func Run(ctx context.Context, path string, src []byte, opts Options) (*Result, error) {
	doc, err := Parse(path, src)
	if err != nil {
		return &Result{Path: path, Original: src, Fixed: src}, err
	}
	return RunDocument(ctx, doc, opts)
}

// RunDocument is Run on an already parsed document.
func RunDocument(ctx context.Context, doc *Document, opts Options) (*Result, error) {
	res := &Result{Path: doc.Path, Original: doc.Src, Fixed: doc.Src}
	maxRounds := opts.MaxRounds
	if maxRounds <= 0 {
		maxRounds = DefaultMaxRounds
	}
	var history [][]Edit // the edits of each applied round, to map lines back
	cur := doc
	for {
		findings := Collect(ctx, cur, opts)
		if err := ctx.Err(); err != nil {
			return failed(res, err)
		}
		var accepted []Finding
		var edits []Edit
		alone := false
		for i := range findings {
			f := &findings[i]
			if f.Reason != "" {
				continue
			}
			if alone {
				f.Reason = "another fix restructures the file in this round: retried on its result"
				continue
			}
			if conflicts(edits, f.Edits) {
				f.Reason = "overlaps another fix in this round"
				continue
			}
			if f.Alone && len(accepted) > 0 {
				f.Reason = "restructures the file: applied alone in a later round"
				continue
			}
			alone = f.Alone
			f.Applied = true
			accepted = append(accepted, *f)
			edits = append(edits, f.Edits...)
		}
		if len(accepted) == 0 {
			for _, f := range findings {
				f.Line = mapLine(cur, history, f.Line, doc)
				res.Remaining = append(res.Remaining, f)
			}
			return res, nil
		}
		if res.Rounds == maxRounds {
			return failed(res, &FixError{Path: doc.Path, Fixes: fixNames(accepted),
				Err: fmt.Errorf("failed to converge after %d rounds", maxRounds)})
		}
		out, err := ApplyEdits(cur.Src, edits)
		if err != nil { // findings were validated one by one; this is a bug
			return failed(res, &FixError{Path: doc.Path, Fixes: fixNames(accepted), Err: err})
		}
		next, err := Parse(doc.Path, out)
		if err != nil {
			return failed(res, &FixError{Path: doc.Path, Fixes: blame(cur, accepted),
				Err: fmt.Errorf("fixed file no longer parses: %v", err)})
		}
		for _, f := range accepted {
			f.Line = mapLine(cur, history, f.Line, doc)
			res.Applied = append(res.Applied, f)
			for _, e := range f.Edits {
				start, end := e.Start, e.End
				for r := len(history) - 1; r >= 0; r-- {
					start, end = mapOffsetBack(start, history[r]), mapOffsetBack(end, history[r])
				}
				last := end - 1
				if last < start {
					last = start
				}
				res.Touched = append(res.Touched, [2]int{doc.LineAt(start), doc.LineAt(last)})
			}
		}
		history = append(history, sortedEdits(edits))
		res.Rounds++
		res.Fixed = out
		cur = next
	}
}

func failed(res *Result, err error) (*Result, error) {
	res.Fixed = res.Original
	res.Applied = nil
	res.Remaining = nil
	res.Touched = nil
	return res, err
}

// Collect runs the enabled fixes over doc once and returns their findings,
// without suppressed ones, each with its applicability resolved and, when it
// will not be applied, the reason.
func Collect(ctx context.Context, doc *Document, opts Options) []Finding {
	var out []Finding
	resolver, fsys := opts.Resolver, opts.Context
	if resolver == nil {
		resolver = noResolver{}
	}
	if fsys == nil {
		fsys = emptyFS{}
	}
	fixture := doc.Fixture()
	for _, fix := range opts.Fixes {
		if ctx.Err() != nil {
			break
		}
		pass := &Pass{Ctx: ctx, Doc: doc, Fix: fix, Offline: opts.Offline, Update: opts.Update, Resolver: resolver, Context: fsys, Config: opts.Config}
		fix.Check(pass)
		for _, f := range pass.findings {
			if doc.Suppressed(fix, f.Line) {
				continue
			}
			if f.Applicability == inherit {
				f.Applicability = fix.Applicability
			}
			if len(f.Edits) == 0 {
				f.Applicability = DisplayOnly
			}
			switch {
			case f.Applicability == DisplayOnly:
				f.Reason = "no automatic fix"
			case doc.Generated():
				f.Applicability = DisplayOnly
				f.Reason = "generated file (its header says DO NOT EDIT): change its generator"
			case fixture != "":
				f.Applicability = DisplayOnly
				f.Reason = fixture
			case f.Applicability == Unsafe && !opts.Unsafe && !opts.Explicit[fix.Name]:
				f.Reason = "unsafe fix: use --unsafe or --select " + fix.Name
			default:
				if err := validateEdits(f.Edits, len(doc.Src)); err != nil {
					f.Reason = "internal error: " + err.Error()
				}
			}
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// blame finds which of a round's findings breaks parsing when applied alone.
func blame(doc *Document, accepted []Finding) []string {
	for _, f := range accepted {
		out, err := ApplyEdits(doc.Src, f.Edits)
		if err != nil {
			return []string{f.Fix.Name}
		}
		if _, err := Parse(doc.Path, out); err != nil {
			return []string{f.Fix.Name}
		}
	}
	return fixNames(accepted)
}

func fixNames(fs []Finding) []string {
	seen := map[string]bool{}
	var names []string
	for _, f := range fs {
		if !seen[f.Fix.Name] {
			seen[f.Fix.Name] = true
			names = append(names, f.Fix.Name)
		}
	}
	return names
}

// mapLine converts a line of the current document back to the original one
// by undoing each round's edits, newest first.
func mapLine(cur *Document, history [][]Edit, line int, orig *Document) int {
	if len(history) == 0 {
		return line
	}
	off := cur.LineStart(line)
	for r := len(history) - 1; r >= 0; r-- {
		off = mapOffsetBack(off, history[r])
	}
	return orig.LineAt(off)
}

// mapOffsetBack maps an offset in an edited text to the offset in the text
// before the (sorted) edits; offsets inside inserted text map to the edit's start.
func mapOffsetBack(off int, edits []Edit) int {
	delta := 0
	for _, e := range edits {
		newStart := e.Start + delta
		newEnd := newStart + len(e.New)
		if off < newStart {
			break
		}
		if off < newEnd {
			return e.Start
		}
		delta += len(e.New) - (e.End - e.Start)
	}
	return off - delta
}
