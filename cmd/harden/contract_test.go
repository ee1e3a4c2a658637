package main

// The CLI contract around what fixes do: unsafe and network fixes, fixes
// that break the file or never settle, GitHub and Markdown output,
// interruption, and the run's other output files.

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/harden-dev/harden/internal/runner"
	"github.com/harden-dev/harden/transform"
)

// TestFixBrokenFixes: a fix whose edit does not parse, or fixes that never
// settle, are errors of that file (exit 2, PATH: message naming the fix),
// which is left untouched; every other file is still fixed.
func TestFixBrokenFixes(t *testing.T) {
	dir := inTempDir(t)
	files := map[string]string{
		"a/Dockerfile":     dirtyDockerfile,
		"break/Dockerfile": breakDockerfile,
		"loop/Dockerfile":  loopDockerfile,
		"z/Dockerfile":     dirtyDockerfile,
	}
	writeTree(t, dir, files)
	age(t, "break/Dockerfile", "loop/Dockerfile")
	breakErr := regexp.MustCompile(`^break/Dockerfile: fixed file no longer parses: break/Dockerfile:2: .+ \(fix breaker\); file left unchanged$`)
	loopErr := "loop/Dockerfile: failed to converge after 8 rounds (fix loop); file left unchanged"

	r := harden(t, "fix")
	wantCode(t, r, 2)
	if want := dirtyDiff("a/Dockerfile") + dirtyDiff("z/Dockerfile"); r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	if errs := lines(r.stderr); len(errs) != 2 || !breakErr.MatchString(errs[0]) || errs[1] != loopErr {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	r = harden(t, "fix", "-w")
	wantCode(t, r, 2)
	if errs := lines(r.stderr); len(errs) != 4 || errs[0] != "fixed a/Dockerfile: 1 fix" || !breakErr.MatchString(errs[1]) ||
		errs[2] != loopErr || errs[3] != "fixed z/Dockerfile: 1 fix" {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	wantFile(t, "a/Dockerfile", dirtyFixed)
	wantFile(t, "z/Dockerfile", dirtyFixed)
	wantUntouched(t, "break/Dockerfile", breakDockerfile)
	wantUntouched(t, "loop/Dockerfile", loopDockerfile)
	noTempFiles(t, dir)

	// Standard input gets the input back.
	r = hardenStdin(t, loopDockerfile, "fix", "-")
	if r.code != 2 || r.stdout != loopDockerfile || r.stderr != strings.Replace(loopErr, "loop/Dockerfile", "<stdin>", 1)+"\n" {
		t.Errorf("harden fix - < loop: %v", r)
	}
	// Without the broken fixes all is well.
	if r := harden(t, "fix", "--ignore", "breaker,loop", "--check"); r.code != 0 || r.stderr != "" {
		t.Errorf("--ignore breaker,loop: %v", r)
	}
}

// TestFixUnsafe: an unsafe fix is applied only with --unsafe or when named
// (by name or ID) in --select.
func TestFixUnsafe(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": unsafeDockerfile})
	unsafeDiff := "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,3 +1,3 @@\n FROM debian\n-USER root\n+USER 1000\n LABEL harden=1\n"
	for _, args := range [][]string{{}, {"--select", "ALL"}, {"--select", "add-label"}} {
		r := harden(t, append([]string{"fix", "--check"}, args...)...)
		if r.code != 0 || r.stdout != "" {
			t.Errorf("harden fix --check %s: %v", strings.Join(args, " "), r)
		}
	}
	for _, args := range [][]string{{"--unsafe"}, {"--select", "pin-user"}, {"--select", "fk002"}, {"--select", "ALL,pin-user"}} {
		r := harden(t, append([]string{"fix", "--check"}, args...)...)
		if r.code != 1 || r.stdout != unsafeDiff {
			t.Errorf("harden fix --check %s: %v", strings.Join(args, " "), r)
		}
	}
	r := harden(t, "fix", "-w", "--unsafe")
	wantCode(t, r, 0)
	wantFile(t, "Dockerfile", unsafeFixed)
}

// TestFixNetwork: a fix that needs the network asks the resolver, which
// the CLI builds over the registry (a fake backend here) and the lock file:
// --lock records answers (in the diff, or written with -w), --offline
// answers from the lock alone, and each image is looked up once per run.
func TestFixNetwork(t *testing.T) {
	dir := inTempDir(t)
	reg := &fakeRegistry{}
	net := func(args ...string) hardenResult {
		t.Helper()
		return hardenEnv(t, &env{fixes: fakeFixes, images: reg}, args...)
	}
	three := map[string]string{"a/Dockerfile": netDockerfile, "b/Dockerfile": netDockerfile, "c/Dockerfile": netDockerfile}
	writeTree(t, dir, three)
	r := net("fix", "-w")
	wantCode(t, r, 0)
	wantFile(t, "a/Dockerfile", netFixed)
	wantFile(t, "c/Dockerfile", netFixed)
	if reg.lookups != 1 {
		t.Errorf("%d registry lookups for one image named by three files, want 1", reg.lookups)
	}
	if _, err := os.Stat("harden.lock"); err == nil {
		t.Error("a lock file was written without --lock")
	}

	// Offline without a lock: nothing answers, a finding without a fix.
	writeTree(t, dir, three)
	r = net("fix", "--offline", "--check", "--format", "json", "a")
	wantCode(t, r, 0)
	doc := decodeFixJSON(t, r.stdout)
	if f := doc.Files[0].Findings; len(f) != 1 || f[0].Fix != "pin-digest" || f[0].Applied == nil || *f[0].Applied ||
		!strings.HasSuffix(f[0].Message, "image registry.example/app:1: not in lock file") {
		t.Errorf("--offline: %s", r.stdout)
	}

	// --lock without -w: the new lock file is part of the diff.
	r = net("fix", "--lock", "harden.lock", "a")
	wantCode(t, r, 0)
	lock := "{\n  \"version\": 1,\n  \"images\": {\n    \"registry.example/app:1\": \"" + fakeDigest + "\"\n  },\n  \"urls\": {},\n  \"configs\": {}\n}\n"
	wantDiff := "--- /dev/null\n+++ b/harden.lock\n@@ -0,0 +1,8 @@\n"
	for _, l := range lines(lock) {
		wantDiff += "+" + l + "\n"
	}
	if !strings.HasPrefix(r.stdout, "--- a/a/Dockerfile\n") || !strings.HasSuffix(r.stdout, wantDiff) {
		t.Errorf("diff with --lock:\n%s\nwant it to end with:\n%s", r.stdout, wantDiff)
	}
	if _, err := os.Stat("harden.lock"); err == nil {
		t.Error("the lock file was written without -w")
	}

	// With -w the lock is written; offline, it answers alone.
	wantCode(t, net("fix", "-w", "--lock", "harden.lock", "a"), 0)
	wantFile(t, "harden.lock", lock)
	before := reg.lookups
	writeTree(t, dir, three)
	r = net("fix", "-w", "--offline", "--lock", "harden.lock")
	wantCode(t, r, 0)
	wantFile(t, "b/Dockerfile", netFixed)
	wantFile(t, "harden.lock", lock)
	if reg.lookups != before {
		t.Errorf("an offline run asked the registry %d times", reg.lookups-before)
	}
	if strings.Contains(r.stderr, "harden.lock") {
		t.Errorf("an unchanged lock file was rewritten: %q", r.stderr)
	}

	// A lock file that is not one is an error naming it; nothing is written.
	writeTree(t, dir, map[string]string{"bad.lock": "{\"version\": 7}\n", "a/Dockerfile": netDockerfile})
	r = net("fix", "-w", "--lock", "bad.lock")
	if r.code != 2 || !strings.Contains(r.stderr, "bad.lock") {
		t.Errorf("bad lock file: %v", r)
	}
	wantFile(t, "a/Dockerfile", netDockerfile)
}

// TestCheckGitHub: --format github prints one workflow command per finding
// and per error, escaped as GitHub documents.
func TestCheckGitHub(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"a/Dockerfile":              dirtyDockerfile,
		"b/Dockerfile":              badDockerfile,
		"g/Dockerfile":              sudoDockerfile,
		"odd,na:me/100%.Dockerfile": "FROM registry.example/missing:1\nLABEL harden=1\n",
		"ok/Dockerfile":             cleanDockerfile,
	})
	r := harden(t, "check", "--format", "github")
	wantCode(t, r, 2)
	want := "::warning file=a/Dockerfile,line=3,title=add-label::Image has no harden label [fix: default: Append LABEL harden=1]\n" +
		"::error file=b/Dockerfile,line=2,title=harden::b/Dockerfile:2: "
	if !strings.HasPrefix(r.stdout, want) {
		t.Errorf("stdout:\n%s\nwant it to start with:\n%s", r.stdout, want)
	}
	got := lines(r.stdout)
	if len(got) != 4 {
		t.Fatalf("%d lines:\n%s", len(got), r.stdout)
	}
	if want := "::warning file=g/Dockerfile,line=2,title=no-sudo::RUN uses sudo, which a container does not need [fix: none]"; got[2] != want {
		t.Errorf("line 3 %q, want %q", got[2], want)
	}
	if want := "::warning file=odd%2Cna%3Ame/100%25.Dockerfile,line=1,title=pin-digest::registry.example/missing:1 is not pinned: image registry.example/missing:1: not found: manifest unknown [fix: none]"; got[3] != want {
		t.Errorf("line 4 %q, want %q", got[3], want)
	}
	if !strings.HasPrefix(r.stderr, "b/Dockerfile:2: ") {
		t.Errorf("stderr %q", r.stderr)
	}
	wantCode(t, harden(t, "check", "--format", "github", "a"), 1)
	if r := harden(t, "check", "--format", "github", "ok"); r.code != 0 || r.stdout != "" {
		t.Errorf("clean: %v", r)
	}
}

