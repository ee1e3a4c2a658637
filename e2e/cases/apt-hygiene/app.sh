#!/bin/sh
echo '{"values": [1, 2, 3, 4]}' | jq -c '{sum: (.values | add)}'
echo "jq $(jq --version | cut -d- -f1)"
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
