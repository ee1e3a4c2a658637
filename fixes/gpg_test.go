package fixes

import (
	"reflect"
	"strings"
	"testing"

	"github.com/harden-dev/harden/internal/shell"
)

func gpgWords(s string) []shell.Word {
	var out []shell.Word
	for _, f := range strings.Fields(s) {
		out = append(out, shell.Word{Value: f, Literal: !strings.HasPrefix(f, "$")})
	}
	return out
}

func TestReadGPG(t *testing.T) {
	for _, c := range []struct {
		args  string
		ops   []string
		pos   []int
		batch bool
	}{
		{"--batch --keyserver k --recv-keys A B", []string{"--recv-keys"}, []int{4, 5}, true},
		{"--keyserver=k --recv-key A", []string{"--recv-keys"}, []int{2}, false},
		{"--verify --keyring r x.asc x", []string{"--verify"}, []int{3, 4}, false},
		{"-o out -d in.gpg", []string{"--decrypt"}, []int{3}, false},
		{"-qd in.gpg", []string{"--decrypt"}, []int{1}, false},
		{"-ro in", nil, []int{1}, false}, // -r takes "o" as its value: no -o
		{"-sa doc", []string{"--sign"}, []int{1}, false},
		{"--no-batch --import $KEYFILE", []string{"--import"}, []int{2}, true},
		{"--recv-keys -- -A", []string{"--recv-keys"}, []int{2}, false},
		{"--tofu-policy good A", []string{"--tofu-policy"}, []int{1, 2}, false},
	} {
		l := readGPG(gpgWords(c.args))
		if !reflect.DeepEqual(l.ops, c.ops) || !reflect.DeepEqual(l.pos, c.pos) || l.batch != c.batch {
			t.Errorf("readGPG(%q) = ops %q pos %v batch %v, want %q %v %v", c.args, l.ops, l.pos, l.batch, c.ops, c.pos, c.batch)
		}
	}
}

