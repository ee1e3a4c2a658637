#!/bin/sh
set -e
echo "starting $*" >&2
exec "$@"
