// Package config reads harden's configuration file, .harden.yaml.
//
// A Dockerfile's configuration is the .harden.yaml found first walking up
// from its directory (stopping at the root of the git repository that holds
// it), or the file given with --config. Every key is optional:
//
//	select: [non-root-user]          # fixes to run (names or IDs; ALL)
//	ignore: [DL3002]                 # fixes not to run
//	unsafe: false                    # also apply the fixes marked unsafe
//	user:                            # the user non-root-user creates
//	  name: app
//	  uid: 10001
//	  gid: 10001
//	lock: harden.lock                # lock file, relative to this file
//	registry:
//	  jobs: 8                        # network lookups in flight
//	  timeout: 30s                   # one lookup or download
//	  insecure: [localhost:5000]     # registries reached over plain HTTP
//	runtime-images:                  # multi-stage runtime image per builder
//	  - builder: golang
//	    runtime: gcr.io/distroless/static-debian12
//	overrides:                       # later entries win
//	  - paths: ["legacy/**", "*.dev.Dockerfile"]
//	    ignore: [non-root-user]
//
// A key harden does not know, or a value of the wrong type, is an error
// naming the file and the line. Command-line flags win over the file.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/harden-dev/harden/transform"
)

// FileName is the name of the configuration file searched for.
const FileName = ".harden.yaml"

// Error is a problem in a configuration file, at a line (0 when the file
// as a whole).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// File is one configuration file as read. Unset keys are nil.
type File struct {
	// Path is the file read; Dir its directory, against which lock and
	// override paths are relative.
	Path, Dir string
	Settings
	Lock     *string
	Registry Registry
	// RuntimeImages is the multi-stage runtime-image table.
	RuntimeImages []transform.RuntimeImage
	Overrides     []Override
}

// Settings are the keys that apply per Dockerfile, at the top level of the
// file and in overrides.
type Settings struct {
	Select, Ignore *[]string
	Unsafe         *bool
	User           *transform.User
}

// Registry are the network settings of a run.
type Registry struct {
	Jobs     *int
	Timeout  *time.Duration
	Insecure *[]string
}

// Override is settings for the Dockerfiles matching any of Paths.
type Override struct {
	// Paths are glob patterns relative to the file's directory, slash
	// separated: * and ? within a path element, ** across elements; a
	// pattern without a slash matches the file's base name at any depth.
	Paths []string
	Settings
}

// Load reads and parses a configuration file.
func Load(file string) (*File, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(file, data)
}

// Parse parses the configuration file at path whose content is data.
func Parse(file string, data []byte) (*File, error) {
	f := &File{Path: file, Dir: filepath.Dir(file)}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(file, err)
	}
	if len(doc.Content) == 0 { // empty file
		return f, nil
	}
	d := &decoder{file: file}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return f, nil
	}
	if !d.mapping(root, "the configuration", func(key string, k, v *yaml.Node) error {
		switch key {
		case "lock":
			s, err := d.str(v, key)
			f.Lock = &s
			return err
		case "registry":
			return d.registry(v, &f.Registry)
		case "runtime-images":
			return d.runtimeImages(v, &f.RuntimeImages)
		case "overrides":
			return d.overrides(v, &f.Overrides)
		}
		return d.settings(key, k, v, &f.Settings, "select, ignore, unsafe, user, lock, registry, runtime-images, overrides")
	}) {
		return nil, d.err
	}
	return f, nil
}

// yamlError turns a YAML syntax error ("yaml: line N: msg") into an Error.
func yamlError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: m[2]}
	}
	return &Error{File: file, Msg: msg}
}

