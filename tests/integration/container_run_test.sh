#!/usr/bin/env bash
# run (exit codes, signals, -e/-w/-u/--name/--entrypoint/--hostname/--network none/-v/--read-only,
# --rm, -d), ps, rm, diff, commit, export/import round trip, rmi refusal, escape attempt; as the
# calling user (root in CI) and as unprivileged users with and without a subuid range.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar)

# Everything below runs as $1 with its own store.
scenario() {
  local who=$1 root=$2
  l import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null || { fail "$t import"; return; }
  expect_eq "$t exit status comes back" "$(l run --rm busybox sh -c 'exit 3'; echo $?)" "3"
  expect_eq "$t signal gives 128+N" "$(l run --rm busybox sh -c 'kill -KILL $$'; echo $?)" "137"
  local err rc
  err=$(l run --rm busybox nosuchcmd 2>&1); rc=$?
  expect_eq "$t command not found exits 127" "$rc" "127"
  expect_match "$t docker's not-found message" "$err" 'exec: "nosuchcmd": executable file not found in \$PATH'
  expect_eq "$t runs as root in the container" "$(l run --rm busybox id -u)" "0"
  expect_eq "$t pid 1 is the init, command is 2" "$(l run --rm busybox sh -c 'echo $$')" "2"
  expect_eq "$t -e -w" "$(l run --rm -e A=1 -e B=two -w /tmp/new busybox sh -c 'echo $A $B $(pwd)')" "1 two /tmp/new"
  expect_eq "$t --hostname" "$(l run --rm --hostname box busybox hostname)" "box"
  expect_eq "$t --entrypoint" "$(l run --rm --entrypoint echo busybox hello world)" "hello world"
  expect_eq "$t --network none has only lo" "$(l run --rm --network none busybox ls /sys/class/net)" "lo"
  expect_eq "$t escape: /etc/shadow is the image's" "$(l run --rm busybox cat /etc/shadow)" "root:*::0:::::"
  expect_fail "$t missing image" 'No such image: nothere:latest' l run --rm nothere:latest true
  expect_eq "$t --read-only" "$(l run --rm --read-only busybox sh -c 'touch /x 2>/dev/null || echo refused')" "refused"
  mkdir -p "$TEST_TMP/vol-$who"; chown "$who" "$TEST_TMP/vol-$who" 2>/dev/null
  check "$t -v rw" l run --rm -v "$TEST_TMP/vol-$who:/vol" busybox sh -c 'echo hi > /vol/f'
  expect_eq "$t -v rw wrote the host file" "$(cat "$TEST_TMP/vol-$who/f" 2>/dev/null)" "hi"
  expect_eq "$t -v ro" "$(l run --rm -v "$TEST_TMP/vol-$who:/vol:ro" busybox sh -c 'echo x > /vol/g 2>/dev/null || echo refused')" "refused"
  if [ "$who" != layerfs-nosubid ]; then
    expect_eq "$t -u www-data" "$(l run --rm -u www-data busybox id -u)" "33"
    expect_eq "$t chown to another id" "$(l run --rm busybox sh -c 'touch /f && chown 33:33 /f && stat -c %u:%g /f')" "33:33"
  else
    # Only id 0 is mapped: the container sees root (who can still write and remove the file, as
    # with rootless podman), the layer keeps the chown.
    expect_eq "$t chown to an unmapped id is recorded" \
      "$(l run --name owners busybox sh -c 'mkdir -p /d/e && touch /f /d/e/g && chown 33:34 /f && chown -R 100:101 /d && stat -c %u /f /d/e' | tr '\n' ' ')" "0 0 "
    expect_eq "$t a chowned file stays writable and removable" \
      "$(l run --rm busybox sh -c 'touch /x && chown 7:7 /x && echo data >> /x && cat /x && rm /x && echo removed' | tr '\n' ' ')" "data removed "
    expect_eq "$t outside the union (tmpfs) it stays refused" \
      "$(l run --rm busybox sh -c 'touch /dev/shm/x && chown 5 /dev/shm/x 2>&1 | grep -c "Invalid argument"')" "1"
    expect_eq "$t export carries the recorded owners" \
      "$(l export owners | tar -tvf - | awk '$6 ~ /^(f|d\/|d\/e\/g)$/ {print $2, $6}' | tr '\n' ' ')" "100/101 d/ 100/101 d/e/g 33/34 f "
    l commit owners owners:v1 >/dev/null
    expect_match "$t commit carries them" \
      "$(getfattr -n user.containers.override_stat --only-values "$(l layer path owners:v1@1)/f" 2>/dev/null)" '^33:34:'
    l rm owners >/dev/null
    l rmi owners:v1 >/dev/null
  fi
  expect_eq "$t --rm leaves no container" "$(l ps -aq)" ""

  # A named container, kept: ps, diff, commit, run the new image.
  l run --name web busybox sh -c 'mkdir /data && echo v1 > /data/f && rm /etc/group && echo x >> /etc/passwd' || fail "$t named run"
  expect_match "$t ps -a shows it exited" "$(l ps -a --format '{{.Names}} {{.Status}}')" '^web Exited \(0\) '
  expect_eq "$t ps hides exited ones" "$(l ps -q)" ""
  expect_match "$t ps table" "$(l ps -a | head -1)" '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
  expect_fail "$t name in use" 'Conflict. The container name "/web" is already in use' l run --name web busybox true
  expect_eq "$t diff" "$(l diff web | tr '\n' ' ')" "A /data A /data/f C /etc D /etc/group C /etc/passwd "
  expect_fail "$t rmi refused while a container uses the image" 'is being used by a container' l rmi busybox:latest
  local img
  img=$(l commit -a "Jane" -m "added data" -c 'CMD ["cat", "/data/f"]' web committed:v1)
  expect_match "$t commit prints the ID" "$img" '^sha256:[0-9a-f]{64}$'
  expect_eq "$t the committed image runs" "$(l run --rm committed:v1)" "v1"
  expect_eq "$t committed image keeps the deletion" "$(l run --rm committed:v1 ls /etc/group 2>&1 | grep -c 'No such file')" "1"
  expect_eq "$t commit author" "$(l inspect --format '{{.Author}}' committed:v1)" "Jane"

  # export/import round trip
  l export web > "$TEST_TMP/web-$who.tar" || fail "$t export"
  expect_match "$t export holds the change" "$(tar -tf "$TEST_TMP/web-$who.tar" | grep -c 'data/f')" '^1$'
  expect_eq "$t export keeps the deletion" "$(tar -tf "$TEST_TMP/web-$who.tar" | grep -cE '(^|/)etc/group$')" "0"
  l import - exported:v1 < "$TEST_TMP/web-$who.tar" >/dev/null
  expect_eq "$t import of the export runs" "$(l run --rm exported:v1 cat /data/f)" "v1"
  # A chmod copies a lower file up without its data (metacopy): export and commit carry the data.
  local original
  original=$(l run --rm busybox cat /etc/nsswitch.conf)
  l run --name meta busybox chmod 600 /etc/nsswitch.conf || fail "$t chmod run"
  expect_eq "$t export of a metadata-only copy-up has the data" "$(l export meta | tar -xOf - etc/nsswitch.conf)" "$original"
  l commit meta meta:v1 >/dev/null || fail "$t commit after chmod"
  expect_eq "$t commit of a metadata-only copy-up has the data" "$(l run --rm meta:v1 cat /etc/nsswitch.conf)" "$original"
  expect_match "$t and the new mode" "$(l run --rm meta:v1 ls -l /etc/nsswitch.conf)" '^-rw------- '
  l rm meta >/dev/null

  expect_eq "$t rm" "$(l rm web)" "web"
  expect_fail "$t rm of a missing container" 'No such container: web' l rm web
}

for_each_user scenario
finish
