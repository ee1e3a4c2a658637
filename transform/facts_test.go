package transform

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/harden-dev/harden/internal/images"
)

// finalFacts parses src and returns the facts of its last stage.
func finalFacts(t *testing.T, src string) (*Document, *Facts) {
	t.Helper()
	d, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d, d.Facts(d.FinalStage())
}

func TestFactsBaseAndChain(t *testing.T) {
	for _, c := range []struct {
		name, src    string
		base         string
		written      string
		resolved     bool
		chain        int
		family       images.Family
		platform     string
		known        bool
		baseHasShell bool
	}{
		{"plain", "FROM debian:bookworm\n", "debian:bookworm", "debian:bookworm", true, 1, images.Useradd, "", true, true},
		{"meta ARG defaults", "ARG IMG=alpine\nARG TAG=3.20\nFROM ${IMG}:$TAG\n", "alpine:3.20", "${IMG}:$TAG", true, 1, images.BusyBox, "", true, true},
		{"ARG without default", "ARG IMG\nFROM $IMG\n", "", "$IMG", false, 1, images.Unknown, "", false, false},
		{"ARG chained to an ARG", "ARG V=3.20\nARG IMG=alpine:$V\nFROM $IMG\n", "alpine:3.20", "$IMG", true, 1, images.BusyBox, "", true, true},
		{"stage chain", "FROM golang:1.22 AS build\nFROM build AS test\nFROM test\n", "golang:1.22", "golang:1.22", true, 3, images.Useradd, "", true, true},
		{"stage named by ARG", "ARG STAGE=Base\nFROM alpine AS base\nFROM $STAGE\n", "alpine", "alpine", true, 2, images.BusyBox, "", true, true},
		{"later stage of the same name is not a parent", "FROM scratch\nFROM later\nFROM alpine AS later\n", "alpine", "alpine", true, 1, images.BusyBox, "", true, true},
		{"platform", "FROM --platform=$BUILDPLATFORM debian\n", "debian", "debian", true, 1, images.Useradd, "linux/amd64", true, true},
		{"windows platform", "ARG OS=windows\nFROM --platform=$OS/amd64 myorg/app\n", "myorg/app", "myorg/app", true, 1, images.Windows, "windows/amd64", false, false},
		{"scratch", "FROM scratch\nCOPY app /\n", "scratch", "scratch", true, 1, images.Minimal, "", true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, f := finalFacts(t, c.src)
			if f.Base != c.base || f.BaseWritten != c.written || f.BaseResolved != c.resolved {
				t.Errorf("base = %q (written %q, resolved %v), want %q (%q, %v)", f.Base, f.BaseWritten, f.BaseResolved, c.base, c.written, c.resolved)
			}
			if len(f.Chain) != c.chain || f.Chain[0] != f.Stage {
				t.Errorf("chain has %d stages (first %p, stage %p), want %d starting with the stage", len(f.Chain), f.Chain[0], f.Stage, c.chain)
			}
			if got := f.Family(); got != c.family {
				t.Errorf("Family() = %v, want %v", got, c.family)
			}
			if f.Platform != c.platform {
				t.Errorf("Platform = %q, want %q", f.Platform, c.platform)
			}
			if f.Image.Known != c.known || f.Image.Shell != c.baseHasShell {
				t.Errorf("Image = %+v, want Known %v, Shell %v", f.Image, c.known, c.baseHasShell)
			}
		})
	}
}

