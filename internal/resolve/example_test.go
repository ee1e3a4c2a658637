package resolve_test

import (
	"context"
	"fmt"

	"github.com/harden-dev/harden/internal/resolve"
)

// An offline run answers from the lock file alone, and names what it lacks.
func Example_offline() {
	lock, err := resolve.ParseLock([]byte(`{"version": 1,
	  "images": {"docker.io/library/python:3.12-slim": "sha256:0000000000000000000000000000000000000000000000000000000000000001"},
	  "configs": {"sha256:0000000000000000000000000000000000000000000000000000000000000001": {"User": "app", "OS": "linux"}}}`))
	if err != nil {
		panic(err)
	}
	r := resolve.New(resolve.Options{Lock: lock, Offline: true})
	img, err := r.Image(context.Background(), "python:3.12-slim")
	fmt.Println(img.Digest[:15], img.Config.User, err)
	_, err = r.Image(context.Background(), "nginx:1.27")
	fmt.Println(err)
	_, changed := r.LockFile()
	fmt.Println("lock changed:", changed)
	// Output:
	// sha256:00000000 app <nil>
	// image docker.io/library/nginx:1.27: not in lock file
	// lock changed: false
}
