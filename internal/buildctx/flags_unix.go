//go:build unix

package buildctx

import (
	"os"
	"syscall"
)

// openFlags opens without blocking: should a file become a FIFO between
// the Stat and the open, the open returns at once and the check after it
// refuses the FIFO, instead of waiting for a writer forever.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
