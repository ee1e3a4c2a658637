package fixes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harden-dev/harden/internal/runtimes"
	"github.com/harden-dev/harden/transform"
)

// The golden cases (golden/testdata/multi-stage) show the edits; for the
// cases that only report, this checks the reason each report gives, so a
// change of reason fails here rather than passing as "no change".
func TestMultiStageBlockedReasons(t *testing.T) {
	want := map[string]string{
		"blocked-go-build-without-output":   "artifact-unknown",
		"blocked-go-cgo-unknown-release":    "runtime-unknown",
		"blocked-go-entrypoint-script":      "command-not-artifact",
		"blocked-go-healthcheck-curl":       "healthcheck-tool",
		"blocked-go-named-user":             "named-user",
		"blocked-go-reads-context-file":     "context-files",
		"blocked-go-run-after-build":        "run-after-build",
		"blocked-go-run":                    "runs-toolchain",
		"blocked-go-shell-command":          "shell-command",
		"blocked-java-spring-boot-run":      "runs-toolchain",
		"blocked-python-collectstatic":      "build-writes-outside",
		"blocked-python-pip-user":           "installer-unsupported",
		"blocked-python-runtime-library":    "runtime-packages",
		"blocked-rust-unknown-release":      "runtime-unknown",
		"blocked-python-command-tool":       "command-tool",
		"blocked-go-copy-outside-build-dir": "context-files",
		"blocked-python-no-workdir":         "no-workdir",
		"blocked-go-variable-path":          "variable-path",
		"blocked-python-poetry":             "installer-unsupported",
		"blocked-python-pipenv":             "installer-unsupported",
		"blocked-go-context-dockerignore":   "context-files",
		"blocked-go-context-file-absent":    "context-files",
		"blocked-node-dev-server":           "runs-toolchain",
		"blocked-node-start-devdeps":        "dev-dependencies",
		"blocked-node-start-no-context":     "artifact-unknown",
		"blocked-node-global-install":       "build-writes-outside",
		"blocked-node-lts-tag":              "runtime-unknown",
		"blocked-node-user-owns-files":      "file-owner",
		"python-no-compilers-unchanged":     "",
		"already-multi-stage":               "",
		"leaves-alone":                      "",
		"node-yarn-alpine-unchanged":        "",
	}
	dir := filepath.Join("..", "golden", "testdata", "multi-stage")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		src, err := os.ReadFile(filepath.Join(dir, e.Name(), "input"))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := transform.Parse("Dockerfile", src)
		if err != nil {
			t.Fatal(err)
		}
		opts := transform.Options{Fixes: []*transform.Fix{MultiStage}, Unsafe: true}
		if st, err := os.Stat(filepath.Join(dir, e.Name(), "context")); err == nil && st.IsDir() {
			opts.Context = os.DirFS(filepath.Join(dir, e.Name(), "context"))
		}
		fs := transform.Collect(context.Background(), doc, opts)
		reason, isBlocked := want[e.Name()]
		switch {
		case !isBlocked:
			if len(fs) != 1 || len(fs[0].Edits) == 0 || !fs[0].Alone {
				t.Errorf("%s: want one split, got %v", e.Name(), fs)
			}
		case reason == "":
			if len(fs) != 0 {
				t.Errorf("%s: want no finding, got %v", e.Name(), fs)
			}
		default:
			seen++
			if len(fs) != 1 || len(fs[0].Edits) != 0 || !strings.HasSuffix(fs[0].Message, "["+reason+"]") {
				t.Errorf("%s: want one report [%s], got %v", e.Name(), reason, fs)
			}
		}
	}
	blocked := 0
	for _, r := range want {
		if r != "" {
			blocked++
		}
	}
	if seen != blocked {
		t.Errorf("found %d of the %d blocked cases", seen, blocked)
	}
	for _, r := range want {
		if r != "" && !inList(Reasons, r) {
			t.Errorf("reason %q is not in Reasons", r)
		}
	}
}

// The table is data: a fix built over another table uses it.
func TestMultiStageOwnTable(t *testing.T) {
	table := runtimes.Default()
	for i := range table {
		if table[i].Kind == runtimes.GoStatic {
			table[i].Runtime = "registry.example/static:1"
		}
	}
	src := []byte("FROM golang:1.22\nENV CGO_ENABLED=0\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n")
	res, err := transform.Run(context.Background(), "Dockerfile", src, transform.Options{Fixes: []*transform.Fix{NewMultiStage(table)}, Unsafe: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.Fixed), "\nFROM registry.example/static:1\n") {
		t.Errorf("the table's runtime is not used:\n%s", res.Fixed)
	}
}

// The project's configuration (.harden.yaml runtime-images) chooses the
// runtime image.
func TestMultiStageRuntimeFromConfig(t *testing.T) {
	src := "FROM golang:1.22\nWORKDIR /src\nENV CGO_ENABLED=0\nCOPY . .\nRUN go build -o /out/app ./cmd/app\nEXPOSE 8080\nENTRYPOINT [\"/out/app\"]\n"
	res, err := transform.Run(context.Background(), "Dockerfile", []byte(src), transform.Options{
		Fixes: []*transform.Fix{MultiStage}, Unsafe: true,
		Config: transform.Config{RuntimeImages: []transform.RuntimeImage{{Builder: "golang", Runtime: "registry.example.com/base/static:1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.Fixed), "\nFROM registry.example.com/base/static:1\n") {
		t.Errorf("configured runtime not used:\n%s", res.Fixed)
	}
}
