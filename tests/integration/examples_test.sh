#!/usr/bin/env bash
# The examples quickstart shows: examples/hello and examples/httpd are built, run and mounted as
# the calling user (root in CI) and as unprivileged users with and without a subuid range.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar)
examples=$TEST_TMP/examples
cp -r "$LAYERFS_SOURCE/examples" "$examples"
chmod -R a+rX "$examples"

# A TCP port nobody listens on (httpd runs on the host network).
free_port() {
  local port
  for port in $(shuf -i 20000-40000 -n 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

scenario() {
  local who=$1 root=$2
  l import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null || { fail "$t import"; return; }
  check "$t build examples/hello" l build -q -t hello "$examples/hello"
  local out
  out=$(l run --rm hello)
  expect_match "$t hello prints its file" "$out" "Hello from a layerfs build."
  expect_match "$t and what its RUN step wrote" "$out" "built as uid 0 inside the build sandbox"

  local mnt=$TEST_TMP/mnt-$who
  mkdir -p "$mnt"; chown "$who" "$mnt"
  on_exit "fusermount3 -uz '$mnt'"
  local containers_before
  containers_before=$(l ps -aq --no-trunc | sort)
  if check "$t mount the hello image" l mount hello "$mnt"; then
    expect_eq "$t its files through the mount" "$(as_scenario_user cat "$mnt/hello.txt")" "Hello from a layerfs build."
    check "$t umount" l umount "$mnt"
  fi
  expect_fail "$t mount on a missing directory" "is not a directory" l mount hello "$mnt-missing"
  expect_eq "$t failed mounts leave no container behind" \
    "$(l ps -aq --no-trunc | sort | comm -13 <(echo "$containers_before") - | wc -l)" "1"
  expect_fail "$t umount of what is no longer mounted" "^Error: $mnt is not a mount point$" \
    l umount "$mnt"

  # A container mounted by hand: one union at a time on its upper directory (a second mount,
  # start and rm refuse; rm -f unmounts), and a read-only mount shows what it wrote.
  local cid
  cid=$(l mount hello "$mnt")
  on_exit "fusermount3 -uz '$mnt'"
  check "$t write into the mounted container" as_scenario_user sh -c "echo note >'$mnt/tmp/note'"
  expect_fail "$t a second mount of it" "is mounted on $mnt already" l mount "$cid" "$mnt-missing"
  expect_fail "$t start while mounted" "is mounted on $mnt: unmount it" l start "$cid"
  expect_fail "$t rm while mounted" "it is mounted on $mnt: unmount it first" l rm "$cid"
  check "$t umount the container" l umount "$mnt"
  if check "$t mount it read-only" l mount --read-only "$cid" "$mnt"; then
    expect_eq "$t the read-only mount shows what it wrote" \
      "$(as_scenario_user cat "$mnt/tmp/note")" "note"
    check "$t umount the read-only mount" l umount "$mnt"
  fi
  check "$t mount it again" l mount "$cid" "$mnt"
  check "$t rm -f unmounts it" l rm -f "$cid"
  check "$t nothing stays mounted" bash -c "! grep -q ' $mnt ' /proc/self/mounts"

  # An image deleted while it is mounted keeps its layers until the union is unmounted.
  l run --name "mk-$who" hello sh -c 'echo kept >/doomed' >/dev/null
  check "$t commit an image of its own" l commit "mk-$who" doomed
  l rm "mk-$who" >/dev/null
  local layers
  layers=$(ls "$SCENARIO_STORE/layers" | wc -l)
  if check "$t mount it read-only" l mount --read-only doomed "$mnt"; then
    check "$t rmi of the mounted image" l rmi doomed
    expect_eq "$t its files stay readable" "$(as_scenario_user cat "$mnt/doomed")" "kept"
    check "$t and its layer stays" test "$(ls "$SCENARIO_STORE/layers" | wc -l)" -eq "$layers"
    check "$t umount it" l umount "$mnt"
  fi
  check "$t a prune after the unmount" l image prune -f
  expect_eq "$t frees the layer" "$(ls "$SCENARIO_STORE/layers" | wc -l)" "$((layers - 1))"

  check "$t build examples/httpd" l build -q -t httpd-example "$examples/httpd"
  if [ "$who" = layerfs-nosubid ]; then
    # USER nobody needs an id the single-id mapping does not have: a clear refusal.
    local err rc
    err=$(l run --rm httpd-example 2>&1); rc=$?
    expect_eq "$t USER nobody without a subuid range exits 126" "$rc" "126"
    expect_match "$t with a clear reason" "$err" 'user id 65534 is not mapped in the container'
    return
  fi
  local port
  port=$(free_port)
  check "$t run -d the httpd example" l run -d --name "web-$who" -e "PORT=$port" httpd-example
  local page="" i
  for i in $(seq 50); do
    page=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null) && break
    sleep 0.1
  done
  expect_match "$t httpd serves the example page" "$page" "Served by a layerfs-built image"
  expect_eq "$t it runs as nobody" "$(l exec "web-$who" id -un)" "nobody"
  check "$t stop" l stop -t 2 "web-$who"
  check "$t rm" l rm "web-$who"
}

for_each_user scenario
finish
