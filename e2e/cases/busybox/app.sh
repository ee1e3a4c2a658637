echo "busybox says $(echo hello | tr a-z A-Z)"
echo "passwd entry for uid=$(id -u): $(grep "^$(id -un):" /etc/passwd | cut -d: -f1,3,4,7)"
echo "user $(id -un) uid=$(id -u) gid=$(id -g)"
