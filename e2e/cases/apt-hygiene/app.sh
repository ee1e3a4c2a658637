#!/bin/sh
echo '{"values": [1, 2, 3, 4]}' | jq -c '{sum: (.values | add)}'
echo "apt lists left: $(ls /var/lib/apt/lists | grep -c _Packages)"
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
