// Package shell reads the shell inside RUN instructions with mvdan.cc/sh, so
// that every fix sees the same commands: the simple commands a script runs,
// with wrappers such as sudo, env and `sh -c` looked through.
package shell

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// Word is one argument of a command.
type Word struct {
	// Value is the word with quotes removed when Literal; otherwise the raw
	// source text of the word (it holds expansions such as $UID).
	Value   string
	Literal bool
}

// Command is a simple command: its name (base name of the program) and the
// words after it.
type Command struct {
	Name string
	Args []Word
}

// Commands parses script as bash and returns every simple command in it, in
// source order, including those in pipelines, lists, subshells, functions
// and `sh -c '…'` strings. ok is false when the script does not parse.
func Commands(script string) (cmds []Command, ok bool) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(script), "")
	if err != nil {
		return nil, false
	}
	return CommandsOf(f, script), true
}

// CommandsOf is Commands over a script already parsed (as bash): f is the
// parse of script.
func CommandsOf(f *syntax.File, script string) (cmds []Command) {
	syntax.Walk(f, func(n syntax.Node) bool {
		call, isCall := n.(*syntax.CallExpr)
		if !isCall || len(call.Args) == 0 {
			return true
		}
		words := make([]Word, len(call.Args))
		for i, w := range call.Args {
			words[i] = word(script, w)
		}
		cmds = append(cmds, unwrap(words)...)
		return true
	})
	return cmds
}

// RunCommands returns the commands of a shell-form RUN (or CMD/ENTRYPOINT)
// and of its heredoc bodies. Exec-form instructions yield their argv as one
// command.
func RunCommands(c instructions.ShellDependantCmdLine) []Command {
	var out []Command
	if !c.PrependShell {
		words := make([]Word, len(c.CmdLine))
		for i, a := range c.CmdLine {
			words[i] = Word{Value: a, Literal: true}
		}
		out = append(out, unwrap(words)...)
	} else if cmds, ok := Commands(strings.Join(c.CmdLine, " ")); ok {
		out = append(out, cmds...)
	}
	for _, f := range c.Files {
		if cmds, ok := Commands(f.Data); ok {
			out = append(out, cmds...)
		}
	}
	return out
}

func word(src string, w *syntax.Word) Word {
	var b strings.Builder
	literal := true
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(unescape(p.Value))
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				lit, ok := q.(*syntax.Lit)
				if !ok {
					literal = false
					break
				}
				b.WriteString(lit.Value)
			}
		default:
			literal = false
		}
	}
	if !literal {
		return Word{Value: src[w.Pos().Offset():w.End().Offset()]}
	}
	return Word{Value: b.String(), Literal: true}
}

// unescape removes backslash escapes from an unquoted literal.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unwrap turns argv into the command that really runs, looking through
// wrappers (sudo, env, exec, nohup, busybox applets) and `sh -c SCRIPT`.
func unwrap(words []Word) []Command {
	for len(words) > 0 {
		if !words[0].Literal {
			return []Command{{Name: words[0].Value, Args: words[1:]}}
		}
		name := path.Base(words[0].Value)
		rest := words[1:]
		switch name {
		case "sudo", "doas":
			words = skipOptions(rest, sudoArgs)
		case "env":
			rest = skipOptions(rest, envArgs)
			for len(rest) > 0 && rest[0].Literal && strings.Contains(rest[0].Value, "=") {
				rest = rest[1:]
			}
			words = rest
		case "exec", "command", "nohup", "busybox", "time", "nice", "stdbuf", "xargs", "tini", "tini-static", "dumb-init":
			words = skipOptions(rest, nil)
		default:
			if KindOf(name) == POSIX {
				if script, ok := dashC(rest); ok {
					if cmds, ok := Commands(script); ok {
						return cmds
					}
				}
			}
			return []Command{{Name: name, Args: rest}}
		}
	}
	return nil
}

var (
	sudoArgs = map[string]bool{"-u": true, "-g": true, "-C": true, "-D": true, "-h": true, "-p": true, "-r": true, "-t": true, "-U": true}
	envArgs  = map[string]bool{"-u": true, "-C": true, "-S": true}
)

// skipOptions drops leading options; those in withArg take a value.
func skipOptions(words []Word, withArg map[string]bool) []Word {
	for len(words) > 0 && words[0].Literal && strings.HasPrefix(words[0].Value, "-") {
		if words[0].Value == "--" {
			return words[1:]
		}
		if withArg[words[0].Value] && len(words) > 1 {
			words = words[1:]
		}
		words = words[1:]
	}
	return words
}

// dashC finds the script of `sh [-opts] -c SCRIPT`.
func dashC(args []Word) (string, bool) {
	for i, a := range args {
		if !a.Literal || !strings.HasPrefix(a.Value, "-") {
			return "", false
		}
		if strings.Contains(a.Value[1:], "c") && !strings.HasPrefix(a.Value, "--") {
			if i+1 < len(args) && args[i+1].Literal {
				return args[i+1].Value, true
			}
			return "", false
		}
	}
	return "", false
}

// Option returns the value of an option given as "-x V", "-xV", "--long V"
// or "--long=V", and whether it is present. short and long may be "".
func (c Command) Option(short, long string) (Word, bool) {
	for i, a := range c.Args {
		if !a.Literal {
			continue
		}
		v := a.Value
		switch {
		case short != "" && v == short, long != "" && v == long:
			if i+1 < len(c.Args) {
				return c.Args[i+1], true
			}
			return Word{}, true
		case long != "" && strings.HasPrefix(v, long+"="):
			return Word{Value: v[len(long)+1:], Literal: true}, true
		case short != "" && len(short) == 2 && strings.HasPrefix(v, short) && len(v) > 2 && !strings.HasPrefix(v, "--"):
			return Word{Value: v[2:], Literal: true}, true
		}
	}
	return Word{}, false
}

// Has reports whether any argument is exactly one of flags.
func (c Command) Has(flags ...string) bool {
	for _, a := range c.Args {
		for _, f := range flags {
			if a.Literal && a.Value == f {
				return true
			}
		}
	}
	return false
}

// Program returns the index in words of the program that really runs,
// looking through the wrappers unwrap looks through (sudo, env, exec, …),
// and -1 when there is none or its name is not a literal. A `sh -c SCRIPT`
// yields the shell's index: the script inside is a string, not words.
func Program(words []Word) int {
	i := 0
	for i < len(words) {
		if !words[i].Literal {
			return -1
		}
		rest := words[i+1:]
		var next []Word
		switch path.Base(words[i].Value) {
		case "sudo", "doas":
			next = skipOptions(rest, sudoArgs)
		case "env":
			next = skipOptions(rest, envArgs)
			for len(next) > 0 && next[0].Literal && strings.Contains(next[0].Value, "=") {
				next = next[1:]
			}
		case "exec", "command", "nohup", "busybox", "time", "nice", "stdbuf", "xargs", "tini", "tini-static", "dumb-init":
			next = skipOptions(rest, nil)
		default:
			return i
		}
		i = len(words) - len(next)
	}
	return -1
}