// TestFixMarkdown: --format markdown prints a pull-request body: a table of
// the applied fixes, why each matters, what to check for unsafe ones, what
// was found but not changed, and the full diff.
func TestFixMarkdown(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"a/Dockerfile": dirtyDockerfile,
		"g/Dockerfile": sudoDockerfile,
		"u/Dockerfile": unsafeDockerfile,
	})
	age(t, "a/Dockerfile")
	r := harden(t, "fix", "--format", "markdown", "--unsafe")
	wantCode(t, r, 0)
	diff := harden(t, "fix", "--unsafe").stdout
	want := "## harden\n\n" +
		"harden changed 2 files with 2 fixes.\n\n" +
		"| File | Line | Fix | Change |\n|---|---|---|---|\n" +
		"| `a/Dockerfile` | 3 | `add-label` | Append LABEL harden=1 |\n" +
		"| `u/Dockerfile` | 2 | `pin-user` | Replace USER root with USER 1000 |\n" +
		"\n### Why\n" +
		"\n**`add-label`**: Label the image as hardened\n\nA labelled image tells the reader it went through harden.\n" +
		"\n**`pin-user`**: Run as user 1000\n\nRun as user 1000\n" +
		"\n### What to check before merging\n\n" +
		"These changes are marked unsafe: the image may behave differently. Check each before merging.\n\n" +
		"- [ ] `u/Dockerfile:2` (`pin-user`): Replace USER root with USER 1000: Runs as root: files it writes may need another owner\n" +
		"\n### Found but not changed\n\n" +
		"- `g/Dockerfile:2` (`no-sudo`): RUN uses sudo, which a container does not need (no automatic fix)\n" +
		"\n<details>\n<summary>Full diff</summary>\n\n```diff\n" + diff + "```\n\n</details>\n"
	if r.stdout != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", r.stdout, want)
	}
	wantUntouched(t, "a/Dockerfile", dirtyDockerfile)

	// -w writes and still describes the change; nothing to change says so.
	r = harden(t, "fix", "--format", "markdown", "-w", "--unsafe")
	if r.code != 0 || r.stdout != want {
		t.Errorf("-w --format markdown: %v", r)
	}
	r = harden(t, "fix", "--format", "markdown", "a")
	if r.code != 0 || r.stdout != "## harden\n\nharden found nothing to change.\n" {
		t.Errorf("after -w: %v", r)
	}
}

