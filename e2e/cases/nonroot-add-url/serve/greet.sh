#!/bin/sh
# Served over HTTP by the e2e run; ADD stores it with mode 0600.
echo "read the downloaded script as user $(id -un) uid=$(id -u)"
