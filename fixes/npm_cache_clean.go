package fixes

import (
	"io/fs"
	"strings"

	"github.com/harden-dev/harden/transform"
)

// NpmCacheClean cleans the npm and yarn caches in the RUN that fills them.
var NpmCacheClean = &transform.Fix{
	Name:          "npm-cache-clean",
	Summary:       "Clean the npm or yarn cache in the RUN that installs",
	Also:          []string{"DL3060", "npmCacheCleanAfterInstall", "npmCacheCleanUseForce", "yarnCacheCleanAfterInstall"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkNpmCacheClean,
	Example: `FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
`,
	Doc: `What it does
  Appends "&& npm cache clean --force" to a RUN that runs npm install (i,
  ci, add) without cleaning the cache, and "&& yarn cache clean" to one
  that runs yarn install (or plain yarn, yarn add, yarn global add), in the
  RUN's own layout and with the same sudo as the install.
  It also adds --force after "clean" to an npm cache clean (or clear, rm)
  that has neither --force nor -f and names no cache key: since npm 5,
  npm refuses to empty the cache without it ("As of npm@5, the npm cache
  self-heals from corruption issues… rerun this command with --force")
  and exits 1 (checked with npm 11), so the RUN fails, or, behind "|| true"
  or ";", cleans nothing.

Why
  npm and yarn keep a copy of every package tarball they download (in
  ~/.npm/_cacache, /usr/local/share/.cache/yarn): as large as
  node_modules, in the layer, and never read at run time.

When it is safe, and when not
  npm's cache is only a download cache: default. yarn 1's is too, but in a
  Yarn 2+ (Berry) project without a global cache, "yarn cache clean"
  deletes .yarn/cache, which holds the installed packages: the yarn edit is
  default only when the build context is readable and has no .yarnrc.yml,
  and unsafe otherwise (check that the project uses yarn 1).
  Adding --force to npm cache clean (default) only lets the clean the
  author wrote happen. npm 4 and older clean without it and accept it
  too, as a config flag (npm 2's cache clean, read in npm 2.1.18, then
  also removes the cache's "-" folder, which is cache as well).

What it will not do
  It leaves RUNs with a cache or tmpfs mount over the cache directories
  alone, and reports without an edit installs run as another user (sudo
  -u node npm …: the cache to clean is that user's), exec-form RUNs and scripts it cannot
  append to. pnpm (whose store is shared by hard links) is left alone.`,
}

func checkNpmCacheClean(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(_ *transform.Stage, _ int, n *parserNode) {
		if cacheMount(doc, n, "/root/.npm", "/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn") {
			return
		}
		var npm, yarn *call
		for _, c := range calls(doc, n) {
			c := c
			v, _ := c.verb()
			args := c.args()
			switch c.name {
			case "npm":
				if v == "cache" {
					forceNpmCacheClean(pass, c)
					return
				}
				if v == "install" || v == "i" || v == "ci" || v == "add" {
					npm = &c
				}
			case "yarn":
				if v == "cache" {
					return
				}
				if v == "" && len(args) == len(optionsOnly(args)) || v == "install" || v == "add" || v == "global" {
					yarn = &c
				}
			}
		}
		for _, c := range []*call{npm, yarn} {
			if c == nil {
				continue
			}
			clean := c.sudo() + c.name + " cache clean --force"
			f := transform.Finding{Line: n.StartLine, Message: c.name + " keeps its download cache in the image layer"}
			if c.name == "yarn" {
				clean = c.sudo() + "yarn cache clean"
				if !yarnClassic(pass.Context) {
					f.Applicability = transform.Unsafe
					f.Message += "; check that the project uses yarn 1 (in a Yarn 2+ project, yarn cache clean may delete the installed packages)"
				}
			}
			if c.asOther() {
				f.Message += "; not changed: it runs as another user"
			} else if e, ok := appendCmd(doc, c.sh, clean); ok {
				f.Title, f.Edits = "Append "+clean, []transform.Edit{e}
			}
			pass.Report(f)
		}
	})
}

// forceNpmCacheClean adds --force to an npm cache clean (or its aliases
// clear and rm) that names no cache key: npm 5 and later refuse to empty
// the whole cache without it, and exit with an error.
func forceNpmCacheClean(pass *transform.Pass, c call) {
	_, i := c.verb()
	args := c.args()
	if i+1 >= len(args) {
		return
	}
	switch sub := args[i+1]; {
	case !sub.Literal:
		return
	case sub.Value == "clean" || sub.Value == "clear" || sub.Value == "rm":
	default:
		return
	}
	for _, a := range args {
		if a.Value == "-f" || a.Value == "--force" || strings.HasPrefix(a.Value, "--force=") {
			return
		}
	}
	for _, a := range args[i+2:] {
		if !a.Literal || !strings.HasPrefix(a.Value, "-") {
			return // a cache key (or a value npm may read as one): no --force needed
		}
	}
	f := transform.Finding{Line: lineOf(pass.Doc, c.sh, c.stmt), Message: "npm cache " + args[i+1].Value + " without --force fails on npm 5 and later (\"As of npm@5, the npm cache self-heals…\")"}
	if e, ok := c.sh.InsertWordAfter(c.arg(i+1), "--force"); ok {
		f.Title, f.Edits = "Add --force to npm cache "+args[i+1].Value, []transform.Edit{e}
	}
	pass.Report(f)
}

// optionsOnly are the words of args that start with "-".
func optionsOnly(args []shellWord) []shellWord {
	var out []shellWord
	for _, a := range args {
		if strings.HasPrefix(a.Value, "-") {
			out = append(out, a)
		}
	}
	return out
}

// yarnClassic reports a build context that has a package.json and no
// .yarnrc.yml (Yarn 2+'s configuration).
func yarnClassic(ctx fs.FS) bool {
	if _, err := fs.Stat(ctx, "package.json"); err != nil {
		return false
	}
	_, err := fs.Stat(ctx, ".yarnrc.yml")
	return err != nil
}
