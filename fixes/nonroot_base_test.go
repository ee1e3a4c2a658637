package fixes

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/harden-dev/harden/transform"
)

// configResolver answers image lookups with fixed configurations, and
// counts them.
type configResolver struct {
	configs map[string]*transform.ImageConfig
	asked   []string
}

func (r *configResolver) Image(_ context.Context, ref string) (transform.Image, error) {
	r.asked = append(r.asked, ref)
	c, ok := r.configs[ref]
	if !ok {
		return transform.Image{}, errors.New("not found")
	}
	return transform.Image{Digest: "sha256:" + strings.Repeat("a", 64), Config: c}, nil
}

func (r *configResolver) Tags(context.Context, string) ([]string, error) { return nil, nil }

func (r *configResolver) URL(context.Context, string) (transform.Download, error) {
	return transform.Download{}, errors.New("no URLs")
}

// non-root-user reads the configuration of a base image its tables do not
// know: its user, its OS, and its command when the Dockerfile sets none.
// Known bases are never looked up.
func TestNonRootUserReadsBaseConfig(t *testing.T) {
	r := &configResolver{configs: map[string]*transform.ImageConfig{
		"ghcr.io/acme/nonroot:1": {User: "app"},
		"ghcr.io/acme/root:1":    {User: "0"},
		"ghcr.io/acme/shell:1":   {Cmd: []string{"/bin/bash"}},
		"ghcr.io/acme/server:1":  {Entrypoint: []string{"/usr/sbin/sshd", "-D"}},
	}}
	run := func(src string) []transform.Finding {
		t.Helper()
		d, err := transform.Parse("Dockerfile", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return transform.Collect(context.Background(), d, transform.Options{Fixes: []*transform.Fix{NonRootUser}, Resolver: r})
	}
	if fs := run("FROM ghcr.io/acme/nonroot:1\nEXPOSE 8080\nCMD [\"serve\"]\n"); len(fs) != 0 {
		t.Errorf("a base that runs as a non-root user: %v", fs)
	}
	if fs := run("FROM ghcr.io/acme/root:1\nEXPOSE 8080\nCMD [\"serve\"]\n"); len(fs) != 1 || strings.Contains(fs[0].Message, "is not known here") {
		t.Errorf("a base known to run as root: want one finding without the unknown-base risk, got %v", fs)
	}
	// No CMD in the Dockerfile: the base's command is the stage's.
	if fs := run("FROM ghcr.io/acme/shell:1\nRUN true\n"); len(fs) != 1 || !strings.Contains(fs[0].Message, "bare bash") {
		t.Errorf("base command bash: %v", fs)
	}
	if fs := run("FROM ghcr.io/acme/server:1\nRUN true\n"); len(fs) != 1 || !strings.Contains(fs[0].Message, "sshd") {
		t.Errorf("base entrypoint sshd: %v", fs)
	}
	r.asked = nil
	run("FROM debian:bookworm\nEXPOSE 8080\nCMD [\"serve\"]\n")
	if len(r.asked) != 0 {
		t.Errorf("a base in harden's tables was looked up: %v", r.asked)
	}
	// A failed lookup leaves the tables and the Dockerfile to decide.
	if fs := run("FROM ghcr.io/acme/missing:1\nEXPOSE 8080\nCMD [\"serve\"]\n"); len(fs) != 1 || !strings.Contains(fs[0].Message, "is not known here") {
		t.Errorf("a base the registry does not have: %v", fs)
	}
}
