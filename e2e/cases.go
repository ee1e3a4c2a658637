// Package e2e proves that the Dockerfiles harden writes still build and run:
// for every case under cases/ it builds the original and the hardened
// Dockerfile with buildah, runs both images with podman and compares what
// they print and how they are configured.
//
// The builds run only with the e2e build tag (`make e2e`, after
// `bash e2e/setup.sh`); a plain `go test ./...` checks just the case files.
// See README.md for the case format and the stand-in base images.
package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A Case is one directory under cases/.
type Case struct {
	Name string
	Dir  string // absolute; the build context

	Dockerfile []byte

	// Expected is the stdout of the original image; ExpectedFixed that of the
	// hardened one (equal to Expected when the case has no expected.fixed).
	Expected, ExpectedFixed string
	// Exit and ExitFixed are the expected exit codes of the two runs.
	Exit, ExitFixed int

	// RunArgs are extra `podman run` options; Command, when set, replaces the
	// image's CMD (everything after `--` in the run file).
	RunArgs, Command []string

	About string
	// User, when set, is the exact configured user the hardened image must have.
	User string
	// UserForm is the shape the hardened user must have: "uid:gid" (default),
	// "uid", or "name" (only where the Dockerfile creates a user by name).
	UserForm string
	// Unchanged: harden must leave the Dockerfile byte-identical.
	Unchanged bool
	// Smaller: the hardened image must be smaller than the original (for the
	// fixes that promise it).
	Smaller bool
	// Limit, when set, names a documented limit of harden that this case
	// shows: the hardened output is allowed to differ beyond the id line.
	Limit string
	// KeepsRoot, when set, says why the image's configured user stays root
	// (its entrypoint drops privileges itself). Only with Unchanged, and the
	// expected output must then show the process running with a non-zero uid.
	KeepsRoot string
	// Registry lists images to push into the local registry (Debian's
	// docker-registry on RegistryHost) before harden runs: local stand-in
	// image → repository:tag there. Such a case's Dockerfile names them as
	// RegistryHost/repository:tag; harden must pin each to a digest, and both
	// builds pull from the registry (--pull=always --tls-verify=false).
	Registry []RegistryPush
	// NeedsRoot, when set, says why harden reports that the image must keep
	// running as root (the evidence it read, such as a script writing under
	// /root) and leaves it alone. Only with Unchanged.
	NeedsRoot string
	// Ignore names fixes harden must not run for this case (beyond
	// pin-digest), because the e2e builder cannot build what they write;
	// IgnoreWhy says why.
	Ignore    []string
	IgnoreWhy string
	// UnsafeOnly, when set, says why non-root-user's edit is unsafe here:
	// harden without --unsafe must leave the file byte-identical, and the
	// run of the --unsafe output shows what breaks (expected.fixed and
	// exit-fixed may then differ like under limit:).
	UnsafeOnly string
	// Serve: the case has a serve/ directory whose files the run serves over
	// HTTP on 127.0.0.1 at a random port; HTTPPlaceholder in the Dockerfile
	// becomes that server's URL (http://127.0.0.1:PORT) before harden runs
	// and before both builds.
	Serve bool
}

// Placeholders a case may use.
const (
	// HTTPPlaceholder in a Dockerfile names the case's HTTP server.
	HTTPPlaceholder = "{{HTTP}}"
	// HostDirPlaceholder in a run file becomes a fresh empty host directory,
	// owned by root with mode 0755, made for each run (a checked-out
	// workspace a CI runner mounts).
	HostDirPlaceholder = "{{HOSTDIR}}"
)

// RegistryHost is where the e2e registry listens.
const RegistryHost = "127.0.0.1:5000"

// A RegistryPush is one image a case pushes into the e2e registry.
type RegistryPush struct {
	Local string // a local image: docker.io/library/debian:bookworm
	Repo  string // repository:tag in the registry: harden-e2e/debian:bookworm
}

// User forms.
const (
	FormUIDGID = "uid:gid"
	FormUID    = "uid"
	FormName   = "name"
)

