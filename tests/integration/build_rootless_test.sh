#!/usr/bin/env bash
# RUN steps as the calling user (root in CI) and as unprivileged users with and without a subuid
# range: files and deletions become the layer, chown to other ids keeps its owners, ENV/ARG/
# WORKDIR/USER/SHELL reach the command, heredocs (script, <<-, several, #!), RUN --network=none,
# a failing RUN (file:line, exit code; earlier steps stay cached), cache hits on a rebuild.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar)
ctx=$TEST_TMP/ctx
mkdir -p "$ctx"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
ARG GREETING=hello
ENV TARGET=world
WORKDIR /work
RUN echo "$GREETING $TARGET from $(pwd)" > greeting && rm /etc/nsswitch.conf
RUN mkdir -p /srv/data && touch /srv/data/f && chown -R 33:33 /srv/data && chmod 750 /srv/data
RUN <<EOF
echo one > /one
echo two >> /one
EOF
RUN <<-EOF
	echo tabbed > /tabbed
	EOF
RUN cat <<A > /a && cat <<B > /b
first
A
second
B
RUN <<EOF
#!/bin/sh -e
echo "script $0" > /script
EOF
RUN --network=none ls /sys/class/net > /nets
SHELL ["/bin/sh", "-euc"]
USER www-data
RUN id -u > /tmp/uid && echo "$-" > /tmp/flags
DOCKERFILE
mkdir -p "$ctx/src" && echo "from context" >"$ctx/src/in.txt"
cat >"$ctx/Dockerfile.mounts" <<'DOCKERFILE'
FROM busybox
RUN --mount=type=cache,target=/cache sh -c 'echo run >> /cache/count; wc -l < /cache/count > /count'
RUN --mount=type=bind,source=src,target=/mnt/src cat /mnt/src/in.txt > /copied && (touch /mnt/src/x 2>/dev/null || echo ro > /bind)
RUN --mount=type=bind,source=src,target=/mnt/src,rw touch /mnt/src/x && echo rw >> /bind
RUN --mount=type=tmpfs,target=/scratch sh -c 'echo t > /scratch/t && grep -c " /scratch tmpfs" /proc/mounts > /tmpfs'
DOCKERFILE
printf 'FROM busybox\nRUN --mount=type=bind,source=../..,target=/x true\n' >"$ctx/Dockerfile.escape"
printf 'FROM busybox\nRUN --mount=type=secret,id=x true\n' >"$ctx/Dockerfile.secret"
chmod -R a+rX "$ctx"

scenario() {
  local who=$1
  l import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null || { fail "$t import"; return; }
  if [ "$who" = layerfs-nosubid ]; then
    # USER www-data cannot run without a subuid range: the steps before it still do.
    sed '/^SHELL/,$d' "$ctx/Dockerfile" >"$ctx/Dockerfile.nosubid"
    check "$t build" l build -q -t runner -f "$ctx/Dockerfile.nosubid" "$ctx"
  else
    check "$t build" l build -q -t runner "$ctx"
    expect_eq "$t USER reaches RUN" "$(l run --rm runner cat /tmp/uid)" "33"
    expect_match "$t SHELL is RUN's shell" "$(l run --rm runner cat /tmp/flags)" '^[^ ]*e[^ ]*u|^[^ ]*u[^ ]*e' 
  fi
  expect_eq "$t ARG, ENV and WORKDIR reach RUN" "$(l run --rm runner cat /work/greeting)" \
    "hello world from /work"
  local n whiteout=no
  for n in 1 2 3; do
    [ -e "$(l layer path "runner@$n")/etc/.wh.nsswitch.conf" ] && whiteout=yes
  done
  expect_eq "$t a deletion is a whiteout in the layer" "$whiteout" "yes"
  if [ "$who" != layerfs-nosubid ]; then
    expect_eq "$t chown in RUN is kept" "$(l run --rm runner stat -c '%u:%g %a' /srv/data/f)" "33:33 644"
  fi
  # Without a subuid range the owner is recorded, not applied: the layer carries it all the same.
  l run --name owners runner true >/dev/null 2>&1
  expect_match "$t the image's files carry the owner" \
    "$(l export owners | tar -tvf - | grep -E ' srv/data/?$| srv/data/f$' | awk '{print $1, $2}' | tr '\n' ' ')" \
    '^drwxr-x--- 33/33 -rw-r--r-- 33/33 $'
  l rm owners >/dev/null
  expect_eq "$t heredoc script" "$(l run --rm runner cat /one | tr '\n' ' ')" "one two "
  expect_eq "$t <<- heredoc" "$(l run --rm runner cat /tabbed)" "tabbed"
  expect_eq "$t several heredocs" "$(l run --rm runner cat /a /b | tr '\n' ' ')" "first second "
  expect_eq "$t #! heredoc" "$(l run --rm runner cat /script)" "script /dev/.layerfs-heredoc"
  expect_eq "$t RUN --network=none" "$(l run --rm runner cat /nets)" "lo"
  expect_match "$t a rebuild is all cached" "$(l build -t runner "$ctx" 2>&1 | grep -c CACHED)" '^[1-9][0-9]*$'

  check "$t RUN --mount build" l build -q -t mounts -f "$ctx/Dockerfile.mounts" "$ctx"
  expect_eq "$t cache, bind (ro, rw) and tmpfs mounts" \
    "$(l run --rm mounts cat /count /copied /bind /tmpfs | tr '\n' ' ')" "1 from context ro rw 1 "
  expect_eq "$t nothing of them in the layers" "$(l run --rm mounts ls -A /cache /scratch /mnt/src | tr '\n' ' ')" \
    "/cache:  /mnt/src:  /scratch: "
  expect_eq "$t an rw bind leaves the context alone" "$(ls "$ctx/src")" "in.txt"
  l build -q --no-cache -t mounts -f "$ctx/Dockerfile.mounts" "$ctx" >/dev/null
  expect_eq "$t the cache outlives the build" "$(l run --rm mounts cat /count)" "2"
  expect_fail "$t a bind source outside the context" 'Dockerfile.escape:2: bind mount source ../.. is outside the build context' \
    l build -f "$ctx/Dockerfile.escape" "$ctx"
  expect_fail "$t an unsupported mount type" 'Dockerfile.secret:2: invalid --mount=type=secret,id=x: type=secret is not supported' \
    l build -f "$ctx/Dockerfile.secret" "$ctx"
  printf 'FROM busybox\nRUN echo ok > /ok\nRUN exit 3\n' >"$ctx/Dockerfile.fail"
  expect_fail "$t a failing RUN names file:line and exit code" 'Dockerfile.fail:3: .*exit code: 3' \
    l build -f "$ctx/Dockerfile.fail" "$ctx"
  expect_match "$t the step before it stays cached" \
    "$(l build -f "$ctx/Dockerfile.fail" "$ctx" 2>&1 | grep -c CACHED)" '^1$'
}

for_each_user scenario
finish
