#!/usr/bin/env bash
# The raw union mount (`layerfs mount -o lowerdir=..,upperdir=..,workdir=..`): merged reads,
# every whiteout form, opaque directories, copy-up, whiteouts written, renames of files and of
# lower directories, hard links, xattrs, stable inode numbers across copy-up and remount, and
# umount waiting for the daemon. Runs as root, then again as layerfs-tester inside `unshare -rm`
# --map-auto (a rootless user namespace with the user's subuid range; the daemon mounts FUSE
# itself there).
source "$(dirname "$0")/lib.sh"

MNT_TIMEOUT=20

# build_layers DIR: two lower layers with OCI and kernel whiteouts and opaque directories.
build_layers() {
  local d=$1
  mkdir -p "$d"/{l1,l2,upper,work,mnt}
  mkdir -p "$d"/l2/{dir,only2,opq,ren/sub,gonedir} "$d"/l1/{dir,opq,xopq}
  echo l2a >"$d/l2/a"; echo l1a >"$d/l1/a"
  echo b >"$d/l2/b"; touch "$d/l1/.wh.b"                      # OCI whiteout
  echo c >"$d/l2/c"; mknod "$d/l1/c" c 0 0                     # kernel whiteout
  echo f2 >"$d/l2/dir/f2"; echo f1 >"$d/l1/dir/f1"             # merged directory
  echo x >"$d/l2/only2/x"
  echo hidden >"$d/l2/opq/h"; touch "$d/l1/opq/.wh..wh..opq"; echo v >"$d/l1/opq/v"
  mkdir -p "$d/l2/xopq"; echo hidden >"$d/l2/xopq/h"
  setfattr -n user.overlay.opaque -v y "$d/l1/xopq"            # xattr-opaque directory
  mkdir -p "$d"/l2/{fopq,topq} "$d"/l1/{fopq,topq}
  echo hidden >"$d/l2/fopq/h"; echo hidden >"$d/l2/topq/h"; echo v >"$d/l1/topq/v"
  setfattr -n user.fuseoverlayfs.opaque -v y "$d/l1/fopq"      # fuse-overlayfs's own marker
  # overlayfs's trusted.* marker, which only root can set (the rootless run sees a merged one).
  setfattr -n trusted.overlay.opaque -v y "$d/l1/topq" 2>/dev/null
  echo r1 >"$d/l2/ren/r1"; echo deep >"$d/l2/ren/sub/deep"
  echo g >"$d/l2/gonedir/g"; touch "$d/l1/.wh.gonedir"
  echo data >"$d/l2/hl1"; ln "$d/l2/hl1" "$d/l2/hl2"
  echo pair >"$d/l2/pair1"; ln "$d/l2/pair1" "$d/l2/pair2"
  echo setgid >"$d/l2/sgid"
  echo spare >"$d/l2/spare"                                    # copied up by the last checks
  mkdir -p "$d/l2/nl/sub/deeper"; echo x >"$d/l2/nl/sub/f"      # a directory of one layer
  ln -s a "$d/l2/sym"
  # One file, four names in l2; l1 hides the directory of the fourth.
  mkdir -p "$d"/l2/links/{sub,hidden}; echo four >"$d/l2/links/t1"
  ln "$d/l2/links/t1" "$d/l2/links/t2"; ln "$d/l2/links/t1" "$d/l2/links/sub/t3"
  ln "$d/l2/links/t1" "$d/l2/links/hidden/t4"
  mkdir -p "$d/l1/links"; touch "$d/l1/links/.wh.hidden"
  mkfifo "$d/l2/links/fifo"
  setfattr -n user.color -v blue "$d/l1/a"
  echo held >"$d/l1/held"; setfattr -n user.color -v red "$d/l1/held"
  touch -d 2020-02-02 "$d/l1/held"
  echo big >"$d/l2/sparse"; truncate -s 10M "$d/l2/sparse"
  echo owned >"$d/l2/owned"                                    # owner recorded, not native
  setfattr -n user.containers.override_stat -v 1000:1000:0640:file "$d/l2/owned"
  touch "$d/l2/chardev"
  setfattr -n user.containers.override_stat -v 0:0:0600:char-1-3 "$d/l2/chardev"
}