// decoder decodes yaml.Nodes strictly, keeping the first error.
type decoder struct {
	file string
	err  error
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{File: d.file, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

// mapping calls each for every key of a mapping node, in order, refusing
// duplicate keys. It reports whether all went well (else d.err is set).
func (d *decoder) mapping(n *yaml.Node, what string, each func(key string, k, v *yaml.Node) error) bool {
	if n.Kind != yaml.MappingNode {
		d.err = d.errorf(n, "%s must be a mapping of keys to values, not %s", what, kind(n))
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.err = d.errorf(k, "a key must be a plain string")
			return false
		}
		if seen[k.Value] {
			d.err = d.errorf(k, "%q is set twice", k.Value)
			return false
		}
		seen[k.Value] = true
		if err := each(k.Value, k, v); err != nil {
			d.err = err
			return false
		}
	}
	return true
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "empty"
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	}
	return strconv.Quote(n.Value)
}

// settings decodes one per-Dockerfile key; known lists the keys of the
// enclosing mapping for the unknown-key error.
func (d *decoder) settings(key string, k, v *yaml.Node, s *Settings, known string) error {
	switch key {
	case "select":
		l, err := d.strList(v, key)
		s.Select = &l
		return err
	case "ignore":
		l, err := d.strList(v, key)
		s.Ignore = &l
		return err
	case "unsafe":
		b, err := d.boolean(v, key)
		s.Unsafe = &b
		return err
	case "user":
		u, err := d.user(v)
		s.User = u
		return err
	}
	return d.errorf(k, "unknown key %q (known: %s)", key, known)
}

func (d *decoder) scalar(v *yaml.Node, key, want string) error {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return d.errorf(v, "%s: want %s, not %s", key, want, kind(v))
	}
	return nil
}

func (d *decoder) str(v *yaml.Node, key string) (string, error) {
	if err := d.scalar(v, key, "a string"); err != nil {
		return "", err
	}
	if v.Tag != "!!str" {
		return "", d.errorf(v, "%s: want a string, not %s", key, kind(v))
	}
	if v.Value == "" {
		return "", d.errorf(v, "%s: empty", key)
	}
	return v.Value, nil
}

func (d *decoder) boolean(v *yaml.Node, key string) (bool, error) {
	if err := d.scalar(v, key, "true or false"); err != nil {
		return false, err
	}
	if v.Tag != "!!bool" {
		return false, d.errorf(v, "%s: want true or false, not %s", key, kind(v))
	}
	var b bool
	err := v.Decode(&b)
	return b, err
}

func (d *decoder) integer(v *yaml.Node, key string, lo, hi int) (int, error) {
	if err := d.scalar(v, key, "a whole number"); err != nil {
		return 0, err
	}
	if v.Tag != "!!int" {
		return 0, d.errorf(v, "%s: want a whole number, not %s", key, kind(v))
	}
	var i int
	if err := v.Decode(&i); err != nil || i < lo || i > hi {
		return 0, d.errorf(v, "%s: want a whole number from %d to %d, not %s", key, lo, hi, v.Value)
	}
	return i, nil
}

