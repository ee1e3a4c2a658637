// Package resolve answers the network questions of a whole harden run:
// image reference → digest and configuration, URL → checksum. It
// implements transform.Resolver over two small backends (an ImageSource,
// normally internal/registry, and a URLSource, normally internal/fetch),
// with a run-wide cache, shared in-flight lookups, a bound on concurrent
// network lookups, and the lock file behind it.
//
// # Policy
//
// Lock first: a key the lock file holds is answered from it, with no
// network, so runs are reproducible. The network is asked only for keys
// the lock lacks, and every answer it gives is recorded in the lock.
//   - Options.Update re-resolves every tag and URL from the network (for
//     --update-digests); configurations are keyed by digest, which never
//     changes meaning, so they still come from the lock when it has them.
//   - Options.Offline answers from the lock alone: a key it lacks is an
//     error wrapping ErrNotInLock that names the key ("image
//     docker.io/library/python:3.12: not in lock file"). Offline wins over
//     Update. A configuration missing from the lock is not an error
//     offline: Image returns the digest with a nil Config.
//
// A reference pinned by digest ("python:3.12@sha256:…") is not resolved:
// its digest is the answer, and only its configuration is looked up. To
// re-resolve a pinned tag, ask for the tag alone.
//
// Each distinct key is resolved at most once per Resolver, however many
// files ask, and concurrent lookups of one key share a single request.
// Failures are remembered too (a registry that timed out once is not asked
// again by the next thousand files), except a lookup abandoned because
// every caller waiting for it gave up: the next caller tries again.
//
// The Resolver never writes files: Lock and LockFile give the lock's new
// content and whether it changed, for the caller to show or write.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/harden-dev/harden/transform"
)

// ImageSource answers image questions, normally from a registry
// (internal/registry). Implementations must be safe for concurrent use and
// should wrap ErrNotFound, ErrUnauthorized or ErrTimeout into their errors.
type ImageSource interface {
	// Digest returns the digest ("sha256:…") the tag of ref points to, as
	// the registry serves it (the index digest of a multi-platform image).
	// ref is normalised: "docker.io/library/python:3.12-slim".
	Digest(ctx context.Context, ref string) (string, error)
	// Config returns the configuration of the image ref names by digest
	// ("docker.io/library/python@sha256:…"): for an index, the linux/amd64
	// image's. nil with no error means the artifact has no image
	// configuration.
	Config(ctx context.Context, ref string) (*transform.ImageConfig, error)
}

// TagSource lists a repository's tags, normally internal/registry. An
// ImageSource that also implements it answers Resolver.Tags online.
type TagSource interface {
	// Tags lists every tag of repository ("docker.io/library/nginx"),
	// following the registry's pagination.
	Tags(ctx context.Context, repository string) ([]string, error)
}

// ManifestSource describes manifests by digest, normally
// internal/registry. An ImageSource that also implements it answers
// Resolver.Manifest online.
type ManifestSource interface {
	// Manifest describes the manifest ref names by digest
	// ("docker.io/library/python@sha256:…"): an index's platforms, or an
	// image's platform (see transform.Manifest).
	Manifest(ctx context.Context, ref string) (transform.Manifest, error)
}

// URLSource downloads URLs, normally internal/fetch. Implementations must
// be safe for concurrent use.
type URLSource interface {
	// Fetch returns the sha256 (lowercase hex) and size of url's content.
	Fetch(ctx context.Context, url string) (transform.Download, error)
}

// DefaultJobs is the default bound on concurrent network lookups.
const DefaultJobs = 8

// Options configure a Resolver.
type Options struct {
	// Images and URLs are the network backends. A nil backend makes
	// lookups that need it fail (answers from the lock still work).
	Images ImageSource
	URLs   URLSource
	// Lock is the lock file read at the start of the run; nil is an empty
	// lock. The Resolver works on a copy.
	Lock *Lock
	// Offline answers from the lock alone.
	Offline bool
	// Update re-resolves tags and URLs the lock already holds.
	Update bool
	// SkipConfigs does not fetch image configurations (configurations the
	// lock holds are still returned): for runs in which no fix reads them,
	// it saves the requests.
	SkipConfigs bool
	// Jobs bounds the network lookups in flight; 0 means DefaultJobs.
	Jobs int
	// Progress, when set, gets one line per network lookup as it starts
	// ("resolving docker.io/library/python:3.12-slim…"). The CLI connects
	// it to stderr when stderr is a terminal. Writes are serialised.
	Progress io.Writer
}

