package fixes

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
	"mvdan.cc/sh/v3/syntax"

	hresolve "github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/transform"
)

// What no-pipe-to-shell and add-checksum share: the variables a URL can
// use, where they come from, and the checksum lookup.

// platformVars are the ARGs buildkit sets from the build's platform: a URL
// using one names a different file on each platform.
var platformVars = map[string]bool{
	"TARGETPLATFORM": true, "TARGETOS": true, "TARGETARCH": true, "TARGETVARIANT": true,
	"BUILDPLATFORM": true, "BUILDOS": true, "BUILDARCH": true, "BUILDVARIANT": true,
}

// scope is the ARG and ENV values visible at one instruction, with where
// each comes from.
type scope struct {
	env transform.Env
	// arg marks values a build can change: an ARG default (--build-arg
	// overrides it) or an ENV whose value uses other variables.
	arg map[string]bool
	// bad marks values harden could not compute (a variable without a
	// default inside them).
	bad map[string]bool
}

// scopeAt computes the scope of instruction n: the stages n's stage is
// built FROM, then its own instructions before n.
func scopeAt(d *transform.Document, n *parser.Node) scope {
	sc := scope{env: transform.Env{}, arg: map[string]bool{}, bad: map[string]bool{}}
	st := d.StageOf(n)
	if st == nil {
		return sc
	}
	chain := d.Chain(st)
	for i := len(chain) - 1; i >= 0; i-- {
		s := chain[i]
		upto := len(s.Nodes)
		if s == st {
			upto = 0
			for upto < len(s.Nodes) && s.Nodes[upto] != n {
				upto++
			}
		}
		for _, c := range s.Parsed.Commands[:upto] {
			sc.apply(d, c)
		}
	}
	return sc
}

func (sc scope) apply(d *transform.Document, c instructions.Command) {
	switch c := c.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			if kv.Value != nil {
				v, ok := d.Expand(*kv.Value, sc.env)
				sc.env[kv.Key], sc.arg[kv.Key], sc.bad[kv.Key] = v, true, !ok
				continue
			}
			if v, ok := metaDefault(d, kv.Key); ok {
				sc.env[kv.Key], sc.arg[kv.Key], sc.bad[kv.Key] = v, true, false
			} else if !sc.arg[kv.Key] {
				delete(sc.env, kv.Key) // declared without a value: --build-arg only
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			v, ok := d.Expand(kv.Value, sc.env)
			sc.env[kv.Key], sc.arg[kv.Key], sc.bad[kv.Key] = v, strings.Contains(kv.Value, "$"), !ok
		}
	}
}

// metaDefault is the default of an ARG declared before the first FROM.
func metaDefault(d *transform.Document, key string) (string, bool) {
	env := d.MetaEnv()
	for _, a := range d.ParsedMetaArgs {
		for _, kv := range a.Args {
			if kv.Key == key && kv.Value != nil {
				v, ok := env[key]
				return v, ok
			}
		}
	}
	return "", false
}

// boundURL is a URL read from the Dockerfile with its variables substituted.
type boundURL struct {
	URL string
	// Vars are the variables used, as NAME=value, sorted.
	Vars []string
	// Overridable is true when one of them is an ARG (or derives from one):
	// a build with another --build-arg value downloads another file.
	Overridable bool
}

// note says how the checksum depends on the URL's variables ("" for none).
// overrideRisk is what a reviewer must check when the URL uses build
// arguments: another --build-arg value downloads another file, which the
// pinned checksum then refuses.
func (b boundURL) overrideRisk() string {
	return fmt.Sprintf("the URL uses build arguments (%s): a build with other --build-arg values fails the check", strings.Join(b.Vars, ", "))
}

func (b boundURL) note() string {
	if len(b.Vars) == 0 {
		return ""
	}
	return "; the checksum is tied to " + strings.Join(b.Vars, ", ")
}

// use records variable name with its value in scope, or returns why the
// URL cannot be known.
func (sc scope) use(b *boundURL, name string) (string, error) {
	switch {
	case platformVars[name]:
		return "", fmt.Errorf("uses $%s, which differs by build platform", name)
	case sc.bad[name]:
		return "", fmt.Errorf("uses $%s, whose value uses a variable without a default", name)
	}
	v, ok := sc.env[name]
	if !ok {
		return "", fmt.Errorf("uses $%s, which has no default in the Dockerfile", name)
	}
	b.Vars = append(b.Vars, name+"="+v)
	b.Overridable = b.Overridable || sc.arg[name]
	return v, nil
}

