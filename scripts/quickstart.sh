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
cleanup() {
  fusermount3 -uz "$work/mnt" 2>/dev/null || true
  fusermount3 -uz "$work/raw" 2>/dev/null || true
  "$layerfs" rm -f quickstart-web >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
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

# Build an image from a Dockerfile (the RUN step runs in the rootless sandbox), run it, mount it.
step "$layerfs" build -t hello examples/hello
step "$layerfs" run --rm hello
step "$layerfs" history hello
mkdir -p "$work/mnt"
step "$layerfs" mount --read-only hello "$work/mnt"
step ls -C "$work/mnt"
step cat "$work/mnt/built.txt"
step "$layerfs" umount "$work/mnt"

# A container in the background: the httpd example, its logs, a change made with exec, diff, commit.
step "$layerfs" build -q -t httpd-example examples/httpd
step "$layerfs" run -d --name quickstart-web -e PORT=18080 httpd-example
for _ in $(seq 50); do curl -fsS --max-time 1 http://127.0.0.1:18080/ >/dev/null 2>&1 && break; sleep 0.1; done
step curl -fsS http://127.0.0.1:18080/
step "$layerfs" exec quickstart-web sh -c 'echo "<p>changed in the container</p>" > /tmp/note.html'
step "$layerfs" diff quickstart-web
step "$layerfs" ps
step "$layerfs" stop quickstart-web
step "$layerfs" commit -m "with a note" quickstart-web httpd-example:noted
step "$layerfs" rm quickstart-web
step "$layerfs" images

# The raw union mount (fuse-overlayfs's options): layer directories under a writable upper.
mkdir -p "$work/raw" "$work/upper" "$work/work"
step "$layerfs" mount -o "lowerdir=$("$layerfs" layer path busybox@0),upperdir=$work/upper,workdir=$work/work" "$work/raw"
echo "hello from layerfs" > "$work/raw/etc/motd"
rm "$work/raw/etc/hosts"
step ls -C "$work/raw/etc"
step ls -la "$work/upper/etc"
step "$layerfs" umount "$work/raw"
