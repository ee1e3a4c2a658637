package shell

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

func names(cmds []Command) string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Name)
	}
	return strings.Join(out, " ")
}

func TestCommands(t *testing.T) {
	for script, want := range map[string]string{
		"apt-get update && apt-get install -y curl":                         "apt-get apt-get",
		"set -eux; sudo -u root /usr/sbin/useradd -m app":                   "set useradd",
		"env DEBIAN_FRONTEND=noninteractive apt-get install -y x | tee log": "apt-get tee",
		"( cd /src && make ); \\\n  case $x in a) apk add y ;; esac":        "cd make apk",
		"sh -c 'adduser -D app && addgroup app wheel'":                      "adduser addgroup",
		"if true; then gosu nobody true; fi":                                "true gosu",
		"exec su-exec app \"$@\"":                                           "su-exec",
		"X=1 busybox adduser -D u":                                          "adduser",
	} {
		cmds, ok := Commands(script)
		if !ok {
			t.Fatalf("%q does not parse", script)
		}
		if got := names(cmds); got != want {
			t.Errorf("%q: %q, want %q", script, got, want)
		}
	}
	if _, ok := Commands("if then fi ((("); ok {
		t.Error("a broken script must report ok=false")
	}
}

func TestWords(t *testing.T) {
	cmds, _ := Commands(`useradd -u "$UID" --gid='app' -m "my user" plain\ word`)
	args := cmds[0].Args
	want := []Word{{`-u`, true}, {`"$UID"`, false}, {`--gid=app`, true}, {`-m`, true}, {`my user`, true}, {`plain word`, true}}
	if len(args) != len(want) {
		t.Fatalf("args %v", args)
	}
	for i := range want {
		if args[i] != want[i] {
			t.Errorf("arg %d = %+v, want %+v", i, args[i], want[i])
		}
	}
	if w, ok := cmds[0].Option("-u", "--uid"); !ok || w.Value != `"$UID"` {
		t.Errorf("Option -u = %+v %v", w, ok)
	}
	if w, ok := cmds[0].Option("-g", "--gid"); !ok || w.Value != "app" {
		t.Errorf("Option --gid= = %+v %v", w, ok)
	}
	if !cmds[0].Has("-m") || cmds[0].Has("-x") {
		t.Error("Has")
	}
}

func TestRunCommands(t *testing.T) {
	exec := RunCommands(instructions.ShellDependantCmdLine{CmdLine: []string{"gosu", "app", "server"}})
	if names(exec) != "gosu" || len(exec[0].Args) != 2 {
		t.Errorf("exec form: %+v", exec)
	}
	heredoc := RunCommands(instructions.ShellDependantCmdLine{
		CmdLine: []string{"<<EOF"}, PrependShell: true,
		Files: []instructions.ShellInlineFile{{Name: "EOF", Data: "useradd app\nchown app /x\n"}},
	})
	if names(heredoc) != "useradd chown" {
		t.Errorf("heredoc: %q", names(heredoc))
	}
}

func TestProgram(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   int
	}{
		{"apt-get install -y x", 0},
		{"sudo -u root apt-get install x", 3},
		{"env DEBIAN_FRONTEND=noninteractive apt-get install x", 2},
		{"sudo env A=1 -- pip install x", 3},
		{"$APT install x", -1},
		{"sudo", -1},
		{"sh -c 'apt-get install x'", 0},
	} {
		f, err := syntax.NewParser().Parse(strings.NewReader(tc.script), "")
		if err != nil {
			t.Fatal(err)
		}
		call := f.Stmts[0].Cmd.(*syntax.CallExpr)
		words := make([]Word, len(call.Args))
		for i, w := range call.Args {
			words[i] = WordOf(tc.script, w)
		}
		if got := Program(words); got != tc.want {
			t.Errorf("Program(%q) = %d, want %d", tc.script, got, tc.want)
		}
	}
}
