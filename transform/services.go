package transform

import (
	"context"
	"errors"
	"io/fs"
)

// Resolver answers the network questions fixes ask. One Resolver serves a
// whole run: it resolves each distinct key once, however many files ask,
// and keeps the answers in the lock file. Implementations must be safe for
// concurrent use.
type Resolver interface {
	// Image resolves an image reference ("python:3.12-slim",
	// "ghcr.io/o/r:v1") to the digest its tag points to and the parts of
	// its configuration fixes read.
	Image(ctx context.Context, ref string) (Image, error)
	// Tags lists the tags of the repository ref names (its own tag is
	// ignored). Offline, only the tags the lock file records are known.
	Tags(ctx context.Context, ref string) ([]string, error)
	// URL fetches a URL and returns the checksum and size of its content.
	URL(ctx context.Context, url string) (Download, error)
}

// Image is what a registry says about an image reference.
type Image struct {
	// Digest is the digest the tag points to as the registry serves it: the
	// index (manifest list) digest for multi-platform images.
	Digest string
	// Config is the image configuration of the platform harden reads
	// (linux/amd64 for an index), or nil when it was not fetched.
	Config *ImageConfig
}

// ImageConfig holds the fields of an image configuration that fixes use.
type ImageConfig struct {
	User       string   `json:"User,omitempty"`
	Env        []string `json:"Env,omitempty"`
	Entrypoint []string `json:"Entrypoint,omitempty"`
	Cmd        []string `json:"Cmd,omitempty"`
	WorkingDir string   `json:"WorkingDir,omitempty"`
	OS         string   `json:"OS,omitempty"`
}

// Download is what harden learned by fetching a URL.
type Download struct {
	SHA256 string // lowercase hex
	Size   int64  // -1 when the answer came from the lock file, which keeps only the checksum
}

// ErrNotInLock is wrapped by the errors of offline lookups of keys the
// lock file does not hold (internal/resolve returns it): the answer is
// unknown, and nothing failed.
var ErrNotInLock = errors.New("not in lock file")

// ErrNoResolver is returned by lookups in a run that has no resolver.
var ErrNoResolver = errors.New("no resolver configured")

// noResolver fails every lookup.
type noResolver struct{}

func (noResolver) Image(context.Context, string) (Image, error)   { return Image{}, ErrNoResolver }
func (noResolver) Tags(context.Context, string) ([]string, error) { return nil, ErrNoResolver }
func (noResolver) URL(context.Context, string) (Download, error) {
	return Download{}, ErrNoResolver
}

// emptyFS is the build context of a Dockerfile that has none.
type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// Manifest is what a registry says about the manifest a digest names,
// as far as pinning to a platform needs it.
type Manifest struct {
	// Platform is the platform of an image manifest, read from its
	// configuration: "os/architecture", then "/variant" when it has one
	// (arm64's "v8" is left out, as containerd normalises it), then
	// ":os.version" when it has one. "" for an index or an artifact.
	Platform string `json:"platform,omitempty"`
	// Platforms maps each platform of an index (written as above) to the
	// digest of its manifest; a platform the index lists more than once
	// maps to "" (ambiguous). Attestations are left out. nil when the
	// digest names no index.
	Platforms map[string]string `json:"platforms,omitempty"`
}

// ManifestResolver is a Resolver that can also describe the manifest an
// image reference pinned by digest ("python@sha256:…") names. Fixes use it
// through a type assertion: resolvers that cannot answer need not.
type ManifestResolver interface {
	Manifest(ctx context.Context, ref string) (Manifest, error)
}
