//go:build e2e

package e2e

// The image-build run: `make e2e`, or after `bash e2e/setup.sh`:
//
//	go test -tags e2e ./e2e -v -count=1
//
// HARDEN_BIN selects the harden binary (default: built from ./cmd/harden);
// HARDEN_E2E_CASES another directory of cases (default: cases);
// -run 'TestE2E/case/NAME' runs one case; -parallel N sets how many cases
// build at once (default: the number of CPUs).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	imagePrefix  = "localhost/harden-e2e/"
	buildTimeout = 10 * time.Minute
	runTimeout   = 2 * time.Minute
	logTail      = 25
)

// result is one row of the final table.
type result struct {
	name                  string
	buildOrig, buildFixed string
	userOrig, userFixed   string
	output                string
	sizeOrig, sizeFixed   int64
	failures              []string
}

func (r *result) fail(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func TestE2E(t *testing.T) {
	start := time.Now()
	setEnv(t)
	for _, tool := range []string{"buildah", "podman"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: run `bash e2e/setup.sh` (or `make e2e`) first", tool)
		}
	}
	dir := os.Getenv("HARDEN_E2E_CASES")
	if dir == "" {
		dir = "cases"
	}
	cases, err := LoadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	harden := hardenBinary(t)
	imagesBefore := imageIDs(t)
	for _, c := range cases {
		if len(c.Registry) > 0 {
			startRegistry(t)
			break
		}
	}

	var (
		mu      sync.Mutex
		results []*result
	)
	t.Run("case", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				r := runCase(t, harden, c)
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
				for _, f := range r.failures {
					t.Error(f)
				}
			})
		}
	})
	removeNewDangling(t, imagesBefore)

	// Sort rows like the cases.
	order := map[string]int{}
	for i, c := range cases {
		order[c.Name] = i
	}
	rows := make([]*result, len(cases))
	for _, r := range results {
		rows[order[r.name]] = r
	}
	passed, failed := 0, 0
	for _, r := range rows {
		if r == nil {
			continue // not selected by -run
		}
		if len(r.failures) == 0 {
			passed++
		} else {
			failed++
		}
	}
	fmt.Print(table(rows))
	fmt.Printf("e2e: %d cases in %s (harden: %s)\n", passed+failed, time.Since(start).Round(time.Second), harden)
	fmt.Printf("%d passed, %d failed\n", passed, failed)
}

// setEnv gives buildah and podman the configuration setup.sh wrote, unless the
// caller chose another.
func setEnv(t *testing.T) {
	cache := os.Getenv("HARDEN_E2E_CACHE")
	if cache == "" {
		cache = "/var/cache/harden-e2e"
	}
	if os.Getenv("CONTAINERS_CONF") == "" {
		conf := filepath.Join(cache, "containers.conf")
		if _, err := os.Stat(conf); err != nil {
			t.Fatalf("%v: run `bash e2e/setup.sh` (or `make e2e`) first", err)
		}
		t.Setenv("CONTAINERS_CONF", conf)
	}
	if os.Getenv("BUILDAH_ISOLATION") == "" {
		t.Setenv("BUILDAH_ISOLATION", "chroot")
	}
}

// hardenBinary returns $HARDEN_BIN, or builds ./cmd/harden once.
func hardenBinary(t *testing.T) string {
	if bin := os.Getenv("HARDEN_BIN"); bin != "" {
		abs, err := exec.LookPath(bin)
		if err != nil {
			t.Fatalf("HARDEN_BIN: %v", err)
		}
		return abs
	}
	bin := filepath.Join(t.TempDir(), "harden")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/harden")
	cmd.Dir = ".."
	begin := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/harden: %v\n%s", err, out)
	}
	t.Logf("built ./cmd/harden in %s", time.Since(begin).Round(100*time.Millisecond))
	return bin
}