mount_union() {
  local d=$1
  timeout "$MNT_TIMEOUT" "$LAYERFS" mount \
    -o "lowerdir=$d/l1:$d/l2,upperdir=$d/upper,workdir=$d/work" "$d/mnt"
}

names() { (cd "$1" && ls -A | tr '\n' ' '); }

run_checks() {
  local d=$1 m=$1/mnt
  build_layers "$d"
  check "mount returns once the mount is live" mount_union "$d"
  on_exit "fusermount3 -uz '$m'"
  expect_eq "root listing" "$(cd "$m" && ls -A | sort | tr '\n' ' ')" \
    "a chardev dir fopq held hl1 hl2 links nl only2 opq owned pair1 pair2 ren sgid spare sparse sym topq xopq "
  expect_eq "top layer wins" "$(cat "$m/a")" "l1a"
  check "OCI whiteout hides a lower file" test ! -e "$m/b"
  check "char 0/0 whiteout hides a lower file" test ! -e "$m/c"
  check "OCI whiteout hides a lower directory" test ! -e "$m/gonedir"
  expect_eq "merged directory" "$(ls "$m/dir" | tr '\n' ' ')" "f1 f2 "
  expect_eq "merged directory shows st_nlink 1" "$(stat -c %h "$m/dir")" "1"
  expect_eq "a directory of one layer shows its count" "$(stat -c %h "$m/nl")" "3"
  expect_eq "marker-opaque directory hides lower" "$(ls -A "$m/opq" | tr '\n' ' ')" "v "
  expect_eq "xattr-opaque directory hides lower" "$(ls -A "$m/xopq" | tr '\n' ' ')" ""
  expect_eq "fuse-overlayfs-opaque directory hides lower" "$(ls -A "$m/fopq" | tr '\n' ' ')" ""
  if [ "$(id -u)" -eq 0 ] && ! in_user_namespace; then
    expect_eq "trusted.overlay-opaque directory hides lower" "$(names "$m/topq")" "v "
  else
    expect_eq "trusted.* cannot be set here: the directory stays merged" "$(names "$m/topq")" "h v "
  fi
  expect_eq "symlink" "$(readlink "$m/sym")" "a"
  expect_eq "sparse size" "$(stat -c %s "$m/sparse")" "10485760"
  expect_eq "xattr read through" "$(getfattr --absolute-names --only-values -n user.color "$m/a" 2>&1)" "blue"
  expect_eq "hard links share st_ino" "$(stat -c %i "$m/hl1")" "$(stat -c %i "$m/hl2")"
  expect_eq "override_stat owner and mode shown" "$(stat -c '%u %g %a %F' "$m/owned")" \
    "1000 1000 640 regular file"
  expect_eq "override_stat device type shown" "$(stat -c '%F %t %T' "$m/chardev")" \
    "character special file 1 3"
  chown 2000:3000 "$m/owned"
  expect_eq "chown shown" "$(stat -c '%u %g %a' "$m/owned")" "2000 3000 640"
  if [ "$(id -u)" -eq 0 ] && ! grep -q '^ *0 *0 *4294967295' /proc/self/uid_map; then
    expect_eq "chown in a user namespace is recorded" \
      "$(getfattr --absolute-names --only-values -n user.containers.override_stat "$d/upper/owned")" \
      "2000:3000:0640:file"
  else
    expect_eq "chown as root updates the recorded owner" \
      "$(getfattr --absolute-names --only-values -n user.containers.override_stat "$d/upper/owned")" \
      "2000:3000:0640:file"
  fi
  expect_eq "mode 0000 file stays readable by root" "$(chmod 000 "$m/owned"; cat "$m/owned")" "owned"
  check "creating a marker name is refused" bash -c "! touch '$m/.wh.x' 2>/dev/null"

  # copy-up
  local ino_a; ino_a=$(stat -c %i "$m/a")
  echo more >>"$m/a"
  expect_eq "append copies up" "$(cat "$m/a")" "$(printf 'l1a\nmore')"
  expect_eq "lower layer untouched" "$(cat "$d/l1/a")" "l1a"
  expect_eq "st_ino survives copy-up" "$(stat -c %i "$m/a")" "$ino_a"
  expect_eq "xattrs copied up" "$(getfattr --absolute-names --only-values -n user.color "$d/upper/a" 2>&1)" "blue"
  echo tail >>"$m/sparse"
  local blocks; blocks=$(stat -c %b "$d/upper/sparse")
  check "copy-up keeps holes ($blocks blocks)" test "$blocks" -lt 1024
  chmod 600 "$m/dir/f2"
  expect_eq "chmod copies up" "$(stat -c %a "$m/dir/f2")" "600"
  expect_eq "chmod leaves the lower mode" "$(stat -c %a "$d/l2/dir/f2")" "644"
  setfattr -n user.new -v 1 "$m/only2/x"
  expect_eq "setxattr copies up" "$(getfattr --absolute-names --only-values -n user.new "$m/only2/x")" "1"
  touch "$m/nl/sub/new"
  expect_eq "a directory copied up as a parent is merged: st_nlink 1" "$(stat -c %h "$m/nl")" "1"
  expect_eq "its subdirectory written in too" "$(stat -c %h "$m/nl/sub")" "1"
  check "private xattrs hidden" bash -c "! getfattr --absolute-names -d -m - '$m/a' 2>/dev/null | grep -Eq 'layerfs\.|overlay|override_stat'"

  # removal
  rm "$m/dir/f2"
  expect_eq "unlink of a lower file" "$(ls "$m/dir" | tr '\n' ' ')" "f1 "
  check "unlink writes a whiteout" bash -c "[ -c '$d/upper/dir/f2' ] || [ -e '$d/upper/dir/.wh.f2' ]"
  check "rmdir of a non-empty merged directory fails" bash -c "! rmdir '$m/only2' 2>/dev/null"
  rm "$m/only2/x"
  check "rmdir once empty across layers" rmdir "$m/only2"
  check "removed directory is gone" test ! -e "$m/only2"
  mkdir "$m/only2"
  expect_eq "recreated directory is opaque" "$(ls -A "$m/only2")" ""

  # create, rename
  echo new >"$m/new"
  mv "$m/new" "$m/new2"
  expect_eq "rename of an upper file" "$(cat "$m/new2")" "new"
  # A name a rename replaces never stops existing: opens racing the renames all succeed (an open
  # that found the old file opens the old file).
  echo 0 >"$m/swap"
  (for i in $(seq 400); do echo "$i" >"$m/swap.new"; mv "$m/swap.new" "$m/swap"; done) &
  local renamer=$! missing=0 i
  for i in $(seq 400); do cat "$m/swap" >/dev/null 2>&1 || missing=$((missing + 1)); done
  wait "$renamer"
  expect_eq "rename over a name is atomic for readers" "$missing" "0"
  # Link counts as overlayfs (index=on) keeps them: hidden names count until a shown one goes.
  expect_eq "a lower hard link counts every name" "$(stat -c %h "$m/links/t1")" "4"
  stat "$m/links/t2" >/dev/null # known to the kernel, its data never read
  chmod 600 "$m/links/t1"
  expect_eq "after copy-up too" "$(stat -c %h "$m/links/t1")" "4"
  expect_eq "another name known before a metadata-only copy-up reads the data" \
    "$(cat "$m/links/t2")" "four"
  expect_eq "the shown names stay one file" "$(stat -c %i "$m/links/t2")" "$(stat -c %i "$m/links/sub/t3")"
  expect_eq "they share the chmod" "$(stat -c %a "$m/links/sub/t3")" "600"
  rm -rf "$m/links/sub"
  expect_eq "removing a name counts one fewer" "$(stat -c %h "$m/links/t1")" "3"
  echo other >"$m/other"
  mv "$m/other" "$m/pair2"
  expect_eq "a rename over one name of a lower hard link counts one fewer" \
    "$(stat -c %h "$m/pair1")" "1"
  expect_eq "the name left keeps its data" "$(cat "$m/pair1") $(cat "$m/pair2")" "pair other"
  check "chmod of a lower fifo" chmod 444 "$m/links/fifo"
  expect_eq "the fifo shows its mode" "$(stat -c %a "$m/links/fifo")" "444"
  mv "$m/hl1" "$m/moved"
  expect_eq "rename of a lower file" "$(cat "$m/moved")" "data"
  check "renamed lower file leaves a whiteout" test ! -e "$m/hl1"
  local ino_ren; ino_ren=$(stat -c %i "$m/ren/sub/deep")
  mv "$m/ren" "$m/ren2"
  expect_eq "rename of a lower directory" "$(cat "$m/ren2/sub/deep") $(cat "$m/ren2/r1")" "deep r1"
  check "old directory name is gone" test ! -e "$m/ren"
  expect_eq "st_ino survives a directory rename" "$(stat -c %i "$m/ren2/sub/deep")" "$ino_ren"
  mv "$m/nl" "$m/nl2"
  expect_eq "a merged directory moved whole is upper: its own st_nlink" \
    "$(stat -c %h "$m/nl2/sub")" "3"
  mkdir "$m/ren"
  expect_eq "new directory at the old name is empty" "$(ls -A "$m/ren")" ""
  ln "$m/new2" "$m/new3"
  expect_eq "hard link" "$(stat -c '%h %i' "$m/new3")" "$(stat -c '%h %i' "$m/new2")"
  expect_eq "hard link count seen through the first name" "$(stat -c %h "$m/new2")" "2"
  mkfifo "$m/fifo"
  expect_eq "mkfifo" "$(stat -c %F "$m/fifo")" "fifo"
  ln -s target "$m/sym2"
  expect_eq "symlink created" "$(readlink "$m/sym2")" "target"

  # A setgid lower file, copied up metadata-only by the chmod; the xattr fills its data in.
  chmod 2755 "$m/sgid"
  setfattr -n user.filled -v yes "$m/sgid"

  # A lower file open when its name goes: a chmod through the fd copies it up without a name,
  # keeping its xattrs and times (overlayfs fails this with EEXIST).
  expect_eq "fchmod of an open lower file after unlink" "$(python3 - "$m/held" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.unlink(sys.argv[1])
os.fchmod(fd, 0o600)
st = os.fstat(fd)
print(oct(st.st_mode), int(st.st_mtime), os.getxattr(fd, "user.color").decode(), os.read(fd, 9).decode())
EOF
)" "0o100600 $(date -d 2020-02-02 +%s) red held"

  # Immutable and append-only are refused (fuse/file_flags.h): the upper stays removable.
  check "chattr +i is refused" bash -c "! chattr +i '$m/a' 2>/dev/null"
  check "chattr +a is refused" bash -c "! chattr +a '$m/a' 2>/dev/null"
  check "chattr +d is set" chattr +d "$m/a"
  expect_match "lsattr shows it" "$(lsattr "$m/a" 2>&1)" "^[^ ]*d[^ ]* "

  # One union at a time on an upper and work directory (fuse/mount_lock.h).
  mkdir -p "$d/mnt2"
  expect_fail "a second union on the same upper and work directories is refused" \
    "is the upper or work directory of the union mounted on $m\$" timeout "$MNT_TIMEOUT" \
    "$LAYERFS" mount -o "lowerdir=$d/l2,upperdir=$d/upper,workdir=$d/work" "$d/mnt2"
  expect_fail "the work directory cannot be the upper directory" "must not be the upper" \
    timeout "$MNT_TIMEOUT" "$LAYERFS" mount -o "lowerdir=$d/l2,upperdir=$d/l1,workdir=$d/l1" \
    "$d/mnt2"
  expect_eq "the first union still copies up" "$(echo more >>"$m/spare" && cat "$m/spare")" \
    "$(printf 'spare\nmore')"

  # unmount, remount: changes persist and inode numbers are stable
  local ino_moved; ino_moved=$(stat -c %i "$m/moved")
  check "umount" timeout "$MNT_TIMEOUT" "$LAYERFS" umount "$m"
  check "umount leaves no mount behind" bash -c "! grep -q ' $m ' /proc/self/mounts"
  check "remount" mount_union "$d"
  expect_eq "changes persist" "$(cat "$m/a") $(cat "$m/ren2/sub/deep")" "$(printf 'l1a\nmore') deep"
  expect_eq "st_ino stable across remount (copied up)" "$(stat -c %i "$m/a")" "$ino_a"
  expect_eq "st_ino stable across remount (renamed)" "$(stat -c %i "$m/moved")" "$ino_moved"
  check "deleted files stay deleted" bash -c "! ls -A '$m' | grep -qx hl1"
  expect_eq "filling in a metacopy's data keeps setgid" "$(stat -c %a "$m/sgid")" "2755"
  expect_eq "a moved directory's subdirectory keeps its st_nlink" "$(stat -c %h "$m/nl2/sub")" "3"
  check "umount again" timeout "$MNT_TIMEOUT" "$LAYERFS" umount "$m"

  # Mount points the daemon would reach through its own mount (and wait on itself for ever), and
  # a directory that is not mounted: clear errors, no hang.
  expect_fail "a mount point inside a lower directory is refused" \
    "^Error: cannot mount on $d/l2/only2: it is inside the layer directory $d/l2," \
    timeout "$MNT_TIMEOUT" "$LAYERFS" mount -o "lowerdir=$d/l1:$d/l2" "$d/l2/only2"
  expect_fail "a mount point inside the upper directory is refused" "inside the layer directory" \
    timeout "$MNT_TIMEOUT" "$LAYERFS" mount \
    -o "lowerdir=$d/l1:$d/l2,upperdir=$d/upper,workdir=$d/work" "$d/upper/ren"
  check "nothing was mounted there" bash -c "! grep -q ' $d/l2/only2 ' /proc/self/mounts"
  expect_fail "umount of a directory that is not mounted" "^Error: $d/mnt is not a mount point$" \
    timeout "$MNT_TIMEOUT" "$LAYERFS" umount "$d/mnt"
  mkdir -p "$d/tmpfs"
  if mount -t tmpfs tmpfs "$d/tmpfs"; then
    on_exit "umount '$d/tmpfs'"
    expect_fail "umount of another file system" "^Error: $d/tmpfs is not a layerfs mount \(tmpfs " \
      timeout "$MNT_TIMEOUT" "$LAYERFS" umount "$d/tmpfs"
    check "which stays mounted" grep -q " $d/tmpfs tmpfs " /proc/self/mounts
  fi

  # read-only mount
  timeout "$MNT_TIMEOUT" "$LAYERFS" mount -o "lowerdir=$d/l1:$d/l2" "$d/mnt"
  check "read-only mount refuses writes" bash -c "! touch '$m/x' 2>/dev/null"
  expect_eq "read-only mount reads" "$(cat "$m/a")" "l1a"
  kill -TERM $(pgrep -f -- "mount -o lowerdir=$d/l1:$d/l2 $m") 2>/dev/null
  local i
  for i in $(seq 50); do grep -q " $m " /proc/self/mounts || break; sleep 0.1; done
  check "SIGTERM unmounts and exits" bash -c "! grep -q ' $m ' /proc/self/mounts"

  # A mount namespace made while the union is mounted (a container started meanwhile) keeps a
  # copy of the mount, and with it the FUSE connection: umount must still end the daemon.
  check "remount" mount_union "$d"
  unshare -m --propagation private sleep 60 &
  local holder=$!
  on_exit "kill $holder 2>/dev/null"
  for i in $(seq 50); do
    [ "$(readlink "/proc/$holder/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] && break
    sleep 0.1
  done
  check "another namespace holds a copy" grep -q " $m " "/proc/$holder/mounts"
  check "umount ends the daemon all the same" timeout "$MNT_TIMEOUT" "$LAYERFS" umount "$m"
  check "no daemon is left" bash -c "! pgrep -f -- 'upperdi[r]=$d/upper,workdir=$d/work $m' >/dev/null"
  kill "$holder" 2>/dev/null
  wait "$holder" 2>/dev/null
}

if [ "${1:-}" = "--inner" ]; then
  run_checks "$TEST_TMP/inner"
  finish
  exit
fi

echo "# as root"
run_checks "$TEST_TMP/root"
rerun_rootless
finish
