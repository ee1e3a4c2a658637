#!/bin/sh
echo "hello from a Debian base"
echo "files: $(ls /usr/local/bin)"
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
