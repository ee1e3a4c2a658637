package transform

import (
	"errors"
	"strings"
	"testing"
)

// A line over buildkit's 64 KiB scanner limit is reported at its own line,
// not at the last line buildkit read.
func TestParseErrorLongLine(t *testing.T) {
	for _, tc := range []struct {
		src  string
		line int
	}{
		{"FROM debian\nRUN echo " + strings.Repeat("a", 70000) + "\nCOPY\n", 2},
		{"FROM debian\r\nRUN true\r\n# " + strings.Repeat("b", 65536) + "\r\n", 3},
		{"RUN " + strings.Repeat("c", 70000), 1}, // no line ending at all
	} {
		_, err := Parse("Dockerfile", []byte(tc.src))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("want a *ParseError, got %v", err)
		}
		if pe.Line != tc.line {
			t.Errorf("line %d, want %d: %v", pe.Line, tc.line, err)
		}
		if !strings.Contains(err.Error(), "65535 bytes") {
			t.Errorf("message does not name the limit: %v", err)
		}
	}
}

// Binary input never reaches the terminal raw: control bytes and invalid
// UTF-8 are escaped and the echoed text is capped.
func TestParseErrorBinaryInput(t *testing.T) {
	src := []byte("\x7fELF\x02\x01\x01\x00\x1b[31m\xff\xfe" + strings.Repeat("z", 1000))
	_, err := Parse("bin", src)
	if err == nil {
		t.Fatal("binary input parsed")
	}
	msg := err.Error()
	for _, c := range msg {
		if c < 0x20 || c == 0x7f {
			t.Fatalf("control character %q in %q", c, msg)
		}
	}
	if !strings.Contains(msg, `\x7fELF\x02`) || !strings.Contains(msg, `\x1b[31m`) || !strings.Contains(msg, `\xff\xfe`) {
		t.Errorf("bytes not escaped as expected: %q", msg)
	}
	if len(msg) > 400 || !strings.HasSuffix(msg, "…") {
		t.Errorf("echo not capped (%d bytes): %q", len(msg), msg)
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":      "plain text",
		"tab\there":       `tab\there`,
		"naïve café":      "naïve café",
		"nul\x00":         `nul\x00`,
		"bad\xc3":         `bad\xc3`,
		"bidi\u202eoops":  `bidi\u202eoops`,
		"zero\u200bwidth": `zero\u200bwidth`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
