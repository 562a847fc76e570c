#!/usr/bin/env bash
# Edge cases of a union mount against kernel overlayfs as the oracle over the same lower layer
# (tests/integration/edge_cases.py): names at their limits, renames over lower directories,
# listings read while they change, files and directories whose name goes while open, holes,
# mmap, O_APPEND, xattr limits, symlinks, setgid directories. As root (the other user:
# layerfs-tester), then again as layerfs-tester inside `unshare -rm --map-auto` (a rootless
# daemon; overlayfs with userxattr; the other user: uid 1000 there).
source "$(dirname "$0")/lib.sh"

oracle_other_user "${1:-}"
compare_cases "$LAYERFS_SOURCE/tests/integration/edge_cases.py"
if [ "${1:-}" = "--inner" ]; then
  finish
  exit
fi
rerun_rootless
finish
