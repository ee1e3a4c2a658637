package main

// File discovery: which files a PATH argument stands for, how they are
// named in the output, and in which order they come.

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestDiscoveryPatterns: a directory is searched recursively for exactly
// the names the spec lists, skipping .git, node_modules and vendor.
func TestDiscoveryPatterns(t *testing.T) {
	dir := inTempDir(t)
	found := []string{
		"Dockerfile",
		"Dockerfile.prod",
		"Dockerfile.d",
		"Dockerfile-alpine",
		"Dockerfile_prod",
		"api.Dockerfile",
		"web.dockerfile",
		"app.Containerfile",
		"DOCKERFILE.Dev",
		"Containerfile",
		"Containerfile.dev",
		"Containerfile-x",
		"Containerfile_y",
		"lower/dockerfile",
		"lower/containerfile",
		"sub/Dockerfile",
		"sub/deeper/still/Containerfile",
		".docker/Dockerfile",            // hidden directories other than .git are searched
		"Dockerfile.dir/app.Dockerfile", // a directory named like a Dockerfile is searched
	}
	notFound := []string{
		"Dockerfile.", // a separator needs a suffix
		"Dockerfile-",
		".Dockerfile",  // and the suffix form a name
		"Dockerfiles",  // no separator
		"MyDockerfile", // no separator before
		"Dockerfile.orig",
		"Dockerfile.rej",
		"Dockerfile~",
		"app.Dockerfile~",
		".Dockerfile.swp",
		"Dockerfile.swp",
		".#Dockerfile",
		"#Dockerfile#",
		"Dockerfile.dockerignore",
		"app.Dockerfile.dockerignore",
		"Dockerfile.orig~/x", // inside a directory: the directory name does not count
		"README.md",
		"build.sh",
		"docker/Dockerfilex",
		".git/Dockerfile",
		"node_modules/pkg/Dockerfile",
		"vendor/Dockerfile",
		"sub/vendor/Dockerfile",
		"sub/node_modules/Containerfile",
		"sub/.git/x.Dockerfile",
	}
	files := map[string]string{}
	for _, f := range append(append([]string{}, found...), notFound...) {
		files[f] = dirtyDockerfile
	}
	writeTree(t, dir, files)

	want := sortedCopy(found)
	for _, args := range [][]string{
		{"fix", "-l"},
		{"fix", "-l", "."},
		{"fix", "-l", "./"},
		{"fix", "-l", dir},
	} {
		r := harden(t, args...)
		wantCode(t, r, 0)
		if got := lines(r.stdout); !reflect.DeepEqual(got, want) {
			t.Errorf("harden %s:\n got %q\nwant %q", strings.Join(args, " "), got, want)
		}
		if r.stderr != "" {
			t.Errorf("harden %s: unexpected stderr %q", strings.Join(args, " "), r.stderr)
		}
	}

	// Every file found gets its diff, in the same order, and nothing else.
	r := harden(t, "fix")
	wantCode(t, r, 0)
	if got := diffHeaders(t, r.stdout); !reflect.DeepEqual(got, want) {
		t.Errorf("diff headers:\n got %q\nwant %q", got, want)
	}
	var wantDiff strings.Builder
	for _, f := range want {
		wantDiff.WriteString(dirtyDiff(f))
	}
	if r.stdout != wantDiff.String() {
		t.Errorf("harden fix output:\n%s\nwant:\n%s", r.stdout, wantDiff.String())
	}

	// check searches the same way.
	r = harden(t, "check")
	wantCode(t, r, 1)
	var checked []string
	for _, l := range lines(r.stdout) {
		path, _, _ := strings.Cut(l, ":")
		checked = append(checked, path)
	}
	if !reflect.DeepEqual(checked, want) {
		t.Errorf("harden check files:\n got %q\nwant %q", checked, want)
	}
}

