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

func TestKeyserverSpec(t *testing.T) {
	for _, c := range []struct {
		spec       string
		dead, hkp  bool
		repl, key2 string
	}{
		{"ha.pool.sks-keyservers.net", true, true, "keyserver.ubuntu.com", "hkp://keyserver.ubuntu.com:11371"},
		{"hkp://p80.pool.sks-keyservers.net:80", true, true, "keyserver.ubuntu.com:80", "hkp://keyserver.ubuntu.com:80"},
		{"hkps://hkps.pool.sks-keyservers.net", true, true, "keyserver.ubuntu.com", "hkps://keyserver.ubuntu.com:443"},
		{"hkps://HKPS.POOL.SKS-KEYSERVERS.NET:443/", true, true, "keyserver.ubuntu.com:443", "hkps://keyserver.ubuntu.com:443"},
		{"hkp://pool.sks-keyservers.net:8080", true, true, "keyserver.ubuntu.com", "hkp://keyserver.ubuntu.com:11371"},
		{"ldap://pool.sks-keyservers.net", true, false, "keyserver.ubuntu.com", "ldap://keyserver.ubuntu.com:"},
		{"keyserver.ubuntu.com", false, true, "keyserver.ubuntu.com", "hkp://keyserver.ubuntu.com:11371"},
		{"hkps://keys.openpgp.org", false, true, "keyserver.ubuntu.com", "hkps://keyserver.ubuntu.com:443"},
		{"sks-keyservers.net.example.com", false, true, "keyserver.ubuntu.com", "hkp://keyserver.ubuntu.com:11371"},
	} {
		k, ok := parseKeyserver(c.spec)
		if !ok {
			t.Fatalf("parseKeyserver(%q) refused", c.spec)
		}
		if k.dead() != c.dead || k.hkp() != c.hkp || k.replacement() != c.repl || k.afterKey() != c.key2 {
			t.Errorf("%q: dead %v hkp %v replacement %q afterKey %q, want %v %v %q %q", c.spec, k.dead(), k.hkp(), k.replacement(), k.afterKey(), c.dead, c.hkp, c.repl, c.key2)
		}
	}
	for _, s := range []string{"$server", "localhost", ""} {
		if _, ok := parseKeyserver(s); ok {
			t.Errorf("parseKeyserver(%q) accepted", s)
		}
	}
}

func TestFullFingerprint(t *testing.T) {
	for s, want := range map[string]bool{
		"B42F6819007F00F88E364FD4036A9C25BF357DD4":                 true,
		"0xB42F6819007F00F88E364FD4036A9C25BF357DD4":               true,
		"EB4C 1BFD 4F04 2F6D DDCC  EC91 7721 F63B D38B 4796":       true,
		"b42f6819007f00f88e364fd4036a9c25bf357dd4b42f6819007f00f8": false, // 56
		"0x7D8D0BF6":       false,
		"036A9C25BF357DD4": false,
		"me@example.com":   false,
		"B42F6819007F00F88E364FD4036A9C25BF357DDZ": false,
	} {
		if fullFingerprint(s) != want {
			t.Errorf("fullFingerprint(%q) = %v", s, !want)
		}
	}
}
