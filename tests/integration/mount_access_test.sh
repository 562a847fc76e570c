#!/usr/bin/env bash
# Permission checks (default_permissions: an ordinary user cannot read, write, list, delete, chmod
# or chown what the layers' owners, modes and POSIX ACLs forbid, sticky directories included; a
# directory's default ACL, not the umask, sets a new file's mode and ACL) and special
# files (fsync of files and directories, unix sockets, POSIX locks between processes, device
# nodes, statfs), against kernel overlayfs as the oracle over the same lower layer
# (tests/integration/access_cases.py). As root (the other user: layerfs-tester), then again as
# layerfs-tester inside `unshare -rm --map-auto` (a rootless daemon; overlayfs with userxattr;
# the other user: uid 1000 there, and device nodes refused to both).
source "$(dirname "$0")/lib.sh"

oracle_other_user "${1:-}"
compare_cases "$LAYERFS_SOURCE/tests/integration/access_cases.py"
if [ "${1:-}" = "--inner" ]; then
  finish
  exit
fi
rerun_rootless
finish
