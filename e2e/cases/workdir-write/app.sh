#!/bin/sh
set -e
echo "starting in $(pwd)"
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
date +%s > state.txt
echo "saved state.txt"
