package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWriteOrCreate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "new.lock")
	if err := Write(p, []byte("x")); err == nil {
		t.Error("Write created a missing file")
	}
	if err := WriteOrCreate(p, []byte("one\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one\n" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode())
	}
	// An existing file keeps its mode and is replaced by rename.
	os.Chmod(p, 0o600)
	before, _ := os.Stat(p)
	if err := WriteOrCreate(p, []byte("two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "two\n" || after.Mode().Perm() != 0o600 || os.SameFile(before, after) {
		t.Errorf("content %q mode %v, same inode %v", b, after.Mode(), os.SameFile(before, after))
	}
	// A directory is not replaced.
	if err := Write(dir, []byte("x")); err == nil {
		t.Error("Write replaced a directory")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("leftovers: %v", entries)
	}
}
