#!/bin/sh
# Start memcached as root; it drops to the memcache user itself (-u), then
# report the uid the running daemon has.
set -e
memcached -u memcache -l 127.0.0.1 -d -P /tmp/memcached.pid
sleep 1
echo "memcached runs as uid=$(awk '/^Uid:/ {print $2}' /proc/$(cat /tmp/memcached.pid)/status) user $(stat -c %U /proc/$(cat /tmp/memcached.pid))"