// Resolver implements transform.Resolver for one run. It is safe for
// concurrent use.
type Resolver struct {
	images      ImageSource
	urls        URLSource
	offline     bool
	update      bool
	skipConfigs bool
	sem         chan struct{}

	progressMu sync.Mutex
	progress   io.Writer

	mu       sync.Mutex
	initial  []byte             // the loaded lock, marshalled
	lock     *Lock              // the loaded lock plus this run's answers
	flights  map[string]*flight // every lookup of the run, by kind and key
	used     map[string]bool    // digests returned by Image in this run
	replaced map[string]bool    // digests Update replaced in lock.Images
}

var (
	_ transform.Resolver         = (*Resolver)(nil)
	_ transform.ManifestResolver = (*Resolver)(nil)
)

// New returns a Resolver configured by opts.
func New(opts Options) *Resolver {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = DefaultJobs
	}
	lock := NewLock()
	if opts.Lock != nil {
		lock = opts.Lock.Clone()
	}
	return &Resolver{
		images:      opts.Images,
		urls:        opts.URLs,
		offline:     opts.Offline,
		update:      opts.Update,
		skipConfigs: opts.SkipConfigs,
		sem:         make(chan struct{}, jobs),
		progress:    opts.Progress,
		initial:     lock.Marshal(),
		lock:        lock,
		flights:     map[string]*flight{},
		used:        map[string]bool{},
		replaced:    map[string]bool{},
	}
}

// Image resolves an image reference to its digest and configuration; see
// the package documentation for where the answers come from. Errors are
// *LookupError values naming the normalised key.
func (r *Resolver) Image(ctx context.Context, ref string) (transform.Image, error) {
	ir, err := ParseImage(ref)
	if err != nil {
		return transform.Image{}, &LookupError{Kind: "image", Key: ref, Err: err}
	}
	digest := ir.Digest
	if digest == "" {
		v, err := r.do(ctx, "image "+ir.Key(), func(ctx context.Context) (any, error) {
			return r.resolveDigest(ctx, ir.Key())
		})
		if err != nil {
			return transform.Image{}, err
		}
		digest = v.(string)
	}
	r.mu.Lock()
	r.used[digest] = true
	cfg, ok := r.lock.Configs[digest]
	r.mu.Unlock()
	img := transform.Image{Digest: digest}
	switch {
	case ok:
		cfg = cloneConfig(cfg)
		img.Config = &cfg
	case r.offline || r.skipConfigs:
	default:
		ref := ir.Repository + "@" + digest
		v, err := r.do(ctx, "config "+digest, func(ctx context.Context) (any, error) {
			return r.resolveConfig(ctx, ref, digest)
		})
		if err != nil {
			return transform.Image{}, err
		}
		if c := v.(*transform.ImageConfig); c != nil {
			cc := cloneConfig(*c)
			img.Config = &cc
		}
	}
	return img, nil
}

