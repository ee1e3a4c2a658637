#!/bin/sh
echo "$(cat /opt/tool/VERSION) from a stage chain"
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