func TestFactsInheritedFromParentStage(t *testing.T) {
	src := `FROM debian:bookworm AS base
ARG APPDIR=/srv
ENV HOME=/home/app PATH=$APPDIR/bin
WORKDIR $APPDIR
USER app
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
VOLUME /data
EXPOSE 8080

FROM base AS mid
WORKDIR www
ENV LEVEL=2

FROM mid
RUN echo hi
`
	d, f := finalFacts(t, src)
	base := d.Facts(d.Stages[0])
	if f.User != "app" || f.UserNode == nil || d.StageOf(f.UserNode) != d.Stages[0] {
		t.Errorf("User = %q at %v, want app from the first stage", f.User, f.UserNode)
	}
	if f.Workdir != "/srv/www" || f.WorkdirNode == nil || f.WorkdirNode.StartLine != 11 {
		t.Errorf("Workdir = %q (node %v), want /srv/www from line 11", f.Workdir, f.WorkdirNode)
	}
	wantEnv := Env{"HOME": "/home/app", "PATH": "/srv/bin", "LEVEL": "2"}
	if !reflect.DeepEqual(f.Env, wantEnv) {
		t.Errorf("Env = %v, want %v", f.Env, wantEnv)
	}
	if f.Vars["APPDIR"] != "/srv" || f.Vars["LEVEL"] != "2" || f.Vars["HOME"] != "/home/app" {
		t.Errorf("Vars = %v: want the ARG and ENV values of the chain", f.Vars)
	}
	if want := d.StageEnv(f.Stage, len(f.Stage.Nodes)); !reflect.DeepEqual(f.Vars, want) {
		t.Errorf("Vars = %v, StageEnv gives %v", f.Vars, want)
	}
	if strings.Join(f.Shell, " ") != "/bin/bash -o pipefail -c" || f.ShellNode.StartLine != 6 || !f.POSIXShell() {
		t.Errorf("Shell = %q (line %d), want bash from line 6, POSIX", f.Shell, f.ShellNode.StartLine)
	}
	if len(f.Volumes) != 1 || f.Volumes[0].Path != "/data" || len(f.Ports) != 1 || f.Ports[0].Spec != "8080" {
		t.Errorf("Volumes %+v, Ports %+v: want the parent's", f.Volumes, f.Ports)
	}
	if len(f.Runs) != 1 || f.Runs[0].Stage != f.Stage {
		t.Errorf("Runs = %+v, want the final stage's one", f.Runs)
	}
	// The parent's facts are not changed by its children.
	if base.Workdir != "/srv" || len(base.Runs) != 0 || base.Env["LEVEL"] != "" || base.Vars["LEVEL"] != "" {
		t.Errorf("parent facts changed: Workdir %q, Runs %d, Env %v", base.Workdir, len(base.Runs), base.Env)
	}
	if d.Facts(f.Stage) != f || d.Facts(d.Stages[1]) != d.Facts(d.Stages[1]) {
		t.Error("Facts must be computed once per stage")
	}
}

func TestFactsSiblingStagesDoNotShareAppends(t *testing.T) {
	src := "FROM alpine AS base\nRUN a\nVOLUME /a\nFROM base AS one\nRUN b\nVOLUME /b\nFROM base AS two\nRUN c\nVOLUME /c\n"
	d, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	one, two := d.Facts(d.Stages[1]), d.Facts(d.Stages[2])
	paths := func(f *Facts) string {
		var out []string
		for _, v := range f.Volumes {
			out = append(out, v.Path)
		}
		for _, r := range f.Runs {
			out = append(out, r.Cmd.CmdLine...)
		}
		return strings.Join(out, " ")
	}
	if got := paths(one); got != "/a /b a b" {
		t.Errorf("stage one: %q", got)
	}
	if got := paths(two); got != "/a /c a c" {
		t.Errorf("stage two: %q", got)
	}
}

