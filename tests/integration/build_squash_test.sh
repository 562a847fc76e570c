#!/usr/bin/env bash
# build --squash, as the calling user and as unprivileged users with and without a subuid range:
# the layers the final stage's steps add become one layer over the base image's; a later
# whiteout removes an earlier added file, a whiteout of a base file survives, a directory that
# replaces a deleted base directory is opaque; the history keeps its entries (docker's form); the
# file tree equals the unsquashed image's; the steps and the squash itself stay cached.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar) || { echo "no base rootfs"; exit 77; }
ctx=$TEST_TMP/ctx
mkdir -p "$ctx"
echo copied >"$ctx/f.txt"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
RUN mkdir -p /data/sub && echo a > /data/a && echo b > /data/sub/b && echo t > /tmp-file && chown 33:33 /data/a && chmod 750 /data
RUN rm /tmp-file /etc/nsswitch.conf && rm -r /data/sub && echo c > /data/c && rm -rf /usr/bin
COPY f.txt /data/
ENV SQUASHED=yes
RUN mkdir /usr/bin && echo mine > /usr/bin/mine && rm -rf /usr/sbin && mkdir /usr/sbin
DOCKERFILE
chmod -R a+rX "$ctx"

# The image's files as `export` shows them (name, type, mode, owner, size, mtime).
listing() {
  l run --name "list-$1" "$1" true >/dev/null 2>&1
  # The container's own mount points and generated files carry its creation time: left out, so
  # that two listings a minute apart compare equal.
  l export "list-$1" | tar -tvf - | awk '{print $1, $2, $3, $4, $5, $6}' |
    grep -vE ' (dev|proc|sys|etc)/$| etc/(hostname|hosts|resolv\.conf)$' | sort
  l rm "list-$1" >/dev/null 2>&1
}

scenario() {
  l import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null || { fail "$t import"; return; }
  check "$t build unsquashed" l build -q -t plain "$ctx"
  local out
  out=$(l build --progress plain --squash -t sq "$ctx" 2>&1)
  expect_match "$t --squash reuses the cached steps" "$(grep -c CACHED <<<"$out")" '^5$'
  expect_match "$t --squash runs the squash" "$out" 'squash 4 layers.*DONE'
  expect_eq "$t base layer + one" "$(l inspect --format '{{len .RootFS.Layers}}' sq)" "2"
  expect_eq "$t base layer kept" "$(l inspect --format '{{index .RootFS.Layers 0}}' sq)" \
    "$(l inspect --format '{{index .RootFS.Layers 0}}' plain)"
  expect_eq "$t config kept" "$(l inspect --format '{{json .Config.Env}}' sq)" \
    "$(l inspect --format '{{json .Config.Env}}' plain)"
  local history
  history=$(l history --no-trunc --format '{{.CreatedBy}}|{{.Comment}}|{{.Size}}' sq)
  expect_eq "$t history keeps the entries and adds the merge" "$(wc -l <<<"$history")" \
    "$(($(l history -q plain | wc -l) + 1))"
  expect_match "$t the merge entry carries the layer" "$(head -1 <<<"$history")" \
    '^\|merge sha256:[0-9a-f]{64} to sha256:[0-9a-f]{64}\|'
  local empty
  local config=$SCENARIO_STORE/blobs/sha256/$(l inspect --format '{{.Id}}' sq | cut -d: -f2)
  empty=$(grep -oE "\"empty_layer\": ?true" "$config" | wc -l)
  expect_eq "$t squashed entries are empty layers" "$empty" "5"

  local layer
  layer=$(l layer path sq@1)
  check "$t a base file's whiteout survives" test -e "$layer/etc/.wh.nsswitch.conf"
  check "$t an added then deleted file is gone without a whiteout" \
    test ! -e "$layer/tmp-file" -a ! -e "$layer/.wh.tmp-file"
  check "$t a later whiteout removes an earlier layer's directory" test ! -e "$layer/data/sub"
  check "$t no whiteout for a file the base never had" test ! -e "$layer/data/.wh.sub"
  check "$t a directory over a deleted base directory is opaque" test -e "$layer/usr/bin/.wh..wh..opq"
  expect_eq "$t its contents" "$(l run --rm sq ls /usr/bin /usr/sbin | tr '\n' ' ')" \
    "/usr/bin: mine  /usr/sbin: "
  expect_eq "$t files of all steps" "$(l run --rm sq cat /data/a /data/c /data/f.txt | tr '\n' ' ')" \
    "a c copied "
  local files
  files=$(listing sq)
  expect_match "$t owners and modes" "$(grep -E ' data/?$| data/a$' <<<"$files" | awk '{print $1, $2}' | tr '\n' ' ')" \
    '^-rw-r--r-- 33/33 drwxr-x--- 0/0 $'
  expect_eq "$t the tree equals the unsquashed image's" "$files" "$(listing plain)"

  local id
  id=$(l inspect --format '{{.Id}}' sq)
  out=$(l build --progress plain --squash -t sq "$ctx" 2>&1)
  expect_match "$t a rebuild with --squash is all cached" "$(grep -c CACHED <<<"$out")" '^6$'
  expect_eq "$t and gives the same image" "$(l inspect --format '{{.Id}}' sq)" "$id"
  out=$(l build --progress plain --squash --no-cache -t sq "$ctx" 2>&1)
  [[ $out == *CACHED* ]] && fail "$t --squash --no-cache used the cache" || pass "$t --squash --no-cache"
  expect_eq "$t --no-cache squash: still one layer" "$(l inspect --format '{{len .RootFS.Layers}}' sq)" "2"
  printf 'FROM busybox\nENV ONLY=config\n' >"$TEST_TMP/Dockerfile.meta"
  check "$t --squash with only config steps" l build -q --squash -t meta -f "$TEST_TMP/Dockerfile.meta" "$ctx"
  expect_eq "$t keeps the base layers" "$(l inspect --format '{{len .RootFS.Layers}}' meta)" "1"
}

for_each_user scenario
finish
