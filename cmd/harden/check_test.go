package main

// harden check: text, JSON and SARIF output, and exit codes.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// checkLine is the documented text format of one finding.
var checkLine = regexp.MustCompile(`^(.+):([0-9]+): ([a-z0-9]+(?:-[a-z0-9]+)*): (.+) \[fix: (default|unsafe|none)(?:: .+)?\]$`)

// TestCheckText: one PATH:LINE: NAME: problem [fix: KIND: title] line per
// finding, including findings with no automatic fix, unsafe ones and ones
// that need the network; exit 1 with findings.
func TestCheckText(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"a/Dockerfile":  dirtyDockerfile,
		"g/Dockerfile":  sudoDockerfile,
		"n/Dockerfile":  netDockerfile,
		"ok/Dockerfile": cleanDockerfile,
		"u/Dockerfile":  unsafeDockerfile,
	})
	age(t, "a/Dockerfile", "u/Dockerfile")
	r := harden(t, "check")
	wantCode(t, r, 1)
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
	want := "a/Dockerfile:3: add-label: Image has no harden label [fix: default: Append LABEL harden=1]\n" +
		"g/Dockerfile:2: no-sudo: RUN uses sudo, which a container does not need [fix: none]\n" +
		"n/Dockerfile:1: pin-digest: registry.example/app:1 is not pinned [fix: default: Pin registry.example/app:1 to its digest]\n" +
		"u/Dockerfile:2: pin-user: Runs as root: files it writes may need another owner [fix: unsafe: Replace USER root with USER 1000]\n"
	if r.stdout != want {
		t.Errorf("harden check:\n%s\nwant:\n%s", r.stdout, want)
	}
	for _, l := range lines(r.stdout) {
		if !checkLine.MatchString(l) {
			t.Errorf("line %q does not match PATH:LINE: NAME: message [fix: KIND…]", l)
		}
	}
	wantUntouched(t, "a/Dockerfile", dirtyDockerfile) // check never writes
	wantUntouched(t, "u/Dockerfile", unsafeDockerfile)

	// Only a finding with no fix still means exit 1.
	r = harden(t, "check", "g")
	wantCode(t, r, 1)

	// No findings: exit 0, no output.
	r = harden(t, "check", "ok")
	wantCode(t, r, 0)
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("harden check ok: %v", r)
	}
	r = harden(t, "check", "--ignore", "ALL")
	wantCode(t, r, 0)
	if r.stdout != "" {
		t.Errorf("harden check --ignore ALL: %v", r)
	}
	r = harden(t, "check", "--select", "FK001", "--offline", "a", "u")
	wantCode(t, r, 1)
	if r.stdout != lines(want)[0]+"\n" {
		t.Errorf("harden check --select FK001 a u: %v", r)
	}
	// Offline without a lock file nothing answers: the finding stays,
	// without its edit.
	r = harden(t, "check", "--offline", "n")
	if want := "n/Dockerfile:1: pin-digest: registry.example/app:1 is not pinned: image registry.example/app:1: not in lock file [fix: none]\n"; r.code != 1 || r.stdout != want {
		t.Errorf("harden check --offline n: %v", r)
	}
	// A lookup that fails leaves a finding with no fix.
	writeTree(t, dir, map[string]string{"m/Dockerfile": "FROM registry.example/missing:1\nLABEL harden=1\n"})
	r = harden(t, "check", "m")
	if want := "m/Dockerfile:1: pin-digest: registry.example/missing:1 is not pinned: image registry.example/missing:1: not found: manifest unknown [fix: none]\n"; r.code != 1 || r.stdout != want {
		t.Errorf("harden check m: %v\nwant %q", r, want)
	}

	// After harden fix -w, check finds nothing left to fix.
	wantCode(t, harden(t, "fix", "-w", "a"), 0)
	wantCode(t, harden(t, "check", "a"), 0)
}

// TestCheckParseError: a file buildkit cannot parse gives PATH:LINE: message
// on stderr and exit 2; the other files are still checked.
func TestCheckParseError(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"a/Dockerfile": dirtyDockerfile,
		"b/Dockerfile": badDockerfile,
		"c/Dockerfile": dirtyDockerfile,
	})
	r := harden(t, "check")
	wantCode(t, r, 2)
	if !strings.HasPrefix(r.stderr, "b/Dockerfile:2: ") || len(lines(r.stderr)) != 1 {
		t.Errorf("stderr %q, want one line b/Dockerfile:2: …", r.stderr)
	}
	got := lines(r.stdout)
	if len(got) != 2 || !strings.HasPrefix(got[0], "a/Dockerfile:") || !strings.HasPrefix(got[1], "c/Dockerfile:") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	// Without findings elsewhere it is still 2.
	wantCode(t, harden(t, "check", "b"), 2)
}

