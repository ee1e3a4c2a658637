package shell

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// transferString renders what ParseTransfer reads: the URLs, each option
// (=value when it has one, ! when turned off), and why it stopped.
func transferString(w []Word) string {
	t, ok, why := ParseTransfer(w)
	if !ok {
		return "not a transfer"
	}
	var out []string
	for _, u := range t.URLs {
		out = append(out, "url:"+w[u].Value)
	}
	for _, u := range t.Unsure {
		out = append(out, "unsure:"+w[u].Value)
	}
	for _, o := range t.Opts {
		s := o.Name
		if o.Off {
			s = "!" + s
		}
		if o.Value >= 0 {
			if o.ValLiteral {
				s += "=" + o.Val
			} else {
				s += "=?"
			}
		}
		out = append(out, s)
	}
	if why != "" {
		out = append(out, "why: "+why)
	}
	return strings.Join(out, " ")
}

func TestParseTransfer(t *testing.T) {
	for cmd, want := range map[string]string{
		"curl -fsSL -o /x http://a/x":                  "url:http://a/x --fail --silent --show-error --location --output=/x",
		"curl -sSLo/x http://a/x":                      "url:http://a/x --silent --show-error --location --output=/x",
		"curl -x http://proxy:3128 -e http://r/ u":     "url:u --proxy=http://proxy:3128 --referer=http://r/",
		"curl -H X:y --url http://a/x -O":              "url:http://a/x --header=X:y --url=http://a/x --remote-name",
		"curl -L --no-location http://a/":              "url:http://a/ --location !--location",
		"curl --locat --show-err http://a/":            "why: curl option --locat",
		"curl --show-err http://a/":                    "url:http://a/ --show-error",
		"curl --http1 http://a/":                       "why: curl option --http1",
		"curl --output=x http://a/":                    "why: curl option --output=x",
		"curl -K cfg http://a/":                        "why: curl -K reads options from a file",
		"curl --bogus http://a/":                       "why: curl option --bogus",
		"curl -o $F $URL":                              "url:$URL unsure:$URL --output=?",
		`curl -o"$F" "$URL"`:                           `url:"$URL" --output=?`,
		"curl -s$X http://a/":                          "--silent why: options may come from -s$X",
		"curl -- -weird http://a/":                     "url:-weird url:http://a/",
		"curl -d a=b -X POST http://a/":                "url:http://a/ --data=a=b --request=POST",
		"curl --max-redirs 0 -o":                       "--max-redirs=0 --output",
		"wget -qO- http://a/x":                         "url:http://a/x --quiet --output-document=-",
		"wget -nv -O /x --header=X:y http://a/x":       "url:http://a/x --no-verbose --output-document=/x --header=X:y",
		"wget --no-check-certificate http://a/x":       "url:http://a/x --no-check-certificate",
		"wget -e use_proxy=yes -e http_proxy=http://p": "--execute=use_proxy=yes --execute=http_proxy=http://p",
		"wget --output-doc /x http://a/x":              "url:http://a/x --output-document=/x",
		"wget --no-proxy --no-spider http://a/x":       "url:http://a/x --no-proxy !--spider",
		"wget -Y off http://a/x":                       "url:http://a/x -Y=off",
		"wget -nz http://a/x":                          "why: wget option -nz",
		"wget --config=/x http://a/x":                  "why: wget --config reads options from a file",
		"apt-get install curl":                         "not a transfer",
	} {
		if got := transferString(argv(cmd)); got != want {
			t.Errorf("%s:\n got %s\nwant %s", cmd, got, want)
		}
	}
}

func TestTransferHas(t *testing.T) {
	tr, _, _ := ParseTransfer(argv("curl -L --no-location -f http://a/"))
	if tr.Has("--location") || !tr.Has("--fail") || tr.Has("--head") {
		t.Errorf("Has: %+v", tr.Opts)
	}
	tr, _, _ = ParseTransfer(argv("curl --no-location --location-trusted http://a/"))
	if !tr.Has("--location", "--location-trusted") {
		t.Errorf("Has: %+v", tr.Opts)
	}
	if o, ok := tr.Last("--location-trusted"); !ok || o.At != 2 {
		t.Errorf("Last: %+v %v", o, ok)
	}
}

