package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// skipDirs are never searched.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true}

// DiscoveryHelp says which names a directory search matches, for --help
// and the README.
const DiscoveryHelp = `Dockerfile and Containerfile, alone or followed by ".", "-" or "_" and a
suffix (Dockerfile.prod, Dockerfile-alpine, Containerfile_dev), and NAME.Dockerfile
or NAME.Containerfile, in any letter case; not backups and editor files
(*.orig, *.rej, *~, *.swp, .#*, #*#) nor *.dockerignore`

// IsDockerfileName reports whether a file name is one harden looks for when
// searching a directory (see DiscoveryHelp).
func IsDockerfileName(name string) bool {
	lower := strings.ToLower(name)
	if isBackup(lower) || strings.HasSuffix(lower, ".dockerignore") {
		return false
	}
	for _, base := range []string{"dockerfile", "containerfile"} {
		if lower == base {
			return true
		}
		if rest, ok := strings.CutPrefix(lower, base); ok && len(rest) > 1 && strings.ContainsRune(".-_", rune(rest[0])) {
			return true
		}
		if strings.HasSuffix(lower, "."+base) && len(lower) > len(base)+1 {
			return true
		}
	}
	return false
}

// isBackup reports whether a (lower-case) file name is a backup or an
// editor's file: patch's *.orig and *.rej, *~, vim's *.swp, Emacs' .#* and
// #*#.
func isBackup(lower string) bool {
	return strings.HasSuffix(lower, ".orig") || strings.HasSuffix(lower, ".rej") ||
		strings.HasSuffix(lower, "~") || strings.HasSuffix(lower, ".swp") ||
		strings.HasPrefix(lower, ".#") ||
		len(lower) > 1 && strings.HasPrefix(lower, "#") && strings.HasSuffix(lower, "#")
}

// input is one file to process, named as the user will see it.
type input struct {
	path string // display path: clean and relative to the working directory when inside it
	err  error  // a problem finding it
}

// collect expands PATH arguments into files, sorted and without duplicates.
// Problems (a missing path) become inputs carrying an error, so that every
// other file is still processed. warn, when not nil, is told of files a
// search skips that the user may have meant: a symlink named like a
// Dockerfile that is dangling, loops, or does not lead to a regular file.
func collect(args []string, warn func(path, msg string)) []input {
	if len(args) == 0 {
		args = []string{"."}
	}
	if warn == nil {
		warn = func(string, string) {}
	}
	seen := map[string]bool{}
	var out []input
	add := func(p string) {
		p = DisplayPath(p)
		if !seen[p] {
			seen[p] = true
			out = append(out, input{path: p})
		}
	}
	for _, arg := range args {
		if arg == "-" {
			add(arg)
			continue
		}
		info, err := os.Stat(arg)
		if err != nil {
			out = append(out, input{path: DisplayPath(arg), err: err})
			continue
		}
		if !info.IsDir() {
			add(arg)
			continue
		}
		// A symlink to a directory given by name is followed (WalkDir
		// itself never follows links).
		root := arg
		if li, err := os.Lstat(arg); err == nil && li.Mode()&fs.ModeSymlink != 0 {
			root = arg + string(filepath.Separator)
		}
		var found []string
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				out = append(out, input{path: DisplayPath(p), err: err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if p != root && skipDirs[d.Name()] {
					return fs.SkipDir
				}
				return nil
			}
			if !IsDockerfileName(d.Name()) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				st, err := os.Stat(p)
				switch {
				case errors.Is(err, syscall.ELOOP):
					warn(DisplayPath(p), "symlink loop, skipped")
					return nil
				case errors.Is(err, fs.ErrNotExist):
					warn(DisplayPath(p), "dangling symlink, skipped")
					return nil
				case err != nil:
					warn(DisplayPath(p), fmt.Sprintf("symlink not followed (%v), skipped", unwrapPath(err)))
					return nil
				case st.IsDir():
					return nil // a directory named like a Dockerfile: WalkDir does not enter links
				case !st.Mode().IsRegular():
					warn(DisplayPath(p), "symlink to something other than a regular file, skipped")
					return nil
				}
			} else if !d.Type().IsRegular() {
				return nil
			}
			found = append(found, p)
			return nil
		})
		if err != nil {
			out = append(out, input{path: DisplayPath(arg), err: err})
		}
		sort.Strings(found)
		for _, p := range found {
			add(p)
		}
	}
	return out
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// DisplayPath cleans p and makes it relative to the working directory when
// it lies inside it, so that diff headers read a/PATH and apply with
// `git apply` and `patch -p1` from there.
func DisplayPath(p string) string {
	if p == "-" {
		return p
	}
	if filepath.IsAbs(p) || outside(filepath.Clean(p)) {
		// An absolute path, or one that goes up (../here/Dockerfile), may
		// still lie inside the working directory.
		if wd, err := os.Getwd(); err == nil {
			abs := p
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(wd, p)
			}
			if rel, err := filepath.Rel(wd, abs); err == nil && !outside(rel) {
				p = rel
			}
		}
	}
	return filepath.ToSlash(filepath.Clean(p))
}

// outside reports whether a relative, clean path leaves its directory.
func outside(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// DiffName is the name a diff gives the file at display path p (`--- a/NAME`):
// p itself when it lies under the working directory, so the diff applies
// with `git apply` and `patch -p1` from there. Otherwise the path relative
// to the top of the git repository holding the file, and a note saying to
// apply it from there; otherwise, outside any repository, the absolute path
// without its leading "/", and a note saying that `git apply` cannot apply
// it and `patch -p1 -d /` can. Never a name with "..", nor one starting with
// "/".
func DiffName(p string) (name, note string) {
	if !filepath.IsAbs(filepath.FromSlash(p)) && !outside(filepath.FromSlash(p)) {
		return p, ""
	}
	abs, err := filepath.Abs(filepath.FromSlash(p))
	if err != nil {
		return p, ""
	}
	if top := gitTop(filepath.Dir(abs)); top != "" {
		if rel, err := filepath.Rel(top, abs); err == nil && !outside(rel) {
			rel = filepath.ToSlash(rel)
			return rel, fmt.Sprintf("%s is outside the current directory: its diff names it %s, relative to the top of its git repository: apply it there (git -C %s apply)", p, rel, top)
		}
	}
	name = strings.TrimLeft(filepath.ToSlash(abs), "/")
	return name, fmt.Sprintf("%s is outside the current directory and any git repository: its diff names it %s (from /): git apply cannot apply it from here; patch -p1 -d / can", p, name)
}

// gitTop returns the top of the git work tree holding dir (the nearest
// directory at or above it with a .git entry, a directory or a worktree's
// file), or "".
func gitTop(dir string) string {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// DiffNameTop is the top of the git work tree holding dir, or "": where a
// diff of a file outside the working directory is applied from.
func DiffNameTop(dir string) string { return gitTop(dir) }
