// Package registry asks container registries what an image reference
// points to: the digest of a tag, and the configuration of an image. It is
// the resolve.ImageSource harden uses online, built on
// github.com/google/go-containerregistry.
//
// A digest comes from a HEAD request (the Docker-Content-Digest header), or
// from a GET of the manifest when a registry's HEAD does not give it; it is
// the digest of what the tag points to as served, so the index (manifest
// list) digest of a multi-platform image. Credentials come from a keychain,
// by default the user's Docker configuration (DOCKER_CONFIG, credential
// helpers); proxies from the environment. Requests are retried on 408, 429
// and 5xx answers with backoff, honouring Retry-After; each lookup has a
// timeout.
package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/harden-dev/harden/internal/fetch"
	"github.com/harden-dev/harden/internal/resolve"
	"github.com/harden-dev/harden/transform"
)

// DefaultTimeout bounds one lookup (a digest, or a configuration) when
// Options.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// Options configure a Registry. The zero value is ready to use.
type Options struct {
	// Keychain finds credentials per registry; nil means
	// authn.DefaultKeychain (the Docker configuration in DOCKER_CONFIG or
	// ~/.docker, with its credential helpers, then Podman's auth file).
	Keychain authn.Keychain
	// Insecure lists registries ("host" or "host:port") reached over
	// plain HTTP. (go-containerregistry already falls back to HTTP for
	// localhost, 127.0.0.0/8 and private addresses.)
	Insecure []string
	// Transport sends requests; nil means go-containerregistry's default
	// transport, which takes proxies from the environment. Retries are
	// added on top of it.
	Transport http.RoundTripper
	// Timeout bounds one lookup; 0 means DefaultTimeout.
	Timeout time.Duration
	// Attempts and Backoff tune the retries (see fetch.Retry); 0 means its
	// defaults (4 attempts, 250ms doubling).
	Attempts int
	Backoff  time.Duration
	// UserAgent is added to go-containerregistry's; "" means "harden".
	UserAgent string
}

// Registry answers digest and configuration lookups. It is safe for
// concurrent use. It pings each registry once and reuses authentication
// per repository.
type Registry struct {
	puller   *remote.Puller
	insecure map[string]bool
	timeout  time.Duration
}

var (
	_ resolve.ImageSource    = (*Registry)(nil)
	_ resolve.TagSource      = (*Registry)(nil)
	_ resolve.ManifestSource = (*Registry)(nil)
)

// New returns a Registry configured by opts.
func New(opts Options) (*Registry, error) {
	keychain := opts.Keychain
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	base := opts.Transport
	if base == nil {
		base = remote.DefaultTransport
	}
	ua := opts.UserAgent
	if ua == "" {
		ua = "harden"
	}
	puller, err := remote.NewPuller(
		remote.WithAuthFromKeychain(keychain),
		// Our own retries, which honour Retry-After and stop waiting when
		// the context ends; go-containerregistry's are switched off.
		remote.WithTransport(&pingCache{
			inner:   &fetch.Retry{Base: base, Attempts: opts.Attempts, Backoff: opts.Backoff},
			entries: map[string]*pingEntry{},
		}),
		remote.WithRetryPredicate(func(error) bool { return false }),
		remote.WithRetryStatusCodes(),
		remote.WithUserAgent(ua),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}),
	)
	if err != nil {
		return nil, err
	}
	r := &Registry{puller: puller, insecure: map[string]bool{}, timeout: opts.Timeout}
	if r.timeout <= 0 {
		r.timeout = DefaultTimeout
	}
	for _, h := range opts.Insecure {
		reg, err := name.NewRegistry(h)
		if err != nil {
			return nil, fmt.Errorf("insecure registry %q: %w", h, err)
		}
		r.insecure[reg.RegistryStr()] = true
	}
	return r, nil
}

// parse reads a reference, marking it insecure when its registry is.
func (r *Registry) parse(ref string) (name.Reference, error) {
	n, err := name.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	if r.insecure[n.Context().RegistryStr()] {
		return name.ParseReference(ref, name.Insecure)
	}
	return n, nil
}