// Every option curl and wget list in their --help is in the tables, with
// the same arity and short letter (skipped where the tool is missing).
func TestTransferTablesMatchTheTools(t *testing.T) {
	check := func(tool string, args []string, line *regexp.Regexp, long map[string]bool, short map[byte]string) {
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil && len(out) == 0 {
			t.Logf("%s not available: %v", tool, err)
			return
		}
		seen := 0
		for _, l := range strings.Split(string(out), "\n") {
			m := line.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			seen++
			letter, name, takes := m[1], m[2], m[3] != "" || helpOmitsArg[tool+" "+m[2]]
			got, ok := long[name]
			switch {
			case !ok:
				t.Errorf("%s %s is not in the table", tool, name)
			case got != takes:
				t.Errorf("%s %s: table says argument=%v, --help says %v", tool, name, got, takes)
			}
			if len(letter) == 1 && short[letter[0]] != name {
				t.Errorf("%s -%s: table says %q, --help says %s", tool, letter, short[letter[0]], name)
			}
			if len(letter) == 2 && letter[0] == 'n' && wgetNo[letter[1]] != name {
				t.Errorf("%s -%s: table says %q, --help says %s", tool, letter, wgetNo[letter[1]], name)
			}
		}
		if seen < 100 {
			t.Errorf("%s --help: only %d options read: %s", tool, seen, fmt.Sprint(args))
		}
	}
	check("curl", []string{"--help", "all"}, regexp.MustCompile(`^\s*(?:-(\S), )?(--\S+)( +[<\[])?`), curlOpts, curlShortOpts)
	check("wget", []string{"--help"}, regexp.MustCompile(`^\s*(?:-(\S+), +)?(--[^\s=\[]+)(=|\[=)?`), wgetOpts, wgetShortOpts)
}

// TestTransferSaved reads where curl and wget save: each output (its
// glued prefix before ":" when the value is in the option's word), the
// directory, and whether URLs name files.
func TestTransferSaved(t *testing.T) {
	for cmd, want := range map[string]string{
		"curl -fsSL -o /x http://a/x":               "out:/x",
		"curl -fsSLo/x http://a/x":                  "out:-fsSLo:/x",
		"curl -o a -o b http://a/a http://a/b":      "out:a out:b",
		"curl -o $F http://a/x":                     "out:$F",
		`curl -o"$F" http://a/x`:                    "out:?",
		"curl -o":                                   "out:none",
		"curl -fsSLO http://a/x":                    "remote",
		"curl --remote-name-all http://a/x":         "remote",
		"curl -O --output-dir /d http://a/x":        "dir:/d remote",
		"curl --output-dir /d --output-dir /e -O u": "dir:/e remote",
		"curl -fsSL http://a/x":                     "",
		"curl -H X:-o http://a/x":                   "",
		"curl -e http://r/x.asc http://a/x":         "",
		"wget http://a/x":                           "remote",
		"wget -qO- http://a/x":                      "out:-qO:-",
		"wget -O /x http://a/x":                     "out:/x",
		"wget --output-document=/x http://a/x":      "out:--output-document=:/x",
		"wget --output-doc=/x http://a/x":           "out:--output-doc=:/x",
		"wget -P /d http://a/x":                     "dir:/d remote",
		"wget -P/d -O x http://a/x":                 "out:x dir:-P:/d",
		"wget --directory-prefix=/d http://a/x":     "dir:--directory-prefix=:/d remote",
		"wget -nv -nc http://a/x":                   "remote",
	} {
		argv := argv(cmd)
		tr, _, _ := ParseTransfer(argv)
		s := tr.Saved()
		val := func(o Opt) string {
			if p, ok := o.Glued(argv); ok {
				return p + ":" + o.Val
			}
			switch {
			case o.Value < 0:
				return "none"
			case o.Value == o.At:
				return "?"
			}
			return argv[o.Value].Value
		}
		var got []string
		for _, o := range s.Outputs {
			got = append(got, "out:"+val(o))
		}
		if s.HasDir {
			got = append(got, "dir:"+val(s.Dir))
		}
		if s.Remote {
			got = append(got, "remote")
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("%s:\n got %q\nwant %q", cmd, g, want)
		}
	}
}
