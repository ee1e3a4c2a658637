// Package corpus lists the real Dockerfiles harden is measured on: a
// directory (../shared/corpus beside the checkout) whose MANIFEST.tsv names
// each file, its repository, commit, original path and checksum.
package corpus

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Files returns the files MANIFEST.tsv in dir lists (paths relative to
// dir), sorted.
func Files(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var files []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), "\t")
		if name != "" && name != "file" {
			files = append(files, name)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "MANIFEST.tsv"), err)
	}
	sort.Strings(files)
	return files, nil
}