// LoadCases reads every case directory under root, sorted by name.
func LoadCases(root string) ([]Case, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := LoadCase(filepath.Join(root, e.Name()))
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

// LoadCase reads one case directory.
func LoadCase(dir string) (Case, error) {
	c := Case{Name: filepath.Base(dir), Dir: dir, UserForm: FormUIDGID}
	fail := func(format string, args ...any) (Case, error) {
		return Case{}, fmt.Errorf("case %s: %s", c.Name, fmt.Sprintf(format, args...))
	}
	var err error
	if c.Dockerfile, err = os.ReadFile(filepath.Join(dir, "Dockerfile")); err != nil {
		return fail("%v", err)
	}
	exp, err := os.ReadFile(filepath.Join(dir, "expected"))
	if err != nil {
		return fail("%v", err)
	}
	c.Expected = string(exp)
	c.ExpectedFixed = c.Expected
	if b, err := os.ReadFile(filepath.Join(dir, "expected.fixed")); err == nil {
		c.ExpectedFixed = string(b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fail("%v", err)
	}

	if b, err := os.ReadFile(filepath.Join(dir, "run")); err == nil {
		words, err := SplitWords(string(b))
		if err != nil {
			return fail("run: %v", err)
		}
		for i, w := range words {
			if w == "--" {
				c.RunArgs, c.Command = words[:i], words[i+1:]
				break
			}
		}
		if c.RunArgs == nil && c.Command == nil {
			c.RunArgs = words
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fail("%v", err)
	}

	exitFixedSet := false
	if b, err := os.ReadFile(filepath.Join(dir, "case")); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			key, val, ok := strings.Cut(line, ":")
			if !ok {
				return fail("case:%d: want `key: value`", n)
			}
			key, val = strings.TrimSpace(key), strings.TrimSpace(val)
			switch key {
			case "about":
				c.About = val
			case "user":
				c.User = val
			case "user-form":
				if val != FormUIDGID && val != FormUID && val != FormName {
					return fail("case:%d: user-form %q: want uid:gid, uid or name", n, val)
				}
				c.UserForm = val
			case "unchanged", "smaller":
				v, err := parseYes(val)
				if err != nil {
					return fail("case:%d: %s: %v", n, key, err)
				}
				if key == "unchanged" {
					c.Unchanged = v
				} else {
					c.Smaller = v
				}
			case "exit", "exit-fixed":
				v, err := strconv.Atoi(val)
				if err != nil {
					return fail("case:%d: %s: %v", n, key, err)
				}
				if key == "exit" {
					c.Exit = v
				} else {
					c.ExitFixed, exitFixedSet = v, true
				}
			case "limit":
				c.Limit = val
			case "keeps-root":
				c.KeepsRoot = val
			case "registry":
				// registry: LOCAL-IMAGE=REPOSITORY:TAG[, …]
				for _, item := range strings.Split(val, ",") {
					local, repo, ok := strings.Cut(strings.TrimSpace(item), "=")
					if !ok || local == "" || !strings.Contains(repo, ":") {
						return fail("case:%d: registry: want LOCAL-IMAGE=REPOSITORY:TAG, not %q", n, item)
					}
					c.Registry = append(c.Registry, RegistryPush{Local: local, Repo: repo})
				}
			case "needs-root":
				c.NeedsRoot = val
			case "unsafe-only":
				c.UnsafeOnly = val
			case "ignore":
				// ignore: FIX[, FIX…]: WHY
				names, why, ok := strings.Cut(val, ":")
				why = strings.TrimSpace(why)
				if !ok || why == "" {
					return fail("case:%d: ignore: want `FIX[, FIX…]: why`", n)
				}
				for _, f := range strings.Split(names, ",") {
					if f = strings.TrimSpace(f); f != "" {
						c.Ignore = append(c.Ignore, f)
					}
				}
				if len(c.Ignore) == 0 {
					return fail("case:%d: ignore: no fix named", n)
				}
				c.IgnoreWhy = why
			default:
				return fail("case:%d: unknown key %q", n, key)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fail("%v", err)
	}
	if !exitFixedSet {
		c.ExitFixed = c.Exit
	}
	if fi, err := os.Stat(filepath.Join(dir, "serve")); err == nil && fi.IsDir() {
		c.Serve = true
	}
	if hasHTTP := bytes.Contains(c.Dockerfile, []byte(HTTPPlaceholder)); hasHTTP != c.Serve {
		if hasHTTP {
			return fail("the Dockerfile names %s but the case has no serve/ directory", HTTPPlaceholder)
		}
		return fail("serve/ is never named: the Dockerfile has no %s", HTTPPlaceholder)
	}
	if c.UnsafeOnly != "" && c.Unchanged {
		return fail("unsafe-only and unchanged: yes contradict each other")
	}
	for _, p := range c.Registry {
		if !bytes.Contains(c.Dockerfile, []byte(RegistryHost+"/"+p.Repo)) {
			return fail("registry: the Dockerfile does not name %s/%s", RegistryHost, p.Repo)
		}
	}
	if c.User != "" {
		if IsRoot(c.User) {
			return fail("user %q is root: the hardened image must not be", c.User)
		}
		if err := CheckUserForm(c.User, c.UserForm); err != nil {
			return fail("user: %v", err)
		}
	}
	if c.Unchanged && c.ExpectedFixed != c.Expected {
		return fail("unchanged, yet expected.fixed differs from expected")
	}
	if c.NeedsRoot != "" && !c.Unchanged {
		return fail("needs-root needs unchanged: yes")
	}
	if c.KeepsRoot != "" {
		if !c.Unchanged {
			return fail("keeps-root needs unchanged: yes")
		}
		if !processNonRoot(c.Expected) {
			return fail("keeps-root: expected must show the process with a non-zero uid= (the privilege drop)")
		}
	}
	if c.Limit == "" && c.UnsafeOnly == "" {
		// Without a documented limit the hardened app must behave the same:
		// only the lines that report who it runs as may differ.
		if err := onlyIDLinesDiffer(c.Expected, c.ExpectedFixed); err != nil {
			return fail("%v (mark a documented limit with `limit:`, or an unsafe edit with `unsafe-only:`, in the case file)", err)
		}
		if c.ExitFixed != c.Exit {
			return fail("exit-fixed differs from exit without a documented limit or unsafe-only")
		}
	}
	return c, nil
}

func parseYes(s string) (bool, error) {
	switch s {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, fmt.Errorf("%q: want yes or no", s)
}

// idLine matches the lines through which a case reports who it runs as.
var idLine = regexp.MustCompile(`\buid=\d+`)

// processNonRoot reports whether output has a uid= line and every one of
// them names a non-zero uid.
func processNonRoot(output string) bool {
	ids := idLine.FindAllString(output, -1)
	for _, id := range ids {
		if n, err := strconv.Atoi(strings.TrimPrefix(id, "uid=")); err != nil || n == 0 {
			return false
		}
	}
	return len(ids) > 0
}

func onlyIDLinesDiffer(a, b string) error {
	al, bl := lines(a), lines(b)
	if len(al) != len(bl) {
		return fmt.Errorf("expected and expected.fixed have %d and %d lines", len(al), len(bl))
	}
	for i := range al {
		if al[i] != bl[i] && !(idLine.MatchString(al[i]) && idLine.MatchString(bl[i])) {
			return fmt.Errorf("expected and expected.fixed differ in line %d, which is not an id line: %q vs %q", i+1, al[i], bl[i])
		}
	}
	return nil
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// SameOutput compares program output with an expectation, ignoring trailing
// newlines at the end (but nothing else).
func SameOutput(got, want string) bool {
	return strings.TrimRight(got, "\n") == strings.TrimRight(want, "\n")
}

// IsRoot reports whether an OCI config User value runs as root: empty (the
// default), "root" or uid 0, with or without a group.
func IsRoot(user string) bool {
	u, _, _ := strings.Cut(strings.TrimSpace(user), ":")
	if u == "" || u == "root" {
		return true
	}
	if n, err := strconv.Atoi(u); err == nil && n == 0 {
		return true
	}
	return false
}

var (
	numericUIDGID = regexp.MustCompile(`^[0-9]+:[0-9]+$`)
	numericUID    = regexp.MustCompile(`^[0-9]+$`)
	userName      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*(:[A-Za-z0-9_.-]+)?$`)
)

// CheckUserForm checks a configured user against the form a case promises.
func CheckUserForm(user, form string) error {
	var ok bool
	switch form {
	case FormUIDGID:
		ok = numericUIDGID.MatchString(user)
	case FormUID:
		ok = numericUID.MatchString(user)
	case FormName:
		ok = userName.MatchString(user)
	default:
		return fmt.Errorf("unknown user form %q", form)
	}
	if !ok {
		return fmt.Errorf("user %q is not of the form %s", user, form)
	}
	return nil
}

// SplitWords splits a run file into words like a POSIX shell would for plain
// words, 'single' and "double" quotes and backslash escapes (no expansions).
// Lines starting with # are comments.
func SplitWords(s string) ([]string, error) {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
	)
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '#' && !inWord:
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			flush()
		case ch == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case ch == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
		case ch == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("backslash at end of input")
			}
			i++
			if s[i] != '\n' {
				cur.WriteByte(s[i])
				inWord = true
			}
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	flush()
	return words, nil
}
