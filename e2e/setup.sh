#!/usr/bin/env bash
# e2e/setup.sh — everything the image-build tests need, made offline from
# Debian packages and cached outside the checkout. Idempotent: a second run
# only checks. See e2e/README.md for what each stand-in image is.
#
#   bash e2e/setup.sh            install tools, write containers.conf, ensure base images
#   bash e2e/setup.sh --clean    remove the stand-in images and the cache directory
#   bash e2e/setup.sh --env      print the environment lines the harness needs
#
# Environment: HARDEN_E2E_CACHE (default /var/cache/harden-e2e),
# HARDEN_E2E_MIRROR (default: the Debian mirror of this machine's apt sources).
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STANDINS=$E2E_DIR/standins
CACHE=${HARDEN_E2E_CACHE:-/var/cache/harden-e2e}
export CONTAINERS_CONF=$CACHE/containers.conf
export BUILDAH_ISOLATION=chroot
LABEL=harden-e2e.key

log() { printf '[e2e setup %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------
# The stand-ins: one line each — slug, how it is made, parent slug, names.
# The first name is the one it is built and saved under; the others are tags.
# Official Docker Hub images get both localhost/ and docker.io/library/ names so
# that short and fully qualified FROM lines resolve with --pull=never.
STANDIN_TABLE='
debian      debootstrap  -            localhost/debian:bookworm docker.io/library/debian:bookworm localhost/debian:bookworm-slim docker.io/library/debian:bookworm-slim localhost/ubuntu:22.04 docker.io/library/ubuntu:22.04
busybox     busybox      -            localhost/busybox:latest docker.io/library/busybox:latest
distroless  distroless   -            gcr.io/distroless/static-debian12:nonroot
golang      containerfile debian      localhost/golang:1.19 docker.io/library/golang:1.19
python      containerfile debian      localhost/python:3.11 docker.io/library/python:3.11 localhost/python:3.11-slim docker.io/library/python:3.11-slim
node        containerfile debian      localhost/node:18 docker.io/library/node:18
temurin-jre containerfile debian      localhost/eclipse-temurin:17-jre docker.io/library/eclipse-temurin:17-jre
temurin-jdk containerfile temurin-jre localhost/eclipse-temurin:17-jdk docker.io/library/eclipse-temurin:17-jdk
'

row() { # row SLUG -> "slug kind parent names..."
	local line
	line=$(printf '%s\n' "$STANDIN_TABLE" | awk -v s="$1" '$1 == s')
	[ -n "$line" ] || die "no stand-in named $1"
	printf '%s\n' "$line"
}
kind_of() { row "$1" | awk '{print $2}'; }
parent_of() { row "$1" | awk '{print $3}'; }
names_of() { row "$1" | awk '{for (i = 4; i <= NF; i++) print $i}'; }
primary_of() { names_of "$1" | head -n1; }
all_slugs() { printf '%s\n' "$STANDIN_TABLE" | awk 'NF {print $1}'; }

# ---------------------------------------------------------------------------
# Tools and configuration.

mirror() {
	if [ -n "${HARDEN_E2E_MIRROR:-}" ]; then
		echo "$HARDEN_E2E_MIRROR"
		return
	fi
	local m
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ {print $2}' | grep -E '/debian/?$' | head -n1 || true)
	[ -n "$m" ] || m=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
	echo "${m:-http://deb.debian.org/debian}"
}

install_tools() {
	local need=()
	command -v buildah >/dev/null || need+=(buildah)
	command -v podman >/dev/null || need+=(podman)
	command -v runc >/dev/null || need+=(runc)
	command -v debootstrap >/dev/null || need+=(debootstrap)
	# The registry that registry: cases push to and pull from (pin-digest).
	command -v docker-registry >/dev/null || need+=(docker-registry)
	# Building BusyBox (Debian's source, with adduser/addgroup switched on).
	command -v gcc >/dev/null || need+=(gcc libc6-dev)
	command -v make >/dev/null || need+=(make)
	command -v dpkg-source >/dev/null || need+=(dpkg-dev)
	command -v bzip2 >/dev/null || need+=(bzip2)
	command -v xz >/dev/null || need+=(xz-utils)
	if [ ${#need[@]} -gt 0 ]; then
		log "installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q >/dev/null
		apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
	fi
	local tool
	for tool in buildah podman runc debootstrap docker-registry gcc make dpkg-source; do
		command -v "$tool" >/dev/null || die "$tool missing after apt-get install"
	done
}

write_conf() {
	mkdir -p "$CACHE/images" "$CACHE/logs"
	local conf
	conf='# written by e2e/setup.sh: crun fails on this host'"'"'s hybrid cgroups, and
# podman'"'"'s default ulimits are refused here.
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=1024:20000", "nproc=4096:4096"]
'
	if [ ! -f "$CONTAINERS_CONF" ] || [ "$(cat "$CONTAINERS_CONF")" != "$(printf '%s' "$conf")" ]; then
		printf '%s' "$conf" >"$CONTAINERS_CONF"
	fi
}

# ---------------------------------------------------------------------------
# Recipe keys: a stand-in is rebuilt when the code or files that make it, or
# its parent, change. The key is stored as an image label and in the archive name.

files_digest() { # files_digest DIR
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64
}

key_of() {
	local slug=$1 kind parent
	kind=$(kind_of "$slug")
	parent=$(parent_of "$slug")
	{
		echo "harden-e2e stand-in v1 $slug $kind"
		declare -f "build_$kind"
		[ "$kind" = debootstrap ] && mirror
		[ -d "$STANDINS/$slug" ] && files_digest "$STANDINS/$slug"
		[ "$parent" = - ] || key_of "$parent"
	} | sha256sum | cut -c1-16
}

image_key() { # the key label of a stored image, empty if absent
	podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------------------
# Builders: build_KIND SLUG KEY WORKDIR -> an image named $(primary_of SLUG).

build_debootstrap() {
	local slug=$1 key=$2 work=$3 root
	root=$work/rootfs
	debootstrap --variant=minbase bookworm "$root" "$(mirror)"
	# Like the official image: no package files or lists left behind, and apt
	# configured to delete downloaded packages (Docker's docker-clean).
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
	cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
	tar --numeric-owner -C "$root" -c . |
		podman import --change 'CMD ["bash"]' --change "LABEL $LABEL=$key" - "$(primary_of "$slug")"
}

build_busybox() {
	local slug=$1 key=$2 work=$3 src root apt
	# Debian's busybox-static configuration, rebuilt with the adduser, addgroup,
	# deluser and delgroup applets that Debian leaves out (they clash with passwd).
	apt=$work/apt
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$work/src"
	echo "deb-src $(mirror) bookworm main" >"$apt/sources.list"
	local o=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
	apt-get "${o[@]}" -q update
	(cd "$work/src" && apt-get "${o[@]}" -q source busybox)
	src=$(find "$work/src" -maxdepth 1 -mindepth 1 -type d -name 'busybox-*' | head -n1)
	[ -n "$src" ] || die "busybox source not unpacked"
	cp "$src/debian/config/pkg/static" "$src/.config"
	while IFS= read -r opt; do
		[ -n "$opt" ] || continue
		sed -i -e "/^# ${opt%%=*} is not set\$/d" -e "/^${opt%%=*}=/d" "$src/.config"
		echo "$opt" >>"$src/.config"
	done <"$STANDINS/busybox/config.diff"
	yes '' | make -C "$src" oldconfig >/dev/null
	while IFS= read -r opt; do
		[ -n "$opt" ] || continue
		grep -qx "$opt" "$src/.config" || die "busybox config lost $opt"
	done <"$STANDINS/busybox/config.diff"
	make -C "$src" -j"$(nproc)" busybox >/dev/null
	root=$work/rootfs
	mkdir -p "$root"/{bin,dev,etc,home,proc,root,sys,tmp,usr/bin,usr/sbin,var/spool/mail,var/www}
	install -m 0755 "$src/busybox" "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
	done
	"$root/bin/busybox" --list | grep -qx adduser || die "busybox has no adduser applet"
	cp "$STANDINS/busybox/etc/passwd" "$STANDINS/busybox/etc/group" "$STANDINS/busybox/etc/shadow" "$root/etc/"
	chmod 0644 "$root/etc/passwd" "$root/etc/group"
	chmod 0640 "$root/etc/shadow"
	chmod 1777 "$root/tmp"
	chmod 0700 "$root/root"
	tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
		podman import --change 'CMD ["sh"]' --change "LABEL $LABEL=$key" - "$(primary_of "$slug")"
}

build_distroless() {
	local slug=$1 key=$2 work=$3 root
	# scratch + the passwd/group files of distroless, run as nonroot (65532).
	root=$work/rootfs
	mkdir -p "$root"/{etc,home/nonroot,root,tmp}
	cp "$STANDINS/distroless/etc/passwd" "$STANDINS/distroless/etc/group" \
		"$STANDINS/distroless/etc/os-release" "$root/etc/"
	chmod 0644 "$root"/etc/*
	chmod 1777 "$root/tmp"
	chmod 0700 "$root/root"
	chown 65532:65532 "$root/home/nonroot"
	chmod 0700 "$root/home/nonroot"
	tar --numeric-owner -C "$root" -c . |
		podman import \
			--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			--change 'USER 65532' --change 'WORKDIR /home/nonroot' \
			--change "LABEL $LABEL=$key" - "$(primary_of "$slug")"
}

build_containerfile() {
	local slug=$1 key=$2
	buildah bud --pull=never --layers=false --label "$LABEL=$key" \
		-t "$(primary_of "$slug")" -f "$STANDINS/$slug/Containerfile" "$STANDINS/$slug"
}

# ---------------------------------------------------------------------------
# ensure SLUG: the stand-in is in local storage with its current key, saved as
# an OCI archive in the cache, and carries all its names.

ensure() {
	local slug=$1 key primary archive logf work
	key=$(key_of "$slug")
	primary=$(primary_of "$slug")
	archive=$CACHE/images/$slug-$key.oci.tar
	logf=$CACHE/logs/$slug.log
	if [ "$(image_key "$primary")" = "$key" ] && [ -f "$archive" ]; then
		: # present and cached
	elif [ -f "$archive" ]; then
		log "$slug: loading $(basename "$archive")"
		podman load -q -i "$archive" >"$logf" 2>&1 || { tail -n 20 "$logf" >&2; die "$slug: load failed"; }
		[ "$(image_key "$primary")" = "$key" ] || die "$slug: $archive does not hold $primary with key $key"
	else
		if [ "$(image_key "$primary")" != "$key" ]; then
			log "$slug: building ($(kind_of "$slug")), log in $logf"
			work=$(mktemp -d "$CACHE/work.$slug.XXXXXX")
			local t0=$SECONDS
			if ! "build_$(kind_of "$slug")" "$slug" "$key" "$work" >"$logf" 2>&1; then
				rm -rf "$work"
				tail -n 30 "$logf" >&2
				die "$slug: build failed (full log: $logf)"
			fi
			rm -rf "$work"
			log "$slug: built in $((SECONDS - t0)) s"
		fi
		rm -f "$CACHE/images/$slug-"*.oci.tar
		podman save -q --format oci-archive -o "$archive.tmp" "$primary" >>"$logf" 2>&1 ||
			{ tail -n 20 "$logf" >&2; die "$slug: save failed"; }
		mv "$archive.tmp" "$archive"
	fi
	local name
	for name in $(names_of "$slug" | tail -n +2); do
		podman tag "$primary" "$name"
	done
}

main() {
	case "${1:-}" in
	--env)
		echo "export CONTAINERS_CONF=$CONTAINERS_CONF"
		echo "export BUILDAH_ISOLATION=$BUILDAH_ISOLATION"
		return
		;;
	--clean)
		if command -v podman >/dev/null; then
			local slug ids=()
			for slug in $(all_slugs); do
				local name
				for name in $(names_of "$slug"); do
					if podman image exists "$name" 2>/dev/null; then
						ids+=("$name")
					fi
				done
			done
			if [ ${#ids[@]} -gt 0 ]; then
				podman rmi -f "${ids[@]}" >/dev/null 2>&1 || true
			fi
		fi
		rm -rf "$CACHE"
		log "removed the stand-in images and $CACHE"
		return
		;;
	--ensure) # internal: one stand-in, for parallel builds
		ensure "$2"
		return
		;;
	"") ;;
	*) die "usage: $0 [--clean|--env]" ;;
	esac

	[ "$(id -u)" = 0 ] || die "needs root (apt-get, debootstrap, rootful podman)"
	local t0=$SECONDS
	install_tools
	write_conf
	exec 9>"$CACHE/lock"
	flock 9
	rm -rf "$CACHE"/work.* "$CACHE"/images/*.tmp # left by an interrupted run
	# Independent roots first, in parallel; then the derived images two at a time
	# (2 cores); the JDK last, as it is built on the JRE.
	printf '%s\n' debian busybox distroless | xargs -P 3 -n 1 bash "$0" --ensure
	printf '%s\n' golang python node temurin-jre | xargs -P 2 -n 1 bash "$0" --ensure
	bash "$0" --ensure temurin-jdk
	log "base images ready in $((SECONDS - t0)) s (cache: $CACHE)"
}

main "$@"
