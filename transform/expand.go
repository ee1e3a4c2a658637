package transform

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Env is a set of build-time variables with their default values, as far as
// the Dockerfile itself defines them (no --build-arg is known here).
type Env map[string]string

// Get implements shell.EnvGetter.
func (e Env) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }

// Keys implements shell.EnvGetter.
func (e Env) Keys() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	return keys
}

// Expand substitutes variables in word the way buildkit does, with env.
// Unknown variables expand to "". ok is false when the word cannot be
// expanded or uses a variable env does not define.
func (d *Document) Expand(word string, env Env) (string, bool) {
	if !strings.ContainsAny(word, "$\"'\\`") {
		return word, true // nothing to substitute or unquote
	}
	if d.lex == nil {
		d.lex = shell.NewLex(d.EscapeToken())
	}
	res, err := d.lex.ProcessWordWithMatches(word, env)
	if err != nil {
		return word, false
	}
	return res.Result, len(res.Unmatched) == 0
}

// platformArgs are the ARGs buildkit defines for every build, here with the
// values of a linux/amd64 build.
var platformArgs = Env{
	"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
	"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
}

// MetaEnv is what a FROM line can use: buildkit's platform ARGs (as for a
// linux/amd64 build) and the defaults of the ARGs declared before the first
// FROM. The map is shared: do not modify it.
func (d *Document) MetaEnv() Env {
	if d.metaEnv != nil {
		return d.metaEnv
	}
	env := Env{}
	for k, v := range platformArgs {
		env[k] = v
	}
	for _, a := range d.ParsedMetaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				v, _ := d.Expand(*kv.Value, env)
				env[kv.Key] = v
			}
		}
	}
	d.metaEnv = env
	return env
}

// BaseName is the stage's FROM image (or earlier stage name) with meta ARG
// defaults substituted; ok is false when a variable had no default.
func (d *Document) BaseName(s *Stage) (string, bool) {
	if !s.baseDone {
		s.base, s.baseOK = d.Expand(s.Parsed.BaseName, d.MetaEnv())
		s.baseDone = true
	}
	return s.base, s.baseOK
}

// Parent returns the earlier stage that s is built FROM, or nil when s starts
// from an image.
func (d *Document) Parent(s *Stage) *Stage {
	if !s.parentDone {
		name, _ := d.BaseName(s)
		s.parent, s.parentDone = d.StageByName(name, s.Index), true
	}
	return s.parent
}

// Chain is s followed by the stages it is built from, nearest first.
func (d *Document) Chain(s *Stage) []*Stage {
	chain := []*Stage{s}
	for p := d.Parent(s); p != nil; p = d.Parent(p) {
		chain = append(chain, p)
	}
	return chain
}

// StageEnv is the ARG and ENV values visible in s before instruction index
// upto (len(s.Nodes) for the whole stage), including those inherited from
// the stages it is built from. The map is the caller's.
func (d *Document) StageEnv(s *Stage, upto int) Env {
	return clone(d.envAt(s, upto))
}

// ScopeAt is StageEnv without the copy, for reading: the map is shared
// with the document's other questions and must not be modified. Asked in
// instruction order, it costs one walk of the stage in all.
func (d *Document) ScopeAt(s *Stage, upto int) Env { return d.envAt(s, upto) }

// envCursor is the last scope envAt walked to: the variables of stage s
// before instruction upto.
type envCursor struct {
	s    *Stage
	upto int
	env  Env
}

// envAt is StageEnv without the copy: the map is shared, do not modify it.
// It walks a stage once for questions asked in instruction order (as
// StageRun.Value is asked them), instead of starting over from the top of
// the chain for each, which made a long stage quadratic. The scope at the
// end of a stage is that of its facts.
func (d *Document) envAt(s *Stage, upto int) Env {
	if upto >= len(s.Parsed.Commands) {
		return d.Facts(s).Vars
	}
	c := d.envCur
	if c == nil || c.s != s || c.upto > upto {
		c = &envCursor{s: s, env: Env{}}
		if p := d.Parent(s); p != nil {
			c.env = clone(d.Facts(p).Vars)
		}
		d.envCur = c
	}
	for _, cmd := range s.Parsed.Commands[c.upto:upto] {
		d.ApplyEnv(c.env, cmd)
	}
	c.upto = upto
	return c.env
}

// ApplyEnv updates env with what an ARG or ENV instruction defines; other
// instructions leave it alone. Walking a stage's commands in order with it
// gives what StageEnv gives, without starting over for each instruction.
func (d *Document) ApplyEnv(env Env, c instructions.Command) {
	switch c := c.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			switch {
			case kv.Value != nil:
				v, _ := d.Expand(*kv.Value, env)
				env[kv.Key] = v
			default:
				if v, ok := d.MetaEnv()[kv.Key]; ok {
					env[kv.Key] = v
				}
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			v, _ := d.Expand(kv.Value, env)
			env[kv.Key] = v
		}
	}
}