func TestFactsUserAndWorkdir(t *testing.T) {
	for src, want := range map[string][2]string{
		"FROM debian\n":                                           {"", ""},
		"FROM debian\nUSER 1000:1000\n":                           {"1000:1000", ""},
		"FROM debian\nARG U=app\nUSER $U\n":                       {"app", ""},
		"FROM debian\nUSER $NOPE\n":                               {"$NOPE", ""}, // kept as written
		"FROM debian\nUSER app\nUSER root\n":                      {"root", ""},
		"FROM debian\nWORKDIR /a/b/../c/\n":                       {"", "/a/c"},
		"FROM debian\nWORKDIR rel\nWORKDIR sub\n":                 {"", "/rel/sub"},
		"FROM debian\nWORKDIR /a\nWORKDIR /b\n":                   {"", "/b"},
		"FROM debian\nENV D=/opt/app\nWORKDIR $D\nWORKDIR data\n": {"", "/opt/app/data"},
	} {
		_, f := finalFacts(t, src)
		if f.User != want[0] || (f.UserNode != nil) != (want[0] != "") {
			t.Errorf("%q: User = %q (node %v), want %q", src, f.User, f.UserNode, want[0])
		}
		if f.Workdir != want[1] {
			t.Errorf("%q: Workdir = %q, want %q", src, f.Workdir, want[1])
		}
	}
}

func TestFactsEnvExpandsWithTheScopeBeforeItsInstruction(t *testing.T) {
	// buildkit expands every value of one ENV with the variables set
	// before it: B gets the old A.
	_, f := finalFacts(t, "FROM debian\nENV A=old\nENV A=new B=$A\n")
	if f.Env["A"] != "new" || f.Env["B"] != "old" {
		t.Errorf("Env = %v, want A=new B=old", f.Env)
	}
}

func TestFactsEntrypointResetsCmd(t *testing.T) {
	for _, c := range []struct {
		src             string
		entrypoint, cmd string // first word, "" for none
	}{
		{"FROM debian\nCMD [\"app\"]\n", "", "app"},
		{"FROM debian\nENTRYPOINT [\"tini\"]\nCMD [\"app\"]\n", "tini", "app"},
		// A CMD of the same stage survives a later ENTRYPOINT (buildkit).
		{"FROM debian\nCMD [\"app\"]\nENTRYPOINT [\"tini\"]\n", "tini", "app"},
		// A CMD of the stage built FROM is reset by the ENTRYPOINT.
		{"FROM debian AS base\nCMD [\"app\"]\nFROM base\nENTRYPOINT [\"tini\"]\n", "tini", ""},
		{"FROM debian AS base\nCMD [\"app\"]\nFROM base\nENTRYPOINT [\"tini\"]\nCMD run\n", "tini", "run"},
		{"FROM debian AS base\nENTRYPOINT [\"tini\"]\nFROM base\nCMD [\"app\"]\n", "tini", "app"},
		{"FROM debian\nCMD a\nCMD b\n", "", "b"},
	} {
		_, f := finalFacts(t, c.src)
		first := func(l *CmdLine) string {
			if l == nil {
				return ""
			}
			return l.CmdLine[0]
		}
		if first(f.Entrypoint) != c.entrypoint || first(f.Cmd) != c.cmd {
			t.Errorf("%q: ENTRYPOINT %q, CMD %q; want %q, %q", c.src, first(f.Entrypoint), first(f.Cmd), c.entrypoint, c.cmd)
		}
	}
	_, f := finalFacts(t, "FROM debian\nCMD echo $HOME\n")
	if !f.Cmd.PrependShell || f.Cmd.Node.StartLine != 2 {
		t.Errorf("shell-form CMD: %+v", f.Cmd)
	}
}

