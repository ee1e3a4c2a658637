#!/usr/bin/env bash
# Builds Gitea (the forge the `harden pr` end-to-end test talks to) from the Go
# module proxy into a cache directory outside the checkout, once: the build
# takes about ten minutes on two cores. Usage: build-gitea.sh CACHE_DIR
# Leaves CACHE_DIR/gitea (the binary) and CACHE_DIR/src (the source tree, which
# Gitea serves its templates and static files from: STATIC_ROOT_PATH).
set -euo pipefail
version=1.26.0
cache=${1:?usage: build-gitea.sh CACHE_DIR}
if [ -x "$cache/gitea" ] && [ -f "$cache/src/go.mod" ] && [ "$(cat "$cache/version" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
mkdir -p "$cache"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOPATH="$work/gopath" GOFLAGS=-mod=mod
dir=$(cd "$work" && go mod download -json "code.gitea.io/gitea@v$version" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')
[ -d "$dir" ] || { echo "build-gitea: go mod download gave no directory" >&2; exit 1; }
rm -rf "$cache/src.new"
cp -r "$dir" "$cache/src.new"
chmod -R u+w "$cache/src.new"
(cd "$cache/src.new" && CGO_ENABLED=1 go build -trimpath -tags 'sqlite sqlite_unlock_notify' \
  -ldflags "-X main.Version=$version" -o "$cache/gitea.new" .)
rm -rf "$cache/src"
mv "$cache/src.new" "$cache/src"
mv "$cache/gitea.new" "$cache/gitea"
echo "$version" > "$cache/version"
