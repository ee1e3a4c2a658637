//go:build !unix

package buildctx

import "os"

const openFlags = os.O_RDONLY
