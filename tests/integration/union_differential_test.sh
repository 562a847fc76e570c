#!/usr/bin/env bash
# The union file system against kernel overlayfs, through tests/fuse/differential/union_differential:
#   1. the tester checks itself: overlayfs against overlayfs agrees, and an injected fault is
#      found and shrunk to the one operation that causes it;
#   2. layerfs (raw form, `layerfs mount -o lowerdir=...`) against overlayfs: several seeds,
#      a few thousand operations in all, every errno and the final trees compared.
# As root the mounts are made directly; as an ordinary user the whole test re-runs inside
# `unshare -rm` (overlayfs with userxattr, FUSE mounted in the same namespace).
# UNION_DIFF_LONG=1: many more seeds and operations (local runs). Exit 77: cannot run here.
set -euo pipefail

: "${LAYERFS:?LAYERFS must name the layerfs binary}" "${LAYERFS_SOURCE:?}" "${LAYERFS_BUILD:?}"
tester=$LAYERFS_BUILD/tests/fuse/differential/union_differential
harness=$LAYERFS_SOURCE/tests/fuse/differential/harness.sh

if [ "$(id -u)" -ne 0 ]; then
  if [ -n "${UNION_DIFF_IN_USERNS:-}" ] || ! unshare -rm true 2>/dev/null; then
    echo "SKIP: needs root or unprivileged user+mount namespaces" >&2
    exit 77
  fi
  UNION_DIFF_IN_USERNS=1 exec unshare -rm bash "$0" "$@"
fi
[ -x "$tester" ] || { echo "FAIL: $tester not built" >&2; exit 1; }
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
  { echo "SKIP: no overlayfs in this kernel" >&2; exit 77; }

work=$(mktemp -d /tmp/union-differential-test.XXXXXX)
cleanup() {
  # A tester killed by the ctest timeout leaves its mounts: lazily unmount everything under work.
  local mnt
  for mnt in $(awk -v w="$work" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${UNION_DIFF_LONG:-}" ]; then
  seeds=${UNION_DIFF_SEEDS:-40} ops=${UNION_DIFF_OPS:-3000}
else
  seeds=${UNION_DIFF_SEEDS:-6} ops=${UNION_DIFF_OPS:-500}
fi
first_seed=${UNION_DIFF_SEED:-1}

echo "== self-check: kernel overlayfs against itself"
UNION_DIFF_SUBJECT=kernel "$tester" --harness "$harness" --work "$work/self" --subject-whiteouts kernel \
  --seed 1000 --seeds 2 --ops 300

# The fault is the last operation, so only the final tree shows it: one operation reproduces it.
echo "== self-check: an injected fault is found and shrunk to one operation"
set +e
UNION_DIFF_SUBJECT=kernel "$tester" --harness "$harness" --work "$work/fault" --subject-whiteouts kernel \
  --seed 1000 --ops 30 --inject-fault 29 --no-remount-check >"$work/fault.log" 2>&1
status=$?
set -e
if [ $status -ne 1 ] || ! grep -q 'shortest reproducing sequence (1 of ' "$work/fault.log" ||
  ! grep -q 'oracle_only_mkdir' "$work/fault.log"; then
  cat "$work/fault.log"
  echo "FAIL: the tester did not find and shrink the injected fault (exit $status)" >&2
  exit 1
fi

echo "== layerfs against kernel overlayfs: $seeds seeds x $ops operations"
if ! "$LAYERFS" mount --help >/dev/null 2>&1; then
  echo "SKIP: this layerfs has no 'mount' command yet" >&2
  exit 77
fi
UNION_DIFF_SUBJECT=layerfs "$tester" --harness "$harness" --work "$work/layerfs" \
  --seed "$first_seed" --seeds "$seeds" --ops "$ops" --shrink-budget 120