// TestDiscoveryExplicitFiles: a file named on the command line is
// processed whatever its name, also inside directories a search skips.
func TestDiscoveryExplicitFiles(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"build/image.txt":    dirtyDockerfile,
		"Dockerfile-old":     dirtyDockerfile,
		"vendor/Dockerfile":  dirtyDockerfile,
		".git/x/Dockerfile":  dirtyDockerfile,
		"node_modules/build": dirtyDockerfile,
	})
	for _, p := range []string{"build/image.txt", "Dockerfile-old", "vendor/Dockerfile", ".git/x/Dockerfile", "node_modules/build"} {
		r := harden(t, "fix", p)
		wantCode(t, r, 0)
		if r.stdout != dirtyDiff(p) {
			t.Errorf("harden fix %s:\n%s\nwant:\n%s", p, r.stdout, dirtyDiff(p))
		}
	}
	// A skipped directory named explicitly is searched.
	r := harden(t, "fix", "-l", "vendor")
	wantCode(t, r, 0)
	if r.stdout != "vendor/Dockerfile\n" {
		t.Errorf("harden fix -l vendor = %q, want %q", r.stdout, "vendor/Dockerfile\n")
	}
}

// TestDiscoveryEmpty: a directory with no Dockerfile is not an error.
func TestDiscoveryEmpty(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"README.md": "# nothing here\n"})
	for _, args := range [][]string{{"fix"}, {"fix", "--check"}, {"fix", "-l"}, {"check"}} {
		r := harden(t, args...)
		wantCode(t, r, 0)
		if r.stdout != "" || r.stderr != "" {
			t.Errorf("harden %s: %v", strings.Join(args, " "), r)
		}
	}
}

// TestDiscoveryOrder: output is sorted and the same on every run, although
// files are processed concurrently.
func TestDiscoveryOrder(t *testing.T) {
	dir := inTempDir(t)
	files := map[string]string{}
	var want []string
	// Names whose creation order, walk order and byte order differ.
	for _, d := range []string{"z", "a", "a-b", "a/b", "m/n/o", "B", "a.b"} {
		for _, f := range []string{"Dockerfile", "x.Dockerfile", "Containerfile.1"} {
			p := d + "/" + f
			files[p] = dirtyDockerfile
			want = append(want, p)
		}
	}
	// Bigger files for some, so workers finish out of order.
	files["z/Dockerfile"] = strings.Repeat("# padding\n", 20000) + dirtyDockerfile
	writeTree(t, dir, files)
	want = sortedCopy(want)

	first := harden(t, "fix", "-l")
	wantCode(t, first, 0)
	if got := lines(first.stdout); !reflect.DeepEqual(got, want) {
		t.Fatalf("harden fix -l:\n got %q\nwant %q", got, want)
	}
	diff := harden(t, "fix")
	wantCode(t, diff, 0)
	if got := diffHeaders(t, diff.stdout); !reflect.DeepEqual(got, want) {
		t.Fatalf("diff order:\n got %q\nwant %q", got, want)
	}
	for i := 0; i < 5; i++ {
		if r := harden(t, "fix"); r.stdout != diff.stdout || r.code != 0 {
			t.Fatalf("run %d differs from the first:\n%v", i, r)
		}
		r := harden(t, "check")
		var checked []string
		for _, l := range lines(r.stdout) {
			path, _, _ := strings.Cut(l, ":")
			checked = append(checked, path)
		}
		if !reflect.DeepEqual(checked, want) {
			t.Fatalf("harden check order:\n got %q\nwant %q", checked, want)
		}
	}
}

