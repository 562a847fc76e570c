#!/usr/bin/env bash
# Runs amir73il/unionmount-testsuite against a union file system, one test at a time, and counts
# passes. LOCAL ONLY (never part of ctest): the suite is not committed; fetch it yourself, e.g.
#   git clone https://github.com/amir73il/unionmount-testsuite /tmp/unionmount-testsuite
#
# Usage (as root: the suite mounts tmpfs and overlays):
#   scripts/unionmount-testsuite.sh SUITE_DIR [kernel|fuse-overlayfs|layerfs] [TEST...]
# Backend layerfs uses $LAYERFS, else build/layerfs. With no TEST, all tests in SUITE_DIR/tests run.
#
# The suite's ./run stops at the first failure, so each test is a separate run; the union lives on
# a private tmpfs pair under a temp dir, never on the suite's defaults (/lower, /upper, /mnt).
# For FUSE backends the suite runs `mount -t fuse.<subtype>`, and mount.fuse then runs
# `<subtype> SOURCE MOUNTPOINT -o OPTIONS`; for layerfs a wrapper script maps that call to
# `layerfs mount -o OPTIONS MOUNTPOINT`.
# Expected on kernel 6.x: kernel overlayfs 59 of 60 (rename-exdev expects EXDEV, which only --xdev
# setups produce); fuse-overlayfs fails the directory renames too (it returns EXDEV).
set -euo pipefail

usage() {
  echo "usage: $0 SUITE_DIR [kernel|fuse-overlayfs|layerfs] [TEST...]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
suite=$(realpath "$1")
backend=${2:-layerfs}
shift $(($# >= 2 ? 2 : 1))
[ -x "$suite/run" ] || { echo "$0: $suite/run not found: not a unionmount-testsuite tree" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "$0: run as root (the suite mounts tmpfs and overlays)" >&2; exit 2; }
per_test_timeout=${UNIONMOUNT_TEST_TIMEOUT:-120}

# No dot in the path: it becomes part of the FUSE type name (fuse.<path>), split at dots.
work=$(mktemp -d /tmp/layerfs-umt-XXXXXX)
chmod 755 "$work" # the impermissible test runs steps as user bin, who must reach the union
base=$work/base
lower=$work/lower
bin=$work/bin
mkdir -p "$base" "$lower" "$bin"

unmount_all() {
  # Innermost first: the union, then anything else under the work dir (fuse daemons exit on it).
  local mnt
  for mnt in $(awk -v w="$work" '$2 ~ "^"w {print $2}' /proc/mounts | sort -r); do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done
}
cleanup() {
  unmount_all
  rm -rf "$work"
}
trap cleanup EXIT

fuse_args=()
case $backend in
  kernel) ;;
  fuse-overlayfs)
    command -v fuse-overlayfs >/dev/null || { echo "$0: fuse-overlayfs not installed" >&2; exit 2; }
    fuse_args=(--fuse=fuse-overlayfs)
    ;;
  layerfs)
    layerfs=${LAYERFS:-$(dirname "$0")/../build/layerfs}
    layerfs=$(realpath "$layerfs")
    [ -x "$layerfs" ] || { echo "$0: layerfs binary not found at $layerfs (set LAYERFS)" >&2; exit 2; }
    # mount.fuse: `layerfs-umt SOURCE MOUNTPOINT -o OPTIONS`.
    cat >"$bin/layerfs-umt" <<EOF
#!/bin/sh
echo "layerfs mount -o \$4 \$2" >>"$work/layerfs.log"
exec "$layerfs" mount -o "\$4" "\$2" 2>>"$work/layerfs.log"
EOF
    chmod +x "$bin/layerfs-umt"
    # mount(8) runs helpers with a sanitized PATH, so the subtype is the wrapper's absolute path
    # (mount.fuse runs the subtype through sh -c).
    fuse_args=(--fuse="$bin/layerfs-umt")
    ;;
  *) usage ;;
esac

if [ $# -gt 0 ]; then
  tests=("$@")
else
  mapfile -t tests < <(cd "$suite/tests" && ls -- *.py | sed 's/\.py$//' | sort)
fi

passed=()
failed=()
for test in "${tests[@]}"; do
  unmount_all
  mount -t tmpfs umt_base "$base"
  mount -t tmpfs umt_lower "$lower"
  log=$work/$test.log
  rm -f "$work/layerfs.log"
  if (cd "$suite" && UNIONMOUNT_BASEDIR=$base UNIONMOUNT_LOWERDIR=$lower \
      timeout "$per_test_timeout" ./run --ov "${fuse_args[@]}" "$test") >"$log" 2>&1; then
    passed+=("$test")
    echo "PASS $test"
  else
    failed+=("$test")
    # The suite's last lines name the failing step and what it saw.
    echo "FAIL $test: $(grep -v '^ *$' "$log" | tail -n 1)"
    if [ -n "${UNIONMOUNT_VERBOSE:-}" ]; then
      tail -n 15 "$log" | sed 's/^/    /'
      [ -f "$work/layerfs.log" ] && tail -n 5 "$work/layerfs.log" | sed 's/^/    layerfs: /'
    fi
  fi
done
unmount_all

echo "$backend: ${#passed[@]} of ${#tests[@]} passed"
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
