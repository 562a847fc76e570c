#!/usr/bin/env bash
# layerfs as containers/storage's overlay mount_program, driven by a real consumer: buildah
# (Debian's 1.28) with `--storage-driver overlay --storage-opt overlay.mount_program=layerfs`
# runs `layerfs -o lowerdir=...,upperdir=...,workdir=... MOUNTPOINT` for every container it
# mounts. A container's writes and deletions must reach the image buildah commits from the
# upper directory (whiteouts containers/storage can read), and a container of that image must
# see them. As root (buildah's overlay driver with a mount program, without a user namespace).
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v buildah >/dev/null; then
  echo "skip: needs root and buildah"
  exit 77
fi
busybox=$(command -v busybox) || { echo "skip: needs busybox-static"; exit 77; }

storage=$TEST_TMP/storage
b() {
  buildah --root "$storage/root" --runroot "$storage/run" --storage-driver overlay \
    --storage-opt "overlay.mount_program=$LAYERFS" "$@"
}
on_exit "b rm --all; b rmi --all --force; for m in \$(awk -v s='$storage' 'index(\$2, s) == 1 {print \$2}' /proc/mounts); do fusermount3 -uz \$m; done"
run_in() { b run --isolation chroot "$1" -- /bin/busybox sh -c "$2"; }

check "the mount program form parses (layerfs -o ... MOUNTPOINT)" \
  sh -c "'$LAYERFS' -o lowerdir=/nonexistent '$TEST_TMP' 2>&1 | grep -q nonexistent"

# What containers/storage passes besides the directories: an empty option and `volatile`.
raw=$TEST_TMP/raw
mkdir -p "$raw"/{lower,upper,work,mnt}
echo lower >"$raw/lower/f"
warnings=$("$LAYERFS" -o "lowerdir=$raw/lower,upperdir=$raw/upper,workdir=$raw/work,,volatile" \
  "$raw/mnt" 2>&1)
on_exit "fusermount3 -uz '$raw/mnt'"
expect_eq "its options mount without a warning" "$warnings" ""
check "fsync on a volatile mount succeeds" \
  python3 -c "import os; f = os.open('$raw/mnt/f', os.O_WRONLY | os.O_APPEND); os.write(f, b'x'); os.fsync(f)"
expect_eq "the write reached the upper directory" "$(cat "$raw/upper/f")" "lower
x"
"$LAYERFS" umount "$raw/mnt"

first=$(b from scratch)
check "buildah copies busybox in" b copy "$first" "$busybox" /bin/busybox
check "a container writes, on a layerfs mount" \
  run_in "$first" 'mkdir -p /data && echo one > /data/kept && echo two > /data/gone'
mnt=$(b mount "$first")
expect_eq "buildah's mount is layerfs's" "$(findmnt -no FSTYPE "$mnt")" "fuse.layerfs"
expect_eq "the file written is there" "$(cat "$mnt/data/kept")" "one"
b umount "$first" >/dev/null
check "commit" b commit -q "$first" layerfs-test/first

second=$(b from layerfs-test/first)
expect_eq "a container of the committed image reads it" "$(run_in "$second" 'cat /data/kept /data/gone')" "one
two"
check "it deletes a lower file and appends to another" \
  run_in "$second" 'rm /data/gone && echo three >> /data/kept'
check "commit again" b commit -q "$second" layerfs-test/second

third=$(b from layerfs-test/second)
expect_eq "the deletion and the append reach the next image" \
  "$(run_in "$third" 'ls /data; cat /data/kept')" "kept
one
three"
expect_eq "the first image is unchanged" \
  "$(run_in "$(b from layerfs-test/first)" 'ls /data')" "gone
kept"
finish
