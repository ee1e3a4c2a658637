// Package buildctx gives fixes read access to a Dockerfile's build context:
// the files COPY and ADD bring into an image, such as entrypoint scripts
// and configuration files, so that a fix can base its decision on them.
//
// The context is an fs.FS rooted at a directory, and stricter than
// os.DirFS: only regular files inside the root can be opened (a symlink
// that resolves outside the root, a device, a FIFO or a socket is
// refused), a file is read whole and only up to a size cap, a file holding
// a NUL byte is refused as binary, and nothing is ever executed. ReadDir
// and Stat work on everything inside the root, so fs.Glob and fs.WalkDir
// list what `COPY . /app` brings in.
package buildctx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// DefaultMaxFileSize is the size cap of Options.MaxFileSize's zero value.
const DefaultMaxFileSize = 1 << 20 // 1 MiB

// Errors of Open, wrapped in *fs.PathError values.
var (
	// ErrNotRegular: a directory entry that is not a regular file or a
	// directory (a device, a FIFO, a socket).
	ErrNotRegular = errors.New("not a regular file")
	// ErrOutside: a symbolic link that resolves outside the context.
	ErrOutside = errors.New("symbolic link resolves outside the build context")
	// ErrTooLarge: a file bigger than the size cap.
	ErrTooLarge = errors.New("file too large")
	// ErrBinary: a file holding a NUL byte.
	ErrBinary = errors.New("binary file (contains NUL bytes)")
)

// Options configure a build context.
type Options struct {
	// MaxFileSize is the largest file Open reads, in bytes; 0 means
	// DefaultMaxFileSize.
	MaxFileSize int64
}

// FS is a build context. It implements fs.FS, fs.StatFS, fs.ReadDirFS and
// fs.ReadFileFS, and is safe for concurrent use. Close it when done.
type FS struct {
	root *os.Root
	max  int64
}

var (
	_ fs.StatFS     = (*FS)(nil)
	_ fs.ReadDirFS  = (*FS)(nil)
	_ fs.ReadFileFS = (*FS)(nil)
)

// Open returns the build context rooted at dir.
func Open(dir string, opts Options) (*FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	limit := opts.MaxFileSize
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	return &FS{root: root, max: limit}, nil
}

// Dir is the directory the context is rooted at.
func (c *FS) Dir() string { return c.root.Name() }

// Close releases the context's directory.
func (c *FS) Close() error { return c.root.Close() }

// Stat describes a file or directory of the context, following symbolic
// links that stay inside it.
func (c *FS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	fi, err := c.root.Stat(name)
	if err != nil {
		return nil, c.explain("stat", name, err)
	}
	return fi, nil
}

// ReadDir lists a directory of the context, sorted by name. It lists every
// entry, including those Open refuses.
func (c *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	f, err := c.root.Open(name)
	if err != nil {
		return nil, c.explain("readdir", name, err)
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, err
}

// ReadFile returns the content of a regular text file of the context.
func (c *FS) ReadFile(name string) ([]byte, error) {
	data, _, err := c.read("readfile", name)
	return data, err
}

// Open opens a directory, or reads a regular text file of the context and
// returns it from memory. A file that is not regular, resolves outside the
// context, is bigger than the cap or holds a NUL byte is an error.
func (c *FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	fi, err := c.root.Stat(name)
	if err != nil {
		return nil, c.explain("open", name, err)
	}
	if fi.IsDir() {
		f, err := c.root.Open(name)
		if err != nil {
			return nil, c.explain("open", name, err)
		}
		if fi, err := f.Stat(); err != nil || !fi.IsDir() {
			f.Close()
			return nil, &fs.PathError{Op: "open", Path: name, Err: ErrNotRegular}
		}
		return f, nil
	}
	data, fi, err := c.read("open", name)
	if err != nil {
		return nil, err
	}
	return &memFile{info: fi, r: bytes.NewReader(data)}, nil
}

// read checks and reads a regular file whole.
func (c *FS) read(op, name string) ([]byte, fs.FileInfo, error) {
	fail := func(err error) ([]byte, fs.FileInfo, error) {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	if !fs.ValidPath(name) {
		return fail(fs.ErrInvalid)
	}
	// Stat before opening: opening a FIFO could block, opening a device
	// could have effects.
	fi, err := c.root.Stat(name)
	if err != nil {
		return nil, nil, c.explain(op, name, err)
	}
	if err := c.check(fi); err != nil {
		return fail(err)
	}
	f, err := c.root.OpenFile(name, openFlags, 0)
	if err != nil {
		return nil, nil, c.explain(op, name, err)
	}
	defer f.Close()
	// The file may have been replaced since the Stat.
	fi, err = f.Stat()
	if err != nil {
		return fail(err)
	}
	if err := c.check(fi); err != nil {
		return fail(err)
	}
	data, err := io.ReadAll(io.LimitReader(f, c.max+1))
	if err != nil {
		return fail(err)
	}
	if int64(len(data)) > c.max {
		return fail(fmt.Errorf("%w: more than %d bytes (limit %d)", ErrTooLarge, c.max, c.max))
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return fail(ErrBinary)
	}
	return data, sizedInfo{fi, int64(len(data))}, nil
}

// check refuses what is not a regular file of acceptable size.
func (c *FS) check(fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return fmt.Errorf("is a directory")
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%w (%s)", ErrNotRegular, kind(fi.Mode()))
	case fi.Size() > c.max:
		return fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, fi.Size(), c.max)
	}
	return nil
}

// explain turns os.Root's refusal of a symbolic link that leaves the root
// into ErrOutside, and returns other errors as they are.
func (c *FS) explain(op, name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		// Name the operation and path as the caller gave them, not as
		// os.Root's system calls did ("statat").
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return &fs.PathError{Op: op, Path: name, Err: pe.Err}
		}
		return err
	}
	// Walk the path: if a component is a symbolic link the root will not
	// follow, that link leaves the context.
	parts := strings.Split(name, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		li, lerr := c.root.Lstat(p)
		if lerr != nil {
			break
		}
		if li.Mode()&fs.ModeSymlink != 0 {
			if _, serr := c.root.Stat(p); serr != nil && !errors.Is(serr, fs.ErrNotExist) {
				if p == name {
					return &fs.PathError{Op: op, Path: name, Err: ErrOutside}
				}
				return &fs.PathError{Op: op, Path: name, Err: fmt.Errorf("%w (%s)", ErrOutside, p)}
			}
		}
	}
	return err
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return m.String()
}

// sizedInfo reports the size of the bytes read, which is what the reader
// of the memFile sees even if the file changed after its Stat.
type sizedInfo struct {
	fs.FileInfo
	size int64
}

func (s sizedInfo) Size() int64 { return s.size }

// memFile is a file read whole into memory.
type memFile struct {
	info fs.FileInfo
	r    *bytes.Reader
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *memFile) Close() error               { return nil }

// Seek and ReadAt let callers reread without opening again.
func (f *memFile) Seek(offset int64, whence int) (int64, error) { return f.r.Seek(offset, whence) }
func (f *memFile) ReadAt(p []byte, off int64) (int, error)      { return f.r.ReadAt(p, off) }
