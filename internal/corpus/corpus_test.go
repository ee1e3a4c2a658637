package corpus

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	manifest := "file\trepo\tcommit\toriginal_path\tsha256\n" +
		"b/Dockerfile\to/b\tc\tDockerfile\tx\n" +
		"a/Dockerfile.dev\to/a\tc\tDockerfile.dev\ty\n\n"
	if err := os.WriteFile(filepath.Join(dir, "MANIFEST.tsv"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/Dockerfile.dev", "b/Dockerfile"}; !slices.Equal(got, want) {
		t.Errorf("Files = %v, want %v", got, want)
	}
	if _, err := Files(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing manifest is not an error")
	}
}
