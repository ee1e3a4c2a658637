package fixes

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/harden-dev/harden/transform"
)

// The user non-root-user creates comes from the project's configuration
// (.harden.yaml `user:`, through Pass.Config) where it names one.
func TestNonRootUserFromConfig(t *testing.T) {
	debian := "FROM debian:bookworm\nCOPY app /app\nEXPOSE 8080\nCMD [\"/app\"]\n"
	alpine := "FROM alpine:3.20\nCOPY app /app\nEXPOSE 8080\nCMD [\"/app\"]\n"
	for _, tc := range []struct {
		name, src string
		user      transform.User
		want      []string
	}{
		{"default", debian, transform.User{}, []string{
			"RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --no-log-init --shell /sbin/nologin app\n",
			"USER 10001:10001\n"}},
		{"all", debian, transform.User{Name: "svc", UID: 1500, GID: 1600}, []string{
			"RUN groupadd --system --gid 1600 svc && useradd --system --uid 1500 --gid svc --create-home --home-dir /home/svc --no-log-init --shell /sbin/nologin svc\n",
			"USER 1500:1600\n"}},
		{"uid only", debian, transform.User{UID: 2000}, []string{
			"groupadd --system --gid 2000 app && useradd --system --uid 2000 --gid app", "USER 2000:2000\n"}},
		{"busybox", alpine, transform.User{Name: "web", UID: 3000, GID: 3001}, []string{
			"RUN addgroup -S -g 3001 web && adduser -S -D -h /home/web -u 3000 -G web -s /sbin/nologin web\n", "USER 3000:3001\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The build context holds the compiled program CMD starts.
			ctx := fstest.MapFS{"app": {Data: []byte("\x7fELF\x00\x02")}}
			res, err := transform.Run(context.Background(), "Dockerfile", []byte(tc.src), transform.Options{
				Fixes: []*transform.Fix{NonRootUser}, Config: transform.Config{User: tc.user}, Context: ctx})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(res.Fixed), w) {
					t.Errorf("missing %q in:\n%s", w, res.Fixed)
				}
			}
		})
	}
}