// shellURL reads a URL word of a RUN: literal text and simple $VAR/${VAR}
// expansions of variables in scope that the script itself does not set.
func (sc scope) shellURL(sh *transform.Shell, w *syntax.Word) (boundURL, error) {
	var b boundURL
	var out strings.Builder
	var part func(p syntax.WordPart) error
	part = func(p syntax.WordPart) error {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.Contains(p.Value, `\`) {
				return errors.New("has a backslash escape")
			}
			out.WriteString(p.Value)
		case *syntax.SglQuoted:
			if p.Dollar {
				return errors.New("is a $'…' string")
			}
			out.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if err := part(q); err != nil {
					return err
				}
			}
		case *syntax.ParamExp:
			if p.Excl || p.Length || p.Width || p.Index != nil || p.Slice != nil || p.Repl != nil || p.Names != 0 || p.Exp != nil || p.Param == nil {
				return errors.New("uses a parameter expansion harden does not evaluate")
			}
			name := p.Param.Value
			if assignedIn(sh.File, name) {
				return fmt.Errorf("uses $%s, which the RUN itself sets", name)
			}
			v, err := sc.use(&b, name)
			if err != nil {
				return err
			}
			out.WriteString(v)
		default:
			return errors.New("uses a command substitution or other expansion")
		}
		return nil
	}
	for _, p := range w.Parts {
		if err := part(p); err != nil {
			return b, err
		}
	}
	b.URL = out.String()
	sort.Strings(b.Vars)
	b.Vars = slicesCompact(b.Vars)
	return b, nil
}

func slicesCompact(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// assignedIn reports whether the script assigns variable name (V=…,
// export V=…, for V in …).
func assignedIn(f *syntax.File, name string) bool {
	found := false
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Assign:
			found = found || n.Name != nil && n.Name.Value == name
		case *syntax.ForClause:
			if wi, ok := n.Loop.(*syntax.WordIter); ok && wi.Name.Value == name {
				found = true
			}
		}
		return !found
	})
	return found
}

// dockerfileURL expands a word of an instruction (an ADD source) as
// buildkit does, with the variables in scope.
func (sc scope) dockerfileURL(d *transform.Document, word string) (boundURL, error) {
	var b boundURL
	if !strings.ContainsAny(word, "$") {
		b.URL = word
		return b, nil
	}
	lex := bkshell.NewLex(d.EscapeToken())
	env := transform.Env{}
	for k, v := range sc.env {
		env[k] = v
	}
	res, err := lex.ProcessWordWithMatches(word, env)
	if err != nil {
		return b, err
	}
	for name := range res.Unmatched {
		return b, fmt.Errorf("uses $%s, which has no default in the Dockerfile", name)
	}
	for name := range res.Matched {
		if _, err := sc.use(&b, name); err != nil {
			return b, err
		}
	}
	b.URL = res.Result
	sort.Strings(b.Vars)
	return b, nil
}

// checksum looks url up through the pass's resolver. On failure it returns
// the sentence a finding gives instead of an edit.
func checksum(pass *transform.Pass, url string) (string, string) {
	dl, err := pass.Resolver.URL(pass.Ctx, url)
	switch {
	case err == nil:
		return dl.SHA256, ""
	case errors.Is(err, hresolve.ErrNotInLock) || errors.Is(err, transform.ErrNoResolver):
		return "", "the lock file has no checksum for it: run `harden fix --lock FILE` once online to record one"
	}
	return "", "harden could not download it to checksum it: " + err.Error()
}

// tempFile is the path a download is saved to: /tmp/ + the URL's file name
// (or "download") + "." + the first 12 hex digits of its checksum, so that
// two downloads never collide and a rerun names the same file.
func tempFile(url, sum string) string {
	u := url
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	base := ""
	if i := strings.IndexByte(u, '/'); i >= 0 {
		base = path.Base(u[i:])
	}
	var b strings.Builder
	for _, r := range base {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	name := strings.Trim(b.String(), ".-")
	if len(name) > 40 {
		name = name[:40]
	}
	if name == "" {
		name = "download"
	}
	return "/tmp/" + name + "." + sum[:12]
}