// TestDiscoveryDuplicates: a file named twice, or named and found in a
// directory, is processed once.
func TestDiscoveryDuplicates(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": dirtyDockerfile, "sub/Dockerfile": dirtyDockerfile})
	r := harden(t, "fix", "Dockerfile", "./Dockerfile", filepath.Join(dir, "Dockerfile"), ".", "sub", "sub/Dockerfile")
	wantCode(t, r, 0)
	if want := dirtyDiff("Dockerfile") + dirtyDiff("sub/Dockerfile"); r.stdout != want {
		t.Errorf("got:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = harden(t, "fix", "-w", "Dockerfile", "Dockerfile", ".")
	wantCode(t, r, 0)
	if want := "fixed Dockerfile: 1 fix\nfixed sub/Dockerfile: 1 fix\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	wantFile(t, "Dockerfile", dirtyFixed)
}

// TestDisplayPaths: the paths in diff headers, lists and messages are clean
// and relative to the working directory, however the file was named.
func TestDisplayPaths(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"x/Dockerfile": dirtyDockerfile, "x/y/Containerfile": dirtyDockerfile})
	for _, tc := range []struct {
		arg, want string
	}{
		{"x/Dockerfile", "x/Dockerfile"},
		{"./x/Dockerfile", "x/Dockerfile"},
		{".//x//Dockerfile", "x/Dockerfile"},
		{"x/y/../Dockerfile", "x/Dockerfile"},
		{filepath.Join(dir, "x", "Dockerfile"), "x/Dockerfile"},
		{dir + "/./x/y/../Dockerfile", "x/Dockerfile"},
		{"./x/y/Containerfile", "x/y/Containerfile"},
	} {
		r := harden(t, "fix", tc.arg)
		wantCode(t, r, 0)
		if r.stdout != dirtyDiff(tc.want) {
			t.Errorf("harden fix %s:\n%s\nwant headers a/%s", tc.arg, r.stdout, tc.want)
		}
		r = harden(t, "fix", "-l", tc.arg)
		if r.stdout != tc.want+"\n" {
			t.Errorf("harden fix -l %s = %q, want %q", tc.arg, r.stdout, tc.want+"\n")
		}
		r = harden(t, "check", tc.arg)
		if !strings.HasPrefix(r.stdout, tc.want+":3: ") {
			t.Errorf("harden check %s = %q, want it to start with %q", tc.arg, r.stdout, tc.want+":3: ")
		}
	}
	// Directories given as ./x/, an absolute path, or with a trailing slash.
	for _, arg := range []string{"./x/", "x/", filepath.Join(dir, "x"), dir + "/x/"} {
		r := harden(t, "fix", "-l", arg)
		wantCode(t, r, 0)
		if want := "x/Dockerfile\nx/y/Containerfile\n"; r.stdout != want {
			t.Errorf("harden fix -l %s = %q, want %q", arg, r.stdout, want)
		}
	}
	// From a subdirectory, paths are relative to it.
	t.Chdir(filepath.Join(dir, "x"))
	r := harden(t, "fix", "-l", filepath.Join(dir, "x", "y"))
	if want := "y/Containerfile\n"; r.stdout != want {
		t.Errorf("from x/: harden fix -l ABS/x/y = %q, want %q", r.stdout, want)
	}
}

// TestDisplayPathDotDotName: an absolute path inside the working directory
// under a directory whose name merely starts with ".." (a real name, not a
// parent reference) is still shown relative.
func TestDisplayPathDotDotName(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"..cache/Dockerfile": dirtyDockerfile})
	r := harden(t, "fix", filepath.Join(dir, "..cache", "Dockerfile"))
	wantCode(t, r, 0)
	if r.stdout != dirtyDiff("..cache/Dockerfile") {
		t.Errorf("harden fix ABS/..cache/Dockerfile printed headers %q, want a/..cache/Dockerfile", diffHeaders(t, r.stdout))
	}
}

// TestDiscoverySymlinks: a symlink to a Dockerfile found in a search is
// processed; a dangling one or one to a directory is not an error; a
// symlink to a directory given as PATH is searched like the directory.
func TestDiscoverySymlinks(t *testing.T) {
	skipIfNoSymlinks(t)
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"real/Dockerfile": dirtyDockerfile, "src/README": "x"})
	for old, new := range map[string]string{
		"../real/Dockerfile": "src/Dockerfile",          // to a file
		"../nowhere":         "src/dangling.Dockerfile", // dangling
		"../real":            "src/Dockerfile.d",        // to a directory, named like a Dockerfile
	} {
		if err := os.Symlink(old, filepath.Join(dir, new)); err != nil {
			t.Fatal(err)
		}
	}
	r := harden(t, "fix", "-l", "src")
	wantCode(t, r, 0)
	if r.stdout != "src/Dockerfile\n" {
		t.Errorf("harden fix -l src = %q, want %q", r.stdout, "src/Dockerfile\n")
	}

	if err := os.Symlink("real", filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	r = harden(t, "fix", "-l", "linkdir")
	if r.code != 0 || r.stdout != "linkdir/Dockerfile\n" {
		t.Errorf("harden fix -l linkdir (a symlink to a directory holding a Dockerfile): got %v\nwant linkdir/Dockerfile listed", r)
	}
}

