package transform

import "testing"

func TestDirective(t *testing.T) {
	for _, tc := range []struct{ src, key, want string }{
		{"# syntax=docker/dockerfile:1\nFROM a\n", "syntax", "docker/dockerfile:1"},
		{"\ufeff#  syntax = docker/dockerfile:1.4 extra \r\n# escape=`\r\nFROM a\r\n", "syntax", "docker/dockerfile:1.4 extra"},
		{"# escape=`\n# syntax=docker/dockerfile:1\nFROM a\n", "syntax", "docker/dockerfile:1"},
		{"# escape=`\n# syntax=docker/dockerfile:1\nFROM a\n", "escape", "`"},
		{"FROM a\n# syntax=docker/dockerfile:1\n", "syntax", ""},
		{"# a comment\n# syntax=docker/dockerfile:1\nFROM a\n", "syntax", ""},
	} {
		d, err := Parse("Dockerfile", []byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		tok, ok := d.Directive(tc.key)
		if ok != (tc.want != "") || tok.Value != tc.want || (ok && string(d.Src[tok.Start:tok.End]) != tc.want) {
			t.Errorf("%q: Directive(%s) = %q %v (span %q), want %q", tc.src, tc.key, tok.Value, ok, d.Src[tok.Start:tok.End], tc.want)
		}
	}
}
