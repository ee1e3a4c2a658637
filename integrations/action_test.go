package integrations

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type action struct {
	Inputs map[string]struct {
		Default *string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
			Run   string            `yaml:"run"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			With  map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// action.yml is checked by actionlint (make lint, through `uses: ./` in
// .github/workflows); this checks what actionlint does not: inputs reach
// scripts only through env (never ${{ }} inside a script, where a value
// would be run as shell), every input used is declared, both commands run.
func TestActionMetadata(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" {
		t.Errorf("runs.using %q", a.Runs.Using)
	}
	used := regexp.MustCompile(`inputs\.([a-z-]+)`)
	var runs []string
	for _, s := range a.Runs.Steps {
		if s.Run != "" {
			if s.Shell == "" {
				t.Errorf("step %q: a composite run step needs a shell", s.Name)
			}
			if strings.Contains(s.Run, "${{") {
				t.Errorf("step %q: expression inside the script; pass it through env", s.Name)
			}
			runs = append(runs, s.Run)
		}
		all := s.If
		for _, v := range s.Env {
			all += " " + v
		}
		for _, v := range s.With {
			all += " " + v
		}
		for _, m := range used.FindAllStringSubmatch(all, -1) {
			if _, ok := a.Inputs[m[1]]; !ok {
				t.Errorf("step %q uses undeclared input %q", s.Name, m[1])
			}
		}
	}
	script := strings.Join(runs, "\n")
	for _, want := range []string{"harden check --format sarif", "harden pr", "go install \"github.com/harden-dev/harden/cmd/harden@$HARDEN_VERSION\"", "go build -trimpath -o \"$bin/harden\" ./cmd/harden"} {
		if !strings.Contains(script, want) {
			t.Errorf("action scripts lack %q", want)
		}
	}
}

// The README's example workflows are the files actionlint checks.
func TestReadmeWorkflowsAreLinted(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "docs", "workflows", "*.yml"))
	known := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		known[string(data)] = true
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	n := 0
	for _, b := range blocks {
		if !strings.Contains(b[1], "\njobs:") {
			continue // not a workflow
		}
		n++
		if !known[b[1]] {
			t.Errorf("README workflow is not a file of docs/workflows (where actionlint checks it):\n%s", b[1])
		}
	}
	if n < 2 {
		t.Errorf("README has %d example workflows, want the check and pr ones", n)
	}
}
