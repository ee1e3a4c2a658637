package main

// harden rules, harden version, help and usage errors.

import (
	"strings"
	"testing"
)

// TestRulesList: one line per fix with its name, default/unsafe, the
// equivalent IDs and the summary.
func TestRulesList(t *testing.T) {
	inTempDir(t)
	r := harden(t, "rules")
	wantCode(t, r, 0)
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
	all := fakeFixes()
	var body []string
	for _, l := range lines(r.stdout) {
		if strings.HasPrefix(l, "NAME") { // an optional header
			continue
		}
		body = append(body, l)
	}
	if len(body) != len(all) {
		t.Fatalf("%d lines for %d fixes:\n%s", len(body), len(all), r.stdout)
	}
	for i, f := range all {
		fields := strings.Fields(body[i])
		if len(fields) < 3 || fields[0] != f.Name {
			t.Errorf("line %q does not start with %s", body[i], f.Name)
			continue
		}
		if fields[1] != "default" && fields[1] != "unsafe" {
			t.Errorf("line %q: second column %q, want default or unsafe", body[i], fields[1])
		}
		if fields[1] != f.Applicability.String() {
			t.Errorf("line %q: applied %q, want %q", body[i], fields[1], f.Applicability)
		}
		for _, id := range f.Also {
			if !strings.Contains(body[i], id) {
				t.Errorf("line %q lacks equivalent %s", body[i], id)
			}
		}
		if !strings.HasSuffix(body[i], f.Summary) {
			t.Errorf("line %q does not end with the summary %q", body[i], f.Summary)
		}
	}
	if want := "add-label   default  FK001,LBL1   Label the image as hardened"; !strings.Contains(r.stdout, "\n"+want+"\n") {
		t.Errorf("rules list lacks the row %q:\n%s", want, r.stdout)
	}
	if !strings.Contains(r.stdout, "\npin-user    unsafe   FK002") || !strings.Contains(r.stdout, "\nno-sudo     default  -  ") {
		t.Errorf("rules list:\n%s", r.stdout)
	}
}

// TestRulesDoc: harden rules NAME (or an equivalent ID, any case) prints
// the fix's summary, applicability, equivalents, documentation and the
// diff the engine makes of its example.
func TestRulesDoc(t *testing.T) {
	inTempDir(t)
	byName := harden(t, "rules", "add-label")
	wantCode(t, byName, 0)
	want := "add-label: Label the image as hardened\n\n" +
		"Applied: default\n" +
		"Severity: warning\n" +
		"Equivalents: FK001, LBL1\n\n" +
		strings.TrimSpace(fakeLabel.Doc) + "\n\n" +
		"Example\n" +
		"  --- a/Dockerfile\n  +++ b/Dockerfile\n  @@ -1,2 +1,3 @@\n   FROM debian\n   RUN make\n  +LABEL harden=1\n"
	if byName.stdout != want {
		t.Errorf("harden rules add-label:\n%s\nwant:\n%s", byName.stdout, want)
	}
	for _, id := range []string{"FK001", "fk001", "LBL1", "ADD-LABEL"} {
		r := harden(t, "rules", id)
		wantCode(t, r, 0)
		if r.stdout != byName.stdout {
			t.Errorf("harden rules %s differs from harden rules add-label", id)
		}
	}
	// An unsafe fix says how to apply it; a fix without example has none.
	r := harden(t, "rules", "pin-user")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "Applied: unsafe (only with --unsafe or --select pin-user)\n") || strings.Contains(r.stdout, "Example") {
		t.Errorf("harden rules pin-user:\n%s", r.stdout)
	}
	// Several names: each documented, separated by a blank line.
	r = harden(t, "rules", "add-label", "no-sudo")
	if !strings.HasPrefix(r.stdout, byName.stdout+"\nno-sudo: ") {
		t.Errorf("harden rules add-label no-sudo:\n%s", r.stdout)
	}
}

// TestRulesUnknown: an unknown NAME is exit 2 with a message naming it.
func TestRulesUnknown(t *testing.T) {
	inTempDir(t)
	for _, name := range []string{"no-such-fix", "DL9999", "ALL"} {
		r := harden(t, "rules", name)
		wantCode(t, r, 2)
		if !strings.Contains(r.stderr, name) || r.stdout != "" {
			t.Errorf("harden rules %s: %v", name, r)
		}
	}
}

