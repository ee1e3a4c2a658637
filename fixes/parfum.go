package fixes

// ParfumRule is one rule of Parfum (Durieux, "Empirical Study of the
// Docker Smells Impact on the Image Size", ICSE 2024; the rules of
// github.com/tdurieux/docker-parfum 1.0.0, build/rules) and what harden
// does about it.
type ParfumRule struct {
	// Name is the rule's name in Parfum (also an equivalent ID of Fix, so
	// `harden fix --select NAME` runs it).
	Name string
	// Repairs is true when Parfum's rule has a repair (two of its rules
	// throw "Not implemented").
	Repairs bool
	// Fix is the harden fix that repairs the same smell, "" when harden
	// does not repair it.
	Fix string
	// Note says how harden's repair differs, or why there is none.
	Note string
	// Example is a Dockerfile with the smell in its plainest form, which
	// Fix must change (a test runs it): harden repairs at least that.
	Example string
}

// ParfumRules lists every Parfum rule: 23 from binnacle (Henkel et al.,
// ICSE 2020), 6 hadolint rules and 3 of Parfum's own. A test checks that
// each Fix exists and lists Name among its equivalents, and that
// docs/parfum.md is this table.
var ParfumRules = []ParfumRule{
	{"curlUseFlagF", true, "curl-fail", "only for curl that saves or pipes its output (an API probe may expect an error status: unsafe); not before || or with -w/-I/-i", "FROM debian:bookworm\nRUN curl -sSL -o /tmp/x.tgz https://example.com/x.tgz && tar -xzf /tmp/x.tgz -C /opt\n"},
	{"curlUseFlagL", true, "curl-location", "only for downloads; not for POST/PUT/upload requests (a redirect turns them into GET) or -I/-w/-D", "FROM debian:bookworm\nRUN curl -fsS -o /tmp/x.tgz https://example.com/x.tgz && tar -xzf /tmp/x.tgz -C /opt\n"},
	{"curlUseHttpsUrl", true, "https-url", "unsafe: the host must serve the same file over https and the stage needs CA certificates; internal hosts and explicit ports are reported only", "FROM debian:bookworm\nRUN curl -fsSL -o /tmp/x.tgz http://example.com/x.tgz && tar -xzf /tmp/x.tgz -C /opt\n"},
	{"wgetUseHttpsUrl", true, "https-url", "as curlUseHttpsUrl", "FROM debian:bookworm\nRUN wget -O /tmp/x.tgz http://example.com/x.tgz && tar -xzf /tmp/x.tgz -C /opt\n"},
	{"npmCacheCleanAfterInstall", true, "npm-cache-clean", "not for installs run as another user (sudo -u node npm …) or under a cache mount", "FROM node:20\nCOPY package.json .\nRUN npm install\n"},
	{"npmCacheCleanUseForce", true, "npm-cache-clean", "", "FROM node:20\nCOPY package.json .\nRUN npm install && npm cache clean\n"},
	{"yarnCacheCleanAfterInstall", true, "npm-cache-clean", "unsafe when the project may be Yarn 2+ (yarn cache clean can delete .yarn/cache, the installed packages)", "FROM node:20\nCOPY package.json yarn.lock ./\nRUN yarn install\n"},
	{"pipUseNoCacheDir", true, "pip-no-cache-dir", "not when PIP_NO_CACHE_DIR is set or a cache mount covers the cache", "FROM python:3.12\nRUN pip install flask\n"},
	{"rmRecursiveAfterMktempD", true, "mktemp-cleanup", "only when the directory's path is kept in a variable and nothing outside points into it", "FROM debian:bookworm\nRUN tmp=\"$(mktemp -d)\" && cd \"$tmp\" && echo hi > f && cp f /usr/local/share/f\n"},
	{"mkdirUsrSrcThenRemove", true, "usr-src-cleanup", "only for sources fetched, built and installed in the same RUN and never named again (/usr/src/app is often the application itself)", "FROM debian:bookworm\nRUN mkdir -p /usr/src/app1 && curl -fsSL https://example.com/app1.tgz | tar -xz -C /usr/src/app1 && make -C /usr/src/app1 install\n"},
	{"tarSomethingRmTheSomething", true, "tar-archive-cleanup", "only for archives downloaded in the same RUN (removing a COPYed one saves nothing) and not used again", "FROM debian:bookworm\nRUN curl -fsSL -o /tmp/x.tgz https://example.com/x.tgz && tar -xzf /tmp/x.tgz -C /opt && /opt/x/install\n"},
	{"gpgVerifyAscRmAsc", true, "gpg-asc-cleanup", "in the directory where gpg ran; not for signatures used again or COPYed", "FROM debian:bookworm\nRUN curl -fsSL -o /tmp/x.tgz https://example.com/x.tgz && curl -fsSL -o /tmp/x.tgz.asc https://example.com/x.tgz.asc && gpg --batch --verify /tmp/x.tgz.asc /tmp/x.tgz && tar -xzf /tmp/x.tgz -C /opt && rm /tmp/x.tgz\n"},
	{"gpgUseBatchFlag", true, "gpg-batch", "not for interactive operations (key generation, signing, --edit-key) where --batch changes what gpg does", "FROM debian:bookworm\nRUN gpg --keyserver hkps://keyserver.ubuntu.com --recv-keys 0123456789ABCDEF0123456789ABCDEF01234567\n"},
	{"gpgUseHaPools", true, "gpg-keyserver", "Parfum's ha.pool.sks-keyservers.net is gone too (the SKS pool shut down in 2021): harden moves to keyserver.ubuntu.com, by default only for full fingerprints", "FROM debian:bookworm\nRUN gpg --batch --keyserver hkp://pool.sks-keyservers.net --recv-keys 0123456789ABCDEF0123456789ABCDEF01234567\n"},
	{"sha256sumEchoOneSpaces", true, "checksum-line", "same repair (BusyBox sha256sum -c rejects one space, checked on BusyBox 1.35; GNU accepts both)", "FROM alpine:3.20\nRUN wget -O /tmp/x.tgz https://example.com/x.tgz && echo \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef /tmp/x.tgz\" | sha256sum -c - && tar -xzf /tmp/x.tgz -C /opt\n"},
	{"configureShouldUseBuildFlag", true, "configure-build", "unsafe: not every ./configure is autoconf, and dpkg-architecture needs dpkg-dev; Debian-family stages only", "FROM debian:bookworm\nRUN apt-get update && apt-get install -y build-essential && ./configure && make && make install\n"},
	{"gemUpdateSystemRmRootGem", true, "gem-system-cleanup", "removes the spec cache where each RubyGems version keeps it (~/.gem/specs, ~/.local/share/gem/specs, ~/.cache/gem/specs), as root with HOME=/root; Parfum's rm -rf /root/.gem misses the newer places and would delete --user-install gems and credentials", "FROM ruby:3.3\nUSER root\nRUN gem update --system\n"},
	{"gemUpdateNoDocument", true, "gem-no-document", "adds --no-document to the gem command instead of writing a gemrc", "FROM ruby:3.3\nRUN gem update --system\n"},
	{"yumInstallForceYes", true, "yum-yes", "", "FROM centos:7\nRUN yum install httpd\n"},
	{"yumInstallRmVarCacheYum", true, "yum-clean", "yum clean all, and rm -rf /var/cache/yum on yum 3 bases (dnf's yum keeps its cache in /var/cache/dnf)", "FROM centos:7\nRUN yum install -y httpd\n"},
	{"aptGetInstallUseY", true, "apt-get-yes", "", "FROM debian:bookworm\nRUN apt-get update && apt-get install curl\n"},
	{"aptGetInstallUseNoRec", true, "apt-no-install-recommends", "unsafe: a recommended package may be what the image uses", "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n"},
	{"aptGetUpdatePrecedesInstall", true, "apt-update-alone", "merges an update RUN into the install RUN that directly follows it; otherwise reports", "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n"},
	{"aptGetInstallThenRemoveAptLists", true, "apt-lists-cleanup", "", "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n"},
	{"apkAddUseNoCache", true, "apk-no-cache", "also drops the then-redundant apk update and rm -rf /var/cache/apk/*", "FROM alpine:3.20\nRUN apk add curl\n"},
	{"DL3004", true, "sudo-as-root", "only where the RUN already runs as root (Parfum drops every sudo, which breaks RUNs as a non-root user)", "FROM debian:bookworm\nRUN sudo apt-get update\n"},
	{"DL3020", true, "add-to-copy", "only for local, non-archive sources (Parfum also turns ADD of URLs and archives into COPY, which breaks the build or changes the image)", "FROM debian:bookworm\nADD app.py /app/app.py\n"},
	{"DL3027", true, "apt-get-over-apt", "", "FROM debian:bookworm\nRUN apt update && apt install -y curl\n"},
	{"DL3046", true, "useradd-no-log-init", "", "FROM debian:bookworm\nRUN useradd -u 123456 app\n"},
	{"DL3029", true, "", "not repaired: removing FROM --platform=X changes the image on hosts of another architecture (a build for linux/amd64 on an arm64 host becomes an arm64 image); harden reports it (fixed-platform, with what a person should do) and drops only the redundant --platform=$TARGETPLATFORM (redundant-target-platform)", ""},
	{"DL3002", false, "non-root-user", "Parfum has no repair; harden's non-root-user adds a non-root USER where the image still runs", "FROM debian:bookworm\nCOPY --chmod=755 server /usr/local/bin/server\nEXPOSE 8080\nCMD [\"server\"]\n"},
	{"ruleMoreThanOneInstall", false, "", "Parfum has no repair and harden none: merging installs of separate RUNs changes layer caching and the order of the steps between them", ""},
}