func runCase(t *testing.T, harden string, c Case) *result {
	r := &result{name: c.Name, buildOrig: "-", buildFixed: "-", userOrig: "?", userFixed: "?", output: "-", sizeOrig: -1, sizeFixed: -1}
	work := t.TempDir()
	orig := imagePrefix + c.Name + ":orig"
	fixed := imagePrefix + c.Name + ":fixed"
	removeImages(orig, fixed) // leftovers of an interrupted run
	defer removeImages(orig, fixed)

	// harden fix --unsafe - : Dockerfile on stdin, patched file on stdout,
	// with the case's directory as the build context fixes read.
	// pin-digest runs only in registry cases, against the local registry:
	// the other cases' images are local stand-ins that no registry serves.
	ignore := append([]string{"pin-digest"}, c.Ignore...)
	args := []string{"fix", "--unsafe", "--ignore", strings.Join(ignore, ","), "--context", c.Dir, "-"}
	pull := "never"
	if len(c.Registry) > 0 {
		if !pushToRegistry(t, r, c) {
			return r
		}
		args = []string{"fix", "--unsafe", "--insecure-registry", RegistryHost, "--context", c.Dir, "-"}
		if len(c.Ignore) > 0 {
			args = append(args[:len(args)-1], "--ignore", strings.Join(c.Ignore, ","), "-")
		}
		pull = "always"
	}

	// The Dockerfile as harden and the original build see it: with the
	// case's HTTP server named where it says {{HTTP}}.
	dockerfile := c.Dockerfile
	origPath := filepath.Join(c.Dir, "Dockerfile")
	if c.Serve {
		srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(c.Dir, "serve"))))
		defer srv.Close()
		dockerfile = bytes.ReplaceAll(dockerfile, []byte(HTTPPlaceholder), []byte(srv.URL))
		origPath = filepath.Join(work, "Dockerfile.orig")
		if err := os.WriteFile(origPath, dockerfile, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	fixedDockerfile, hardenErr := hardenFix(harden, args, dockerfile)
	switch {
	case hardenErr != nil:
		r.fail("harden fix --unsafe -: %v", hardenErr)
	case c.Unchanged && !bytes.Equal(fixedDockerfile, dockerfile):
		r.fail("harden changed a Dockerfile it must leave alone:\n%s", fixedDockerfile)
	case !c.Unchanged && bytes.Equal(fixedDockerfile, dockerfile):
		r.fail("harden left the Dockerfile unchanged; the case expects a fix")
	}
	if c.UnsafeOnly != "" {
		// The edit must be unsafe: without --unsafe, nothing changes.
		safeArgs := make([]string, 0, len(args))
		for _, a := range args {
			if a != "--unsafe" {
				safeArgs = append(safeArgs, a)
			}
		}
		safe, err := hardenFix(harden, safeArgs, dockerfile)
		switch {
		case err != nil:
			r.fail("harden fix -: %v", err)
		case !bytes.Equal(safe, dockerfile):
			r.fail("unsafe-only: harden without --unsafe changed the Dockerfile (a default edit):\n%s", safe)
		}
	}
	for _, p := range c.Registry {
		if !bytes.Contains(fixedDockerfile, []byte(RegistryHost+"/"+p.Repo+"@sha256:")) {
			r.fail("harden did not pin %s/%s to a digest", RegistryHost, p.Repo)
		}
	}
	fixedPath := filepath.Join(work, "Dockerfile.fixed")
	if err := os.WriteFile(fixedPath, fixedDockerfile, 0o644); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if len(r.failures) > 0 && hardenErr == nil {
			t.Logf("hardened Dockerfile:\n%s", fixedDockerfile)
		}
	}()

	// Build both.
	okOrig := build(t, r, "original", orig, origPath, c.Dir, filepath.Join(work, "build-orig.log"), pull)
	r.buildOrig = okWord(okOrig)
	okFixed := false
	if hardenErr == nil {
		okFixed = build(t, r, "hardened", fixed, fixedPath, c.Dir, filepath.Join(work, "build-fixed.log"), pull)
		r.buildFixed = okWord(okFixed)
	}

	// Configuration and size.
	if okOrig {
		r.userOrig = configUser(t, r, orig)
		r.sizeOrig = imageSize(t, r, orig)
	}
	if okFixed {
		r.userFixed = configUser(t, r, fixed)
		r.sizeFixed = imageSize(t, r, fixed)
		switch {
		case c.KeepsRoot != "":
			// checked through the output: the process itself drops root
		case c.NeedsRoot != "":
			// harden reported why it stays root; unchanged is checked above
		case IsRoot(r.userFixed):
			r.fail("hardened image runs as root (User %q)", r.userFixed)
		default:
			if err := CheckUserForm(r.userFixed, c.UserForm); err != nil {
				r.fail("hardened image: %v", err)
			}
			if c.User != "" && r.userFixed != c.User {
				r.fail("hardened image: User %q, want %q", r.userFixed, c.User)
			}
		}
		if c.Smaller && okOrig && r.sizeFixed >= r.sizeOrig {
			r.fail("hardened image is not smaller: %d >= %d bytes", r.sizeFixed, r.sizeOrig)
		}
	}

	// Run both.
	var outOrig, outFixed string
	var matchOrig, matchFixed bool
	if okOrig {
		outOrig, matchOrig = run(t, r, "original", orig, c, c.Expected, c.Exit)
	}
	if okFixed {
		outFixed, matchFixed = run(t, r, "hardened", fixed, c, c.ExpectedFixed, c.ExitFixed)
	}
	switch {
	case !okOrig || !okFixed:
		r.output = "-"
	case !matchOrig || !matchFixed:
		r.output = "NO"
	case SameOutput(outOrig, outFixed):
		r.output = "same"
	case c.Limit != "":
		r.output = "differs (limit)"
	case c.UnsafeOnly != "":
		r.output = "differs (unsafe)"
	default:
		r.output = "same but uid" // LoadCase allows only id lines to differ
	}
	return r
}

func okWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

// build runs buildah bud and records a failure with the log's tail. pull is
// buildah's --pull policy: "never" (local stand-ins), or "always" for
// registry cases, which pull from the local registry over plain HTTP.
func build(t *testing.T, r *result, what, image, dockerfile, context, logPath, pull string) bool {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	ctx, cancel := contextWithTimeout(buildTimeout)
	defer cancel()
	args := []string{"bud", "--pull=" + pull, "--layers=false", "--force-rm"}
	if pull != "never" {
		args = append(args, "--tls-verify=false")
	}
	cmd := exec.CommandContext(ctx, "buildah", append(args, "-t", image, "-f", dockerfile, context)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	begin := time.Now()
	err = cmd.Run()
	t.Logf("build %s: %s", what, time.Since(begin).Round(100*time.Millisecond))
	if err != nil {
		b, _ := os.ReadFile(logPath)
		r.fail("%s build failed: %v; last lines of the build log:\n%s", what, err, tail(string(b), logTail))
		return false
	}
	return true
}

// run starts the image once and compares stdout and the exit code.
func run(t *testing.T, r *result, what, image string, c Case, want string, wantExit int) (string, bool) {
	t.Helper()
	name := strings.NewReplacer("/", "-", ":", "-").Replace(strings.TrimPrefix(image, "localhost/"))
	runArgs, err := hostDirs(t, c.RunArgs)
	if err != nil {
		r.fail("%s run: %v", what, err)
		return "", false
	}
	args := append([]string{"run", "--rm", "--name", name}, runArgs...)
	args = append(args, image)
	args = append(args, c.Command...)
	ctx, cancel := contextWithTimeout(runTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		_ = exec.Command("podman", "rm", "-f", "--time", "0", name).Run()
		r.fail("%s run timed out after %s", what, runTimeout)
		return stdout.String(), false
	}
	exit := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		exit = ee.ExitCode()
	} else if err != nil {
		r.fail("%s run: %v", what, err)
		return stdout.String(), false
	}
	ok := true
	if exit != wantExit {
		r.fail("%s run exited %d, want %d%s", what, exit, wantExit, stderrTail(stderr.String()))
		ok = false
	}
	if !SameOutput(stdout.String(), want) {
		r.fail("%s run printed:\n%s\nwant:\n%s%s", what, stdout.String(), want, stderrTail(stderr.String()))
		ok = false
	}
	return stdout.String(), ok
}

// hardenFix runs harden with the Dockerfile on stdin and returns stdout.
func hardenFix(harden string, args []string, dockerfile []byte) ([]byte, error) {
	var hout, herr bytes.Buffer
	cmd := exec.Command(harden, args...)
	cmd.Stdin = bytes.NewReader(dockerfile)
	cmd.Stdout, cmd.Stderr = &hout, &herr
	if err := cmd.Run(); err != nil {
		return hout.Bytes(), fmt.Errorf("%v\n%s", err, herr.String())
	}
	return hout.Bytes(), nil
}

// hostDirs replaces {{HOSTDIR}} in run options with a fresh empty directory,
// owned by root (the test runs as root) with mode 0755, one per run.
func hostDirs(t *testing.T, args []string) ([]string, error) {
	out := make([]string, len(args))
	dir := ""
	for i, a := range args {
		if strings.Contains(a, HostDirPlaceholder) && dir == "" {
			d, err := os.MkdirTemp(t.TempDir(), "hostdir-")
			if err != nil {
				return nil, err
			}
			if err := os.Chmod(d, 0o755); err != nil {
				return nil, err
			}
			dir = d
		}
		out[i] = strings.ReplaceAll(a, HostDirPlaceholder, dir)
	}
	return out, nil
}

func configUser(t *testing.T, r *result, image string) string {
	out, err := output("buildah", "inspect", "--type", "image", "--format", "{{.OCIv1.Config.User}}", image)
	if err != nil {
		r.fail("buildah inspect %s: %v", image, err)
		return "?"
	}
	return strings.TrimSpace(out)
}

func imageSize(t *testing.T, r *result, image string) int64 {
	out, err := output("podman", "image", "inspect", "--format", "{{.Size}}", image)
	if err != nil {
		r.fail("podman image inspect %s: %v", image, err)
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		r.fail("image size of %s: %v", image, err)
		return -1
	}
	return n
}

func removeImages(images ...string) {
	for _, img := range images {
		if exec.Command("podman", "image", "exists", img).Run() == nil {
			_ = exec.Command("podman", "rmi", "-f", img).Run()
		}
	}
}