// TestMissingPath: a path that does not exist is an error (exit 2) reported
// as PATH: message, after every other file has been processed.
func TestMissingPath(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"a/Dockerfile": dirtyDockerfile, "z/Dockerfile": dirtyDockerfile})

	r := harden(t, "fix", "a", "missing/Dockerfile", "z")
	wantCode(t, r, 2)
	if want := dirtyDiff("a/Dockerfile") + dirtyDiff("z/Dockerfile"); r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	if !strings.HasPrefix(r.stderr, "missing/Dockerfile: ") || !strings.Contains(r.stderr, "no such file") || len(lines(r.stderr)) != 1 {
		t.Errorf("stderr %q, want one line \"missing/Dockerfile: …no such file…\"", r.stderr)
	}

	age(t, "a/Dockerfile")
	r = harden(t, "fix", "-w", "missing", "z")
	wantCode(t, r, 2)
	wantFile(t, "z/Dockerfile", dirtyFixed)
	wantUntouched(t, "a/Dockerfile", dirtyDockerfile)
	if !strings.Contains(r.stderr, "missing: ") || !strings.Contains(r.stderr, "fixed z/Dockerfile: 1 fix\n") {
		t.Errorf("stderr %q", r.stderr)
	}

	r = harden(t, "check", "missing", "a")
	wantCode(t, r, 2)
	if r.stdout != "a/Dockerfile:3: add-label: Image has no harden label [fix: default: Append LABEL harden=1]\n" || !strings.HasPrefix(r.stderr, "missing: ") {
		t.Errorf("harden check missing a: %v", r)
	}
}

// TestUnreadableFile: a file that cannot be read is an error (exit 2), and
// the other files are still processed.
func TestUnreadableFile(t *testing.T) {
	t.Run("chmod000", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads files whatever their mode")
		}
		dir := inTempDir(t)
		writeTree(t, dir, map[string]string{"a/Dockerfile": dirtyDockerfile, "b/Dockerfile": dirtyDockerfile})
		if err := os.Chmod("a/Dockerfile", 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(filepath.Join(dir, "a/Dockerfile"), 0o644) })
		r := harden(t, "fix", "-w")
		wantCode(t, r, 2)
		if !strings.Contains(r.stderr, "a/Dockerfile: ") || !strings.Contains(r.stderr, "permission denied") {
			t.Errorf("stderr %q", r.stderr)
		}
		wantFile(t, "b/Dockerfile", dirtyFixed)
		r = harden(t, "check")
		wantCode(t, r, 2)
	})
	t.Run("unreadable directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads directories whatever their mode")
		}
		dir := inTempDir(t)
		writeTree(t, dir, map[string]string{"a/Dockerfile": dirtyDockerfile, "locked/Dockerfile": dirtyDockerfile})
		if err := os.Chmod("locked", 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(filepath.Join(dir, "locked"), 0o755) })
		r := harden(t, "fix")
		wantCode(t, r, 2)
		if r.stdout != dirtyDiff("a/Dockerfile") {
			t.Errorf("stdout:\n%s", r.stdout)
		}
		if !strings.HasPrefix(r.stderr, "locked: ") || !strings.Contains(r.stderr, "permission denied") {
			t.Errorf("stderr %q, want locked: …permission denied", r.stderr)
		}
	})
	// /proc/self/mem is a regular file that fails to read, even for root.
	t.Run("read error", func(t *testing.T) {
		if _, err := os.Stat("/proc/self/mem"); err != nil {
			t.Skip("no /proc/self/mem")
		}
		dir := inTempDir(t)
		writeTree(t, dir, map[string]string{"Dockerfile": dirtyDockerfile})
		r := harden(t, "fix", "/proc/self/mem", "Dockerfile")
		wantCode(t, r, 2)
		if r.stdout != dirtyDiff("Dockerfile") {
			t.Errorf("stdout:\n%s", r.stdout)
		}
		if !strings.HasPrefix(r.stderr, "/proc/self/mem: ") {
			t.Errorf("stderr %q, want /proc/self/mem: …", r.stderr)
		}
		r = harden(t, "check", "/proc/self/mem", "Dockerfile")
		wantCode(t, r, 2)
		if !strings.HasPrefix(r.stdout, "Dockerfile:3: ") {
			t.Errorf("check stdout %q", r.stdout)
		}
	})
}
