package buildctx

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

const entrypoint = "#!/bin/sh\nexec gosu app \"$@\"\n"

// tree builds a context directory beside an outside directory, and returns
// the context's path.
func tree(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	ctx := filepath.Join(top, "ctx")
	outside := filepath.Join(top, "outside")
	for _, d := range []string{ctx, outside, filepath.Join(ctx, "app", "conf")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(ctx, "app", "entrypoint.sh"), entrypoint)
	write(filepath.Join(ctx, "app", "conf", "nginx.conf"), "user nginx;\n")
	write(filepath.Join(ctx, "app", "logo.png"), "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	write(filepath.Join(outside, "secret.txt"), "password\n")
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(ctx, name)); err != nil {
			t.Fatal(err)
		}
	}
	link("app/entrypoint.sh", "inside-link")
	link("app", "app-link")
	link("../outside/secret.txt", "escape-relative")
	link(filepath.Join(outside, "secret.txt"), "escape-absolute")
	link("../outside", "escape-dir")
	link("/etc/passwd", "passwd")
	link("missing.txt", "broken")
	if err := syscall.Mkfifo(filepath.Join(ctx, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func open(t *testing.T, dir string, opts Options) *FS {
	t.Helper()
	c, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestReadsRegularTextFiles(t *testing.T) {
	c := open(t, tree(t), Options{})
	for _, name := range []string{"app/entrypoint.sh", "inside-link", "app-link/entrypoint.sh"} {
		data, err := fs.ReadFile(c, name)
		if err != nil || string(data) != entrypoint {
			t.Errorf("%s: %q, %v", name, data, err)
		}
		f, err := c.Open(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fi, _ := f.Stat()
		data, _ = io.ReadAll(f)
		f.Close()
		if string(data) != entrypoint || fi.Size() != int64(len(entrypoint)) || !fi.Mode().IsRegular() {
			t.Errorf("%s via Open: %q, %v", name, data, fi)
		}
	}
}

func TestRefuses(t *testing.T) {
	c := open(t, tree(t), Options{})
	cases := map[string]error{
		"escape-relative":          ErrOutside,
		"escape-absolute":          ErrOutside,
		"escape-dir/secret.txt":    ErrOutside,
		"passwd":                   ErrOutside,
		"fifo":                     ErrNotRegular,
		"app/logo.png":             ErrBinary,
		"broken":                   fs.ErrNotExist,
		"nothing":                  fs.ErrNotExist,
		"../outside/secret.txt":    fs.ErrInvalid,
		"/etc/passwd":              fs.ErrInvalid,
		"app/../app/entrypoint.sh": fs.ErrInvalid,
	}
	for name, want := range cases {
		done := make(chan error, 1)
		go func() {
			_, err := c.Open(name)
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Open blocked", name)
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
			continue
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
		if _, err := c.ReadFile(name); !errors.Is(err, want) {
			t.Errorf("%s: ReadFile got %v, want %v", name, err, want)
		}
	}
}

func TestSocketAndDevice(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		t.Skipf("no unix socket: %v", err)
	}
	defer l.Close()
	c := open(t, dir, Options{})
	if _, err := c.Open("sock"); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "socket") {
		t.Errorf("socket: %v", err)
	}
	// /dev/null's numbers; needs root (CAP_MKNOD).
	if err := syscall.Mknod(filepath.Join(dir, "null"), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Logf("no device node (%v): device case skipped", err)
		return
	}
	if _, err := c.Open("null"); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "device") {
		t.Errorf("device: %v", err)
	}
}

func TestSizeCap(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ok.txt"), []byte(strings.Repeat("a", 100)), 0o644)
	os.WriteFile(filepath.Join(dir, "big.txt"), []byte(strings.Repeat("a", 101)), 0o644)
	c := open(t, dir, Options{MaxFileSize: 100})
	if data, err := c.ReadFile("ok.txt"); err != nil || len(data) != 100 {
		t.Errorf("at the cap: %d bytes, %v", len(data), err)
	}
	_, err := c.Open("big.txt")
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "101 bytes (limit 100)") {
		t.Errorf("over the cap: %v", err)
	}
	// The default cap is 1 MiB.
	big := filepath.Join(dir, "huge.txt")
	os.WriteFile(big, make([]byte, DefaultMaxFileSize+1), 0o644)
	if _, err := open(t, dir, Options{}).ReadFile("huge.txt"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("default cap: %v", err)
	}
}

func TestGlobAndWalk(t *testing.T) {
	c := open(t, tree(t), Options{})
	got, err := fs.Glob(c, "app/*")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"app/conf", "app/entrypoint.sh", "app/logo.png"}; !slices.Equal(got, want) {
		t.Errorf("glob: %v, want %v", got, want)
	}
	var walked []string
	err = fs.WalkDir(c, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		walked = append(walked, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Everything is listed (a COPY brings it in); only Open is strict.
	for _, want := range []string{"app/conf/nginx.conf", "escape-relative", "fifo", "inside-link"} {
		if !slices.Contains(walked, want) {
			t.Errorf("walk lacks %s: %v", want, walked)
		}
	}
	if fi, err := c.Stat("app-link"); err != nil || !fi.IsDir() {
		t.Errorf("stat of a symlinked directory: %v, %v", fi, err)
	}
	if _, err := c.Stat("escape-dir"); !errors.Is(err, ErrOutside) {
		t.Errorf("stat of an escaping link: %v", err)
	}
	if _, err := c.ReadDir("escape-dir"); !errors.Is(err, ErrOutside) {
		t.Errorf("readdir of an escaping link: %v", err)
	}
}

func TestFSConformance(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "app", "conf"), 0o755)
	os.WriteFile(filepath.Join(dir, "app", "entrypoint.sh"), []byte(entrypoint), 0o755)
	os.WriteFile(filepath.Join(dir, "app", "conf", "a.conf"), []byte("x=1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM alpine\n"), 0o644)
	if err := fstest.TestFS(open(t, dir, Options{}), "app/entrypoint.sh", "app/conf/a.conf", "Dockerfile"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenMissingDir(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "nope"), Options{}); err == nil {
		t.Fatal("no error for a missing directory")
	}
}
