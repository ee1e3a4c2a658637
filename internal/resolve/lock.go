package resolve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/harden-dev/harden/transform"
)

// LockVersion is the version of the lock file format this package reads
// and writes.
const LockVersion = 1

// Lock is the content of a lock file:
//
//	{
//	  "version": 1,
//	  "images": {"docker.io/library/python:3.12-slim": "sha256:…"},
//	  "urls": {"https://example.com/install.sh": "sha256:…"},
//	  "configs": {"sha256:…": {"User": "app", "Env": ["PATH=…"], "OS": "linux"}}
//	}
//
// images maps a normalised tagged reference (see ImageRef.Key) to the
// digest the tag pointed to; urls maps a URL as the Dockerfile writes it to
// the sha256 of its content; configs maps an image digest (the one in
// images, or one pinned in a Dockerfile) to the configuration fields fixes
// read, of linux/amd64 for an index. Marshal writes keys sorted, so the
// file diffs well.
type Lock struct {
	Version int                              `json:"version"`
	Images  map[string]string                `json:"images"`
	URLs    map[string]string                `json:"urls"`
	Configs map[string]transform.ImageConfig `json:"configs"`
	// Manifests maps a digest to what its manifest is (an index and its
	// platforms, or the platform of an image), for keeping pins to a
	// platform's image on that platform (--update-digests). Omitted when
	// empty.
	Manifests map[string]transform.Manifest `json:"manifests,omitempty"`
}

// NewLock returns an empty lock.
func NewLock() *Lock {
	return &Lock{
		Version:   LockVersion,
		Images:    map[string]string{},
		URLs:      map[string]string{},
		Configs:   map[string]transform.ImageConfig{},
		Manifests: map[string]transform.Manifest{},
	}
}

var (
	digestRE = regexp.MustCompile(`^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)
	sha256RE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// ParseLock reads a lock file. Empty content is an empty lock. Unknown
// fields, another version, keys not in normal form and malformed digests
// are errors that name the entry.
func ParseLock(data []byte) (*Lock, error) {
	l := NewLock()
	if len(bytes.TrimSpace(data)) == 0 {
		return l, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	l.Version = 0
	if err := dec.Decode(l); err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("lock file: data after the JSON object")
	}
	if l.Version != LockVersion {
		return nil, fmt.Errorf("lock file: version %d, want %d", l.Version, LockVersion)
	}
	for k, v := range l.Images {
		r, err := ParseImage(k)
		if err != nil || r.Digest != "" || r.Key() != k {
			return nil, fmt.Errorf("lock file: image key %q is not a normalised registry/repository:tag", k)
		}
		if !digestRE.MatchString(v) {
			return nil, fmt.Errorf("lock file: image %s: bad digest %q", k, v)
		}
	}
	for k, v := range l.URLs {
		if !sha256RE.MatchString(v) {
			return nil, fmt.Errorf("lock file: url %s: bad checksum %q (want sha256:<64 hex digits>)", k, v)
		}
	}
	for k := range l.Configs {
		if !digestRE.MatchString(k) {
			return nil, fmt.Errorf("lock file: config key %q is not a digest", k)
		}
	}
	for k, m := range l.Manifests {
		if !digestRE.MatchString(k) {
			return nil, fmt.Errorf("lock file: manifest key %q is not a digest", k)
		}
		for p, d := range m.Platforms {
			if d != "" && !digestRE.MatchString(d) {
				return nil, fmt.Errorf("lock file: manifest %s: platform %s: bad digest %q", k, p, d)
			}
		}
	}
	// Missing maps decode as nil; keep them usable.
	if l.Images == nil {
		l.Images = map[string]string{}
	}
	if l.URLs == nil {
		l.URLs = map[string]string{}
	}
	if l.Configs == nil {
		l.Configs = map[string]transform.ImageConfig{}
	}
	if l.Manifests == nil {
		l.Manifests = map[string]transform.Manifest{}
	}
	return l, nil
}

// Marshal returns the lock file's bytes: indented JSON, keys sorted, no
// HTML escaping (URLs keep their & and <), a final newline. Equal locks
// marshal to equal bytes.
func (l *Lock) Marshal() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	c := l.Clone()
	c.Version = LockVersion
	if err := enc.Encode(c); err != nil {
		// Maps of strings and of structs of strings cannot fail to encode.
		panic(err)
	}
	return buf.Bytes()
}

// Clone returns a deep copy of l.
func (l *Lock) Clone() *Lock {
	c := NewLock()
	c.Version = l.Version
	maps.Copy(c.Images, l.Images)
	maps.Copy(c.URLs, l.URLs)
	for k, v := range l.Configs {
		c.Configs[k] = cloneConfig(v)
	}
	for k, v := range l.Manifests {
		c.Manifests[k] = cloneManifest(v)
	}
	return c
}

func cloneConfig(c transform.ImageConfig) transform.ImageConfig {
	c.Env = nonEmpty(slices.Clone(c.Env))
	c.Entrypoint = nonEmpty(slices.Clone(c.Entrypoint))
	c.Cmd = nonEmpty(slices.Clone(c.Cmd))
	return c
}

// nonEmpty maps an empty slice to nil, as the lock file's omitempty does,
// so a config reads the same before and after a round trip.
func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func cloneManifest(m transform.Manifest) transform.Manifest {
	if m.Platforms != nil {
		m.Platforms = maps.Clone(m.Platforms)
	}
	return m
}
