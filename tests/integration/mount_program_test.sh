#!/usr/bin/env bash
# layerfs as containers/storage's overlay mount_program, driven by a real consumer: buildah
# (Debian's 1.28) with `--storage-driver overlay --storage-opt overlay.mount_program=layerfs`
# runs `layerfs -o lowerdir=...,upperdir=...,workdir=... MOUNTPOINT` for every container it
# mounts. A container's writes and deletions must reach the image buildah commits from the
# upper directory (whiteouts containers/storage can read), and a container of that image must
# see them, with the owners and modes a RUN step set. As root, then as the test user (rootless
# buildah: its own user namespace, where layerfs runs as a rootless daemon).
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v buildah >/dev/null; then
  echo "skip: needs root and buildah"
  exit 77
fi
busybox=$(command -v busybox) || { echo "skip: needs busybox-static"; exit 77; }
# Whatever a failed step leaves mounted (the containers' unions) goes before the files do.
on_exit "for m in \$(awk -v t='$TEST_TMP' 'index(\$2, t) == 1 {print \$2}' /proc/mounts); do fusermount3 -uz \$m; done"

# What containers/storage passes besides the directories: an empty option and `volatile`.
raw=$TEST_TMP/raw
mkdir -p "$raw"/{lower,upper,work,mnt}
echo lower >"$raw/lower/f"
warnings=$("$LAYERFS" -o "lowerdir=$raw/lower,upperdir=$raw/upper,workdir=$raw/work,,volatile" \
  "$raw/mnt" 2>&1)
expect_eq "its options mount without a warning" "$warnings" ""
check "fsync on a volatile mount succeeds" \
  python3 -c "import os; f = os.open('$raw/mnt/f', os.O_WRONLY | os.O_APPEND); os.write(f, b'x'); os.fsync(f)"
expect_eq "the write reached the upper directory" "$(cat "$raw/upper/f")" "lower
x"
"$LAYERFS" umount "$raw/mnt"

# buildah_scenario USER: the images and containers of one buildah user, in a storage of its own.
buildah_scenario() {
  local user=$1 storage=$TEST_TMP/storage-$1 t="[$1]"
  mkdir -p "$storage"
  chown "$user" "$storage"
  b() {
    as_user "$user" buildah --root "$storage/root" --runroot "$storage/run" \
      --storage-driver overlay --storage-opt "overlay.mount_program=$LAYERFS" "$@"
  }
  run_in() { b run --isolation chroot "$1" -- /bin/busybox sh -c "$2"; }
  on_exit "as_user $user buildah --root $storage/root --runroot $storage/run --storage-driver overlay rm --all"

  local first second third mnt
  first=$(b from scratch)
  check "$t buildah copies busybox in" b copy "$first" "$busybox" /bin/busybox
  check "$t a container writes, on a layerfs mount" run_in "$first" \
    'mkdir -p /data && echo one > /data/kept && echo two > /data/gone &&
     chown 5:6 /data/kept && chmod 640 /data/kept'
  expect_eq "$t the container's root is a layerfs mount" \
    "$(run_in "$first" 'cat /proc/self/mountinfo' | awk '$5 == "/" { sub(/.* - /, ""); print $1 }')" \
    "fuse.layerfs"
  if [ "$user" = root ]; then
    mnt=$(b mount "$first")
    expect_eq "$t buildah's mount is layerfs's" "$(findmnt -no FSTYPE "$mnt")" "fuse.layerfs"
    expect_eq "$t the file written is there" "$(cat "$mnt/data/kept")" "one"
    b umount "$first" >/dev/null
  fi
  check "$t commit" b commit -q "$first" layerfs-test/first

  second=$(b from layerfs-test/first)
  expect_eq "$t a container of the committed image reads it, owner and mode kept" \
    "$(run_in "$second" 'cat /data/kept /data/gone; stat -c "%u:%g %a" /data/kept')" "one
two
5:6 640"
  check "$t it deletes a lower file and appends to another" \
    run_in "$second" 'rm /data/gone && echo three >> /data/kept'
  check "$t commit again" b commit -q "$second" layerfs-test/second

  third=$(b from layerfs-test/second)
  expect_eq "$t the deletion and the append reach the next image" \
    "$(run_in "$third" 'ls /data; cat /data/kept; stat -c "%u:%g %a" /data/kept')" "kept
one
three
5:6 640"
  expect_eq "$t the first image is unchanged" \
    "$(run_in "$(b from layerfs-test/first)" 'ls /data')" "gone
kept"
}

buildah_scenario root
if user=$(unprivileged_user) && [ -n "$user" ]; then
  buildah_scenario "$user"
fi
finish
