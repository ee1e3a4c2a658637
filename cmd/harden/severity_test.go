package main

import (
	"strings"
	"testing"
)

// TestCheckSeverity: --severity hides findings below it, --fail-on decides
// the exit status; the fake fixes are all of the default severity, warning.
func TestCheckSeverity(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"a/Dockerfile": dirtyDockerfile})

	all := harden(t, "check", "--severity", "warning", "a")
	wantCode(t, all, 1)
	if !strings.Contains(all.stdout, "add-label") {
		t.Errorf("--severity warning hid a warning: %q", all.stdout)
	}

	r := harden(t, "check", "--severity", "error", "a")
	wantCode(t, r, 0)
	if r.stdout != "" {
		t.Errorf("--severity error showed warnings: %q", r.stdout)
	}

	r = harden(t, "check", "--fail-on", "error", "a")
	wantCode(t, r, 0)
	if r.stdout != all.stdout {
		t.Errorf("--fail-on changed the output:\n%s\nwant\n%s", r.stdout, all.stdout)
	}
	r = harden(t, "check", "--fail-on", "none", "a")
	wantCode(t, r, 0)
	r = harden(t, "check", "--fail-on", "info", "a")
	wantCode(t, r, 1)

	r = harden(t, "check", "--format", "github", "a")
	if !strings.HasPrefix(r.stdout, "::warning ") {
		t.Errorf("github annotation of a warning: %q", r.stdout)
	}

	for _, bad := range [][]string{{"--severity", "loud"}, {"--fail-on", "sometimes"}} {
		r = harden(t, append([]string{"check"}, append(bad, "a")...)...)
		wantCode(t, r, 2)
	}
}
