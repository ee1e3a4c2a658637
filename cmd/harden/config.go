package main

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/harden-dev/harden/fixes"
	"github.com/harden-dev/harden/internal/config"
	"github.com/harden-dev/harden/internal/runner"
	"github.com/harden-dev/harden/transform"
)

// configFlags is the --config flag and the configuration files (.harden.yaml)
// of a run.
type configFlags struct {
	file   string
	fs     *flagSet
	loader *config.Loader
}

func (c *configFlags) register(fs *flagSet) {
	c.fs = fs
	fs.StringVar(&c.file, "config", "", "configuration `FILE` for every Dockerfile (default: the "+config.FileName+" found walking up from each Dockerfile to its repository root)")
}

// apply reads the run's configuration (--config, else the one found from
// the current directory) into the run-wide settings no flag set (lock file,
// registry), and returns the hook that configures each file.
func (c *configFlags) apply(e *env, s *selection) (func(path string, eo *transform.Options) error, error) {
	c.loader = &config.Loader{Fixed: c.file}
	run, err := c.loader.For("-")
	if err != nil {
		return nil, err
	}
	changed := c.fs.Changed
	if run != nil {
		if run.Lock != nil && !changed("lock") {
			s.svc.lock = run.LockPath()
		}
		if r := run.Registry; r.Jobs != nil && !changed("jobs") {
			s.svc.jobs = *r.Jobs
		}
		if r := run.Registry; r.Timeout != nil && !changed("timeout") {
			s.svc.timeout = *r.Timeout
		}
		if r := run.Registry; r.Insecure != nil && !changed("insecure-registry") {
			s.svc.insecure = *r.Insecure
		}
	}
	registry := e.registry()
	return func(path string, eo *transform.Options) error {
		f, err := c.loader.For(path)
		if err != nil || f == nil {
			return err
		}
		eff := f.For(path)
		selects, ignores := s.selects, s.ignores
		if eff.Select != nil && !changed("select") {
			selects = *eff.Select
		}
		if eff.Ignore != nil && !changed("ignore") {
			ignores = *eff.Ignore
		}
		if eff.Select != nil || eff.Ignore != nil {
			run, explicit, err := fixes.SelectFrom(registry, selects, ignores)
			if err != nil {
				return fmt.Errorf("%s: %w", eff.Source, err)
			}
			eo.Fixes, eo.Explicit = run, explicit
		}
		if eff.Unsafe != nil && !changed("unsafe") {
			eo.Unsafe = *eff.Unsafe
		}
		if eff.User != nil {
			eo.Config.User = *eff.User
		}
		eo.Config.RuntimeImages = f.RuntimeImages
		return nil
	}, nil
}

const configDescription = `Print the configuration that applies to a Dockerfile (or to the files of a
directory; default "."), as YAML: the ` + config.FileName + ` it comes from (found
walking up from the file to its repository root, or --config), the
overrides that matched, and every setting with the command line's flags
laid over it.`

func runConfig(e *env, name string, args []string) error {
	fs := newFlagSet(e, name, "[PATH]", configDescription)
	var sel selection
	sel.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("config takes one PATH, not %d", fs.NArg())
	}
	target := "."
	if fs.NArg() == 1 {
		target = fs.Arg(0)
	}
	configure, err := sel.cfg.apply(e, &sel)
	if err != nil {
		return err
	}
	base, err := sel.options(e)
	if err != nil {
		return err
	}
	paths := []string{target}
	if target != "-" {
		res, err := runner.Run(e.context(), []string{target}, runner.Options{Mode: runner.Check, Engine: transform.Options{}}, nil)
		if err == nil && len(res.Files) > 0 && !(len(res.Files) == 1 && res.Files[0].Path == runner.DisplayPath(target)) {
			paths = paths[:0]
			for _, f := range res.Files {
				paths = append(paths, f.Path)
			}
		}
	}
	for i, p := range paths {
		if i > 0 {
			fmt.Fprintln(e.stdout, "---")
		}
		eo := base
		if err := configure(p, &eo); err != nil {
			return err
		}
		f, _ := sel.cfg.loader.For(p)
		if err := printEffective(e, p, f, &sel, eo); err != nil {
			return err
		}
	}
	return nil
}

// effective is what `harden config` prints.
type effective struct {
	Path      string   `yaml:"path"`
	Source    string   `yaml:"config"`
	Overrides []string `yaml:"overrides-matched,omitempty"`
	Fixes     []string `yaml:"fixes"`
	Unsafe    bool     `yaml:"unsafe"`
	User      struct {
		Name string `yaml:"name"`
		UID  int    `yaml:"uid"`
		GID  int    `yaml:"gid"`
	} `yaml:"user"`
	Lock     string `yaml:"lock"`
	Registry struct {
		Jobs     int      `yaml:"jobs"`
		Timeout  string   `yaml:"timeout"`
		Insecure []string `yaml:"insecure"`
	} `yaml:"registry"`
	Offline       bool                `yaml:"offline"`
	RuntimeImages []map[string]string `yaml:"runtime-images"`
}

func printEffective(e *env, path string, f *config.File, sel *selection, eo transform.Options) error {
	out := effective{Path: path, Source: "(none)", Unsafe: eo.Unsafe, Lock: sel.svc.lock, Offline: eo.Offline,
		Fixes: []string{}, RuntimeImages: []map[string]string{}}
	if f != nil {
		out.Source = runner.DisplayPath(f.Path)
		for _, i := range f.For(path).Overrides {
			out.Overrides = append(out.Overrides, strings.Join(f.Overrides[i].Paths, ", "))
		}
	}
	for _, fx := range eo.Fixes {
		name := fx.Name
		if fx.Applicability == transform.Unsafe && !eo.Unsafe && !eo.Explicit[fx.Name] {
			name += " (unsafe: reported, not applied)"
		}
		out.Fixes = append(out.Fixes, name)
	}
	u := eo.Config.User
	out.User.Name, out.User.UID, out.User.GID = "app", 10001, 10001 // non-root-user's default
	if u.Name != "" {
		out.User.Name = u.Name
	}
	if u.UID != 0 {
		out.User.UID, out.User.GID = u.UID, u.UID
	}
	if u.GID != 0 {
		out.User.GID = u.GID
	}
	if out.Lock != "" {
		out.Lock = runner.DisplayPath(out.Lock)
	}
	out.Registry.Jobs, out.Registry.Timeout, out.Registry.Insecure = sel.svc.jobs, sel.svc.timeout.String(), sel.svc.insecure
	if out.Registry.Insecure == nil {
		out.Registry.Insecure = []string{}
	}
	for _, ri := range eo.Config.RuntimeImages {
		out.RuntimeImages = append(out.RuntimeImages, map[string]string{"builder": ri.Builder, "runtime": ri.Runtime})
	}
	enc := yaml.NewEncoder(e.stdout)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return err
	}
	return enc.Close()
}
