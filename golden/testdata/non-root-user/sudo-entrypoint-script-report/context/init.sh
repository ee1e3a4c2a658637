#!/bin/sh
sudo /usr/sbin/dockerd > /tmp/dockerd.log 2>&1 &
exec "$@"
