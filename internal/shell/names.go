package shell

import "strings"

// Kind is the language a shell program speaks.
type Kind int

const (
	// NotAShell: the program is not a shell.
	NotAShell Kind = iota
	// POSIX: a POSIX-style shell, what a shell-form RUN can be given to
	// (and what `sh -c SCRIPT` wrappers are looked through for).
	POSIX
	// PowerShell: Windows PowerShell or PowerShell Core.
	PowerShell
	// Cmd: the Windows command interpreter.
	Cmd
)

// shells is harden's one table of shell names.
var shells = map[string]Kind{
	"sh": POSIX, "bash": POSIX, "ash": POSIX, "dash": POSIX, "zsh": POSIX, "ksh": POSIX, "mksh": POSIX,
	"busybox":    POSIX, // its sh applet ("busybox sh -c ..." is looked through as a wrapper)
	"powershell": PowerShell, "pwsh": PowerShell,
	"cmd": Cmd,
}

// KindOf is the kind of shell a program base name ("bash", "pwsh") is, or
// NotAShell.
func KindOf(name string) Kind { return shells[name] }

// IsPOSIX reports whether a program name is a POSIX-style shell (what a
// shell-form RUN can be given to).
func IsPOSIX(name string) bool { return shells[name] == POSIX }

// IsWindowsShell reports whether a SHELL program names PowerShell or cmd,
// as a bare name, a .exe or a Windows path ("C:\\Windows\\System32\\cmd.exe"),
// in any case.
func IsWindowsShell(prog string) bool {
	prog = strings.ToLower(prog)
	for name, k := range shells {
		if k != PowerShell && k != Cmd {
			continue
		}
		if prog == name || strings.HasSuffix(prog, name+".exe") || strings.HasSuffix(prog, `\`+name) {
			return true
		}
	}
	return false
}