// TestCheckStdin: "-" checks standard input, named <stdin> or by
// --stdin-filename.
func TestCheckStdin(t *testing.T) {
	inTempDir(t)
	r := hardenStdin(t, dirtyDockerfile, "check", "-")
	wantCode(t, r, 1)
	if r.stdout != "<stdin>:3: add-label: Image has no harden label [fix: default: Append LABEL harden=1]\n" {
		t.Errorf("harden check - : %v", r)
	}
	r = hardenStdin(t, dirtyDockerfile, "check", "--stdin-filename", "web/Dockerfile", "-")
	wantCode(t, r, 1)
	if !strings.HasPrefix(r.stdout, "web/Dockerfile:3: add-label: ") {
		t.Errorf("harden check --stdin-filename web/Dockerfile - : %v", r)
	}
	r = hardenStdin(t, cleanDockerfile, "check", "-")
	wantCode(t, r, 0)
	r = hardenStdin(t, badDockerfile, "check", "-")
	wantCode(t, r, 2)
	if !strings.HasPrefix(r.stderr, "<stdin>:2: ") {
		t.Errorf("parse error on stdin: stderr %q", r.stderr)
	}
}

// checkJSON is the documented shape of `harden check --format json`.
type checkJSON struct {
	Tool    string `json:"tool"`
	Version string `json:"version"`
	Files   []struct {
		Path     string `json:"path"`
		Error    string `json:"error"`
		Findings []struct {
			Fix     string  `json:"fix"`
			Line    int     `json:"line"`
			Message string  `json:"message"`
			Title   string  `json:"title"`
			Kind    string  `json:"kind"`
			Applied *bool   `json:"applied"`
			Reason  *string `json:"reason"`
		} `json:"findings"`
	} `json:"files"`
}

// TestCheckJSON: --format json lists every file with its findings.
func TestCheckJSON(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"a/Dockerfile":  dirtyDockerfile,
		"b/Dockerfile":  badDockerfile,
		"g/Dockerfile":  sudoDockerfile,
		"ok/Dockerfile": cleanDockerfile,
	})
	r := harden(t, "check", "--format", "json")
	wantCode(t, r, 2)
	var doc checkJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, r.stdout)
	}
	if doc.Tool != "harden" || doc.Version == "" || len(doc.Files) != 4 {
		t.Fatalf("JSON: %s", r.stdout)
	}
	byPath := map[string]int{}
	for i, f := range doc.Files {
		byPath[f.Path] = i
		if f.Findings == nil {
			t.Errorf("%s: findings is null, want []", f.Path)
		}
	}
	a := doc.Files[byPath["a/Dockerfile"]]
	if len(a.Findings) != 1 || a.Findings[0].Fix != "add-label" || a.Findings[0].Kind != "default" || a.Findings[0].Line != 3 ||
		a.Findings[0].Message != "Image has no harden label" || a.Findings[0].Title != "Append LABEL harden=1" {
		t.Errorf("a/Dockerfile: %+v", a)
	}
	g := doc.Files[byPath["g/Dockerfile"]]
	if len(g.Findings) != 1 || g.Findings[0].Kind != "none" || g.Findings[0].Line != 2 || g.Findings[0].Reason == nil || *g.Findings[0].Reason == "" {
		t.Errorf("g/Dockerfile: %+v", g)
	}
	if b := doc.Files[byPath["b/Dockerfile"]]; !strings.HasPrefix(b.Error, "b/Dockerfile:2: ") || len(b.Findings) != 0 {
		t.Errorf("b/Dockerfile: %+v", b)
	}
	if ok := doc.Files[byPath["ok/Dockerfile"]]; ok.Error != "" || len(ok.Findings) != 0 {
		t.Errorf("ok/Dockerfile: %+v", ok)
	}
	if !strings.HasPrefix(r.stderr, "b/Dockerfile:2: ") {
		t.Errorf("stderr %q", r.stderr)
	}

	wantCode(t, harden(t, "check", "--format", "json", "ok"), 0)
	wantCode(t, harden(t, "check", "--format", "json", "a"), 1)
	r = harden(t, "check", "--format", "diff")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "format") {
		t.Errorf("--format diff: stderr %q", r.stderr)
	}
}