// Digest returns the digest ref's tag points to as the registry serves it:
// HEAD first, GET when the HEAD answer has no Docker-Content-Digest. A
// reference that carries a digest is returned as it is. Errors wrap
// resolve.ErrNotFound, resolve.ErrUnauthorized or resolve.ErrTimeout when
// they are one of those.
func (r *Registry) Digest(ctx context.Context, ref string) (string, error) {
	n, err := r.parse(ref)
	if err != nil {
		return "", err
	}
	if d, ok := n.(name.Digest); ok {
		return d.DigestStr(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	desc, err := r.puller.Head(ctx, n)
	if err == nil {
		return desc.Digest.String(), nil
	}
	if ctx.Err() != nil || final(err) {
		return "", r.classify(ctx, err)
	}
	// Some registries answer HEAD without the digest, or not at all:
	// the manifest itself tells.
	got, gerr := r.puller.Get(ctx, n)
	if gerr != nil {
		return "", r.classify(ctx, gerr)
	}
	return got.Digest.String(), nil
}

// Config returns the configuration of the image ref names by digest. For an
// index it is the linux/amd64 image's; when the index has none, the first
// amd64 image's (a Windows image), else the first image's with a real
// platform, so that its user and OS are still known. nil with no error:
// the artifact is not an image, or the index lists no image.
func (r *Registry) Config(ctx context.Context, ref string) (*transform.ImageConfig, error) {
	n, err := r.parse(ref)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	desc, err := r.puller.Get(ctx, n)
	if err != nil {
		return nil, r.classify(ctx, err)
	}
	// An index of indexes is legal; follow at most a few levels.
	for depth := 0; desc.MediaType.IsIndex(); depth++ {
		if depth == 3 {
			return nil, fmt.Errorf("%s: indexes nested too deep", ref)
		}
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, err
		}
		child, ok := pick(im.Manifests)
		if !ok {
			return nil, nil
		}
		desc, err = r.puller.Get(ctx, n.Context().Digest(child.Digest.String()))
		if err != nil {
			return nil, r.classify(ctx, err)
		}
	}
	if desc.MediaType.IsSchema1() {
		return nil, fmt.Errorf("%s: schema 1 manifests are not supported", ref)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, r.classify(ctx, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	if m.Config.MediaType != types.DockerConfigJSON && m.Config.MediaType != types.OCIConfigJSON {
		return nil, nil // an artifact (a chart, a signature): no image configuration
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, r.classify(ctx, err)
	}
	return &transform.ImageConfig{
		User:       cf.Config.User,
		Env:        nonEmpty(cf.Config.Env),
		Entrypoint: nonEmpty(cf.Config.Entrypoint),
		Cmd:        nonEmpty(cf.Config.Cmd),
		WorkingDir: cf.Config.WorkingDir,
		OS:         cf.OS,
	}, nil
}

// Manifest describes the manifest ref names by digest: for an index, the
// digest of each platform's image (attestations and unknown platforms left
// out; a platform listed twice maps to ""); for an image, its platform as
// its configuration gives it (os, architecture, variant, os.version). An
// artifact, or a schema 1 manifest, is described by neither. Errors are
// classified as for Digest.
func (r *Registry) Manifest(ctx context.Context, ref string) (transform.Manifest, error) {
	n, err := r.parse(ref)
	if err != nil {
		return transform.Manifest{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	desc, err := r.puller.Get(ctx, n)
	if err != nil {
		return transform.Manifest{}, r.classify(ctx, err)
	}
	switch {
	case desc.MediaType.IsIndex():
		idx, err := desc.ImageIndex()
		if err != nil {
			return transform.Manifest{}, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return transform.Manifest{}, err
		}
		out := transform.Manifest{Platforms: map[string]string{}}
		for _, d := range im.Manifests {
			if d.Platform == nil || !d.MediaType.IsImage() || d.Annotations["vnd.docker.reference.type"] != "" ||
				d.Platform.OS == "unknown" || d.Platform.Architecture == "unknown" {
				continue
			}
			p := Platform(d.Platform.OS, d.Platform.Architecture, d.Platform.Variant, d.Platform.OSVersion)
			if _, dup := out.Platforms[p]; dup {
				out.Platforms[p] = ""
				continue
			}
			out.Platforms[p] = d.Digest.String()
		}
		return out, nil
	case desc.MediaType.IsSchema1():
		return transform.Manifest{}, nil
	}
	img, err := desc.Image()
	if err != nil {
		return transform.Manifest{}, r.classify(ctx, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return transform.Manifest{}, err
	}
	if m.Config.MediaType != types.DockerConfigJSON && m.Config.MediaType != types.OCIConfigJSON {
		return transform.Manifest{}, nil
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return transform.Manifest{}, r.classify(ctx, err)
	}
	if cf.OS == "" || cf.Architecture == "" {
		return transform.Manifest{}, nil
	}
	return transform.Manifest{Platform: Platform(cf.OS, cf.Architecture, cf.Variant, cf.OSVersion)}, nil
}

// Platform writes a platform as transform.Manifest does:
// "os/architecture[/variant][:os.version]", without arm64's default
// variant v8.
func Platform(os, arch, variant, osVersion string) string {
	p := os + "/" + arch
	if variant != "" && !(arch == "arm64" && variant == "v8") {
		p += "/" + variant
	}
	if osVersion != "" {
		p += ":" + osVersion
	}
	return p
}

// Tags lists the tags of a repository ("docker.io/library/nginx"),
// following the registry's pagination (Link headers). Errors are classified
// as for Digest.
func (r *Registry) Tags(ctx context.Context, repository string) ([]string, error) {
	repo, err := name.NewRepository(repository)
	if err != nil {
		return nil, err
	}
	if r.insecure[repo.RegistryStr()] {
		if repo, err = name.NewRepository(repository, name.Insecure); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	tags, err := r.puller.List(ctx, repo)
	if err != nil {
		return nil, r.classify(ctx, err)
	}
	return tags, nil
}

// pick chooses the image of an index whose configuration harden reads.
func pick(ms []v1.Descriptor) (v1.Descriptor, bool) {
	cands := slices.DeleteFunc(slices.Clone(ms), func(d v1.Descriptor) bool {
		// Attestations and signatures: platform unknown/unknown, or an
		// annotation saying so.
		if d.Annotations["vnd.docker.reference.type"] != "" {
			return true
		}
		return d.Platform != nil && (d.Platform.OS == "unknown" || d.Platform.Architecture == "unknown")
	})
	prefs := []func(p *v1.Platform) bool{
		func(p *v1.Platform) bool { return p != nil && p.OS == "linux" && p.Architecture == "amd64" },
		func(p *v1.Platform) bool { return p != nil && p.Architecture == "amd64" },
		func(p *v1.Platform) bool { return true },
	}
	for _, pref := range prefs {
		for _, d := range cands {
			if pref(d.Platform) {
				return d, true
			}
		}
	}
	return v1.Descriptor{}, false
}

// final reports whether a HEAD error settles the question, so that a GET
// would only repeat it.
func final(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden:
			return true
		}
	}
	return false
}

// classify wraps err with the kind of failure it is.
func (r *Registry) classify(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) && ctx.Err() == context.Canceled {
		return err
	}
	if resolve.IsTimeout(err) {
		return fmt.Errorf("%w after %s: %w", resolve.ErrTimeout, r.timeout, err)
	}
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%w: %w", resolve.ErrNotFound, err)
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%w: %w", resolve.ErrUnauthorized, err)
		}
		for _, d := range te.Errors {
			switch d.Code {
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
				return fmt.Errorf("%w: %w", resolve.ErrNotFound, err)
			case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
				return fmt.Errorf("%w: %w", resolve.ErrUnauthorized, err)
			}
		}
	}
	return err
}

func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}
