package fixes

import (
	"strings"
	"testing"

	"github.com/harden-dev/harden/transform"
)

// runCalls parses "FROM debian\n" + the RUN lines given and returns the
// document, the calls of the last RUN, and its flow.
func runCalls(t *testing.T, run string) (*transform.Document, []call, *flow) {
	t.Helper()
	doc, err := transform.Parse("Dockerfile", []byte("FROM debian\n"+run+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	st := doc.Stages[0]
	i := len(st.Nodes) - 1
	n := st.Nodes[i]
	fl := runFlow(doc, st, i, n)
	if fl == nil {
		t.Fatalf("%q: no flow", run)
	}
	return doc, calls(doc, n), fl
}

// callNamed is the k-th call named name.
func callNamed(t *testing.T, cs []call, name string, k int) call {
	t.Helper()
	for _, c := range cs {
		if c.name == name {
			if k == 0 {
				return c
			}
			k--
		}
	}
	t.Fatalf("no call %s", name)
	return call{}
}

// TestFlowDirectories: the working directory of each command, through cd,
// subshells, branches and WORKDIR.
func TestFlowDirectories(t *testing.T) {
	for _, tc := range []struct {
		run, name string
		k         int
		dir       string
	}{
		{"RUN cd /tmp && ls", "ls", 0, "/tmp"},
		{"RUN cd /tmp && cd sub && ls", "ls", 0, "/tmp/sub"},
		{"RUN (cd /tmp && ls) && ls", "ls", 1, ""},
		{"WORKDIR /app\nRUN (cd /tmp && ls) && ls", "ls", 1, "/app"},
		{"WORKDIR /app\nRUN ls", "ls", 0, "/app"},
		{"WORKDIR /app\nRUN if x; then cd /tmp; fi; ls", "ls", 0, ""},
		{"WORKDIR /app\nRUN cd \"$D\" && ls", "ls", 0, ""},
		{"RUN d=\"$(mktemp -d)\" && cd \"$d\" && ls", "ls", 0, "/${d}"},
		{"RUN d=\"$(mktemp -d)\" && d=x && cd \"$d\" && ls", "ls", 0, ""},
		{"WORKDIR /app\nRUN x | cd /tmp; ls", "ls", 0, "/app"},
	} {
		_, cs, fl := runCalls(t, tc.run)
		c := callNamed(t, cs, tc.name, tc.k)
		if got := fl.at[c.stmt].dir; got != tc.dir {
			t.Errorf("%q: %s runs in %q, want %q", tc.run, tc.name, got, tc.dir)
		}
	}
	// The same directory (gen) without knowing it; a cd changes it.
	_, cs, fl := runCalls(t, "RUN curl -O https://x/a.tgz && (tar -xzf a.tgz) && cd x && ls")
	if fl.at[callNamed(t, cs, "curl", 0).stmt].gen != fl.at[callNamed(t, cs, "tar", 0).stmt].gen {
		t.Error("curl and tar run in the same directory")
	}
	if fl.at[callNamed(t, cs, "curl", 0).stmt].gen == fl.at[callNamed(t, cs, "ls", 0).stmt].gen {
		t.Error("ls runs after a cd")
	}
}

// TestReadExtract reads tar's and unzip's option forms.
func TestReadExtract(t *testing.T) {
	for _, tc := range []struct{ run, file, raw string }{
		{"RUN tar xzf a.tgz", "a.tgz", "a.tgz"},
		{"RUN tar xvfz a.tgz", "a.tgz", "a.tgz"}, // old style: f takes the next word
		{"RUN tar xfC a.tgz /opt", "a.tgz", "a.tgz"},
		{"RUN tar -xzf a.tgz -C /opt", "a.tgz", "a.tgz"},
		{"RUN tar -C /opt -xzf a.tgz", "a.tgz", "a.tgz"},
		{"RUN tar -x -C /opt -f a.tgz", "a.tgz", "a.tgz"},
		{"RUN tar --extract --file=a.tgz", "a.tgz", "a.tgz"},
		{"RUN tar --extract --directory /opt --file \"node-$V.tgz\"", "node-${V}.tgz", `"node-$V.tgz"`},
		{"RUN tar -xzfa.tgz", "a.tgz", "a.tgz"},
		{"RUN tar -vxJ --strip-components 1 -C /usr/local/bin -f /tmp/t.tar.xz", "/tmp/t.tar.xz", "/tmp/t.tar.xz"},
		{"RUN tar -xzf - -C /opt", "", ""},
		{"RUN tar -czf a.tgz /opt", "", ""},
		{"RUN tar -tzf a.tgz", "", ""},
		{"RUN tar -xz -C /opt", "", ""},
		{"RUN unzip -q a.zip -d /opt", "a.zip", "a.zip"},
		{"RUN unzip -o -d /opt a.zip", "a.zip", "a.zip"},
		{"RUN unzip -l a.zip", "", ""},
	} {
		_, cs, _ := runCalls(t, tc.run)
		ex, ok := readExtract(cs[0])
		if ok != (tc.file != "") || ex.file != tc.file || ex.raw != tc.raw {
			t.Errorf("%q: %q %q %v, want %q %q", tc.run, ex.file, ex.raw, ok, tc.file, tc.raw)
		}
	}
}

// TestDownloadFiles names the files curl and wget save.
func TestDownloadFiles(t *testing.T) {
	for _, tc := range []struct{ run, files string }{
		{"RUN curl -fsSL -o /tmp/a.tgz https://x/a.tgz", "/tmp/a.tgz"},
		{"RUN curl -fsSLo a.tgz https://x/a.tgz", "a.tgz"},
		{"RUN curl --output a.tgz https://x/a.tgz", "a.tgz"},
		{"RUN curl -fsSLO https://x/dist/node-v$V.tar.xz", "node-v${V}.tar.xz"},
		{"RUN curl -O --output-dir /tmp https://x/a.tgz", "/tmp/a.tgz"},
		{"RUN curl -fsSLOJ https://x/a.tgz", ""},
		{"RUN curl -O 'https://x/a.tgz?token=1'", ""},
		{"RUN curl -O https://x/a.tgz https://x/b.tgz", ""},
		{"RUN curl -fsSL https://x/a.tgz", ""},
		{"RUN curl -o - https://x/a.tgz", ""},
		{"RUN curl -C - -o a.tgz https://x/a.tgz", ""},
		{"RUN wget -O /tmp/a.tgz https://x/a.tgz", "/tmp/a.tgz"},
		{"RUN wget -qO a.tgz https://x/a.tgz", "a.tgz"},
		{"RUN wget --output-document=a.tgz https://x/a.tgz", "a.tgz"},
		{"RUN wget -q https://x/a.tgz", "a.tgz"},
		{"RUN wget -P /tmp https://x/a.tgz", "/tmp/a.tgz"},
		{"RUN wget --directory-prefix=/tmp https://x/a.tgz", "/tmp/a.tgz"},
		{"RUN wget -qO- https://x/a.tgz", ""},
		{"RUN wget -nc https://x/a.tgz", ""},
		{"RUN wget --content-disposition https://x/a.tgz", ""},
		{"RUN wget https://x/dist/", ""},
		{"RUN curl -fsSL https://x/a.tgz > /tmp/a.tgz", "/tmp/a.tgz"},
		{"RUN curl -fsSL https://x/a.tgz >> /tmp/a.tgz", ""},
		{"RUN wget -qO- https://x/a.tgz > a.tgz", "a.tgz"},
		{"RUN curl -fsSL https://x/a.tgz 2> /tmp/log", ""},
		// Option values are not URLs, nor option words files.
		{"RUN curl -fsSL -e https://x/ref https://x/a.tgz > a.tgz", "a.tgz"},
		{"RUN curl -fsSL --referer https://x/ref -O https://x/a.tgz", "a.tgz"},
		{`RUN curl -fsSL -o"$F" https://x/a.tgz > a.tgz`, ""},
		{`RUN wget --header="X: $T" -qO- https://x/a.tgz > a.tgz`, "a.tgz"},
		{"RUN wget --output-doc=a.tgz https://x/a.tgz", "a.tgz"},
		{"RUN curl -O --output-dir=/tmp https://x/a.tgz", ""},
		{"RUN curl -fsSL --bogus https://x/a.tgz > a.tgz", ""},
		{"RUN curl -fsSLO --no-clobber https://x/a.tgz", ""},
		{"RUN curl -fsSLIO https://x/a.tgz", ""},
	} {
		_, cs, _ := runCalls(t, tc.run)
		if got := strings.Join(downloadFiles(cs[0]), " "); got != tc.files {
			t.Errorf("%q: %q, want %q", tc.run, got, tc.files)
		}
	}
}

// TestDownloadsTo: which curl or wget writes a signature file.
func TestDownloadsTo(t *testing.T) {
	for _, tc := range []struct {
		run, sig string
		want     bool
	}{
		{"RUN curl -fsSLo /tmp/a.asc https://x/a.asc", "/tmp/a.asc", true},
		{"RUN curl -fsSL -o a.asc https://x/a.asc", "a.asc", true},
		{"RUN curl -fsSL -o \"$D/a.asc\" https://x/a.asc", "$D/a.asc", true},
		{"RUN curl -fsSL https://x/a.asc > a.asc", "a.asc", true},
		{"RUN curl -fsSLO https://x/a.tgz -O https://x/a.tgz.asc", "a.tgz.asc", true},
		{"RUN curl -fsSLO --output-dir /tmp https://x/a.asc", "/tmp/a.asc", true},
		{"RUN curl -fsSLJO https://x/a.asc", "a.asc", true},
		{"RUN wget https://x/a.asc", "a.asc", true},
		{"RUN wget -P /tmp https://x/a.asc?raw=1", "/tmp/a.asc", true},
		{"RUN wget -qO a.asc https://x/a.asc", "a.asc", true},
		{"RUN wget -qO x.asc https://x/a.asc", "a.asc", false},
		{"RUN curl -fsSL https://x/a.asc", "a.asc", false},
		{"RUN curl -fsSL --referer https://x/a.asc -O https://x/b", "a.asc", false},
		{"RUN curl -fsSL -O -- https://x/a.asc", "a.asc", true},
		{`RUN wget -O"$F" https://x/a.asc`, "a.asc", false},
		{"RUN curl -fsSL --bogus -o a.asc https://x/a.asc", "a.asc", false},
	} {
		_, cs, _ := runCalls(t, tc.run)
		if got := downloadsTo(cs[0], tc.sig); got != tc.want {
			t.Errorf("%q writes %s: %v, want %v", tc.run, tc.sig, got, tc.want)
		}
	}
}

// TestWorkdirAt reads the directory a RUN starts in, as written and
// expanded, along the stages a stage is built from.
func TestWorkdirAt(t *testing.T) {
	for _, tc := range []struct {
		src               string
		written, expanded string
	}{
		{"FROM debian\nRUN x", "", ""},
		{"FROM debian\nWORKDIR /app\nRUN x", "/app", "/app"},
		{"FROM debian\nWORKDIR \"/app/\"\nWORKDIR src\nRUN x", "/app/src", "/app/src"},
		{"FROM debian\nWORKDIR src\nRUN x", "", "/src"},
		{"FROM debian\nENV D=/opt\nWORKDIR $D/x\nRUN x", "", "/opt/x"},
		{"FROM debian\nWORKDIR $NOPE\nWORKDIR /app\nRUN x", "/app", ""},
		{"FROM debian\nWORKDIR /app\nWORKDIR $NOPE/x\nWORKDIR y\nRUN x", "", ""},
		{"FROM debian\nWORKDIR /app\nRUN x\nWORKDIR /later", "/app", "/app"},
		{"FROM debian AS base\nWORKDIR /src\nFROM base\nRUN x", "/src", "/src"},
		{"FROM debian AS base\nWORKDIR /src\nFROM base\nWORKDIR app\nRUN x", "/src/app", "/src/app"},
		{"FROM debian AS base\nWORKDIR /src\nFROM debian\nRUN x", "", ""},
		{"FROM debian AS base\nRUN x\nFROM base\nWORKDIR /app", "", ""},
	} {
		doc, err := transform.Parse("Dockerfile", []byte(tc.src+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		var st *transform.Stage // the stage of the RUN
		i := 0
		for _, s := range doc.Stages {
			for k, n := range s.Nodes {
				if strings.EqualFold(n.Value, "run") {
					st, i = s, k
				}
			}
		}
		if got := workdirAt(doc, st, i, false); got != tc.written {
			t.Errorf("%q: %q, want %q", tc.src, got, tc.written)
		}
		if got := workdirAt(doc, st, i, true); got != tc.expanded {
			t.Errorf("%q expanded: %q, want %q", tc.src, got, tc.expanded)
		}
	}
}

// TestMounts: the three readings of a RUN's --mount flags. cache: a cache
// or tmpfs at or above /var/cache/apt; under: any mount at or above
// /tmp/a.asc, but not at / (any mount with a target when the path is
// unknown); over: any mount at, above or below /tmp, or without a target
// unless a secret or ssh one (any mount when the path is unknown).
func TestMounts(t *testing.T) {
	for _, tc := range []struct {
		flags                                 string
		cache, under, over, underAny, overAny bool
	}{
		{"", false, false, false, false, false},
		{"--mount=type=cache,target=/var/cache/apt", true, false, false, true, true},
		{"--mount=type=cache,target=/var/cache", true, false, false, true, true},
		{"--mount=type=tmpfs,dst=/", true, false, true, true, true},
		{"--mount=type=bind,target=/var/cache/apt", false, false, false, true, true},
		{"--mount=type=cache,target=/tmp", false, true, true, true, true},
		{"--mount=type=cache,target=/tmp/x", false, false, true, true, true},
		{"--mount=type=cache,Destination=tmp", false, false, true, true, true},
		{"--mount=type=secret,id=k", false, false, false, false, true},
		{"--mount=type=cache,id=k", false, false, true, false, true},
		{"--mount=type=cache,target=/var/cache/apt --mount=type=bind,target=/tmp", true, true, true, true, true},
	} {
		doc, err := transform.Parse("Dockerfile", []byte("FROM debian\nRUN "+tc.flags+" true\n"))
		if err != nil {
			t.Fatal(err)
		}
		n := doc.Stages[0].Nodes[0]
		got := [5]bool{cacheMount(doc, n, "/var/cache/apt"), underMount(doc, n, "/tmp/a.asc"), mountOver(doc, n, "/tmp"),
			underMount(doc, n, ""), mountOver(doc, n, "")}
		if want := [5]bool{tc.cache, tc.under, tc.over, tc.underAny, tc.overAny}; got != want {
			t.Errorf("%q: %v, want %v", tc.flags, got, want)
		}
	}
}

// TestMktempDir reads where mktemp -d makes its directory.
func TestMktempDir(t *testing.T) {
	for _, tc := range []struct {
		run, parent string
		ok          bool
	}{
		{"RUN mktemp -d", "/tmp", true},
		{"RUN mktemp --directory", "/tmp", true},
		{"RUN mktemp -dt x.XXXX", "", true},
		{"RUN mktemp -d -p /var/tmp", "/var/tmp", true},
		{"RUN mktemp -d /opt/build.XXXX", "/opt", true},
		{"RUN mktemp -d build.XXXX", "", true},
		{"RUN mktemp", "", false},
		{"RUN mktemp -du", "", false},
	} {
		_, cs, _ := runCalls(t, tc.run)
		parent, ok := mktempDir(cs[0])
		if parent != tc.parent || ok != tc.ok {
			t.Errorf("%q: %q %v, want %q %v", tc.run, parent, ok, tc.parent, tc.ok)
		}
	}
}

// TestRemoves: which rm removes a path made earlier in the RUN.
func TestRemoves(t *testing.T) {
	for _, tc := range []struct {
		run, target string
		dir, want   bool
	}{
		{"RUN rm /tmp/a.tgz", "/tmp/a.tgz", false, true},
		{"RUN rm -f /tmp/*.tgz", "/tmp/a.tgz", false, true},
		{"RUN rm -rf /tmp", "/tmp/a.tgz", false, true},
		{"RUN rm /tmp", "/tmp/a.tgz", false, false},
		{"RUN rm -rf /tmp/*", "/tmp/x/a.tgz", false, true},
		{"RUN rm -f /tmp/*", "/tmp/x/a.tgz", false, false},
		{"RUN rm -r /usr/src/redis", "/usr/src/redis", true, true},
		{"RUN rm -r /usr/src/redis-extra", "/usr/src/redis", true, false},
		{"RUN rm -f a.tgz", "a.tgz", false, true},
		{"RUN cd / && rm -f a.tgz", "a.tgz", false, false},
		{"RUN find /usr/src/x -delete", "/usr/src/x", true, true},
	} {
		_, cs, fl := runCalls(t, tc.run)
		c := cs[len(cs)-1]
		if got := removes(c, fl.at[c.stmt], tc.target, fl.at[cs[0].stmt], tc.dir); got != tc.want {
			t.Errorf("%q removes %s: %v, want %v", tc.run, tc.target, got, tc.want)
		}
	}
}

// TestLnInto: ln -s targets in a directory, absolute or relative to where
// the link is made.
func TestLnInto(t *testing.T) {
	for _, tc := range []struct {
		run              string
		blocked, unknown bool
	}{
		{"RUN ln -s /usr/src/x/bin/t /usr/local/bin/t", true, false},
		{"RUN ln -s ../../src/x/bin/t /usr/local/bin/t", true, false},
		{"RUN ln -s ../../src/x/bin/t /usr/local/bin/", true, false},
		{"RUN ln -s t /usr/local/bin/t2", false, false},
		{"RUN ln -s /usr/local/bin/node /usr/local/bin/nodejs", false, false},
		{"RUN cd /usr/src/x && ln -s bin/t", true, false},
		{"RUN ln -sf -t /usr/local/bin /usr/src/x/bin/a /usr/src/x/bin/b", true, false},
		{"RUN ln -s \"$T\" /usr/local/bin/t", false, true},
		{"RUN ln -s bin/t", false, true},
	} {
		_, cs, fl := runCalls(t, tc.run)
		c := cs[len(cs)-1]
		blocked, why := lnInto(c, fl.at[c.stmt], "/usr/src/x")
		if blocked != tc.blocked || (why != "") != tc.unknown {
			t.Errorf("%q: blocked %v, why %q", tc.run, blocked, why)
		}
	}
}

func TestMentionsDir(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"COPY --from=b /usr/src /x", true},
		{"RUN cp -r /usr/src/* /x", true},
		{"RUN cp -r /usr/src/. /x", true},
		{"RUN ls /usr/src/", true},
		{"WORKDIR /usr/src/app", false},
		{"RUN ls /usr/srcx", false},
		{"RUN ls /usr/src/.hidden", false},
	} {
		if got := mentionsDir(tc.text, "/usr/src"); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.text, got, tc.want)
		}
	}
}