// TestInterrupted: a cancelled context (Ctrl-C) stops the run: nothing is
// printed or written after it, the exit status is 2 with "interrupted",
// and no file is left half-written.
func TestInterrupted(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"a/Dockerfile": dirtyDockerfile, "b/Dockerfile": dirtyDockerfile})
	age(t, "a/Dockerfile", "b/Dockerfile")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{{"fix", "-w"}, {"fix", "--format", "json"}, {"check"}, {"check", "--format", "sarif"}} {
		r := hardenEnv(t, &env{ctx: ctx, fixes: fakeFixes}, args...)
		if r.code != 2 || r.stdout != "" || r.stderr != "harden: interrupted\n" {
			t.Errorf("harden %s, cancelled: %v", strings.Join(args, " "), r)
		}
	}
	wantUntouched(t, "a/Dockerfile", dirtyDockerfile)
	wantUntouched(t, "b/Dockerfile", dirtyDockerfile)

	// Cancelled while a file is processed: nothing after it is written.
	files := map[string]string{}
	for _, name := range []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"} {
		files[name+"/Dockerfile"] = dirtyDockerfile
	}
	files["c4/Dockerfile"] = "FROM debian\nLABEL cancel=1\n"
	writeTree(t, dir, files)
	for name := range files {
		age(t, name)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	fx := func() []*transform.Fix { return append(fakeFixes(), cancelFix(func() { once.Do(cancel) })) }
	r := hardenEnv(t, &env{ctx: ctx, fixes: fx}, "fix", "-w", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8")
	wantCode(t, r, 2)
	if !strings.HasSuffix(r.stderr, "harden: interrupted\n") {
		t.Errorf("stderr %q", r.stderr)
	}
	for _, l := range lines(r.stderr) {
		if l != "harden: interrupted" && !regexp.MustCompile(`^fixed c[123]/Dockerfile: 1 fix$`).MatchString(l) {
			t.Errorf("stderr line %q: only files before c4 may be written", l)
		}
	}
	for name, content := range files {
		if name >= "c4" {
			wantUntouched(t, name, content)
		} else if got := readFile(t, name); got != dirtyDockerfile && got != dirtyFixed {
			t.Errorf("%s half-written: %q", name, got)
		}
	}
	noTempFiles(t, dir)
}

// lockOutputs returns an env.outputs hook that produces one output file.
func lockOutputs(path string, old, new []byte, err error) func(context.Context) ([]runner.Output, error) {
	return func(context.Context) ([]runner.Output, error) {
		if err != nil {
			return nil, err
		}
		return []runner.Output{{Path: path, Old: old, New: new}}, nil
	}
}

// TestRunOutputs: a file the run produces besides the Dockerfiles (the lock
// file) is treated like a changed Dockerfile: in the diff after them,
// listed by -l, counted by --check, in JSON, and written atomically by -w.
func TestRunOutputs(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"a/Dockerfile": dirtyDockerfile, "ok/Dockerfile": cleanDockerfile})
	lock := []byte("{\"images\": {}}\n")
	with := func(hook func(context.Context) ([]runner.Output, error), stdin string, args ...string) hardenResult {
		t.Helper()
		return hardenEnv(t, &env{fixes: fakeFixes, outputs: hook, stdin: strings.NewReader(stdin)}, args...)
	}
	create := lockOutputs("deps.lock", nil, lock, nil)
	createDiff := "--- /dev/null\n+++ b/deps.lock\n@@ -0,0 +1 @@\n+{\"images\": {}}\n"

	r := with(create, "", "fix")
	if r.code != 0 || r.stdout != dirtyDiff("a/Dockerfile")+createDiff || r.stderr != "" {
		t.Errorf("fix: %v", r)
	}
	if r := with(create, "", "fix", "-l", "--check", "ok"); r.code != 1 || r.stdout != "deps.lock\n" {
		t.Errorf("fix -l --check ok: %v", r)
	}
	r = with(create, "", "fix", "--format", "json", "ok")
	doc := decodeFixJSON(t, r.stdout)
	if len(doc.Files) != 2 || doc.Files[1].Path != "deps.lock" || !*doc.Files[1].Changed || *doc.Files[1].Diff != createDiff {
		t.Errorf("json: %s", r.stdout)
	}
	// Check never produces outputs.
	if r := with(create, "", "check", "ok"); r.code != 0 || r.stdout != "" {
		t.Errorf("check: %v", r)
	}
	// An output equal to the file on disk is nothing to do.
	if r := with(lockOutputs("deps.lock", lock, lock, nil), "", "fix", "--check", "ok"); r.code != 0 || r.stdout != "" {
		t.Errorf("unchanged output: %v", r)
	}
	// The hook's error is the run's.
	if r := with(lockOutputs("", nil, nil, errors.New("registry down")), "", "fix", "ok"); r.code != 2 || r.stderr != "harden: registry down\n" {
		t.Errorf("hook error: %v", r)
	}

	// The creation diff applies.
	needTool(t, "git")
	os.WriteFile("../lock.diff", []byte(createDiff), 0o644)
	if out, code := shell(t, dir, "git apply ../lock.diff"); code != 0 {
		t.Fatalf("git apply of a created file: %s", out)
	}
	wantFile(t, "deps.lock", string(lock))
	os.Remove("deps.lock")

	// -w creates it, then replaces it by rename.
	r = with(create, "", "fix", "-w", "ok")
	if r.code != 0 || r.stderr != "wrote deps.lock\n" {
		t.Errorf("fix -w: %v", r)
	}
	wantFile(t, "deps.lock", string(lock))
	if err := os.Link("deps.lock", "old-lock"); err != nil {
		t.Skip("no hard links:", err)
	}
	lock2 := []byte("{\"images\": {\"debian\": \"sha256:1\"}}\n")
	update := lockOutputs("deps.lock", lock, lock2, nil)
	r = with(update, "", "fix", "ok")
	if want := "--- a/deps.lock\n+++ b/deps.lock\n@@ -1 +1 @@\n-{\"images\": {}}\n+{\"images\": {\"debian\": \"sha256:1\"}}\n"; r.stdout != want {
		t.Errorf("update diff %q, want %q", r.stdout, want)
	}
	r = with(update, "", "fix", "-w", "ok")
	wantCode(t, r, 0)
	wantFile(t, "deps.lock", string(lock2))
	wantFile(t, "old-lock", string(lock))
	os.Remove("old-lock")
	noTempFiles(t, dir)

	// Standard input: stdout is the Dockerfile alone; -w writes the output.
	r = with(lockOutputs("deps.lock", lock2, lock, nil), dirtyDockerfile, "fix", "-")
	if r.code != 0 || r.stdout != dirtyFixed || r.stderr != "deps.lock: not written: with standard input only -w writes it\n" {
		t.Errorf("fix -: %v", r)
	}
	wantFile(t, "deps.lock", string(lock2))
	r = with(lockOutputs("deps.lock", lock2, lock, nil), dirtyDockerfile, "fix", "-w", "-")
	if r.code != 0 || r.stdout != dirtyFixed || r.stderr != "wrote deps.lock\n" {
		t.Errorf("fix -w -: %v", r)
	}
	wantFile(t, "deps.lock", string(lock))
}

