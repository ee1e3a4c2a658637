// Package atomicfile replaces files so that a reader, or a process that is
// interrupted, never sees half a file.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrReadOnly refuses to replace a file whose mode has no write bit: a
// rename would replace it all the same, so Write asks first, as editors and
// gofmt -w do. It comes wrapped in an *fs.PathError.
var ErrReadOnly = errors.New("read-only file, not written")

// Write replaces the file at path with data: it writes a temporary file
// beside the target, syncs it, gives it the target's mode (and owner, where
// permitted), and renames it over the target. A symlink is written through
// to the file it points to. The file must exist: Write never creates one;
// and its mode must have a write bit (one without is refused with
// ErrReadOnly, whoever runs harden, root included).
// On error the target is unchanged and the temporary file removed.
func Write(path string, data []byte) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	if info.Mode().Perm()&0o222 == 0 {
		return &fs.PathError{Op: "write", Path: path, Err: ErrReadOnly}
	}
	return replace(target, data, info.Mode().Perm(), info)
}

// WriteOrCreate is Write, except that a missing file is created with mode
// perm (its directory must exist), again through a temporary file and a
// rename.
func WriteOrCreate(path string, data []byte, perm os.FileMode) error {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return replace(path, data, perm, nil)
	}
	return Write(path, data)
}

// replace writes data to a temporary file beside target and renames it over
// target; info, when not nil, is the old file whose owner the new one takes.
func replace(target string, data []byte, perm os.FileMode, info fs.FileInfo) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".harden-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if info != nil {
		chownLike(tmp, info)
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(target)); err == nil {
		d.Sync() // make the rename durable; best effort
		d.Close()
	}
	return nil
}