// TestVersion: harden version and --version print the version.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		r := harden(t, args...)
		wantCode(t, r, 0)
		v, ok := strings.CutPrefix(r.stdout, "harden ")
		if !ok || strings.TrimSpace(v) == "" || !strings.HasSuffix(v, "\n") || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("harden %s = %q, want \"harden VERSION\\n\"", args[0], r.stdout)
		}
	}
	r := harden(t, "version", "extra-arg-is-ignored-or-refused")
	if r.code != 0 && r.code != 2 {
		t.Errorf("harden version ARG: exit %d", r.code)
	}
}

// TestHelp: --help (and -h) on every subcommand and on harden itself
// prints usage on stdout and exits 0.
func TestHelp(t *testing.T) {
	inTempDir(t)
	wantFlags := map[string][]string{
		"fix":     {"--write", "-w", "--list", "-l", "--check", "--select", "--ignore", "--unsafe", "--offline", "--format", "json", "markdown"},
		"check":   {"--format", "sarif", "json", "github", "--select", "--ignore", "--offline"},
		"rules":   {"NAME"},
		"version": {},
	}
	for cmd, flags := range wantFlags {
		for _, args := range [][]string{{cmd, "--help"}, {cmd, "-h"}, {"help", cmd}, {cmd, "--help", "extra"}} {
			r := harden(t, args...)
			wantCode(t, r, 0)
			if !strings.HasPrefix(r.stdout, "Usage: harden "+cmd) {
				t.Errorf("harden %s: stdout does not start with usage:\n%s", strings.Join(args, " "), r.stdout)
			}
			if r.stderr != "" {
				t.Errorf("harden %s: stderr %q", strings.Join(args, " "), r.stderr)
			}
			for _, f := range flags {
				if !strings.Contains(r.stdout, f) {
					t.Errorf("harden %s: help lacks %q", strings.Join(args, " "), f)
				}
			}
		}
	}
	// --help wins over other arguments, and does nothing else.
	writeTree(t, ".", map[string]string{"Dockerfile": dirtyDockerfile})
	age(t, "Dockerfile")
	r := harden(t, "fix", "-w", "--help", ".")
	wantCode(t, r, 0)
	wantUntouched(t, "Dockerfile", dirtyDockerfile)

	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := harden(t, args...)
		wantCode(t, r, 0)
		for _, want := range []string{"Usage:", "fix", "check", "rules", "version", "Dockerfile", "Containerfile"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("harden %s lacks %q:\n%s", args[0], want, r.stdout)
			}
		}
		if r.stderr != "" {
			t.Errorf("harden %s: stderr %q", args[0], r.stderr)
		}
	}
}

// TestUsageErrors: unknown commands, unknown flags, bad flag values and no
// command at all exit 2 with a message on stderr and nothing on stdout.
func TestUsageErrors(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": dirtyDockerfile})
	age(t, "Dockerfile")
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{}, "Usage"},
		{[]string{"bogus"}, "bogus"},
		{[]string{"Dockerfile"}, "Dockerfile"},
		{[]string{"--bogus"}, "bogus"},
		{[]string{"fix", "--bogus"}, "bogus"},
		{[]string{"fix", "-x"}, "-x"},
		{[]string{"fix", "--format"}, "format"},
		{[]string{"fix", "--format", "xml"}, "xml"},
		{[]string{"fix", "--select"}, "select"},
		{[]string{"fix", "-w=maybe"}, "maybe"},
		{[]string{"check", "--bogus"}, "bogus"},
		{[]string{"check", "--format", "html"}, "html"},
		{[]string{"check", "-w"}, "w"},
		{[]string{"rules", "--bogus"}, "bogus"},
		{[]string{"version", "--bogus"}, "bogus"},
		{[]string{"help", "bogus"}, "bogus"},
	} {
		r := harden(t, tc.args...)
		if r.code != 2 {
			t.Errorf("harden %s: exit %d, want 2\n%v", strings.Join(tc.args, " "), r.code, r)
			continue
		}
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("harden %s: stderr %q does not mention %q", strings.Join(tc.args, " "), r.stderr, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("harden %s: stdout %q", strings.Join(tc.args, " "), r.stdout)
		}
	}
	wantUntouched(t, "Dockerfile", dirtyDockerfile)
}
