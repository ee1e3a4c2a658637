package shell

import (
	"reflect"
	"testing"
)

// command parses a script of one command.
func command(t *testing.T, script string) Command {
	t.Helper()
	cmds, ok := Commands(script)
	if !ok || len(cmds) != 1 {
		t.Fatalf("%q: want one command, got %+v", script, cmds)
	}
	return cmds[0]
}

func TestUserAdd(t *testing.T) {
	for script, want := range map[string]NewUser{
		// shadow-utils useradd: every spelling of uid and gid.
		"useradd app":                                  {Name: "app"},
		"useradd -u 1001 -g 1001 app":                  {Name: "app", UID: "1001", GID: "1001"},
		"useradd -u1001 -g1002 app":                    {Name: "app", UID: "1001", GID: "1002"},
		"useradd --uid 1001 --gid 1002 app":            {Name: "app", UID: "1001", GID: "1002"},
		"useradd --uid=1001 --gid=1002 app":            {Name: "app", UID: "1001", GID: "1002"},
		"useradd -r -u 999 -g app -m -d /home/app app": {Name: "app", UID: "999", Group: "app", GroupNamed: true},
		"useradd -gstaff app":                          {Name: "app", Group: "staff", GroupNamed: true},
		"useradd -ms /bin/bash -u 1000 dev":            {Name: "dev", UID: "1000"},
		"useradd --no-log-init --system --shell /sbin/nologin --comment 'App user' svc": {Name: "svc"},
		"useradd -G wheel,docker -u 1000 ops":                                           {Name: "ops", UID: "1000"}, // -G: supplementary groups
		"/usr/sbin/useradd -u abc app":                                                  {Name: "app"},              // not a number
		"sudo useradd -u 1000 app":                                                      {Name: "app", UID: "1000"},
		// BusyBox adduser: -g is the GECOS field, -G the group.
		"adduser -D app": {Name: "app"},
		"adduser -S -D -H -u 1001 -G app -s /sbin/nologin app": {Name: "app", UID: "1001", Group: "app", GroupNamed: true},
		"adduser -D -g 'App user' -u 1001 app":                 {Name: "app", UID: "1001"},
		"adduser -Du 1001 app":                                 {Name: "app", UID: "1001"},
		"adduser -DHu1001 app":                                 {Name: "app", UID: "1001"},
		"adduser -Ds /bin/sh app":                              {Name: "app"}, // -s takes the rest: no uid
		"useradd --gid appgroup --uid 1001 app":                {Name: "app", UID: "1001", Group: "appgroup", GroupNamed: true},
		// Debian adduser.
		"adduser --system --uid 1001 --gid 1002 --disabled-password app": {Name: "app", UID: "1001", GID: "1002"},
		"adduser --disabled-password --gecos '' --ingroup staff app":     {Name: "app", Group: "staff", GroupNamed: true},
		"adduser --uid=1001 --home /srv app":                             {Name: "app", UID: "1001"},
	} {
		got, ok := UserAdd(command(t, script), nil)
		if !ok || got != want {
			t.Errorf("%q: UserAdd = %+v, %v; want %+v", script, got, ok, want)
		}
	}
	for _, script := range []string{
		"adduser app wheel",   // adds a user to a group
		"useradd",             // no user
		"useradd -u 1000 $U",  // a name that is not known
		"usermod -u 1000 app", // not a user creation
		"groupadd app",
	} {
		if got, ok := UserAdd(command(t, script), nil); ok {
			t.Errorf("%q: UserAdd = %+v, want no user", script, got)
		}
	}
}

func TestUserAddValues(t *testing.T) {
	// value sees a word that is not literal as written, quotes included.
	vars := map[string]string{"$UID": "1234", `"${USER}"`: "svc", `"$GROUP"`: "staff"}
	value := func(w Word) string {
		if w.Literal {
			return w.Value
		}
		return vars[w.Value]
	}
	got, ok := UserAdd(command(t, `useradd -u $UID -g "$GROUP" "${USER}"`), value)
	want := NewUser{Name: "svc", UID: "1234", Group: "staff", GroupNamed: true}
	if !ok || got != want {
		t.Errorf("UserAdd = %+v, %v; want %+v", got, ok, want)
	}
	// An unknown group value is still a named group.
	got, _ = UserAdd(command(t, `useradd -g $NOPE app`), value)
	if !got.GroupNamed || got.Group != "" {
		t.Errorf("unknown group: %+v", got)
	}
}

