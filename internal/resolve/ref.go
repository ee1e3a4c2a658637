package resolve

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// dockerHub is the registry name harden writes for Docker Hub; the
// container registry library calls it index.docker.io.
const dockerHub = "docker.io"

// ImageRef is an image reference in the normal form of the lock file.
type ImageRef struct {
	// Repository is "registry/repository" with Docker Hub as docker.io and
	// official images under library/: "docker.io/library/python".
	Repository string
	// Tag is the tag as written, "latest" when neither a tag nor a digest
	// was written, and "" for a reference pinned by digest alone.
	Tag string
	// Digest is the pinned digest ("sha256:…"), or "".
	Digest string
}

// ParseImage normalises an image reference as a Dockerfile writes it:
// "python:3.12-slim" is docker.io/library/python:3.12-slim, "nginx" is
// docker.io/library/nginx:latest, "ghcr.io/o/r:v1@sha256:…" keeps both its
// tag and its digest. References with unexpanded variables, uppercase
// repositories or malformed digests are errors.
func ParseImage(ref string) (ImageRef, error) {
	base, digest, pinned := strings.Cut(ref, "@")
	tagged := strings.LastIndex(base, ":") > strings.LastIndex(base, "/")
	var out ImageRef
	if pinned {
		d, err := name.NewDigest(ref)
		if err != nil {
			return ImageRef{}, fmt.Errorf("invalid image reference %q: %w", ref, err)
		}
		out.Digest = d.DigestStr()
		if d.DigestStr() != digest {
			return ImageRef{}, fmt.Errorf("invalid image reference %q: bad digest", ref)
		}
	}
	t, err := name.NewTag(base)
	if err != nil {
		return ImageRef{}, fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	reg := t.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = dockerHub
	}
	out.Repository = reg + "/" + t.RepositoryStr()
	if tagged || !pinned {
		out.Tag = t.TagStr()
	}
	return out, nil
}

// Key is the lock file's key of a tagged reference: "registry/repository:tag".
func (r ImageRef) Key() string { return r.Repository + ":" + r.Tag }

// DigestRef is "registry/repository@digest".
func (r ImageRef) DigestRef() string { return r.Repository + "@" + r.Digest }

// String is the normal form: repository, then ":tag" and "@digest" when set.
func (r ImageRef) String() string {
	s := r.Repository
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}
