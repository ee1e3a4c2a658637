package fixes

import (
	"context"
	"strings"
	"testing"

	"github.com/harden-dev/harden/transform"
)

// The golden cases (golden/testdata/non-root-user) cover the fix end to end;
// these cover what depends on the file's path, which the golden runner fixes
// to "Dockerfile".
func TestNonRootUserDevEnvironmentsByPath(t *testing.T) {
	src := []byte("FROM debian:bookworm\nRUN apt-get update\nEXPOSE 8080\nCMD [\"app\"]\n")
	for path, devEnv := range map[string]bool{
		".devcontainer/Dockerfile":         true,
		"web/.devcontainer/Dockerfile.dev": true,
		".gitpod.Dockerfile":               true,
		"devcontainer/Dockerfile":          false,
		"app/Dockerfile":                   false,
	} {
		res, err := transform.Run(context.Background(), path, src, transform.Options{Fixes: []*transform.Fix{NonRootUser}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Changed() == devEnv {
			t.Errorf("%s: changed=%v, want %v", path, res.Changed(), !devEnv)
		}
		if devEnv && (len(res.Remaining) != 1 || !strings.Contains(res.Remaining[0].Message, "not adding USER")) {
			t.Errorf("%s: want one report-only finding, got %v", path, res.Remaining)
		}
	}
}