func TestGroupAdd(t *testing.T) {
	for script, want := range map[string]NewGroup{
		"groupadd app":                  {Name: "app"},
		"groupadd -g 1000 app":          {Name: "app", GID: "1000"},
		"groupadd -g1000 app":           {Name: "app", GID: "1000"},
		"groupadd --gid=1000 app":       {Name: "app", GID: "1000"},
		"groupadd -r --gid 999 app":     {Name: "app", GID: "999"},
		"groupadd -K GID_MIN=100 app":   {Name: "app"},
		"addgroup -S -g 1000 app":       {Name: "app", GID: "1000"},
		"addgroup --system --gid 9 app": {Name: "app", GID: "9"},
		"addgroup app wheel":            {Name: "wheel"}, // BusyBox: adds app to wheel
	} {
		got, ok := GroupAdd(command(t, script), nil)
		if !ok || got != want {
			t.Errorf("%q: GroupAdd = %+v, %v; want %+v", script, got, ok, want)
		}
	}
	for _, script := range []string{"groupadd -g 1000", "useradd app", "groupmod -g 1 app"} {
		if got, ok := GroupAdd(command(t, script), nil); ok {
			t.Errorf("%q: GroupAdd = %+v, want none", script, got)
		}
	}
}

func TestPositionals(t *testing.T) {
	withArg := map[string]bool{"-u": true, "--uid": true, "-s": true}
	for script, want := range map[string][]string{
		"x a b":                {"a", "b"},
		"x -u 1 a":             {"a"},
		"x --uid 1 a --flag b": {"a", "b"},
		"x --uid=1 a":          {"a"},
		"x -ms /bin/sh a":      {"a"},
		"x -su1 a":             {"a"}, // -s takes the rest of the word
		"x - a":                {"-", "a"},
		"x $OPT a":             {"$OPT", "a"},
	} {
		var got []string
		for _, w := range command(t, script).Positionals(withArg) {
			got = append(got, w.Value)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: Positionals = %q, want %q", script, got, want)
		}
	}
}

func TestShellNames(t *testing.T) {
	for name, want := range map[string]Kind{
		"sh": POSIX, "bash": POSIX, "ash": POSIX, "dash": POSIX, "zsh": POSIX, "ksh": POSIX, "mksh": POSIX, "busybox": POSIX,
		"powershell": PowerShell, "pwsh": PowerShell, "cmd": Cmd, "python": NotAShell, "Bash": NotAShell,
	} {
		if got := KindOf(name); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", name, got, want)
		}
		if IsPOSIX(name) != (want == POSIX) {
			t.Errorf("IsPOSIX(%q) = %v", name, !(want == POSIX))
		}
	}
	for prog, want := range map[string]bool{
		"pwsh": true, "powershell": true, "PowerShell.exe": true, "cmd": true, "cmd.exe": true,
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`: true, `C:\Windows\System32\cmd`: true,
		"/bin/sh": false, "bash": false, "/usr/bin/pwsh": false, "command": false,
	} {
		if got := IsWindowsShell(prog); got != want {
			t.Errorf("IsWindowsShell(%q) = %v, want %v", prog, got, want)
		}
	}
	// `sh -c` wrappers are looked through for every POSIX shell of the table.
	for name, k := range shells {
		if k != POSIX || name == "busybox" {
			continue
		}
		if got := names(must(Commands(name + " -c 'useradd app'"))); got != "useradd" {
			t.Errorf("%s -c: commands %q, want useradd", name, got)
		}
	}
}

func must(cmds []Command, ok bool) []Command {
	if !ok {
		panic("does not parse")
	}
	return cmds
}
