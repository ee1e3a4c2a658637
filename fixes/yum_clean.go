package fixes

import (
	"strings"

	"github.com/harden-dev/harden/internal/images"
	"github.com/harden-dev/harden/transform"
)

// YumClean cleans the yum, dnf, microdnf and zypper caches in the RUN
// that fills them.
var YumClean = &transform.Fix{
	Name:          "yum-clean",
	Summary:       "Clean the yum, dnf or zypper cache in the RUN that installs",
	Also:          []string{"DL3032", "DL3040", "DL3036", "DS027", "yumInstallRmVarCacheYum"},
	Applicability: transform.Safe,
	Severity:      transform.Info,
	Check:         checkYumClean,
	Example: `FROM rockylinux:9
RUN dnf install -y httpd
`,
	Doc: `What it does
  Appends "&& yum clean all" (dnf, microdnf, tdnf: "… clean all"; zypper:
  "zypper clean") to a RUN that installs or upgrades packages with one of
  them and neither cleans nor removes /var/cache/yum, /var/cache/dnf or
  /var/cache/zypp, in the RUN's own layout, with the same command name (and
  sudo) as the install.

  On yum 3 (CentOS 5-7, Amazon Linux 1-2, Oracle Linux 5-7, RHEL/UBI 7),
  it appends "yum clean all && rm -rf /var/cache/yum", and after a RUN that
  enables a repository with --enablerepo and already runs "yum clean all"
  it appends "rm -rf /var/cache/yum": yum 3's clean all only cleans the
  repositories enabled by default, so the cache of a repository enabled for
  one command stays.

Why
  The repository metadata and downloaded packages stay in /var/cache, often
  100 MB or more, in the layer. A later RUN cannot shrink that layer.

Safe
  A later install downloads the metadata again by itself: nothing else
  depends on the cache.

What it will not do
  It leaves RUNs with a cache or tmpfs mount over /var/cache/yum,
  /var/cache/dnf, /var/cache/libdnf5, /var/cache/tdnf or /var/cache/zypp
  alone, and installs run as another user (sudo -u, su…); it reports
  without an edit exec-form RUNs, heredocs other than a "RUN <<EOF" script
  (where "&& … clean all" goes after the last command) and scripts whose
  last command ends with ";" or "&".`,
}

var yumCleanVerbs = map[string]bool{"install": true, "in": true, "groupinstall": true, "localinstall": true, "update": true, "upgrade": true, "up": true, "reinstall": true, "makecache": true, "distro-sync": true, "dup": true, "dist-upgrade": true}

func checkYumClean(pass *transform.Pass) {
	doc := pass.Doc
	stageRuns(doc, func(st *transform.Stage, _ int, n *parserNode) {
		if cacheMount(doc, n, "/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/zypp", "/var/cache/tdnf") {
			return
		}
		var last *call
		cleaned, cleanedAll, enabled := false, false, false
		for _, c := range calls(doc, n) {
			v, _ := c.verb()
			switch c.name {
			case "yum", "dnf", "microdnf", "tdnf", "zypper":
				if v == "clean" || v == "cc" {
					cleaned = true
					for _, a := range c.args() {
						cleanedAll = cleanedAll || strings.HasPrefix(a.Value, "--enablerepo")
					}
					continue
				}
				if yumCleanVerbs[v] {
					c := c
					last = &c
					for _, a := range c.args() {
						enabled = enabled || strings.HasPrefix(a.Value, "--enablerepo")
					}
				}
			case "rm":
				for _, a := range c.args() {
					for _, d := range []string{"/var/cache/yum", "/var/cache/dnf", "/var/cache/zypp"} {
						if strings.HasPrefix(a.Value, d) {
							return
						}
					}
				}
			}
		}
		if last == nil {
			return
		}
		yum3 := last.name == "yum" && images.Yum3(pass.Facts(st).Base)
		if cleaned && !(yum3 && enabled && !cleanedAll) {
			return
		}
		v, _ := last.verb()
		clean := last.sudo() + last.words[last.prog].Value + " clean all"
		if last.name == "zypper" {
			clean = last.sudo() + last.words[last.prog].Value + " clean"
		}
		f := transform.Finding{Line: n.StartLine, Message: last.name + " " + v + " leaves its cache in the image layer"}
		if yum3 {
			clean += " && " + last.sudo() + "rm -rf /var/cache/yum"
			if cleaned {
				clean = last.sudo() + "rm -rf /var/cache/yum"
				f.Message = "yum clean all leaves the cache of the repositories enabled with --enablerepo in the image layer"
			}
		}
		if last.asOther() {
			f.Message += "; not changed: it runs as another user"
		} else if e, ok := appendCmd(doc, last.sh, clean); ok {
			f.Title, f.Edits = "Append "+clean, []transform.Edit{e}
		}
		pass.Report(f)
	})
}
