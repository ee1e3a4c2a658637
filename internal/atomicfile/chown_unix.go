//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"syscall"
)

// chownLike gives f the owner and group of the file described by info.
// Only root may give a file away; for anyone else this is a no-op, as the
// new file already belongs to them.
func chownLike(f *os.File, info fs.FileInfo) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}
