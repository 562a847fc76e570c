#!/usr/bin/env bash
# RUN steps: the command runs in the sandbox on the stage's union mount; its changes (files,
# deletions) become the step's layer; a failing RUN names the Dockerfile line and exit code.
source "$(dirname "$0")/lib.sh"

lf import "$(base_rootfs_tar)" busybox:latest -c 'CMD ["sh"]' >/dev/null
ctx=$TEST_TMP/ctx; mkdir -p "$ctx"
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
ARG GREETING=hello
ENV TARGET=world
RUN echo "$GREETING $TARGET" > /greeting && rm /etc/nsswitch.conf
RUN ["/bin/sh", "-c", "mkdir -p /data && echo exec-form > /data/f"]
CMD ["cat", "/greeting"]
DOCKERFILE
check "build with RUN" lf build -q -t runner:1 "$ctx"
top=$(lf layer path runner:1@2)
expect_eq "RUN output in its layer" "$(cat "$(lf layer path runner:1@1)/greeting")" "hello world"
check "RUN deletion is a whiteout" test -e "$(lf layer path runner:1@1)/etc/.wh.nsswitch.conf"
expect_eq "exec-form RUN" "$(cat "$top/data/f")" "exec-form"
expect_eq "three layers" "$(lf inspect --format '{{len .RootFS.Layers}}' runner:1)" "3"
check "rebuild hits the cache" bash -c "'$LAYERFS' build -t runner:1 '$ctx' 2>&1 | grep -q CACHED"
printf 'FROM busybox\nRUN exit 3\n' > "$ctx/Dockerfile.fail"
expect_fail "failed RUN names line and exit code" 'Dockerfile.fail:2.*exit code: 3' lf build -f "$ctx/Dockerfile.fail" "$ctx"

# While a RUN step runs, other writers go on (the store's lock is let go), and the images the
# build stands on are held: rmi refuses them and prune leaves them. The step waits for a file the
# test creates in the context (seen through a bind mount of it).
export LAYERFS_ROOT=$TEST_TMP/store-concurrent
lf import "$(base_rootfs_tar)" busybox:latest -c 'CMD ["sh"]' >/dev/null
wait_ctx=$TEST_TMP/wait-ctx; mkdir -p "$wait_ctx"
cat > "$wait_ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
RUN --mount=type=bind,target=/ctx sh -c 'while [ ! -e /ctx/go ]; do sleep 0.05; done; echo built >/built'
DOCKERFILE
lf build -q -t waited "$wait_ctx" >"$TEST_TMP/waited.out" 2>&1 &
builder=$!
on_exit "touch '$wait_ctx/go'; kill $builder 2>/dev/null"
for _ in $(seq 200); do ls "$LAYERFS_ROOT/tmp" | grep -q '^hold-' && break; sleep 0.05; done
check "the build's RUN step is running" bash -c "ls '$LAYERFS_ROOT/tmp' | grep -q '^hold-'"
check "a container runs meanwhile" timeout 30 "$LAYERFS" run --rm busybox true
check "a tag is made meanwhile" timeout 30 "$LAYERFS" tag busybox other:1
expect_fail "the build's base image cannot be deleted" "is being used by a running build" \
  timeout 30 "$LAYERFS" rmi -f "$(lf image inspect busybox --format '{{.Id}}')"
check "prune meanwhile" timeout 30 "$LAYERFS" image prune -a -f
touch "$wait_ctx/go"
for _ in $(seq 600); do kill -0 "$builder" 2>/dev/null || break; sleep 0.1; done
check "the build ends" wait "$builder"
expect_eq "its image has the step's file" "$(timeout 30 "$LAYERFS" run --rm waited cat /built)" \
  "built"
expect_eq "and its base stayed" "$(lf images --format '{{.Repository}}' | sort | tr '\n' ' ')" \
  "busybox other waited "
finish