// Tags lists the tags of the repository an image reference names
// ("nginx", "ghcr.io/o/r:v1": the tag is ignored), sorted. Online the
// registry is asked once per run; offline the answer is the tags the lock
// file records for that repository, which are the tags earlier runs
// resolved. Errors are *LookupError values.
func (r *Resolver) Tags(ctx context.Context, ref string) ([]string, error) {
	ir, err := ParseImage(ref)
	if err != nil {
		return nil, &LookupError{Kind: "tags", Key: ref, Err: err}
	}
	v, err := r.do(ctx, "tags "+ir.Repository, func(ctx context.Context) (any, error) {
		return r.listTags(ctx, ir.Repository)
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(v.([]string)), nil
}

func (r *Resolver) listTags(ctx context.Context, repository string) ([]string, error) {
	if r.offline {
		r.mu.Lock()
		defer r.mu.Unlock()
		var tags []string
		for key := range r.lock.Images {
			// The tag follows the last colon: the registry may have a port.
			if i := strings.LastIndex(key, ":"); i > 0 && key[:i] == repository {
				tags = append(tags, key[i+1:])
			}
		}
		slices.Sort(tags)
		return tags, nil
	}
	lister, ok := r.images.(TagSource)
	if !ok {
		return nil, &LookupError{Kind: "tags", Key: repository, Err: errors.New("the registry backend cannot list tags")}
	}
	release, err := r.acquire(ctx)
	if err != nil {
		return nil, &LookupError{Kind: "tags", Key: repository, Err: err}
	}
	defer release()
	r.report("listing the tags of " + repository + "…")
	tags, err := lister.Tags(ctx, repository)
	if err != nil {
		return nil, &LookupError{Kind: "tags", Key: repository, Err: err}
	}
	tags = slices.Clone(tags)
	slices.Sort(tags)
	return slices.Compact(tags), nil
}

// Manifest describes the manifest an image reference pinned by digest
// names ("python:3.12@sha256:…"; the tag is ignored). A digest names the
// same content forever, so the lock answers first even under Update: its
// manifests entry, else an index it records that lists the digest as a
// platform's image. Offline, a digest the lock knows neither way is an
// error wrapping ErrNotInLock. Errors are *LookupError values.
func (r *Resolver) Manifest(ctx context.Context, ref string) (transform.Manifest, error) {
	ir, err := ParseImage(ref)
	if err == nil && ir.Digest == "" {
		err = errors.New("not pinned by digest")
	}
	if err != nil {
		return transform.Manifest{}, &LookupError{Kind: "manifest", Key: ref, Err: err}
	}
	digest := ir.Digest
	v, err := r.do(ctx, "manifest "+digest, func(ctx context.Context) (any, error) {
		r.mu.Lock()
		m, ok := r.lock.Manifests[digest]
		if !ok {
			m, ok = r.childOf(digest)
		}
		r.mu.Unlock()
		if ok {
			return cloneManifest(m), nil
		}
		key := ir.Repository + "@" + digest
		fail := func(err error) (any, error) { return nil, &LookupError{Kind: "manifest", Key: key, Err: err} }
		if r.offline {
			return fail(ErrNotInLock)
		}
		src, ok := r.images.(ManifestSource)
		if !ok {
			return fail(errors.New("the registry backend cannot read manifests"))
		}
		release, err := r.acquire(ctx)
		if err != nil {
			return fail(err)
		}
		defer release()
		r.report("reading the manifest of " + key + "…")
		m, err = src.Manifest(ctx, key)
		if err != nil {
			return fail(err)
		}
		m = cloneManifest(m)
		r.mu.Lock()
		r.lock.Manifests[digest] = m
		r.mu.Unlock()
		return cloneManifest(m), nil
	})
	if err != nil {
		return transform.Manifest{}, err
	}
	return cloneManifest(v.(transform.Manifest)), nil
}

// childOf finds digest among the platforms of an index the lock records:
// a platform's image, then, is known without asking. Called under r.mu.
func (r *Resolver) childOf(digest string) (transform.Manifest, bool) {
	found := ""
	for _, m := range r.lock.Manifests {
		for p, d := range m.Platforms {
			if d != digest {
				continue
			}
			if found != "" && found != p {
				return transform.Manifest{}, false // two platforms: cannot tell
			}
			found = p
		}
	}
	return transform.Manifest{Platform: found}, found != ""
}

// URL returns the checksum of a URL's content. An answer from the lock has
// Size -1: the lock file records only the checksum.
func (r *Resolver) URL(ctx context.Context, url string) (transform.Download, error) {
	v, err := r.do(ctx, "url "+url, func(ctx context.Context) (any, error) {
		return r.fetchURL(ctx, url)
	})
	if err != nil {
		return transform.Download{}, err
	}
	return v.(transform.Download), nil
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (r *Resolver) resolveDigest(ctx context.Context, key string) (string, error) {
	return lockFirst(r, ctx, "image", key, func() (string, bool) {
		d, ok := r.lock.Images[key]
		return d, ok
	}, r.images == nil, "no registry configured", "resolving "+key+"…", func(ctx context.Context) (string, error) {
		d, err := r.images.Digest(ctx, key)
		if err == nil && !digestRE.MatchString(d) {
			err = fmt.Errorf("registry returned a malformed digest %q", d)
		}
		return d, err
	}, func(d string) {
		if old, ok := r.lock.Images[key]; ok && old != d {
			r.replaced[old] = true
		}
		r.lock.Images[key] = d
	})
}

func (r *Resolver) resolveConfig(ctx context.Context, ref, digest string) (*transform.ImageConfig, error) {
	fail := func(err error) (*transform.ImageConfig, error) {
		return nil, &LookupError{Kind: "config", Key: ref, Err: err}
	}
	if r.images == nil {
		return fail(errors.New("no registry configured"))
	}
	release, err := r.acquire(ctx)
	if err != nil {
		return fail(err)
	}
	defer release()
	r.report("reading the configuration of " + ref + "…")
	c, err := r.images.Config(ctx, ref)
	if err != nil {
		return fail(err)
	}
	if c == nil {
		return nil, nil
	}
	cc := cloneConfig(*c)
	r.mu.Lock()
	r.lock.Configs[digest] = cc
	r.mu.Unlock()
	return &cc, nil
}

func (r *Resolver) fetchURL(ctx context.Context, url string) (transform.Download, error) {
	return lockFirst(r, ctx, "url", url, func() (transform.Download, bool) {
		sum, ok := r.lock.URLs[url]
		return transform.Download{SHA256: strings.TrimPrefix(sum, "sha256:"), Size: -1}, ok
	}, r.urls == nil, "no URL fetcher configured", "fetching "+url+"…", func(ctx context.Context) (transform.Download, error) {
		d, err := r.urls.Fetch(ctx, url)
		if err == nil && !hexSHA256.MatchString(d.SHA256) {
			err = fmt.Errorf("fetcher returned a malformed sha256 %q", d.SHA256)
		}
		return d, err
	}, func(d transform.Download) { r.lock.URLs[url] = "sha256:" + d.SHA256 })
}

// lockFirst is the policy of the package for one key: the lock's answer
// (looked up by fromLock under r.mu) unless Update asks again, the lock
// alone when Offline, else (unless noBackend, which fails with that
// message) the network through ask, bounded by Jobs, with record storing
// the answer in the lock (under r.mu). Failures are *LookupError values of
// kind and key.
func lockFirst[T any](r *Resolver, ctx context.Context, kind, key string, fromLock func() (T, bool),
	noBackend bool, noBackendMsg, progress string, ask func(context.Context) (T, error), record func(T)) (T, error) {
	var zero T
	fail := func(err error) (T, error) { return zero, &LookupError{Kind: kind, Key: key, Err: err} }
	r.mu.Lock()
	v, ok := fromLock()
	r.mu.Unlock()
	if ok && (!r.update || r.offline) {
		return v, nil
	}
	if r.offline {
		return fail(ErrNotInLock)
	}
	if noBackend {
		return fail(errors.New(noBackendMsg))
	}
	release, err := r.acquire(ctx)
	if err != nil {
		return fail(err)
	}
	defer release()
	r.report(progress)
	v, err = ask(ctx)
	if err != nil {
		return fail(err)
	}
	r.mu.Lock()
	record(v)
	r.mu.Unlock()
	return v, nil
}

// acquire takes one of the Jobs slots for a network lookup.
func (r *Resolver) acquire(ctx context.Context) (release func(), err error) {
	select {
	case r.sem <- struct{}{}:
		return func() { <-r.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *Resolver) report(line string) {
	if r.progress == nil {
		return
	}
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	_, _ = io.WriteString(r.progress, line+"\n")
}

// Lock returns a copy of the lock as it is now: the loaded lock plus this
// run's answers. Entries this run did not use are kept (a run over some of
// the files must not forget the others' entries), except configurations of
// digests that Update replaced and nothing references any more.
func (r *Resolver) Lock() *Lock {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.lock.Clone()
	if len(r.replaced) > 0 {
		current := map[string]bool{}
		for _, d := range l.Images {
			current[d] = true
		}
		for d := range r.replaced {
			if !current[d] && !r.used[d] {
				delete(l.Configs, d)
			}
		}
	}
	return l
}

// LockFile returns the lock file's new content and whether it differs from
// the lock the run started with (compared as marshalled, so a hand-edited
// file with the same entries is unchanged).
func (r *Resolver) LockFile() (data []byte, changed bool) {
	data = r.Lock().Marshal()
	return data, string(data) != string(r.initial)
}

// flight is one lookup, shared by every caller that asks for its key.
type flight struct {
	done    chan struct{} // closed when val and err are set
	val     any
	err     error
	waiters int                // callers waiting now
	cancel  context.CancelFunc // stops the lookup
}

// do runs fn once per key for the life of the Resolver and returns its
// result to every caller. fn runs under a context of its own that keeps the
// first caller's values but is cancelled only when every caller waiting for
// it has given up; such an abandoned flight is forgotten, so that the next
// caller starts a new one.
func (r *Resolver) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	r.mu.Lock()
	f, ok := r.flights[key]
	if !ok {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		r.flights[key] = f
		go func() {
			defer cancel()
			f.val, f.err = fn(fctx)
			close(f.done)
		}()
	}
	f.waiters++
	r.mu.Unlock()
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		r.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			select {
			case <-f.done: // finished meanwhile: keep the answer
			default:
				f.cancel()
				if r.flights[key] == f {
					delete(r.flights, key)
				}
			}
		}
		r.mu.Unlock()
		return nil, ctx.Err()
	}
}
