echo "$GREETING"
cat /etc/codename
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
