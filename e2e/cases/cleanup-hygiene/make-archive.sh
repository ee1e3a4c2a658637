#!/bin/sh
# Regenerates serve/tool.tar.gz, the archive the Dockerfile downloads, and
# prints the sha256 the Dockerfile checks (update it there when this changes).
# Deterministic: the payload is 400 KiB of AES-256-CTR keystream under a fixed
# key (the hex of "harden-e2e-cleanup-hygiene-key-1") and a zero IV, so it is
# incompressible and the archive is as large as what it holds; the archive has
# fixed names, modes, owners and times (GNU tar, gzip -n).
# Run from this directory: sh make-archive.sh
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 022
mkdir -p "$work/tool-1.0/bin" "$work/tool-1.0/share"
cat >"$work/tool-1.0/bin/tool" <<'TOOL'
#!/bin/sh
# tool 1.0, as downloaded, checked, extracted and installed by the
# cleanup-hygiene e2e case.
echo "tool 1.0: hello from the downloaded archive"
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
TOOL
chmod 0755 "$work/tool-1.0/bin/tool"
head -c 409600 /dev/zero |
	openssl enc -aes-256-ctr -nosalt \
		-K 68617264656e2d6532652d636c65616e75702d68796769656e652d6b65792d31 \
		-iv 00000000000000000000000000000000 >"$work/tool-1.0/share/payload.bin"
chmod 0644 "$work/tool-1.0/share/payload.bin"
mkdir -p serve
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=ustar \
	-C "$work" -cf - tool-1.0 | gzip -9n >serve/tool.tar.gz
sha256sum serve/tool.tar.gz
