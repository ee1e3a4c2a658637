#!/bin/sh
if touch "$HOME/.probe" 2>/dev/null; then echo "home writable: yes"; else echo "home writable: no"; fi
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
