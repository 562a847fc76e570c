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
finish
