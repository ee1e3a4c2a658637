package golden

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/harden-dev/harden/fixes"
)

// TestReadmeRulesTable keeps the README's rules table true: the same fixes,
// in the same order, with the same applicability, equivalents and summary
// as `harden rules` prints.
var updateReadme = flag.Bool("update-readme", false, "rewrite the README's rules table from harden rules")

func TestReadmeRulesTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- rules:start -->\n")
	table, _, ok2 := strings.Cut(rest, "<!-- rules:end -->")
	if !ok || !ok2 {
		t.Fatal("README lacks the <!-- rules:start --> … <!-- rules:end --> table")
	}
	var readmeRows []string
	for _, line := range strings.Split(strings.TrimSpace(table), "\n")[2:] {
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
		}
		cells[2] = strings.ReplaceAll(cells[2], " ", "")
		readmeRows = append(readmeRows, strings.Join(cells, " | "))
	}

	out, _, code := runHarden(t, ".", nil, "rules")
	if code != 0 {
		t.Fatalf("harden rules exited %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	cols := regexp.MustCompile(`\s{2,}`)
	var cliRows []string
	for _, line := range lines[1:] {
		cliRows = append(cliRows, strings.Join(cols.Split(strings.TrimSpace(line), 4), " | "))
	}
	if len(cliRows) != len(fixes.All()) {
		t.Errorf("harden rules lists %d fixes, the registry has %d", len(cliRows), len(fixes.All()))
	}
	if *updateReadme {
		var b strings.Builder
		b.WriteString("| fix | applied | equivalents | summary |\n|---|---|---|---|\n")
		for _, row := range cliRows {
			c := strings.SplitN(row, " | ", 4)
			b.WriteString("| `" + c[0] + "` | " + c[1] + " | " + strings.ReplaceAll(c[2], ",", ", ") + " | " + c[3] + " |\n")
		}
		before, _, _ := strings.Cut(string(readme), "<!-- rules:start -->\n")
		if err := os.WriteFile("../README.md", []byte(before+"<!-- rules:start -->\n"+b.String()+"<!-- rules:end -->"+strings.SplitN(rest, "<!-- rules:end -->", 2)[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if strings.Join(readmeRows, "\n") != strings.Join(cliRows, "\n") {
		t.Errorf("README rules table is stale.\nREADME:\n%s\nharden rules:\n%s", strings.Join(readmeRows, "\n"), strings.Join(cliRows, "\n"))
	}
}