// imageIDs lists every image in local storage, intermediate ones included.
func imageIDs(t *testing.T) map[string]bool {
	out, err := output("podman", "images", "--all", "--quiet", "--no-trunc")
	if err != nil {
		t.Fatalf("podman images: %v", err)
	}
	ids := map[string]bool{}
	for _, id := range strings.Fields(out) {
		ids[id] = true
	}
	return ids
}

// removeNewDangling removes the untagged images the run left behind (layer
// cache of build stages that no final image references); images that existed
// before the run, such as the cached base images, are kept.
func removeNewDangling(t *testing.T, before map[string]bool) {
	out, err := output("podman", "images", "--all", "--quiet", "--no-trunc", "--filter", "dangling=true")
	if err != nil {
		t.Logf("podman images: %v", err)
		return
	}
	var ids []string
	for _, id := range strings.Fields(out) {
		if !before[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		if out, err := exec.Command("podman", append([]string{"rmi", "-f"}, ids...)...).CombinedOutput(); err != nil {
			t.Logf("removing %d build-cache images: %v\n%s", len(ids), err, out)
		}
	}
}

func output(name string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func stderrTail(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return "\nstderr:\n" + tail(s, logTail)
}

func tail(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return "    " + strings.Join(ls, "\n    ")
}

func table(rows []*result) string {
	header := []string{"case", "builds (orig/fixed)", "user (orig → fixed)", "output same", "size orig → fixed", "result"}
	var cells [][]string
	for _, r := range rows {
		if r == nil {
			continue
		}
		res := "pass"
		if len(r.failures) > 0 {
			res = "FAIL"
		}
		cells = append(cells, []string{
			r.name,
			r.buildOrig + "/" + r.buildFixed,
			shownUser(r.userOrig, r.buildOrig) + " → " + shownUser(r.userFixed, r.buildFixed),
			r.output,
			sizes(r.sizeOrig, r.sizeFixed),
			res,
		})
	}
	width := make([]int, len(header))
	for _, row := range append([][]string{header}, cells...) {
		for i, cell := range row {
			if n := len([]rune(cell)); n > width[i] {
				width[i] = n
			}
		}
	}
	var b strings.Builder
	line := func(row []string) {
		for i, cell := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(cell))))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	b.WriteString(strings.Join(sep, "-|-") + "\n")
	for _, row := range cells {
		line(row)
	}
	return b.String()
}

func shownUser(user, built string) string {
	switch {
	case built != "ok":
		return "-"
	case user == "":
		return "(root)"
	}
	return user
}

func sizes(a, b int64) string {
	if a < 0 && b < 0 {
		return "-"
	}
	mb := func(n int64) string {
		if n < 0 {
			return "-"
		}
		return fmt.Sprintf("%.1fMB", float64(n)/1e6)
	}
	s := mb(a) + " → " + mb(b)
	if a >= 0 && b >= 0 {
		s += fmt.Sprintf(" (%+.1fkB)", float64(b-a)/1e3)
	}
	return s
}

// startRegistry runs Debian's docker-registry (the CNCF distribution
// registry) on RegistryHost for the whole run, storing in a temporary
// directory, and stops it when the run ends.
func startRegistry(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("docker-registry"); err != nil {
		t.Fatal("docker-registry not found: run `bash e2e/setup.sh` (or `make e2e`) first")
	}
	if resp, err := http.Get("http://" + RegistryHost + "/v2/"); err == nil {
		resp.Body.Close()
		t.Fatalf("%s is already in use: the registry cases need it", RegistryHost)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "config.yml")
	yml := "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: " + filepath.Join(dir, "data") +
		"\nhttp:\n  addr: " + RegistryHost + "\n"
	if err := os.WriteFile(conf, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("docker-registry", "serve", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("docker-registry serve: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + RegistryHost + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
			t.Fatalf("docker-registry did not answer on %s: %v\n%s", RegistryHost, err, tail(string(b), logTail))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pushToRegistry pushes a registry case's stand-in images into the
// registry, and removes the name the builds pulled once the case is done
// (the stand-ins themselves stay).
func pushToRegistry(t *testing.T, r *result, c Case) bool {
	t.Helper()
	for _, p := range c.Registry {
		dest := RegistryHost + "/" + p.Repo
		if out, err := exec.Command("buildah", "push", "--tls-verify=false", p.Local, "docker://"+dest).CombinedOutput(); err != nil {
			r.fail("buildah push %s %s: %v\n%s", p.Local, dest, err, tail(string(out), logTail))
			return false
		}
		t.Cleanup(func() {
			// Only this name: the image may be a stand-in's under other names.
			_ = exec.Command("podman", "untag", dest, dest).Run()
		})
	}
	return true
}
