package runner

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// skipDirs are never searched.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true}

// IsDockerfileName reports whether a file name is one harden looks for when
// searching a directory: Dockerfile, Dockerfile.*, *.Dockerfile,
// *.dockerfile, Containerfile and Containerfile.*.
func IsDockerfileName(name string) bool {
	switch {
	case name == "Dockerfile", name == "Containerfile":
		return true
	case strings.HasPrefix(name, "Dockerfile."), strings.HasPrefix(name, "Containerfile."):
		return true
	case strings.HasSuffix(name, ".Dockerfile"), strings.HasSuffix(name, ".dockerfile"):
		return true
	}
	return false
}

// input is one file to process, named as the user will see it.
type input struct {
	path string // display path: clean and relative to the working directory when inside it
	err  error  // a problem finding it
}

// collect expands PATH arguments into files, sorted and without duplicates.
// Problems (a missing path) become inputs carrying an error, so that every
// other file is still processed.
func collect(args []string) []input {
	if len(args) == 0 {
		args = []string{"."}
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
				if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
					return nil // dangling or not a file
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

// DisplayPath cleans p and makes it relative to the working directory when
// it lies inside it, so that diff headers read a/PATH and apply with
// `git apply` and `patch -p1` from there.
func DisplayPath(p string) string {
	if p == "-" {
		return p
	}
	if filepath.IsAbs(p) {
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(wd, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				p = rel
			}
		}
	}
	return filepath.ToSlash(filepath.Clean(p))
}
