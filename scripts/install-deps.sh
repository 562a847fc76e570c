#!/usr/bin/env bash
# Installs what layerfs builds with and what its tests drive (Debian bookworm packages only).
# Idempotent: packages already present are not fetched again. Run as root; as an ordinary user it
# prints the one command to run.
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config clang-format
  libfuse3-dev libarchive-dev libssl-dev libcli11-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libcurl4-openssl-dev libisal-dev libgtest-dev googletest
)
tool_packages=(
  busybox-static skopeo umoci docker-registry apache2-utils jq attr uidmap
  fuse3 fuse-overlayfs buildah slirp4netns util-linux procps
  zstd xz-utils bzip2 gzip tar openssl curl fio
)

missing=()
for pkg in "${build_packages[@]}" "${tool_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "$(id -u)" -ne 0 ]; then
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "layerfs needs packages that are not installed; run once as root:" >&2
    echo "  sudo $(realpath "$0")" >&2
    exit 1
  fi
  exit 0
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's udev rules make these usable by every user; these machines have no udev.
for dev in /dev/fuse /dev/net/tun; do
  if [ -e "$dev" ]; then chmod 666 "$dev"; fi
done
# fusermount3 must be setuid root for ordinary users to mount FUSE.
if [ -e /bin/fusermount3 ]; then chmod u+s /bin/fusermount3; fi