// strList is a list of strings; a single string is a list of one.
func (d *decoder) strList(v *yaml.Node, key string) ([]string, error) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
		return []string{v.Value}, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, d.errorf(v, "%s: want a list of strings, not %s", key, kind(v))
	}
	out := []string{}
	for _, e := range v.Content {
		s, err := d.str(e, key+" entry")
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// userName is what useradd and adduser accept everywhere.
var userName = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,30}$`)

func (d *decoder) user(v *yaml.Node) (*transform.User, error) {
	u := &transform.User{}
	var err error
	if !d.mapping(v, "user", func(key string, k, v *yaml.Node) error {
		switch key {
		case "name":
			if u.Name, err = d.str(v, "user.name"); err != nil {
				return err
			}
			if !userName.MatchString(u.Name) {
				return d.errorf(v, "user.name: %q is not a portable user name (lower case letters, digits, _ and -, starting with a letter or _, at most 31)", u.Name)
			}
		case "uid":
			u.UID, err = d.integer(v, "user.uid", 1, 2147483646)
		case "gid":
			u.GID, err = d.integer(v, "user.gid", 1, 2147483646)
		default:
			return d.errorf(k, "unknown key %q in user (known: name, uid, gid)", key)
		}
		return err
	}) {
		return nil, d.err
	}
	return u, nil
}

func (d *decoder) registry(v *yaml.Node, r *Registry) error {
	if !d.mapping(v, "registry", func(key string, k, v *yaml.Node) error {
		switch key {
		case "jobs":
			j, err := d.integer(v, "registry.jobs", 1, 1024)
			r.Jobs = &j
			return err
		case "timeout":
			s, err := d.str(v, "registry.timeout")
			if err != nil {
				return err
			}
			t, err := time.ParseDuration(s)
			if err != nil || t <= 0 {
				return d.errorf(v, "registry.timeout: want a duration such as 30s or 2m, not %q", s)
			}
			r.Timeout = &t
		case "insecure":
			l, err := d.strList(v, "registry.insecure")
			r.Insecure = &l
			return err
		default:
			return d.errorf(k, "unknown key %q in registry (known: jobs, timeout, insecure)", key)
		}
		return nil
	}) {
		return d.err
	}
	return nil
}

func (d *decoder) runtimeImages(v *yaml.Node, out *[]transform.RuntimeImage) error {
	if v.Kind != yaml.SequenceNode {
		return d.errorf(v, "runtime-images: want a list of {builder, runtime}, not %s", kind(v))
	}
	for _, e := range v.Content {
		var ri transform.RuntimeImage
		if !d.mapping(e, "a runtime-images entry", func(key string, k, v *yaml.Node) error {
			var err error
			switch key {
			case "builder":
				ri.Builder, err = d.str(v, "runtime-images.builder")
			case "runtime":
				ri.Runtime, err = d.str(v, "runtime-images.runtime")
			default:
				return d.errorf(k, "unknown key %q in runtime-images (known: builder, runtime)", key)
			}
			return err
		}) {
			return d.err
		}
		if ri.Builder == "" || ri.Runtime == "" {
			return d.errorf(e, "runtime-images: an entry needs both builder and runtime")
		}
		*out = append(*out, ri)
	}
	return nil
}

func (d *decoder) overrides(v *yaml.Node, out *[]Override) error {
	if v.Kind != yaml.SequenceNode {
		return d.errorf(v, "overrides: want a list, not %s", kind(v))
	}
	for _, e := range v.Content {
		var o Override
		if !d.mapping(e, "an overrides entry", func(key string, k, v *yaml.Node) error {
			if key == "paths" {
				l, err := d.strList(v, "overrides.paths")
				if err != nil {
					return err
				}
				for _, p := range l {
					if _, err := path.Match(strings.ReplaceAll(p, "**", "*"), ""); err != nil {
						return d.errorf(v, "overrides.paths: bad pattern %q", p)
					}
				}
				o.Paths = l
				return nil
			}
			return d.settings(key, k, v, &o.Settings, "paths, select, ignore, unsafe, user")
		}) {
			return d.err
		}
		if len(o.Paths) == 0 {
			return d.errorf(e, "overrides: an entry needs paths")
		}
		*out = append(*out, o)
	}
	return nil
}

// Find returns the configuration file for a Dockerfile in dir: the first
// .harden.yaml walking up from dir, stopping after the root of the git
// repository (a directory holding .git); "" when there is none.
func Find(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(abs, FileName)
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.Mode().IsRegular():
			return p, nil
		case err == nil:
			return "", fmt.Errorf("%s is not a regular file", p)
		case !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
		if _, err := os.Lstat(filepath.Join(abs, ".git")); err == nil {
			return "", nil
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", nil
		}
		abs = parent
	}
}

// Loader finds and reads the configuration of Dockerfiles, reading each
// file once; it is safe for concurrent use.
type Loader struct {
	// Fixed, when not "", is the one configuration file of every
	// Dockerfile (--config).
	Fixed string

	mu    sync.Mutex
	dirs  map[string]string // directory -> configuration file ("" for none)
	files map[string]loaded
}

type loaded struct {
	f   *File
	err error
}

// For returns the configuration file of the Dockerfile at path (nil
// when there is none); "-" (standard input) is taken from the current
// directory.
func (l *Loader) For(dockerfile string) (*File, error) {
	dir := "."
	if dockerfile != "-" {
		dir = filepath.Dir(dockerfile)
	}
	name := l.Fixed
	if name == "" {
		var err error
		if name, err = l.find(dir); err != nil || name == "" {
			return nil, err
		}
	}
	return l.load(name)
}

func (l *Loader) find(dir string) (string, error) {
	l.mu.Lock()
	name, ok := l.dirs[dir]
	l.mu.Unlock()
	if ok {
		return name, nil
	}
	name, err := Find(dir)
	if err != nil {
		return "", err
	}
	if wd, err := os.Getwd(); err == nil && name != "" {
		// Named as the user sees it: relative to the working directory
		// when inside it.
		if rel, err := filepath.Rel(wd, name); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
	}
	l.mu.Lock()
	if l.dirs == nil {
		l.dirs = map[string]string{}
	}
	l.dirs[dir] = name
	l.mu.Unlock()
	return name, nil
}

func (l *Loader) load(name string) (*File, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.files[name]; ok {
		return r.f, r.err
	}
	f, err := Load(name)
	if l.files == nil {
		l.files = map[string]loaded{}
	}
	l.files[name] = loaded{f, err}
	return f, err
}

// Effective is the configuration that applies to one Dockerfile: the
// file's top-level settings with every matching override laid over them in
// order.
type Effective struct {
	// Source is the configuration file ("" for none); Overrides the
	// indexes of the overrides that matched.
	Source    string
	Overrides []int
	Settings
}

// For returns the settings of the Dockerfile at path (relative to the
// working directory, or absolute).
func (f *File) For(dockerfile string) Effective {
	e := Effective{Source: f.Path, Settings: f.Settings}
	rel := relTo(f.Dir, dockerfile)
	for i, o := range f.Overrides {
		if !o.matches(rel) {
			continue
		}
		e.Overrides = append(e.Overrides, i)
		if o.Select != nil {
			e.Select = o.Select
		}
		if o.Ignore != nil {
			e.Ignore = o.Ignore
		}
		if o.Unsafe != nil {
			e.Unsafe = o.Unsafe
		}
		if o.User != nil { // field by field: an override may change the name only
			u := transform.User{}
			if e.User != nil {
				u = *e.User
			}
			if o.User.Name != "" {
				u.Name = o.User.Name
			}
			if o.User.UID != 0 {
				u.UID = o.User.UID
			}
			if o.User.GID != 0 {
				u.GID = o.User.GID
			}
			e.User = &u
		}
	}
	return e
}

// LockPath is the lock file the configuration names, relative to the
// configuration file's directory; "" when none.
func (f *File) LockPath() string {
	if f == nil || f.Lock == nil {
		return ""
	}
	if filepath.IsAbs(*f.Lock) {
		return *f.Lock
	}
	return filepath.Join(f.Dir, filepath.FromSlash(*f.Lock))
}

// relTo is p relative to dir, slash separated; p itself when it is not
// inside dir.
func relTo(dir, p string) string {
	ad, err1 := filepath.Abs(dir)
	ap, err2 := filepath.Abs(p)
	if err1 == nil && err2 == nil {
		if r, err := filepath.Rel(ad, ap); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(p)
}

func (o *Override) matches(rel string) bool {
	for _, p := range o.Paths {
		if Match(p, rel) {
			return true
		}
	}
	return false
}

// Match reports whether the slash-separated path name matches pattern: *
// and ? and [...] match within one element (path.Match), ** matches any
// number of elements, and a pattern without a slash matches the base name
// at any depth. A leading "./" or "/" anchors nothing more than no prefix.
func Match(pattern, name string) bool {
	pattern = strings.TrimPrefix(strings.TrimPrefix(pattern, "./"), "/")
	if !strings.Contains(pattern, "/") {
		ok, _ := path.Match(pattern, path.Base(name))
		return ok
	}
	return matchParts(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchParts(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