// TestBuildContext: fixes read the files COPY brings in from the build
// context, which is the Dockerfile's directory unless --context names one;
// standard input has none without --context; files outside the context,
// and links out of it, are not readable.
func TestBuildContext(t *testing.T) {
	dir := inTempDir(t)
	reader := &transform.Fix{Name: "read-context", Summary: "Read the build context", Applicability: transform.Safe,
		Check: func(p *transform.Pass) {
			b, err := fs.ReadFile(p.Context, "entrypoint.sh")
			if err != nil {
				p.Reportf(1, "no entrypoint.sh: %v", errors.Unwrap(err) != nil)
				return
			}
			p.Reportf(1, "entrypoint.sh says %q", strings.TrimSpace(string(b)))
		}}
	check := func(stdin string, args ...string) hardenResult {
		t.Helper()
		return hardenEnv(t, &env{fixes: func() []*transform.Fix { return []*transform.Fix{reader} }, stdin: strings.NewReader(stdin)},
			append([]string{"check"}, args...)...)
	}
	writeTree(t, dir, map[string]string{
		"app/Dockerfile":       "FROM debian\nCOPY entrypoint.sh /\n",
		"app/entrypoint.sh":    "echo app\n",
		"other/Dockerfile":     "FROM debian\n",
		"shared/entrypoint.sh": "echo shared\n",
		"secret.sh":            "echo outside\n",
	})
	if err := os.Symlink("../secret.sh", filepath.Join(dir, "other", "entrypoint.sh")); err != nil {
		t.Fatal(err)
	}
	r := check("", "app", "other")
	if want := "app/Dockerfile:1: read-context: entrypoint.sh says \"echo app\" [fix: none]\n" +
		"other/Dockerfile:1: read-context: no entrypoint.sh: true [fix: none]\n"; r.stdout != want {
		t.Errorf("default contexts:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = check("", "--context", "shared", "app")
	if want := "app/Dockerfile:1: read-context: entrypoint.sh says \"echo shared\" [fix: none]\n"; r.stdout != want {
		t.Errorf("--context shared: %v", r)
	}
	r = check("FROM debian\n", "-")
	if want := "<stdin>:1: read-context: no entrypoint.sh: true [fix: none]\n"; r.stdout != want {
		t.Errorf("stdin without --context: %v", r)
	}
	r = check("FROM debian\n", "--context", "app", "-")
	if want := "<stdin>:1: read-context: entrypoint.sh says \"echo app\" [fix: none]\n"; r.stdout != want {
		t.Errorf("stdin with --context app: %v", r)
	}
	r = check("", "--context", "missing", "app")
	if r.code != 2 || !strings.Contains(r.stderr, "--context") || r.stdout != "" {
		t.Errorf("missing --context: %v", r)
	}
}