// sarifLog is the part of SARIF 2.1.0 that GitHub code scanning reads.
type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           string `json:"name"`
				Version        string `json:"version"`
				InformationURI string `json:"informationUri"`
				Rules          []struct {
					ID               string        `json:"id"`
					Name             string        `json:"name"`
					ShortDescription *sarifMessage `json:"shortDescription"`
					FullDescription  *sarifMessage `json:"fullDescription"`
					Help             *sarifMessage `json:"help"`
					HelpURI          string        `json:"helpUri"`
					Default          *struct {
						Level string `json:"level"`
					} `json:"defaultConfiguration"`
					Properties struct {
						Tags             []string `json:"tags"`
						Precision        string   `json:"precision"`
						SecuritySeverity string   `json:"security-severity"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string        `json:"ruleId"`
			RuleIndex *int          `json:"ruleIndex"`
			Level     string        `json:"level"`
			Message   *sarifMessage `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
		Invocations []struct {
			ExecutionSuccessful *bool `json:"executionSuccessful"`
			Notifications       []struct {
				Level   string        `json:"level"`
				Message *sarifMessage `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
	} `json:"runs"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

// sarifKeys are the properties SARIF 2.1.0 allows on the objects harden
// writes (the schema sets additionalProperties false on each of them;
// "properties" bags are free-form). An unknown key makes the whole log
// invalid for strict consumers such as GitHub's upload.
var sarifKeys = map[string][]string{
	"log":              {"$schema", "version", "runs", "inlineExternalProperties", "properties"},
	"run":              {"tool", "invocations", "conversion", "language", "versionControlProvenance", "originalUriBaseIds", "artifacts", "logicalLocations", "graphs", "results", "automationDetails", "runAggregates", "baselineGuid", "redactionTokens", "defaultEncoding", "defaultSourceLanguage", "newlineSequences", "columnKind", "externalPropertyFileReferences", "threadFlowLocations", "taxonomies", "addresses", "translations", "policies", "webRequests", "webResponses", "specialLocations", "properties"},
	"tool":             {"driver", "extensions", "properties"},
	"driver":           {"guid", "name", "organization", "product", "productSuite", "shortDescription", "fullDescription", "fullName", "version", "semanticVersion", "dottedQuadFileVersion", "releaseDateUtc", "downloadUri", "informationUri", "globalMessageStrings", "notifications", "rules", "taxa", "locations", "language", "contents", "isComprehensive", "localizedDataSemanticVersion", "minimumRequiredLocalizedDataSemanticVersion", "associatedComponent", "translationMetadata", "supportedTaxonomies", "properties"},
	"rule":             {"id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames", "shortDescription", "fullDescription", "messageStrings", "defaultConfiguration", "helpUri", "help", "relationships", "properties"},
	"multiformat":      {"text", "markdown", "properties"},
	"configuration":    {"enabled", "level", "rank", "parameters", "properties"},
	"result":           {"ruleId", "ruleIndex", "rule", "kind", "level", "message", "analysisTarget", "locations", "guid", "correlationGuid", "occurrenceCount", "partialFingerprints", "fingerprints", "stacks", "codeFlows", "graphs", "graphTraversals", "relatedLocations", "suppressions", "baselineState", "rank", "attachments", "hostedViewerUri", "workItemUris", "provenance", "fixes", "taxa", "webRequest", "webResponse", "properties"},
	"message":          {"text", "markdown", "id", "arguments", "properties"},
	"location":         {"id", "physicalLocation", "logicalLocations", "message", "annotations", "relationships", "properties"},
	"physicalLocation": {"address", "artifactLocation", "region", "contextRegion", "properties"},
	"artifactLocation": {"uri", "uriBaseId", "index", "description", "properties"},
	"region":           {"startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength", "byteOffset", "byteLength", "snippet", "message", "sourceLanguage", "properties"},
	"invocation":       {"commandLine", "arguments", "responseFiles", "startTimeUtc", "endTimeUtc", "exitCode", "ruleConfigurationOverrides", "notificationConfigurationOverrides", "toolExecutionNotifications", "toolConfigurationNotifications", "exitCodeDescription", "exitSignalName", "exitSignalNumber", "processStartFailureMessage", "executionSuccessful", "machine", "account", "processId", "executableLocation", "workingDirectory", "environmentVariables", "stdin", "stdout", "stderr", "stdoutStderr", "properties"},
	"notification":     {"locations", "message", "level", "threadId", "timeUtc", "exception", "descriptor", "associatedRule", "properties"},
}

// sarifProblems checks a SARIF log generically, the way a schema validator
// would for the objects harden writes: allowed keys, types of arrays,
// enums, minimums.
func sarifProblems(raw []byte) []string {
	var problems []string
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return []string{"invalid JSON: " + err.Error()}
	}
	obj := func(path string, v any) map[string]any {
		m, ok := v.(map[string]any)
		if !ok {
			errorf("%s: want an object, got %T (%v)", path, v, v)
		}
		return m
	}
	arr := func(path string, v any) []any {
		a, ok := v.([]any)
		if !ok {
			errorf("%s: want an array, got %T (%v)", path, v, v)
		}
		return a
	}
	str := func(path string, v any) string {
		s, ok := v.(string)
		if !ok {
			errorf("%s: want a string, got %T (%v)", path, v, v)
		}
		return s
	}
	keys := func(path, kind string, m map[string]any, required ...string) {
		allowed := map[string]bool{}
		for _, k := range sarifKeys[kind] {
			allowed[k] = true
		}
		for k := range m {
			if !allowed[k] {
				errorf("%s: property %q is not allowed on a SARIF %s", path, k, kind)
			}
		}
		for _, k := range required {
			if _, ok := m[k]; !ok {
				errorf("%s: required property %q missing", path, k)
			}
		}
	}
	level := func(path string, v any) {
		switch str(path, v) {
		case "none", "note", "warning", "error":
		default:
			errorf("%s: level %v not one of none, note, warning, error", path, v)
		}
	}
	multi := func(path string, v any) {
		m := obj(path, v)
		keys(path, "multiformat", m, "text")
		if str(path+".text", m["text"]) == "" {
			errorf("%s.text is empty", path)
		}
	}
	location := func(path string, v any) {
		m := obj(path, v)
		keys(path, "location", m)
		pl := obj(path+".physicalLocation", m["physicalLocation"])
		keys(path+".physicalLocation", "physicalLocation", pl, "artifactLocation")
		al := obj(path+".physicalLocation.artifactLocation", pl["artifactLocation"])
		keys(path+".physicalLocation.artifactLocation", "artifactLocation", al, "uri")
		if r, ok := pl["region"]; ok {
			rm := obj(path+".physicalLocation.region", r)
			keys(path+".physicalLocation.region", "region", rm, "startLine")
			if n, ok := rm["startLine"].(float64); !ok || n < 1 || n != float64(int(n)) {
				errorf("%s: startLine %v, want an integer >= 1", path, rm["startLine"])
			}
		}
	}

	log := obj("$", v)
	keys("$", "log", log, "version", "runs")
	if log["version"] != "2.1.0" {
		errorf("version %v, want 2.1.0", log["version"])
	}
	for i, r := range arr("runs", log["runs"]) {
		p := "runs[" + strconv.Itoa(i) + "]"
		run := obj(p, r)
		keys(p, "run", run, "tool")
		if ck, ok := run["columnKind"]; ok && ck != "utf16CodeUnits" && ck != "unicodeCodePoints" {
			errorf("%s.columnKind %v", p, ck)
		}
		tool := obj(p+".tool", run["tool"])
		keys(p+".tool", "tool", tool, "driver")
		driver := obj(p+".tool.driver", tool["driver"])
		keys(p+".tool.driver", "driver", driver, "name")
		var nrules int
		if rs, ok := driver["rules"]; ok {
			rules := arr(p+".tool.driver.rules", rs)
			nrules = len(rules)
			for j, rl := range rules {
				rp := p + ".tool.driver.rules[" + strconv.Itoa(j) + "]"
				rule := obj(rp, rl)
				keys(rp, "rule", rule, "id")
				for _, k := range []string{"shortDescription", "fullDescription", "help"} {
					if m, ok := rule[k]; ok {
						multi(rp+"."+k, m)
					}
				}
				if dc, ok := rule["defaultConfiguration"]; ok {
					m := obj(rp+".defaultConfiguration", dc)
					keys(rp+".defaultConfiguration", "configuration", m)
					if l, ok := m["level"]; ok {
						level(rp+".defaultConfiguration.level", l)
					}
				}
			}
		}
		if rs, ok := run["results"]; ok {
			for j, res := range arr(p+".results", rs) {
				rp := p + ".results[" + strconv.Itoa(j) + "]"
				m := obj(rp, res)
				keys(rp, "result", m, "message")
				msg := obj(rp+".message", m["message"])
				keys(rp+".message", "message", msg)
				if _, ok := msg["text"]; !ok {
					errorf("%s.message has no text", rp)
				}
				if l, ok := m["level"]; ok {
					level(rp+".level", l)
				}
				if ri, ok := m["ruleIndex"]; ok {
					if n, ok := ri.(float64); !ok || n < -1 || int(n) >= nrules {
						errorf("%s.ruleIndex %v out of range (%d rules)", rp, ri, nrules)
					}
				}
				for k, l := range arr(rp+".locations", m["locations"]) {
					location(rp+".locations["+strconv.Itoa(k)+"]", l)
				}
			}
		}
		if is, ok := run["invocations"]; ok {
			for j, inv := range arr(p+".invocations", is) {
				ip := p + ".invocations[" + strconv.Itoa(j) + "]"
				m := obj(ip, inv)
				keys(ip, "invocation", m, "executionSuccessful")
				if _, ok := m["executionSuccessful"].(bool); !ok {
					errorf("%s.executionSuccessful is not a boolean", ip)
				}
				if ns, ok := m["toolExecutionNotifications"]; ok {
					for k, n := range arr(ip+".toolExecutionNotifications", ns) {
						np := ip + ".toolExecutionNotifications[" + strconv.Itoa(k) + "]"
						nm := obj(np, n)
						keys(np, "notification", nm, "message")
						if l, ok := nm["level"]; ok {
							level(np+".level", l)
						}
						if ls, ok := nm["locations"]; ok {
							for q, l := range arr(np+".locations", ls) {
								location(np+".locations["+strconv.Itoa(q)+"]", l)
							}
						}
					}
				}
			}
		}
	}
	return problems
}

// decodeSARIF validates a SARIF log and checks what GitHub code scanning
// requires of it, then returns it.
func decodeSARIF(t *testing.T, out string) sarifLog {
	t.Helper()
	for _, p := range sarifProblems([]byte(out)) {
		t.Error(p)
	}
	var log sarifLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("invalid SARIF JSON: %v", err)
	}
	if u, err := url.Parse(log.Schema); err != nil || !u.IsAbs() || !strings.Contains(log.Schema, "sarif") || !strings.Contains(log.Schema, "2.1.0") {
		t.Errorf("$schema %q is not the URI of the SARIF 2.1.0 schema", log.Schema)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "harden" {
		t.Errorf("driver name %q", d.Name)
	}
	ids := map[string]int{}
	for i, r := range d.Rules {
		if _, dup := ids[r.ID]; dup || r.ID == "" {
			t.Errorf("rule %d: id %q empty or duplicate", i, r.ID)
		}
		ids[r.ID] = i
		for name, m := range map[string]*sarifMessage{"shortDescription": r.ShortDescription, "fullDescription": r.FullDescription, "help": r.Help} {
			if m == nil || strings.TrimSpace(m.Text) == "" {
				t.Errorf("rule %s: %s.text missing", r.ID, name)
			}
		}
		// GitHub: security-severity is a number from 0.0 to 10.0 as a string;
		// precision one of very-high, high, medium, low.
		if s := r.Properties.SecuritySeverity; s != "" {
			if f, err := strconv.ParseFloat(s, 64); err != nil || f < 0 || f > 10 {
				t.Errorf("rule %s: security-severity %q", r.ID, s)
			}
		}
		switch r.Properties.Precision {
		case "", "very-high", "high", "medium", "low":
		default:
			t.Errorf("rule %s: precision %q", r.ID, r.Properties.Precision)
		}
		seen := map[string]bool{}
		for _, tag := range r.Properties.Tags {
			if seen[tag] {
				t.Errorf("rule %s: duplicate tag %q", r.ID, tag)
			}
			seen[tag] = true
		}
	}
	for i, res := range run.Results {
		if res.RuleIndex == nil {
			t.Errorf("result %d: no ruleIndex", i)
		} else if idx, ok := ids[res.RuleID]; !ok || idx != *res.RuleIndex {
			t.Errorf("result %d: ruleId %q / ruleIndex %d do not match the rules array", i, res.RuleID, *res.RuleIndex)
		}
		if res.Message == nil || res.Message.Text == "" {
			t.Errorf("result %d: no message.text", i)
		}
		if len(res.Locations) == 0 {
			t.Errorf("result %d: no location", i)
			continue
		}
		loc := res.Locations[0].PhysicalLocation
		u, err := url.Parse(loc.ArtifactLocation.URI)
		if err != nil || u.IsAbs() || strings.HasPrefix(loc.ArtifactLocation.URI, "/") || strings.HasPrefix(loc.ArtifactLocation.URI, "./") || loc.ArtifactLocation.URI == "" {
			t.Errorf("result %d: uri %q is not a clean relative URI", i, loc.ArtifactLocation.URI)
		}
		if loc.Region == nil || loc.Region.StartLine < 1 {
			t.Errorf("result %d: region.startLine missing or < 1", i)
		}
	}
	return log
}

// TestCheckSARIF: --format sarif is SARIF 2.1.0 as GitHub code scanning
// accepts it.
func TestCheckSARIF(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{
		"a/Dockerfile":         dirtyDockerfile,
		"g/Dockerfile":         sudoDockerfile,
		"ok/Dockerfile":        cleanDockerfile,
		"my app/x.Dockerfile":  dirtyDockerfile,
		"deploy/Containerfile": "FROM alpine:3.20\nRUN apk add --no-cache curl\nENTRYPOINT [\"curl\"]\n",
	})
	r := harden(t, "check", "--format", "sarif")
	wantCode(t, r, 1)
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
	log := decodeSARIF(t, r.stdout)
	run := log.Runs[0]
	all := fakeFixes()
	if len(run.Tool.Driver.Rules) != len(all) {
		t.Errorf("%d rules, want one per fix (%d)", len(run.Tool.Driver.Rules), len(all))
	}
	for i, f := range all {
		if i < len(run.Tool.Driver.Rules) && run.Tool.Driver.Rules[i].ID != f.Name {
			t.Errorf("rule %d id %q, want %q", i, run.Tool.Driver.Rules[i].ID, f.Name)
		}
	}
	type loc struct {
		uri  string
		line int
	}
	var got []loc
	for _, res := range run.Results {
		pl := res.Locations[0].PhysicalLocation
		line := 0
		if pl.Region != nil {
			line = pl.Region.StartLine
		}
		got = append(got, loc{pl.ArtifactLocation.URI, line})
		if want := map[string]string{"g/Dockerfile": "no-sudo"}[pl.ArtifactLocation.URI]; want != "" && res.RuleID != want || want == "" && res.RuleID != "add-label" {
			t.Errorf("%s: ruleId %q", pl.ArtifactLocation.URI, res.RuleID)
		}
	}
	wantURIs := []string{"a/Dockerfile", "deploy/Containerfile", "g/Dockerfile", "my%20app/x.Dockerfile"}
	if len(got) != len(wantURIs) {
		t.Fatalf("results %v, want one for each of %v", got, wantURIs)
	}
	for i, w := range wantURIs {
		if got[i].uri != w {
			t.Errorf("result %d uri %q, want %q", i, got[i].uri, w)
		}
		// The URI, resolved, names the file relative to the working directory.
		if u, err := url.Parse(got[i].uri); err != nil || readFile(t, u.Path) == "" {
			t.Errorf("uri %q does not resolve to the file", got[i].uri)
		}
	}
	if got[2].line != 2 {
		t.Errorf("sudo result at line %d, want 2", got[2].line)
	}
	if inv := run.Invocations; len(inv) > 0 && (inv[0].ExecutionSuccessful == nil || !*inv[0].ExecutionSuccessful) {
		t.Errorf("executionSuccessful should be true on a clean run")
	}

	// No findings: a valid log with no results, exit 0.
	r = harden(t, "check", "--format", "sarif", "ok")
	wantCode(t, r, 0)
	if log := decodeSARIF(t, r.stdout); len(log.Runs[0].Results) != 0 {
		t.Errorf("results for a clean file: %s", r.stdout)
	}
	if !strings.Contains(r.stdout, `"results": []`) {
		t.Errorf("results of a clean run should be [], not absent or null:\n%s", r.stdout)
	}

	// Selecting by ID: the rules are those that ran, and indexes follow.
	r = harden(t, "check", "--format", "sarif", "--select", "FK002,no-sudo", "a", "g")
	wantCode(t, r, 1)
	log = decodeSARIF(t, r.stdout)
	if rules := log.Runs[0].Tool.Driver.Rules; len(rules) != 2 || rules[0].ID != "pin-user" || rules[1].ID != "no-sudo" {
		t.Errorf("rules of --select FK002,no-sudo: %+v", rules)
	}
	if res := log.Runs[0].Results; len(res) != 1 || res[0].RuleID != "no-sudo" || *res[0].RuleIndex != 1 {
		t.Errorf("results of --select FK002,no-sudo: %+v", res)
	}
}

// TestCheckSARIFNoRules: with every fix ignored the log is still valid
// SARIF: rules is an (empty) array, never null.
func TestCheckSARIFNoRules(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"Dockerfile": dirtyDockerfile})
	r := harden(t, "check", "--format", "sarif", "--ignore", "ALL")
	wantCode(t, r, 0)
	decodeSARIF(t, r.stdout)
	if strings.Contains(r.stdout, "null") {
		t.Errorf("SARIF output holds a null:\n%s", r.stdout)
	}
}

