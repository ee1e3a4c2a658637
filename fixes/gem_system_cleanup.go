package fixes

import (
	"regexp"
	"strings"

	"github.com/harden-dev/harden/internal/pkgmgr"
	"github.com/harden-dev/harden/transform"
)

// GemSystemCleanup removes the spec cache gem update --system leaves in
// root's home.
var GemSystemCleanup = &transform.Fix{
	Name:          "gem-system-cleanup",
	Summary:       "Remove the RubyGems spec cache gem update --system leaves in /root",
	Also:          []string{"gemUpdateSystemRmRootGem"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkGemSystemCleanup,
	Example: `FROM ruby:3.3-slim
RUN gem update --system 3.5.22
`,
	Doc: `What it does
  Appends "&& rm -rf /root/.gem/specs /root/.local/share/gem/specs
  /root/.cache/gem/specs" to a RUN that runs gem update --system as root
  with HOME=/root, when the RUN removes none of them (nor a directory
  above them: /root/.gem, ~/.gem, $HOME/.cache…) after it.

Why
  To find the newest RubyGems, gem update --system downloads the
  rubygems.org index (latest_specs.4.8, and the gemspec of
  rubygems-update) into RubyGems' spec cache, a cache nothing in the
  image reads again. Where that cache is depends on the RubyGems version
  that runs the update (lib/rubygems/defaults.rb,
  Gem.default_spec_cache_dir): ~/.gem/specs before RubyGems 3.2 (Ruby 2.7
  and older), and from 3.2 on ~/.gem/specs only when it already exists,
  else $XDG_DATA_HOME/gem/specs (~/.local/share/gem/specs), and from
  3.5.5 on $XDG_CACHE_HOME/gem/specs (~/.cache/gem/specs). Checked with
  RubyGems 3.3.15: a remote query (the same spec fetcher the update uses)
  wrote ~/.local/share/gem/specs/HOST%PORT/latest_specs.4.8 and created
  no ~/.gem at all. The official ruby images used to follow gem update
  --system with rm -r /root/.gem, which was the cache's place then; on a
  current RubyGems that removes nothing, so harden removes the three
  possible places instead.

Safe
  Only the spec cache directories are removed, not the rest of ~/.gem:
  gems installed with --user-install (~/.gem/ruby/…), a GEM_HOME under
  /root/.gem (its gems and specifications), ~/.gem/credentials and
  signing keys stay. RubyGems downloads the index again when it needs it.

What it will not do
  It reports without an edit a gem update --system run as another user
  (a non-root USER, sudo -u, su…), in a stage where HOME (other than
  /root), XDG_CACHE_HOME, XDG_DATA_HOME or GEM_SPEC_CACHE is set (by ENV,
  ARG or in the RUN: the cache is elsewhere), and when a later RUN names
  a gem/specs directory. It makes the edit unsafe when the RUN's user is
  not known to be root (a base image harden does not know, without
  USER). It leaves alone RUNs with a cache mount over one of the
  directories, and does not remove the rubygems-update gem the update
  installs in GEM_HOME. RUNs that only run gem install or gem update of
  other gems are not its business.`,
}

// gemSpecCaches are the places RubyGems' spec cache takes in root's home,
// by RubyGems version.
var gemSpecCaches = []string{"/root/.gem/specs", "/root/.local/share/gem/specs", "/root/.cache/gem/specs"}

func checkGemSystemCleanup(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, i int, n *parserNode) {
		if cacheMount(doc, n, gemSpecCaches...) {
			return
		}
		cs := calls(doc, n)
		for k, c := range cs {
			if c.name != "gem" {
				continue
			}
			if v, _ := c.verb(); v != "update" || !pkgmgr.HasLong(c.args(), "--system") {
				continue
			}
			if removesSpecCache(cs[k+1:]) {
				return
			}
			f := transform.Finding{Line: lineOf(doc, c.sh, c.stmt), Message: "gem update --system leaves RubyGems' spec cache (the rubygems.org index) in the home directory"}
			env := doc.ScopeAt(st, i)
			u, known := userBefore(doc, st, n)
			switch {
			case c.asOther():
				f.Message += "; not changed: it runs as another user"
			case homeMoved(env, c.sh.Text):
				f.Message += "; not changed: HOME, XDG_CACHE_HOME, XDG_DATA_HOME or GEM_SPEC_CACHE is set, so the cache is elsewhere"
			case readsSpecCache(doc, st, i):
				f.Message += "; not changed: a later RUN reads a gem/specs directory"
			case known && u != "" && !isRootUser(u):
				f.Message += "; not changed: the RUN runs as " + u
			default:
				if !known {
					f.Applicability = transform.Unsafe
					f.Message += "; check that the RUN runs as root (harden does not know the base image's user)"
				}
				cmd := c.sudo() + "rm -rf " + strings.Join(gemSpecCaches, " ")
				if e, ok := appendCmd(doc, c.sh, cmd); ok {
					f.Title, f.Edits = "Append "+cmd, []transform.Edit{e}
				}
			}
			pass.Report(f)
			return
		}
	})
}

// removesSpecCache reports an rm among cs that removes one of
// gemSpecCaches or a directory above it.
func removesSpecCache(cs []call) bool {
	for _, c := range cs {
		if c.name != "rm" {
			continue
		}
		for _, a := range c.args() {
			p := rootPath(a)
			if p == "" {
				continue
			}
			for _, t := range gemSpecCaches {
				if t == p || strings.HasPrefix(t, p+"/") {
					return true
				}
			}
		}
	}
	return false
}

// rootPath reads an rm argument as a path in root's home: ~, $HOME and
// ${HOME} read as /root, a trailing "/" or "/*" dropped; "" when it is
// not one.
func rootPath(a shellWord) string {
	v := a.Value
	if !a.Literal {
		v = strings.ReplaceAll(v, `"`, "")
		for _, h := range []string{"${HOME}", "$HOME"} {
			if strings.HasPrefix(v, h) {
				v = "/root" + v[len(h):]
			}
		}
		if strings.ContainsAny(v, "$`") {
			return ""
		}
	} else if v == "~" || strings.HasPrefix(v, "~/") {
		v = "/root" + v[1:]
	}
	v = strings.TrimSuffix(strings.TrimSuffix(v, "*"), "/")
	if v != "/root" && !strings.HasPrefix(v, "/root/") {
		return ""
	}
	return v
}

// homeMoved reports a stage or script that sets a variable moving the
// spec cache away from /root: HOME (to another directory),
// XDG_CACHE_HOME, XDG_DATA_HOME or GEM_SPEC_CACHE.
func homeMoved(env transform.Env, script string) bool {
	if h, ok := env["HOME"]; ok && strings.TrimSuffix(h, "/") != "/root" {
		return true
	}
	for _, k := range []string{"XDG_CACHE_HOME", "XDG_DATA_HOME", "GEM_SPEC_CACHE"} {
		if _, ok := env[k]; ok || strings.Contains(script, k) {
			return true
		}
	}
	return setsHome.MatchString(script)
}

// setsHome matches an assignment to HOME (not GEM_HOME) in a script.
var setsHome = regexp.MustCompile(`(^|[^A-Za-z0-9_])HOME=`)

// readsSpecCache reports a RUN built after RUN i of st that names a
// gem/specs directory.
func readsSpecCache(doc *transform.Document, st *transform.Stage, i int) bool {
	for _, seq := range laterRuns(doc, st, i) {
		for _, m := range seq {
			if strings.Contains(doc.Text(m), "gem/specs") {
				return true
			}
		}
	}
	return false
}
