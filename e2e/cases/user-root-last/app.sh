#!/bin/sh
echo "explicitly root before hardening"
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
