#!/usr/bin/env bash
# The union mount under concurrent random operations (tests/integration/concurrent_ops.py): four
# processes colliding on a few names of a small lower tree with hard links. The daemon must serve
# them all to the end (no hang, no EIO/ENOTCONN/ESTALE), every listed name must be readable with
# link counts matching the names, and a remount must show the same tree (names, types, sizes,
# contents, modes, link counts, inode numbers, xattrs). As root, then as layerfs-tester (the
# daemon an ordinary user's). MOUNT_STRESS_SEEDS / MOUNT_STRESS_SECONDS: longer local runs.
source "$(dirname "$0")/lib.sh"

ops=$LAYERFS_SOURCE/tests/integration/concurrent_ops.py
seeds=${MOUNT_STRESS_SEEDS:-1 2}
seconds=${MOUNT_STRESS_SECONDS:-6}
MNT_TIMEOUT=20

# A hung mount holds its processes in uninterruptible waits that no signal ends: aborting its FUSE
# connection (root only) fails their calls and lets them exit. Its device number comes from
# mountinfo: stat on the mount point would wait too.
abort_connection() {
  local m=$1 dev
  [ "$(id -u)" -eq 0 ] || return 0
  dev=$(awk -v m="$m" '$5 == m {print $3}' /proc/self/mountinfo | tail -n 1)
  [ -n "$dev" ] && [ -d /sys/fs/fuse/connections ] || return 0
  grep -q ' /sys/fs/fuse/connections ' /proc/self/mounts ||
    mount -t fusectl fusectl /sys/fs/fuse/connections
  echo 1 >"/sys/fs/fuse/connections/${dev#*:}/abort"
}

mount_as() {
  local user=$1 d=$2
  as_user "$user" timeout "$MNT_TIMEOUT" "$LAYERFS" mount \
    -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/mnt"
}

stress() {
  local user=$1 seed=$2 d=$TEST_TMP/$1-$2 t="[$1 seed $2]"
  local m=$d/mnt
  mkdir -p "$d" && chown "$user" "$d" 2>/dev/null
  as_user "$user" mkdir -p "$d"/{lower,upper,work,mnt}
  as_user "$user" python3 "$ops" populate "$d/lower"
  check "$t mount" mount_as "$user" "$d"
  on_exit "abort_connection '$m'; fusermount3 -uz '$m'"
  if as_user "$user" timeout $((seconds + 60)) python3 "$ops" run "$m" --workers 4 \
    --seconds "$seconds" --seed "$seed"; then
    pass "$t every worker ran to the end without EIO, ENOTCONN or ESTALE"
  else
    fail "$t the workers failed or hung"
    abort_connection "$m"
    return
  fi
  check "$t every listed name reads back; link counts match the names" \
    as_user "$user" timeout 60 python3 "$ops" snapshot "$m" "$d/live.json"
  check "$t umount" as_user "$user" timeout "$MNT_TIMEOUT" "$LAYERFS" umount "$m"
  check "$t remount" mount_as "$user" "$d"
  check "$t the remounted tree reads back" \
    as_user "$user" timeout 60 python3 "$ops" snapshot "$m" "$d/remounted.json"
  check "$t a remount shows the same tree" diff "$d/live.json" "$d/remounted.json"
  check "$t umount again" as_user "$user" timeout "$MNT_TIMEOUT" "$LAYERFS" umount "$m"
}

for seed in $seeds; do stress "$(id -un)" "$seed"; done
user=$(unprivileged_user)
if [ -n "$user" ] && [ "$user" != "$(id -un)" ]; then
  for seed in $seeds; do stress "$user" "$seed"; done
fi
finish
