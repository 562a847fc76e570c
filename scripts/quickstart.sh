#!/usr/bin/env bash
# The main job, end to end: installs dependencies (as root), builds, creates the default base
# image from Debian's busybox-static, and shows layerfs at work. Runs as root or as an ordinary
# user once the packages are installed (layerfs itself never needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh >/dev/null
layerfs=$PWD/build/layerfs
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./scripts/make-base-rootfs.sh "$work/busybox-rootfs.tar"

step "$layerfs" import "$work/busybox-rootfs.tar" busybox:latest -c 'CMD ["sh"]' -m "busybox base image"
step "$layerfs" images
step "$layerfs" layer ls busybox
step "$layerfs" history busybox
step ls -C "$("$layerfs" layer path busybox@0)"
step "$layerfs" tag busybox:latest demo/busybox:v1
step "$layerfs" save -o "$work/busybox.tar" demo/busybox:v1
step "$layerfs" rmi demo/busybox:v1
step "$layerfs" load -i "$work/busybox.tar"
step "$layerfs" system df

# The union mount: the image's layers under a writable upper directory.
mkdir -p "$work/mnt" "$work/upper" "$work/work"
step "$layerfs" mount -o "lowerdir=$("$layerfs" layer path busybox@0),upperdir=$work/upper,workdir=$work/work" "$work/mnt"
echo "hello from layerfs" > "$work/mnt/etc/motd"
rm "$work/mnt/etc/hosts"
step ls -C "$work/mnt/etc"
step ls -la "$work/upper/etc"
step "$layerfs" umount "$work/mnt"
