package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harden-dev/harden/transform"
)

const full = `# every key
select: [non-root-user, DL3002]
ignore: ALL
unsafe: true
user:
  name: svc
  uid: 1500
  gid: 1600
lock: locks/harden.lock
registry:
  jobs: 3
  timeout: 45s
  insecure: [localhost:5000, "127.0.0.1:5001"]
runtime-images:
  - builder: golang
    runtime: gcr.io/distroless/static-debian12
overrides:
  - paths: ["legacy/**"]
    ignore: [non-root-user]
    unsafe: false
  - paths: "*.dev.Dockerfile"
    user: {name: dev, uid: 1000}
`

func TestParseFull(t *testing.T) {
	f, err := Parse("/p/.harden.yaml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	if got := *f.Select; !reflect.DeepEqual(got, []string{"non-root-user", "DL3002"}) {
		t.Errorf("select %v", got)
	}
	if got := *f.Ignore; !reflect.DeepEqual(got, []string{"ALL"}) {
		t.Errorf("ignore %v", got)
	}
	if !*f.Unsafe || *f.User != (transform.User{Name: "svc", UID: 1500, GID: 1600}) {
		t.Errorf("unsafe %v user %+v", *f.Unsafe, *f.User)
	}
	if f.LockPath() != "/p/locks/harden.lock" {
		t.Errorf("lock %q", f.LockPath())
	}
	if *f.Registry.Jobs != 3 || *f.Registry.Timeout != 45*time.Second || len(*f.Registry.Insecure) != 2 {
		t.Errorf("registry %+v", f.Registry)
	}
	if len(f.RuntimeImages) != 1 || f.RuntimeImages[0].Runtime != "gcr.io/distroless/static-debian12" {
		t.Errorf("runtime images %+v", f.RuntimeImages)
	}
	if len(f.Overrides) != 2 || f.Overrides[1].Paths[0] != "*.dev.Dockerfile" {
		t.Errorf("overrides %+v", f.Overrides)
	}

	e := f.For("/p/legacy/old/Dockerfile")
	if *e.Unsafe || !reflect.DeepEqual(*e.Ignore, []string{"non-root-user"}) || !reflect.DeepEqual(e.Overrides, []int{0}) {
		t.Errorf("legacy: %+v", e)
	}
	e = f.For("/p/web/api.dev.Dockerfile")
	if !*e.Unsafe || *e.User != (transform.User{Name: "dev", UID: 1000, GID: 1600}) || !reflect.DeepEqual(e.Overrides, []int{1}) {
		t.Errorf("dev: %+v", e)
	}
	e = f.For("/elsewhere/Dockerfile")
	if len(e.Overrides) != 0 || *e.User != *f.User {
		t.Errorf("outside: %+v", e)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "---\n"} {
		f, err := Parse("c.yaml", []byte(src))
		if err != nil || f.Select != nil || f.User != nil || f.LockPath() != "" {
			t.Errorf("%q: %+v %v", src, f, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"selct: [x]\n", `c.yaml:1: unknown key "selct" (known: select, ignore`},
		{"select: [a]\nuser:\n  name: app\n  home: /x\n", `c.yaml:4: unknown key "home" in user (known: name, uid, gid)`},
		{"registry:\n  job: 3\n", `c.yaml:2: unknown key "job" in registry`},
		{"overrides:\n  - paths: [a]\n    lock: x\n", `c.yaml:3: unknown key "lock" (known: paths, select, ignore, unsafe, user)`},
		{"runtime-images:\n  - builder: golang\n    image: x\n", `c.yaml:3: unknown key "image" in runtime-images`},
		{"unsafe: yes please\n", `c.yaml:1: unsafe: want true or false, not "yes please"`},
		{"\n\nuser:\n  uid: ten\n", `c.yaml:4: user.uid: want a whole number, not "ten"`},
		{"user:\n  uid: 0\n", `c.yaml:2: user.uid: want a whole number from 1 to 2147483646, not 0`},
		{"user:\n  name: Bad User\n", `c.yaml:2: user.name: "Bad User" is not a portable user name`},
		{"user: app\n", `c.yaml:1: user must be a mapping of keys to values, not "app"`},
		{"select: {a: b}\n", `c.yaml:1: select: want a list of strings, not a mapping`},
		{"select: [a, 3]\n", `c.yaml:1: select entry: want a string, not the number 3`},
		{"registry:\n  timeout: 10\n", `c.yaml:2: registry.timeout: want a string, not the number 10`},
		{"registry:\n  timeout: soon\n", `c.yaml:2: registry.timeout: want a duration such as 30s or 2m, not "soon"`},
		{"registry:\n  jobs: 0\n", `c.yaml:2: registry.jobs: want a whole number from 1 to 1024, not 0`},
		{"lock: [a]\n", `c.yaml:1: lock: want a string, not a list`},
		{"overrides:\n  - ignore: [x]\n", `c.yaml:2: overrides: an entry needs paths`},
		{"overrides:\n  - paths: ['[']\n", `c.yaml:2: overrides.paths: bad pattern "["`},
		{"unsafe: true\nunsafe: false\n", `c.yaml:2: "unsafe" is set twice`},
		{"- a\n- b\n", `c.yaml:1: the configuration must be a mapping of keys to values, not a list`},
		{"select: [a\nignore: b\n", `c.yaml:1: did not find expected ',' or ']'`},
	} {
		_, err := Parse("c.yaml", []byte(tc.src))
		var ce *Error
		if err == nil || !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got  %v\n want %s…", tc.src, err, tc.want)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"Dockerfile", "a/b/Dockerfile", true},
		{"*.dev.Dockerfile", "x/api.dev.Dockerfile", true},
		{"*.dev.Dockerfile", "x/api.Dockerfile", false},
		{"legacy/**", "legacy/Dockerfile", true},
		{"legacy/**", "legacy/a/b/Dockerfile", true},
		{"legacy/**", "new/legacy/Dockerfile", false},
		{"**/legacy/*", "new/legacy/Dockerfile", true},
		{"**/legacy/*", "legacy/Dockerfile", true},
		{"services/*/Dockerfile", "services/api/Dockerfile", true},
		{"services/*/Dockerfile", "services/api/v2/Dockerfile", false},
		{"./services/**/Dockerfile", "services/Dockerfile", true},
		{"/services/**", "services/x", true},
	} {
		if got := Match(tc.pattern, tc.name); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindWalksUpToTheRepository(t *testing.T) {
	tmp := t.TempDir()
	write(t, filepath.Join(tmp, FileName), "unsafe: true\n") // outside the repository
	repo := filepath.Join(tmp, "repo")
	if err := os.MkdirAll(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(repo, "a", "b", "Dockerfile"), "FROM x\n")
	if got, err := Find(filepath.Join(repo, "a", "b")); err != nil || got != "" {
		t.Errorf("Find stops at the repository root: got %q, %v", got, err)
	}
	write(t, filepath.Join(repo, FileName), "unsafe: false\n")
	write(t, filepath.Join(repo, "a", FileName), "unsafe: true\n")
	if got, _ := Find(filepath.Join(repo, "a", "b")); got != filepath.Join(repo, "a", FileName) {
		t.Errorf("nearest: %q", got)
	}
	if got, _ := Find(repo); got != filepath.Join(repo, FileName) {
		t.Errorf("repo root: %q", got)
	}
	if got, _ := Find(filepath.Join(tmp, "elsewhere")); got != filepath.Join(tmp, FileName) {
		t.Errorf("outside a repository: %q", got)
	}

	var l Loader
	f, err := l.For(filepath.Join(repo, "a", "b", "Dockerfile"))
	if err != nil || f == nil || !*f.Unsafe {
		t.Fatalf("loader: %+v %v", f, err)
	}
	f2, _ := l.For(filepath.Join(repo, "a", "Dockerfile"))
	if f2 != f {
		t.Error("the file is read once")
	}
	write(t, filepath.Join(repo, "bad", FileName), "unsafe: 3\n")
	if _, err := l.For(filepath.Join(repo, "bad", "Dockerfile")); err == nil || !strings.Contains(err.Error(), "bad/.harden.yaml:1: unsafe") {
		t.Errorf("bad file: %v", err)
	}
	fixed := Loader{Fixed: filepath.Join(repo, FileName)}
	if f, _ := fixed.For(filepath.Join(repo, "a", "b", "Dockerfile")); f == nil || *f.Unsafe {
		t.Errorf("--config: %+v", f)
	}
}
