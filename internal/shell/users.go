package shell

import (
	"strconv"
	"strings"
)

// NewUser is the account a useradd or adduser command creates.
type NewUser struct {
	Name string
	// UID is the numeric user id given (-u, --uid), or "".
	UID string
	// GID is the numeric primary group id given, or "".
	GID string
	// Group is the primary group given by name, or "". GroupNamed is true
	// when a group name was given, even one whose value is unknown (a
	// variable without a value), so that Group is "".
	Group      string
	GroupNamed bool
}

// NewGroup is the group a groupadd or addgroup command creates.
type NewGroup struct {
	Name string
	// GID is the numeric group id given (-g, --gid), or "".
	GID string
}

// Options that take a value, per command family, so that the value is not
// taken for the user or group name.
var (
	groupaddOptsWithArg = map[string]bool{"-g": true, "--gid": true, "-K": true, "--key": true, "-p": true,
		"--password": true, "-R": true, "--root": true, "-P": true, "--prefix": true, "-U": true, "--users": true}
	useraddOptsWithArg = map[string]bool{"-b": true, "-c": true, "-d": true, "-e": true, "-f": true, "-g": true,
		"-G": true, "-k": true, "-K": true, "-p": true, "-s": true, "-u": true, "-R": true, "-P": true, "-Z": true,
		"--base-dir": true, "--comment": true, "--home-dir": true, "--home": true, "--expiredate": true,
		"--inactive": true, "--gid": true, "--groups": true, "--skel": true, "--key": true, "--password": true,
		"--shell": true, "--uid": true, "--root": true, "--prefix": true, "--selinux-user": true,
		// BusyBox and Debian adduser
		"-h": true, "--gecos": true, "--ingroup": true, "--firstuid": true, "--lastuid": true,
		"--firstgid": true, "--lastgid": true, "--conf": true}
)

// ValueFunc gives the text of a word: its value when literal, else its
// expansion, or "" when it cannot be known.
type ValueFunc func(Word) string

// literal is the ValueFunc that knows literal words only.
func literal(w Word) string {
	if w.Literal {
		return w.Value
	}
	return ""
}

// UserAdd reads a useradd (shadow-utils), adduser (Debian's or BusyBox's)
// command. ok is false when cmd is neither, or does not create a user
// (`adduser USER GROUP` adds a user to a group) or names it with a
// variable value does not know. value may be nil: then only literal words
// are known.
//
// The gid comes from --gid N, from useradd -g N or -gN, or from a group
// named by useradd -g NAME, adduser --ingroup NAME or BusyBox adduser -G
// NAME (BusyBox adduser -g is the GECOS field).
func UserAdd(cmd Command, value ValueFunc) (u NewUser, ok bool) {
	if cmd.Name != "useradd" && cmd.Name != "adduser" {
		return NewUser{}, false
	}
	if value == nil {
		value = literal
	}
	pos := cmd.Positionals(useraddOptsWithArg)
	if len(pos) != 1 {
		return NewUser{}, false
	}
	u.Name = value(pos[0])
	if u.Name == "" || strings.ContainsAny(u.Name, " $") {
		return NewUser{}, false
	}
	if w, ok := cmd.Option("-u", "--uid"); ok && isNumber(value(w)) {
		u.UID = value(w)
	} else if w, ok := clustered(cmd, 'u', useraddOptsWithArg); ok && isNumber(value(w)) {
		u.UID = value(w) // BusyBox's `adduser -Du 1001`
	}
	gidShort := "-g"
	if cmd.Name == "adduser" {
		gidShort = ""
	}
	named := func(w Word) {
		u.Group, u.GroupNamed = value(w), true
	}
	if w, ok := cmd.Option(gidShort, "--gid"); ok && isNumber(value(w)) {
		u.GID = value(w)
	} else if w, ok := cmd.Option("", "--gid"); ok && value(w) != "" {
		named(w) // useradd --gid NAME names the group
	} else if w, ok := cmd.Option("-g", ""); ok && cmd.Name == "useradd" {
		named(w)
	} else if w, ok := cmd.Option("", "--ingroup"); ok && cmd.Name == "adduser" {
		named(w)
	} else if w, ok := cmd.Option("-G", ""); ok && cmd.Name == "adduser" {
		named(w)
	}
	return u, true
}

// GroupAdd reads a groupadd or addgroup command: the group is its last
// operand (so BusyBox's `addgroup USER GROUP`, which adds USER to an
// existing GROUP, gives GROUP). ok is false when cmd is neither or has no
// operand. value may be nil, as for UserAdd.
func GroupAdd(cmd Command, value ValueFunc) (g NewGroup, ok bool) {
	if cmd.Name != "groupadd" && cmd.Name != "addgroup" {
		return NewGroup{}, false
	}
	if value == nil {
		value = literal
	}
	pos := cmd.Positionals(groupaddOptsWithArg)
	if len(pos) == 0 {
		return NewGroup{}, false
	}
	g.Name = value(pos[len(pos)-1])
	if w, ok := cmd.Option("-g", "--gid"); ok && isNumber(value(w)) {
		g.GID = value(w)
	}
	return g, true
}

// Positionals returns the arguments that are not options or option values;
// withArg names the options that take a value ("-u", "--uid"). Short
// options may be combined ("-ms /bin/bash"): a letter that takes a value
// takes the rest of the word or, when last, the next word.
func (c Command) Positionals(withArg map[string]bool) []Word {
	var pos []Word
	args := c.Args
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.Literal || !strings.HasPrefix(a.Value, "-") || a.Value == "-" {
			pos = append(pos, a)
			continue
		}
		switch {
		case strings.HasPrefix(a.Value, "--"):
			if withArg[a.Value] {
				i++
			}
		default:
			for k := 1; k < len(a.Value); k++ {
				if withArg["-"+a.Value[k:k+1]] {
					if k == len(a.Value)-1 {
						i++
					}
					break
				}
			}
		}
	}
	return pos
}

// clustered finds the value of a one-letter option given inside a cluster
// of short options ("-Du 1001", "-DHu1001"): the letters before it take no
// value, and its value is the rest of the word or the next word.
func clustered(cmd Command, letter byte, withArg map[string]bool) (Word, bool) {
	for i, a := range cmd.Args {
		v := a.Value
		if !a.Literal || len(v) < 3 || v[0] != '-' || v[1] == '-' {
			continue
		}
		for k := 1; k < len(v); k++ {
			if v[k] == letter {
				if k+1 < len(v) {
					return Word{Value: v[k+1:], Literal: true}, true
				}
				if i+1 < len(cmd.Args) {
					return cmd.Args[i+1], true
				}
				return Word{}, true
			}
			if withArg["-"+v[k:k+1]] {
				break // the rest of the word is that option's value
			}
		}
	}
	return Word{}, false
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s != ""
}
