#!/usr/bin/env bash
# Owners, modes, devices, fifos, hard links, symlinks and times survive tar -> store -> save -> tar,
# as root (native owners) and as an ordinary user (override_stat xattrs).
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "needs root to build the source tar with foreign owners and devices"
  echo "0 passed, 0 failed"; exit 0
fi

src=$TEST_TMP/src
mkdir -p "$src/etc" "$src/var/www" "$src/dev" "$src/usr/bin"
echo "root:x:0:0::/root:/bin/sh" > "$src/etc/passwd"
echo secret > "$src/etc/shadow"; chmod 0000 "$src/etc/shadow"
echo page > "$src/var/www/index.html"; chown 33:33 "$src/var/www" "$src/var/www/index.html"
echo tool > "$src/usr/bin/su"; chmod 4755 "$src/usr/bin/su"
echo shared > "$src/usr/bin/a"; ln "$src/usr/bin/a" "$src/usr/bin/b"; chown 1000:1000 "$src/usr/bin/a"
ln -s ../var/www "$src/etc/www"; chown -h 33:33 "$src/etc/www"
ln -s passwd "$src/etc/passwd.link"
mknod "$src/dev/null" c 1 3; chmod 666 "$src/dev/null"
mknod "$src/dev/sda" b 8 0; chown 0:6 "$src/dev/sda"
mkfifo "$src/dev/fifo"; chown 5:5 "$src/dev/fifo"
mkdir "$src/tmp"; chmod 1777 "$src/tmp"
mkdir "$src/locked"; chmod 0500 "$src/locked"
touch -h -d '2020-02-02 02:02:02' "$src/etc/www" "$src/usr/bin/a" "$src/etc" "$src/dev/null"
tar --numeric-owner --sort=name --format=pax -C "$src" -cf "$TEST_TMP/src.tar" .

listing() { tar --numeric-owner -tvf "$1" | grep -v ' \./$' | sed 's/ \+/ /g' | sort -k6; }
expected=$(listing "$TEST_TMP/src.tar")

roundtrip() {  # as whom, store
  local who=$1 store=$2
  local run=()
  [ "$who" != root ] && run=(runuser -u "$who" --)
  "${run[@]}" env LAYERFS_ROOT="$store" "$LAYERFS" import "$TEST_TMP/src.tar" owners:test >/dev/null || return 1
  "${run[@]}" env LAYERFS_ROOT="$store" "$LAYERFS" save -o "$store.save.tar" owners:test || return 1
  mkdir -p "$store.x" && tar -xf "$store.save.tar" -C "$store.x" || return 1
  local layer; layer=$(jq -r '.[0].Layers[0]' "$store.x/manifest.json")
  listing "$store.x/$layer"
}

actual=$(roundtrip root "$TEST_TMP/root-store")
expect_eq "root: tar -> store -> save -> tar keeps everything" "$actual" "$expected"
layer_dir=$(LAYERFS_ROOT=$TEST_TMP/root-store "$LAYERFS" layer path owners:test@0)
expect_eq "root: native owners in the layer" "$(stat -c %u:%g "$layer_dir/var/www/index.html")" "33:33"
expect_eq "root: real device node" "$(stat -c %F "$layer_dir/dev/null")" "character special file"
expect_eq "root: no override xattr" "$(getfattr --absolute-names -n user.containers.override_stat "$layer_dir/var/www/index.html" 2>/dev/null | wc -l)" "0"

for user in layerfs-tester layerfs-nosubid; do
  id "$user" >/dev/null 2>&1 || { fail "$user missing (run scripts/test-users.sh)"; continue; }
  store=/tmp/layerfs-own-$user-$$
  on_exit "rm -rf $store $store.x $store.save.tar"
  chmod 755 "$TEST_TMP"; chmod 644 "$TEST_TMP/src.tar"
  actual=$(roundtrip "$user" "$store")
  expect_eq "$user: tar -> store -> save -> tar keeps everything" "$actual" "$expected"
  layer_dir=$(runuser -u "$user" -- env LAYERFS_ROOT="$store" "$LAYERFS" layer path owners:test@0)
  expect_eq "$user: files belong to the user" "$(stat -c %U "$layer_dir/var/www/index.html")" "$user"
  expect_eq "$user: owner recorded in override_stat" \
    "$(getfattr --absolute-names --only-values -n user.containers.override_stat "$layer_dir/var/www/index.html" 2>/dev/null)" "33:33:0644:file"
  expect_match "$user: device recorded as a placeholder" \
    "$(getfattr --absolute-names --only-values -n user.containers.override_stat "$layer_dir/dev/null" 2>/dev/null)" '^0:0:0666:char-1-3$'
done

finish
