#!/usr/bin/env bash
# A union mount over a large tree (30,000 files in 6,000 directories) with the daemon's fd limit
# cut to 4,096: a walk with find + stat + cat must succeed (the daemon holds no fd per file and only
# a bounded number of directory fds, reopening evicted directories by name), its memory must stay
# small, copy-up deep in the tree must work after the walk evicted that directory, and FUSE forget
# must shrink what the daemon holds. Runs as root, then again as layerfs-tester inside
# `unshare -rm --map-auto` (a rootless user namespace; the daemon mounts FUSE itself there).
source "$(dirname "$0")/lib.sh"

MNT_TIMEOUT=20
FILES=30000
DIRS=6000

# build_tree DIR: lower/dNN/eNNNN/fNNNNN, every file holding its own name.
build_tree() {
  local lower=$1/lower
  mkdir -p "$1"/{upper,work,mnt}
  seq 0 $((DIRS - 1)) | awk -v l="$lower" '{ printf "%s/d%d/e%d\n", l, $1 % 60, $1 }' |
    xargs mkdir -p
  seq 0 $((FILES - 1)) | awk -v l="$lower" -v n=$DIRS '{ printf "%s/d%d/e%d/f%d\n", l, ($1 % n) % 60, $1 % n, $1 }' |
    xargs touch
  echo "first file" >"$lower/d0/e0/f0"
}

daemon_pid() { pgrep -f -- "mount -o lowerdir=$1/lower,upperdir" | head -1; }

run_checks() {
  local d=$1 m=$1/mnt
  SECONDS=0
  build_tree "$d"
  echo "# tree built in ${SECONDS}s"
  # The daemon inherits the hard limit: far fewer fds than the tree has files or directories.
  check "mount with a 4096 fd limit" bash -c "ulimit -n 4096 && timeout $MNT_TIMEOUT '$LAYERFS' mount \
    -o 'lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work' '$m'"
  on_exit "fusermount3 -uz '$m'"
  local pid; pid=$(daemon_pid "$d")
  check "daemon found" test -n "$pid"

  expect_eq "find sees every entry" "$(find "$m" | wc -l)" "$((FILES + DIRS + 60 + 1))"
  expect_eq "stat of every file" "$(find "$m" -type f -exec stat -c %i {} + | wc -l)" "$FILES"
  expect_eq "read every file" "$(find "$m" -type f -exec cat {} + | wc -c)" "11"
  echo "# walked in ${SECONDS}s"
  local fds; fds=$(ls "/proc/$pid/fd" | wc -l)
  check "daemon holds few fds after the walk ($fds)" test "$fds" -lt 1200
  local rss; rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
  check "daemon RSS under 64 MiB after the walk (${rss} kB)" test "$rss" -lt 65536

  # The walk evicted d0/e0's fds long ago: copy-up there reopens the directories by name.
  echo "more" >>"$m/d0/e0/f0"
  expect_eq "copy-up after eviction" "$(cat "$m/d0/e0/f0")" "$(printf 'first file\nmore')"
  expect_eq "copy-up reached the upper layer" "$(cat "$d/upper/d0/e0/f0")" "$(printf 'first file\nmore')"
  rm "$m/d1/e1/f1"
  check "unlink after eviction" test ! -e "$m/d1/e1/f1"
  mkdir "$m/d59/e5999/new"
  check "mkdir after eviction" test -d "$d/upper/d59/e5999/new"
  mv "$m/d2/e2" "$m/d3/moved"
  expect_eq "rename of a lower directory after eviction" "$(ls "$m/d3/moved" | wc -l)" "5"

  if [ "$(id -u)" -eq 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
    sync
    echo 2 >/proc/sys/vm/drop_caches
    local i after=$fds
    for i in $(seq 50); do
      after=$(ls "/proc/$pid/fd" | wc -l)
      [ "$after" -lt 100 ] && break
      sleep 0.1
    done
    check "forgotten nodes release their fds ($fds -> $after)" test "$after" -lt 100
    expect_eq "a walk after forgetting" "$(find "$m" -type f | wc -l)" "$((FILES - 1))"
  fi
  check "umount" timeout "$MNT_TIMEOUT" "$LAYERFS" umount "$m"
}

if [ "${1:-}" = "--inner" ]; then
  run_checks "$TEST_TMP/inner"
  finish
  exit
fi

echo "# as root"
run_checks "$TEST_TMP/root"
rerun_rootless
finish
