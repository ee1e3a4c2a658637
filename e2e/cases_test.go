package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCasesLoad runs without containers: every case directory must be
// well-formed, so that a broken case fails `go test ./...` too, not only the
// slow e2e run.
func TestCasesLoad(t *testing.T) {
	cases, err := LoadCases("cases")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 12 {
		t.Errorf("%d cases, want at least 12", len(cases))
	}
	for _, c := range cases {
		if c.About == "" {
			t.Errorf("case %s: no `about:` line in its case file", c.Name)
		}
		if strings.TrimSpace(c.Expected) == "" {
			t.Errorf("case %s: empty expected output", c.Name)
		}
		if !strings.Contains(string(c.Dockerfile), "FROM") {
			t.Errorf("case %s: Dockerfile has no FROM", c.Name)
		}
	}
}

func TestLoadCaseRejects(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"no expected":     {"Dockerfile": "FROM scratch\n"},
		"unknown key":     {"Dockerfile": "FROM scratch\n", "expected": "x\n", "case": "colour: blue\n"},
		"root user":       {"Dockerfile": "FROM scratch\n", "expected": "x\n", "case": "user: 0:0\n"},
		"name as uid:gid": {"Dockerfile": "FROM scratch\n", "expected": "x\n", "case": "user: app\n"},
		"bad form":        {"Dockerfile": "FROM scratch\n", "expected": "x\n", "case": "user-form: numeric\n"},
		"unchanged but differs": {"Dockerfile": "FROM scratch\n", "expected": "uid=0\n",
			"expected.fixed": "uid=1\n", "case": "unchanged: yes\n"},
		"non-id line differs": {"Dockerfile": "FROM scratch\n", "expected": "ok\nuid=0\n",
			"expected.fixed": "failed\nuid=1\n"},
		"exit differs without limit": {"Dockerfile": "FROM scratch\n", "expected": "x\n",
			"case": "exit-fixed: 1\n"},
		"unterminated quote in run": {"Dockerfile": "FROM scratch\n", "expected": "x\n", "run": "-e 'A=b\n"},
		"ignore without why":        {"Dockerfile": "FROM scratch\n", "expected": "x\n", "case": "ignore: add-checksum\n"},
		"http without serve/":       {"Dockerfile": "FROM scratch\nADD {{HTTP}}/f /f\n", "expected": "x\n"},
		"unsafe-only and unchanged": {"Dockerfile": "FROM scratch\n", "expected": "x\n",
			"case": "unsafe-only: why\nunchanged: yes\n"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "c")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for f, body := range files {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := LoadCase(dir); err == nil {
				t.Errorf("LoadCase accepted it")
			}
		})
	}
}

func TestLoadCaseLimit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "limit")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, body := range map[string]string{
		"Dockerfile":     "FROM debian\n",
		"expected":       "start\nuid=0\nsaved\n",
		"expected.fixed": "start\nuid=10001\n",
		"case":           "about: x\nexit-fixed: 2\nlimit: writes to WORKDIR\n",
		"run":            "-e A='b c' --tmpfs /tmp -- sh -c \"echo \\\"hi\\\"\"\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Exit != 0 || c.ExitFixed != 2 || c.Limit == "" || c.UserForm != FormUIDGID {
		t.Errorf("got %+v", c)
	}
	if want := []string{"-e", "A=b c", "--tmpfs", "/tmp"}; !reflect.DeepEqual(c.RunArgs, want) {
		t.Errorf("RunArgs = %q, want %q", c.RunArgs, want)
	}
	if want := []string{"sh", "-c", `echo "hi"`}; !reflect.DeepEqual(c.Command, want) {
		t.Errorf("Command = %q, want %q", c.Command, want)
	}
}

func TestIsRoot(t *testing.T) {
	for user, want := range map[string]bool{
		"": true, "root": true, "0": true, "0:0": true, "root:root": true, "00": true, "0:10001": true,
		"10001:10001": false, "65532": false, "app": false, "node": false, "1000:0": false,
	} {
		if got := IsRoot(user); got != want {
			t.Errorf("IsRoot(%q) = %v, want %v", user, got, want)
		}
	}
}

func TestCheckUserForm(t *testing.T) {
	for _, tc := range []struct {
		user, form string
		ok         bool
	}{
		{"10001:10001", FormUIDGID, true},
		{"10001", FormUIDGID, false},
		{"app", FormUIDGID, false},
		{"65532", FormUID, true},
		{"65532:65532", FormUID, false},
		{"appuser", FormName, true},
		{"appuser:appuser", FormName, true},
		{"", FormName, false},
	} {
		if err := CheckUserForm(tc.user, tc.form); (err == nil) != tc.ok {
			t.Errorf("CheckUserForm(%q, %q) = %v, want ok=%v", tc.user, tc.form, err, tc.ok)
		}
	}
}

func TestSplitWords(t *testing.T) {
	got, err := SplitWords("# comment\n-e X=1  -v 'a b':/c\\ d \"q\\\"x\" -- sh -c 'echo $HOME'\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-e", "X=1", "-v", "a b:/c d", `q"x`, "--", "sh", "-c", "echo $HOME"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestProcessNonRoot(t *testing.T) {
	for out, want := range map[string]bool{
		"uid=65534 gid=65534\n": true,
		"uid=0 gid=0\n":         false,
		"hello\n":               false,
		"uid=1000\nuid=0\n":     false,
	} {
		if got := processNonRoot(out); got != want {
			t.Errorf("processNonRoot(%q) = %v", out, got)
		}
	}
}

func TestLoadCaseServeIgnoreUnsafeOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	if err := os.MkdirAll(filepath.Join(dir, "serve"), 0o755); err != nil {
		t.Fatal(err)
	}
	for f, body := range map[string]string{
		"Dockerfile":     "FROM debian\nADD {{HTTP}}/f /f\n",
		"expected":       "uid=0\nwrote\n",
		"expected.fixed": "uid=10001\n",
		"case":           "about: x\nexit-fixed: 2\nunsafe-only: mounted workspace\nignore: add-checksum, pin-digest: the builder rejects it\n",
		"run":            "-v {{HOSTDIR}}:/workspace\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Serve || c.UnsafeOnly != "mounted workspace" || c.IgnoreWhy != "the builder rejects it" {
		t.Errorf("got %+v", c)
	}
	if want := []string{"add-checksum", "pin-digest"}; !reflect.DeepEqual(c.Ignore, want) {
		t.Errorf("Ignore = %q, want %q", c.Ignore, want)
	}
}
