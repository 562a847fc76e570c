#!/usr/bin/env bash
# Setuid and setgid bits cleared by changes, against kernel overlayfs as the oracle: the daemon
# clears them itself (fuse/kill_privileges.h), for writes, truncations, chowns, fallocate and
# copy_file_range by root and by an ordinary user, on lower files (copied up) and on new ones.
# As root (the other user: layerfs-tester), then again as layerfs-tester inside `unshare -rm
# --map-auto` (a rootless daemon; overlayfs with userxattr; the other user: uid 1000 there).
source "$(dirname "$0")/lib.sh"

user=layerfs-tester
inner=no
[ "${1:-}" = "--inner" ] && inner=yes
if [ "$inner" = no ] && { [ "$(id -u)" -ne 0 ] || ! id "$user" >/dev/null 2>&1; }; then
  echo "skip: needs root and the test user $user (scripts/test-users.sh)"
  exit 77
fi
# as CMD...: runs CMD as the other user.
if [ "$inner" = yes ]; then
  as() { setpriv --reuid=1000 --regid=1000 --clear-groups -- "$@"; }
else
  as() { as_user "$user" "$@"; }
fi

# The files every case starts from, NAME:MODE (p_*: fifos, whose chown clears the bits too).
files="w_user:6777 w_user_nogx:6767 w_root:6777 t_user:6777 t_root:6777 o_user:6777
  c_root:6777 c_root_nogx:6767 c_none:6777 f_user:6777 cp_user:6777 src:644 m_user:6777
  again:6777 p_c_root:6777 p_c_root_nogx:6767"

make_files() {
  local dir=$1 spec
  for spec in $files; do
    case $spec in
      p_*) mkfifo "$dir/${spec%%:*}" ;;
      *) echo data >"$dir/${spec%%:*}" ;;
    esac
    chmod "${spec##*:}" "$dir/${spec%%:*}"
  done
}

# The cases, each printing "name mode".
act() {
  local m=$1
  as sh -c "echo x >> $m/w_user"
  as sh -c "echo x >> $m/w_user_nogx"
  sh -c "echo x >> $m/w_root"
  as truncate -s 1 "$m/t_user"
  truncate -s 1 "$m/t_root"
  as sh -c ": > $m/o_user"
  chown 1000 "$m/c_root"
  chown 1000 "$m/c_root_nogx"
  chown 1000 "$m/p_c_root" "$m/p_c_root_nogx"
  python3 -c "import os, sys; os.chown(sys.argv[1], -1, -1)" "$m/c_none"
  as fallocate -l 8192 "$m/f_user"
  as python3 -c "import os, sys
s, t = os.open(sys.argv[1], os.O_RDONLY), os.open(sys.argv[2], os.O_WRONLY)
os.copy_file_range(s, t, 3, 0, 0)" "$m/src" "$m/cp_user"
  as python3 -c "import mmap, os, sys
m = mmap.mmap(os.open(sys.argv[1], os.O_RDWR), 4); m[0:1] = b'X'; m.flush()" "$m/m_user"
  # Cleared by a write, set again by root, written again: the kernel must not have kept the file
  # marked clean (no setuid to clear) across the chmod.
  as sh -c "echo x >> $m/again"
  chmod 6777 "$m/again"
  as sh -c "echo y >> $m/again"
  local spec
  for spec in $files; do echo "${spec%%:*} $(stat -c %a "$m/${spec%%:*}")"; done
}

# run_on BACKEND WHERE: the cases on BACKEND (kernel or layerfs), with the files made in the lower
# layer (WHERE=lower) or in the mount (WHERE=new).
run_on() {
  local backend=$1 where=$2 d=$TEST_TMP/$1-$2
  mkdir -p "$d/lower" "$d/upper"
  chmod 777 "$d/lower" "$d/upper"
  [ "$where" = lower ] && make_files "$d/lower"
  oracle_mount "$backend" "$d" || return 1
  chmod 777 "$d/mnt"
  [ "$where" = new ] && make_files "$d/mnt"
  act "$d/mnt" >"$d/modes"
  umount "$d/mnt"
  cat "$d/modes"
}

for where in lower new; do
  if ! kernel=$(run_on kernel "$where"); then
    echo "skip: kernel overlayfs does not mount here"
    exit 77
  fi
  expect_like_oracle "$where file" "$(run_on layerfs "$where")" "$kernel"
done
if [ "$inner" = yes ]; then
  finish
  exit
fi
rerun_rootless
finish
