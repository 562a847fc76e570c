#!/usr/bin/env bash
# Mount hook of union_differential (see README.md):
#   harness.sh mount oracle|subject LOWERDIRS UPPERDIR WORKDIR MOUNTPOINT
#   harness.sh umount oracle|subject MOUNTPOINT
# The oracle is kernel overlayfs. The subject is chosen by UNION_DIFF_SUBJECT:
#   layerfs (default; the binary is $LAYERFS), fuse-overlayfs, or kernel (overlayfs against
#   itself: proves the tester reports no false divergences).
# union_differential sets UNION_DIFF_USERXATTR=1 inside a user namespace, where overlayfs needs
# `userxattr` and cannot use index or redirect_dir.
set -euo pipefail

verb=$1 side=$2
subject=${UNION_DIFF_SUBJECT:-layerfs}

kernel_mount() {
  local lowers=$1 upper=$2 work=$3 mnt=$4 extra
  if [ "${UNION_DIFF_USERXATTR:-0}" = 1 ]; then
    extra=userxattr
  else
    # redirect_dir: directories that exist in lower layers can be renamed (as layerfs promises);
    # index: hard links stay linked across copy-up (as layerfs promises).
    extra=redirect_dir=on,index=on
  fi
  # Now and then (more often on a loaded machine) index=on finds the fresh upper or work
  # directory "in use" right after the last trial's unmount: the kernel releases the old one's
  # mark a moment later. Retry for up to 10 seconds.
  local _
  for _ in $(seq 50); do
    mount -t overlay overlay -o "lowerdir=$lowers,upperdir=$upper,workdir=$work,$extra" "$mnt" \
      2>/dev/null && return 0
    sleep 0.2
  done
  mount -t overlay overlay -o "lowerdir=$lowers,upperdir=$upper,workdir=$work,$extra" "$mnt"
}

wait_for_mount() {
  local mnt=$1
  for _ in $(seq 1 500); do
    mountpoint -q "$mnt" && return 0
    sleep 0.01
  done
  echo "harness.sh: $mnt did not appear as a mount point" >&2
  return 1
}

case $verb/$side in
  mount/oracle)
    kernel_mount "$3" "$4" "$5" "$6"
    ;;
  mount/subject)
    case $subject in
      kernel) kernel_mount "$3" "$4" "$5" "$6" ;;
      fuse-overlayfs) fuse-overlayfs -o "lowerdir=$3,upperdir=$4,workdir=$5" "$6" 2>/dev/null ;;
      layerfs) "${LAYERFS:?set LAYERFS to the layerfs binary}" mount -o "lowerdir=$3,upperdir=$4,workdir=$5" "$6" ;;
      *) echo "harness.sh: unknown UNION_DIFF_SUBJECT '$subject'" >&2; exit 2 ;;
    esac
    wait_for_mount "$6"
    ;;
  umount/*)
    # A FUSE daemon exits once its mount is gone; umount works as root and in a user namespace.
    umount "$3" 2>/dev/null || fusermount3 -u "$3"
    ;;
  *)
    echo "usage: harness.sh mount oracle|subject LOWERDIRS UPPER WORK MNT | umount oracle|subject MNT" >&2
    exit 2
    ;;
esac
