package main

import (
	"fmt"
	"os"
	"os/user"
	"runtime"
)

func main() {
	fmt.Printf("go app (%s)\n", runtime.Version()[:6])
	name := "(no passwd entry)"
	if u, err := user.LookupId(fmt.Sprint(os.Getuid())); err == nil {
		name = u.Username
	}
	fmt.Printf("user %s uid=%d gid=%d\n", name, os.Getuid(), os.Getgid())
}