func TestFactsVolumesAndPorts(t *testing.T) {
	src := `FROM debian
ARG DATA=/var/lib/app
ENV PORT=8080
VOLUME /a /b
VOLUME ["/c", "$DATA"]
EXPOSE 80 443/tcp 53/UDP $PORT 8000-8010/udp
`
	_, f := finalFacts(t, src)
	var vols []string
	for _, v := range f.Volumes {
		vols = append(vols, v.Path+"="+v.Expanded)
	}
	if got := strings.Join(vols, " "); got != "/a=/a /b=/b /c=/c $DATA=/var/lib/app" {
		t.Errorf("Volumes: %s", got)
	}
	if f.Volumes[0].Node.StartLine != 4 || f.Volumes[2].Node.StartLine != 5 {
		t.Error("each volume must keep its instruction")
	}
	type port struct {
		spec  string
		n     int
		ok    bool
		proto string
	}
	var got []port
	for _, p := range f.Ports {
		n, ok := p.Number()
		got = append(got, port{p.Spec, n, ok, p.Protocol()})
	}
	// buildkit sorts the ports of one EXPOSE.
	want := []port{{"$PORT", 8080, true, "tcp"}, {"443/tcp", 443, true, "tcp"}, {"53/UDP", 53, true, "udp"},
		{"80", 80, true, "tcp"}, {"8000-8010/udp", 0, false, "udp"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Ports = %+v, want %+v", got, want)
	}
}

func TestFactsShellAndWindows(t *testing.T) {
	for _, c := range []struct {
		src      string
		posix    bool
		family   images.Family
		hasShell bool
	}{
		{"FROM debian\n", true, images.Useradd, true},
		{"FROM myorg/app\nSHELL [\"pwsh\", \"-Command\"]\n", false, images.Windows, true},
		{"FROM myorg/app\nSHELL [\"C:\\\\Windows\\\\System32\\\\cmd.exe\", \"/S\", \"/C\"]\n", false, images.Windows, true},
		// PowerShell on a known Linux base is PowerShell on Linux.
		{"FROM debian\nSHELL [\"pwsh\", \"-Command\"]\n", false, images.Useradd, true},
		{"FROM myorg/app\nSHELL [\"/bin/zsh\", \"-c\"]\n", true, images.Unknown, false},
		{"FROM myorg/app\nSHELL [\"pwsh\", \"-c\"]\nSHELL [\"/bin/sh\", \"-c\"]\n", true, images.Windows, true},
		{"FROM scratch\nRUN echo hi\n", true, images.Minimal, true},
		{"FROM scratch\nRUN [\"/app\", \"init\"]\n", true, images.Minimal, false},
	} {
		_, f := finalFacts(t, c.src)
		if f.POSIXShell() != c.posix || f.Family() != c.family || f.HasShell != c.hasShell {
			t.Errorf("%q: POSIXShell %v, Family %v, HasShell %v; want %v, %v, %v", c.src, f.POSIXShell(), f.Family(), f.HasShell, c.posix, c.family, c.hasShell)
		}
	}
}

func TestFactsFamilyFromRuns(t *testing.T) {
	for src, want := range map[string]images.Family{
		"FROM myorg/base\nRUN apt-get update && apt-get install -y curl\n":                             images.Useradd,
		"FROM myorg/base\nRUN apk add --no-cache curl\n":                                               images.BusyBox,
		"FROM myorg/base\nRUN if [ -x /sbin/apk ]; then apk add curl; else apt-get install curl; fi\n": images.Minimal,
		"FROM myorg/base\nRUN microdnf install -y tar && dnf install -y curl\n":                        images.Useradd,
		"FROM myorg/base\nRUN make\n":                                                                  images.Unknown,
		"FROM amazonlinux:2023\nRUN dnf install -y tar\n":                                              images.Minimal,
		"FROM amazonlinux:2023\nRUN dnf install -y shadow-utils && dnf clean all\n":                    images.Useradd,
		"FROM registry.access.redhat.com/ubi9/ubi-minimal\nRUN microdnf install -y shadow-utils-4.9\n": images.Minimal, // a pin is name=version, not name-version
		"FROM debian\nRUN apk add curl\n":                                                              images.Useradd, // a known base keeps its family
	} {
		_, f := finalFacts(t, src)
		if got := f.Family(); got != want {
			t.Errorf("%q: Family() = %v, want %v", src, got, want)
		}
	}
}

func TestFactsPackageCommands(t *testing.T) {
	_, f := finalFacts(t, "FROM debian AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88 ca-certificates\nFROM base\nRUN echo apk; pip install x\nRUN <<EOF\napk add jq\nEOF\n")
	var got []string
	for _, pc := range f.PackageCommands() {
		got = append(got, pc.Command.Name+":"+strings.Join(pc.Installs, ",")+"@"+pc.Family.String())
	}
	want := "apt-get:@useradd apt-get:curl=7.88,ca-certificates@useradd apk:jq@busybox"
	if strings.Join(got, " ") != want {
		t.Errorf("PackageCommands = %q, want %q", strings.Join(got, " "), want)
	}
	if !f.Installs("curl") || f.Installs("jq-extra") || !f.Installs("jq") {
		t.Error("Installs: curl and jq are installed, jq-extra is not")
	}
}

func TestFactsUsersAndGroups(t *testing.T) {
	src := `FROM debian AS base
ARG APP_UID=1234
RUN groupadd -g 2000 app && useradd -u 1001 -g app -m -s /bin/bash app1
RUN useradd --uid=1002 --gid=1003 app2 && useradd -u1004 -gapp app3
RUN useradd -ms /bin/bash -u $APP_UID app4
RUN groupadd --gid 3000 app5 && useradd --uid 3000 app5
FROM base
RUN <<EOF
addgroup -S -g 4000 grp
adduser -S -D -H -u 4001 -G grp app6
adduser --system --uid 4002 --ingroup grp app7
adduser -D app8
adduser app8 wheel
addgroup app8 wheel
useradd -g $NOPE app9
EOF
RUN useradd --no-log-init -r -u 0 -o admin
`
	_, f := finalFacts(t, src)
	type user struct{ name, uid, gid string }
	var got []user
	for _, u := range f.Users() {
		got = append(got, user{u.Name, u.UID, u.GID})
	}
	want := []user{
		{"app1", "1001", "2000"},
		{"app2", "1002", "1003"},
		{"app3", "1004", "2000"},
		{"app4", "1234", ""},
		{"app5", "3000", "3000"}, // its user-private group
		{"app6", "4001", "4000"},
		{"app7", "4002", "4000"},
		{"app8", "", ""},
		{"app9", "", ""}, // a named group whose name is unknown: not app9's own group
		{"admin", "0", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Users:\n got %v\nwant %v", got, want)
	}
	users := f.Users()
	if users[0].Run.Node.StartLine != 3 || users[5].Run.Node.StartLine != 8 || users[9].Run.Node.StartLine != 17 {
		t.Error("each user must keep the RUN that creates it")
	}
	var groups []string
	for _, g := range f.Groups() {
		groups = append(groups, g.Name+":"+g.GID)
	}
	if got := strings.Join(groups, " "); got != "app:2000 app5:3000 grp:4000 wheel:" {
		t.Errorf("Groups = %q", got)
	}
}

func TestFactsCopiesAndTriggers(t *testing.T) {
	src := `FROM golang AS build
FROM debian
ARG U=1000
COPY --from=build --chown=$U:$U /out/app /usr/local/bin/
ADD --chown=app https://example.com/x.tgz $HOME/
COPY <<EOF /entrypoint.sh
exec gosu app "$@"
EOF
ONBUILD RUN make
ONBUILD copy . /src
`
	_, f := finalFacts(t, src)
	if len(f.Copies) != 3 {
		t.Fatalf("Copies = %+v", f.Copies)
	}
	c := f.Copies[0]
	if c.Add || c.From != "build" || c.Chown != "1000:1000" || c.Dest != "/usr/local/bin/" || !reflect.DeepEqual(c.Sources, []string{"/out/app"}) {
		t.Errorf("COPY --from: %+v", c)
	}
	if a := f.Copies[1]; !a.Add || a.Chown != "app" || a.Dest != "$HOME/" || a.DestExpanded != "/" {
		t.Errorf("ADD: %+v", a)
	}
	if h := f.Copies[2]; len(h.Contents) != 1 || !strings.Contains(h.Contents[0].Data, "gosu app") || h.Dest != "/entrypoint.sh" {
		t.Errorf("COPY heredoc: %+v", h)
	}
	if len(f.Onbuild) != 2 || f.Onbuild[0].Keyword() != "RUN" || f.Onbuild[1].Keyword() != "COPY" || f.Onbuild[1].Node.StartLine != 10 {
		t.Errorf("Onbuild = %+v", f.Onbuild)
	}
}

func TestStageRunCommandsAndValue(t *testing.T) {
	d, f := finalFacts(t, "FROM debian\nARG DIR=/srv\nRUN chown app \"$DIR\" && echo 'useradd'\n")
	r := f.Runs[0]
	cmds := r.Commands()
	if len(cmds) != 2 || cmds[0].Name != "chown" || cmds[1].Name != "echo" {
		t.Fatalf("Commands = %+v", cmds)
	}
	if &r.Commands()[0] != &cmds[0] {
		t.Error("Commands must be parsed once")
	}
	if got := r.Value(cmds[0].Args[1]); got != "/srv" {
		t.Errorf("Value($DIR) = %q", got)
	}
	if !r.Mentions("nope", "useradd") || r.Mentions("adduser") {
		t.Error("Mentions reads the command line")
	}
	if d.Facts(d.FinalStage()).Runs[0] != r {
		t.Error("RUNs are shared")
	}
	pass := &Pass{Doc: d}
	if pass.Facts(d.FinalStage()) != f {
		t.Error("Pass.Facts must give the document's facts")
	}
}

// A chain of stages shares its facts' data: an only child appends into its
// parent's slices without the parent seeing it, siblings never see each
// other's, and maps are copied only by a stage that writes a variable.
func TestFactsSharingAlongChains(t *testing.T) {
	// a's slices have spare capacity after three appends (1, 2, 4): a
	// child appending in place must be its parent's only child.
	d, err := Parse("Dockerfile", []byte("FROM debian AS a\nENV A=1\nRUN one\nRUN two\nRUN three\n"+
		"FROM a AS b\nLABEL b=1\n"+ // a's only child: shares slices and maps
		"FROM b AS c\nENV C=3\nRUN c\n"+ // b has two children
		"FROM b AS d\nRUN d\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, b, c, dd := d.Facts(d.Stages[0]), d.Facts(d.Stages[1]), d.Facts(d.Stages[2]), d.Facts(d.Stages[3])
	runs := func(f *Facts) string {
		var out []string
		for _, r := range f.Runs {
			out = append(out, r.Cmd.CmdLine[0])
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		f    *Facts
		want string
	}{{a, "one,two,three"}, {b, "one,two,three"}, {c, "one,two,three,c"}, {dd, "one,two,three,d"}} {
		if got := runs(tc.f); got != tc.want {
			t.Errorf("stage %s runs %s, want %s", tc.f.Stage.Parsed.Name, got, tc.want)
		}
	}
	if _, ok := b.Env["C"]; ok {
		t.Error("a child's ENV reached its parent")
	}
	if c.Env["A"] != "1" || c.Env["C"] != "3" || dd.Env["C"] != "" || len(a.Env) != 1 {
		t.Errorf("env: a %v, c %v, d %v", a.Env, c.Env, dd.Env)
	}
}

// A stage built on a chain deeper than MaxChainDepth is refused like a
// file buildkit cannot read, at that stage's FROM line.
func TestParseRefusesDeepChains(t *testing.T) {
	var b strings.Builder
	b.WriteString("FROM debian AS s0\n")
	for i := 1; i < MaxChainDepth; i++ {
		fmt.Fprintf(&b, "FROM s%d AS s%d\n", i-1, i)
	}
	if _, err := Parse("Dockerfile", []byte(b.String())); err != nil {
		t.Fatalf("a chain of %d stages: %v", MaxChainDepth, err)
	}
	fmt.Fprintf(&b, "FROM s%d AS s%d\n", MaxChainDepth-1, MaxChainDepth)
	_, err := Parse("Dockerfile", []byte(b.String()))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != MaxChainDepth+1 || !strings.Contains(err.Error(), "limit is") {
		t.Errorf("a chain of %d stages: %v", MaxChainDepth+1, err)
	}
}
