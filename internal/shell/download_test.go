package shell

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func argv(s string) []Word {
	var out []Word
	for _, f := range strings.Fields(s) {
		out = append(out, Word{Value: f, Literal: !strings.Contains(f, "$")})
	}
	return out
}

func render(w []Word, ps []Piece) string {
	var out []string
	for _, p := range ps {
		if p.Arg >= 0 {
			out = append(out, w[p.Arg].Value)
		} else {
			out = append(out, p.Text)
		}
	}
	return strings.Join(out, " ")
}

func TestParseFetch(t *testing.T) {
	for cmd, want := range map[string]string{
		"curl -sSL https://x/i.sh":                       "curl -fsSL https://x/i.sh -o F",
		"curl https://x/i.sh":                            "curl -fL https://x/i.sh -o F",
		"curl --fail --location https://x/i.sh":          "curl --fail --location https://x/i.sh -o F",
		"curl --proto =https --tlsv1.2 -sSf https://x/i": "curl --proto =https --tlsv1.2 -LsSf https://x/i -o F",
		"curl -m 30 -fsSL -- https://x/i":                "curl -m 30 -fsSL -o F -- https://x/i",
		"wget -qO- https://x/i":                          "wget -qO F https://x/i",
		"wget -O - https://x/i":                          "wget -O F https://x/i",
		"wget -O- -nv https://x/i":                       "wget -O F -nv https://x/i",
		"wget --output-document=- https://x/i":           "wget --output-document=F https://x/i",
		"wget -q -O /dev/stdout --tries=3 https://x/i":   "wget -q -O F --tries=3 https://x/i",
		"curl -H X:y https://x/i":                        "why: curl option -H",
		"curl -o out https://x/i":                        "why: curl option -o",
		"curl https://x/a https://x/b":                   "why: several URLs",
		"wget --header=X https://x/i -O -":               "why: wget option --header",
		"wget https://x/i":                               "not a download to stdout",
		"wget -O file https://x/i":                       "not a download to stdout",
		"apt-get install curl":                           "not a download to stdout",
	} {
		w := argv(cmd)
		f, ok, why := ParseFetch(w)
		got := ""
		switch {
		case !ok:
			got = "not a download to stdout"
		case why != "":
			got = "why: " + why
		default:
			got = render(w, f.SaveTo("F"))
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", cmd, got, want)
		}
	}
}

func TestParseScriptRun(t *testing.T) {
	for cmd, want := range map[string]string{
		"sh":                                  "sh F",
		"bash -s -- -y":                       "bash F -y",
		"sh -s stable":                        "sh F stable",
		"sudo -E bash -":                      "sudo -E bash F",
		"sudo -u app FOO=1 sh -s -- --x":      "sudo -u app FOO=1 sh F --x",
		"env A=1 B=2 /bin/bash -ex -s":        "env A=1 B=2 /bin/bash -ex F",
		"bash -xs -- a b":                     "bash -x F a b",
		"bash -o pipefail -s":                 "bash -o pipefail F",
		"bash /dev/stdin -v latest -l /vsdbg": "bash F -v latest -l /vsdbg",
		"python3":                             "python3 F",
		"python3 - --user":                    "python3 F --user",
		"python -u -":                         "python -u F",
		"perl - App::cpanminus":               "perl F App::cpanminus",
		"perl":                                "perl F",
		"sh -c 'cat > x'":                     "not a script run",
		"bash script.sh":                      "not a script run",
		"python3 -c 'import json'":            "not a script run",
		"python3 -m json.tool":                "not a script run",
		"perl -e 'print'":                     "not a script run",
		"tee log":                             "not a script run",
		"php -- --install-dir=/usr/bin":       "why: php: harden does not know how it passes arguments to a script file",
		"bash --rcfile x -s":                  "bash --rcfile x F",
		"bash --weird":                        "why: bash option --weird",
		"env -i sh":                           "why: env -i empties the environment",
	} {
		w := argv(cmd)
		r, ok, why := ParseScriptRun(w)
		got := ""
		switch {
		case !ok:
			got = "not a script run"
		case why != "":
			got = "why: " + why
		default:
			got = render(w, r.RunFile("F"))
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", cmd, got, want)
		}
	}
}

func TestDashC(t *testing.T) {
	for cmd, want := range map[string]int{
		`sh -c "$(curl)"`:          2,
		`sudo bash -ec "$(curl)"`:  3,
		`bash -o pipefail -c "$x"`: 4,
		`sh "$(curl)"`:             -1,
		`curl -c x`:                -1,
	} {
		i, ok := DashC(argv(cmd))
		if !ok {
			i = -1
		}
		if i != want {
			t.Errorf("%s: %d, want %d", cmd, i, want)
		}
	}
}

// helpOmitsArg are options whose --help line does not show the argument
// they take (GNU wget 1.21: "--max-redirect  maximum redirections…",
// "--hsts-file  path to HSTS database").
var helpOmitsArg = map[string]bool{"wget --max-redirect": true, "wget --hsts-file": true}

// The arity of every curl and wget option harden keeps is that of the
// tool itself, as its --help tells (skipped where the tool is missing).
func TestOptionTablesMatchTheTools(t *testing.T) {
	check := func(tool string, args []string, short map[byte]bool, long map[string]bool, argRE *regexp.Regexp) {
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil && len(out) == 0 {
			t.Logf("%s not available: %v", tool, err)
			return
		}
		help := string(out)
		for name, takes := range long {
			if helpOmitsArg[tool+" "+name] {
				continue
			}
			re := regexp.MustCompile(`(?m)^\s*(-\S+,\s+)?` + regexp.QuoteMeta(name) + `(\S*)(.*)$`)
			m := re.FindStringSubmatch(help)
			if m == nil {
				t.Logf("%s: %s not in --help (another version?)", tool, name)
				continue
			}
			if got := argRE.MatchString(m[2] + m[3]); got != takes {
				t.Errorf("%s %s: table says argument=%v, --help says %v (%q)", tool, name, takes, got, m[0])
			}
		}
		for c, takes := range short {
			re := regexp.MustCompile(`(?m)^\s*-` + regexp.QuoteMeta(string(c)) + `,\s+(--\S+)(.*)$`)
			m := re.FindStringSubmatch(help)
			if m == nil {
				continue
			}
			if got := argRE.MatchString(m[1] + m[2]); got != takes {
				t.Errorf("%s -%c: table says argument=%v, --help says %v (%q)", tool, c, takes, got, m[0])
			}
		}
	}
	check("curl", []string{"--help", "all"}, curlShort, curlLong, regexp.MustCompile(`^\S*\s+[<\[]`))
	check("wget", []string{"--help"}, wgetShort, wgetLong, regexp.MustCompile(`^[^ ]*=`))
}
