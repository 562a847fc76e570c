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

cases=$LAYERFS_SOURCE/tests/integration/access_cases.py
user=layerfs-tester
if [ "${1:-}" = "--inner" ]; then
  other=1000
elif [ "$(id -u)" -ne 0 ] || ! id "$user" >/dev/null 2>&1; then
  echo "skip: needs root and the test user $user (scripts/test-users.sh)"
  exit 77
else
  other=$(id -u "$user")
fi

# run_on BACKEND: the cases on BACKEND (kernel or layerfs), printed.
run_on() {
  local d=$TEST_TMP/$1
  mkdir -p "$d/lower"
  python3 "$cases" populate "$d/lower" "$other" || return 1
  oracle_mount "$1" "$d" || return 1
  timeout 120 python3 "$cases" run "$d/mnt" "$other" >"$d/results"
  # A run that stops early would leave cases out of the comparison: its status is a case too.
  echo "run_exit $?" >>"$d/results"
  umount "$d/mnt"
  cat "$d/results"
}

if ! kernel=$(run_on kernel); then
  echo "skip: kernel overlayfs does not mount here"
  exit 77
fi
expect_eq "overlayfs ran every case" "$(grep -c '^run_exit 0$' <<<"$kernel")" 1
expect_like_oracle "case" "$(run_on layerfs)" "$kernel"
if [ "${1:-}" = "--inner" ]; then
  finish
  exit
fi
rerun_rootless
finish