// TestCheckSARIFParseError: a file that does not parse makes the run
// unsuccessful with an error notification at its PATH:LINE; the other
// files' results are still there; exit 2.
func TestCheckSARIFParseError(t *testing.T) {
	dir := inTempDir(t)
	writeTree(t, dir, map[string]string{"a/Dockerfile": dirtyDockerfile, "b/Dockerfile": badDockerfile})
	r := harden(t, "check", "--format", "sarif")
	wantCode(t, r, 2)
	if !strings.HasPrefix(r.stderr, "b/Dockerfile:2: ") {
		t.Errorf("stderr %q", r.stderr)
	}
	log := decodeSARIF(t, r.stdout)
	run := log.Runs[0]
	if len(run.Results) != 1 || run.Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "a/Dockerfile" {
		t.Errorf("results: %+v", run.Results)
	}
	if len(run.Invocations) != 1 {
		t.Fatalf("invocations: %+v", run.Invocations)
	}
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful == nil || *inv.ExecutionSuccessful {
		t.Errorf("executionSuccessful should be false")
	}
	if len(inv.Notifications) != 1 || inv.Notifications[0].Level != "error" || inv.Notifications[0].Message == nil || !strings.Contains(inv.Notifications[0].Message.Text, "b/Dockerfile") {
		t.Errorf("notifications: %+v", inv.Notifications)
	}
	var raw struct {
		Runs []struct {
			Invocations []struct {
				Notifications []struct {
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
							Region           struct{ StartLine int } `json:"region"`
						} `json:"physicalLocation"`
					} `json:"locations"`
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	json.Unmarshal([]byte(r.stdout), &raw)
	if n := raw.Runs[0].Invocations[0].Notifications; len(n) != 1 || len(n[0].Locations) != 1 ||
		n[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "b/Dockerfile" || n[0].Locations[0].PhysicalLocation.Region.StartLine != 2 {
		t.Errorf("notification location: %+v", n)
	}
}

// TestSARIFValidator: the validator above does catch what it must.
func TestSARIFValidator(t *testing.T) {
	good := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x","rules":[{"id":"r","shortDescription":{"text":"s"}}]}},
	  "results":[{"ruleId":"r","ruleIndex":0,"level":"warning","message":{"text":"m"},
	    "locations":[{"physicalLocation":{"artifactLocation":{"uri":"a/Dockerfile"},"region":{"startLine":1}}}]}]}]}`
	if p := sarifProblems([]byte(good)); len(p) != 0 {
		t.Fatalf("a valid log was rejected: %q", p)
	}
	for name, bad := range map[string][2]string{
		"unknown key":    {`"level":"warning"`, `"level":"warning","severity":"high"`},
		"bad level":      {`"level":"warning"`, `"level":"warn"`},
		"startLine 0":    {`"startLine":1`, `"startLine":0`},
		"no message":     {`"message":{"text":"m"},`, ``},
		"rules null":     {`"rules":[{"id":"r","shortDescription":{"text":"s"}}]`, `"rules":null`},
		"index range":    {`"ruleIndex":0`, `"ruleIndex":1`},
		"version":        {`"version":"2.1.0"`, `"version":"2.0.0"`},
		"empty text":     {`{"text":"s"}`, `{"text":""}`},
		"no driver name": {`"name":"x",`, ``},
	} {
		if p := sarifProblems([]byte(strings.Replace(good, bad[0], bad[1], 1))); len(p) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
}
