#!/bin/sh
echo "mode=$1 env=${APP_ENV:-unset} cwd=$(pwd)"
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
