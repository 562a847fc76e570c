#!/bin/bash
# layerfs build without RUN: FROM, COPY (files, dirs, wildcards, --chown by name, --chmod,
# --from a stage), ADD of an archive, metadata instructions, .dockerignore, the cache,
# --target, --build-arg, -q/--iidfile, intermediate images, malformed Dockerfiles.
source "$(dirname "$0")/lib.sh"

tar=$(base_rootfs_tar) || { echo "no base rootfs"; exit 77; }
check "import busybox" lf import "$tar" busybox:latest -c 'CMD ["sh"]'

ctx=$TEST_TMP/ctx
mkdir -p "$ctx/src/sub" "$ctx/ignored"
echo one > "$ctx/src/a.txt"; echo two > "$ctx/src/sub/b.txt"; echo x > "$ctx/ignored/x"
echo secret > "$ctx/secret.key"; echo keep > "$ctx/keep.key"
printf 'ignored\n*.key\n!keep.key\n' > "$ctx/.dockerignore"
mkdir -p "$TEST_TMP/arch/d" && echo inside > "$TEST_TMP/arch/d/f" && tar -C "$TEST_TMP/arch" -czf "$ctx/arch.tar.gz" d
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
ARG BASE=busybox:latest
FROM ${BASE} AS base
ARG GREETING=hello
ENV APP=/app GREETING=${GREETING}
WORKDIR $APP
COPY src/ ./src/
COPY --chown=nobody:nogroup --chmod=0640 src/a.txt owned.txt
COPY src/*.txt keep.key* /glob/
ADD arch.tar.gz /unpacked/
LABEL org.example.greeting="$GREETING world"
EXPOSE 8080 53/udp
VOLUME /data
USER nobody
HEALTHCHECK --interval=5s CMD ["true"]
ENTRYPOINT ["cat"]
CMD ["/app/src/a.txt"]

FROM scratch AS final
COPY --from=base /app/src/sub/b.txt /b.txt
DOCKERFILE

out=$(lf build -q -t demo:base --target base --build-arg GREETING=hi "$ctx" 2>&1)
expect_match "build --target base prints the ID" "$out" '^sha256:[0-9a-f]{64}$'
id=$out
cfg=$(lf image inspect demo:base --format '{{json .Config}}')
expect_match "ENV with build arg" "$cfg" '"GREETING=hi"'
expect_match "WORKDIR" "$cfg" '"WorkingDir":"/app"'
expect_match "LABEL expanded" "$cfg" '"org.example.greeting":"hi world"'
expect_match "EXPOSE" "$cfg" '"53/udp":\{\}.*"8080/tcp":\{\}'
expect_match "ENTRYPOINT and CMD" "$cfg" '"Cmd":\["/app/src/a.txt"\].*"Entrypoint":\["cat"\]'
expect_match "HEALTHCHECK" "$cfg" '"Interval":5000000000'
expect_eq "USER" "$(lf image inspect demo:base --format '{{.Config.User}}')" "nobody"

mnt=$TEST_TMP/mnt; mkdir -p "$mnt"
# The image's layers, top first, mounted read-only through the union file system.
lowers=$(lf image inspect demo:base --format '{{.GraphDriver.Data.UpperDir}}{{with .GraphDriver.Data.LowerDir}}:{{.}}{{end}}')
if lf mount -o "lowerdir=$lowers" "$mnt" >/dev/null 2>&1; then
  on_exit "fusermount3 -uz '$mnt'"
  expect_eq "COPY dir" "$(cat "$mnt/app/src/sub/b.txt")" "two"
  expect_eq "COPY --chown by name, --chmod" "$(stat -c '%u:%g %a' "$mnt/app/owned.txt")" "65534:65534 640"
  expect_eq "COPY wildcard + dockerignore" "$(ls "$mnt/glob" | tr '\n' ' ')" "a.txt keep.key "
  expect_eq "ADD extracts archive" "$(cat "$mnt/unpacked/d/f")" "inside"
  expect_eq "copied file owned by root" "$(stat -c '%u:%g' "$mnt/app/src/a.txt")" "0:0"
  fusermount3 -uz "$mnt"
else
  fail "mount demo:base"
fi

out=$(lf build --progress plain -t demo:base --target base --build-arg GREETING=hi "$ctx" 2>&1)
expect_match "rebuild hits the cache" "$out" 'CACHED'
[[ $out == *"DONE"* ]] && fail "rebuild ran a step: $out" || pass "rebuild runs no step"
expect_eq "rebuild gives the same image" "$(lf image inspect demo:base --format '{{.Id}}')" "$id"

echo changed > "$ctx/src/sub/b.txt"
out=$(lf build --progress plain --target base --build-arg GREETING=hi "$ctx" 2>&1)
expect_match "changed source invalidates from its COPY" "$out" 'COPY src/ ./src/[^#]*#[0-9]+ DONE'
out=$(lf build --no-cache --progress plain --target base --build-arg GREETING=hi "$ctx" 2>&1)
[[ $out == *CACHED* ]] && fail "--no-cache used the cache" || pass "--no-cache"

check "build final stage with COPY --from" lf build -q -t demo:final --iidfile "$TEST_TMP/iid" "$ctx"
expect_eq "iidfile" "$(cat "$TEST_TMP/iid")" "$(lf image inspect demo:final --format '{{.Id}}')"
expect_eq "final has one layer" "$(lf image inspect demo:final --format '{{len .RootFS.Layers}}')" "1"
expect_match "intermediate images in images -a" "$(lf images -a | wc -l)" '^[0-9]+$'
all=$(lf images -a -q | wc -l); top=$(lf images -q | wc -l)
[ "$all" -gt "$top" ] && pass "images -a shows intermediates" || fail "images -a: $all vs $top"

printf 'FROM busybox\nCOPY missing /x\n' > "$TEST_TMP/Dockerfile.bad"
expect_fail "missing source names file:line" 'Dockerfile.bad:2: "missing": not found' lf build -f "$TEST_TMP/Dockerfile.bad" "$ctx"
printf 'FROM busybox\nENV PATH\n' | expect_fail "malformed Dockerfile from stdin" '^Error: -:2: ENV must have two arguments' lf build -f - "$ctx"
expect_fail "unknown target" 'target stage "nope" could not be found' lf build --target nope "$ctx"

# With every image gone, no layer is left: the cache entries of deleted images keep nothing.
check "prune every image" lf image prune -a -f
expect_eq "no image is left" "$(lf images -a -q | wc -l)" "0"
expect_eq "no layer is left" "$(ls "$LAYERFS_ROOT/layers" | wc -l)" "0"
expect_match "nor any build cache entry" "$(lf system df)" $'Build Cache +0 '

# The same again as an ordinary user (rootless: owners recorded in override_stat).
if [ "$(id -u)" -eq 0 ] && [ -z "${BUILD_TEST_NESTED:-}" ] && user=$(unprivileged_user); then
  out=$(as_user "$user" env BUILD_TEST_NESTED=1 LAYERFS="$LAYERFS" LAYERFS_SOURCE="$LAYERFS_SOURCE" \
    LAYERFS_BUILD="$LAYERFS_BUILD" bash "$0" 2>&1)
  expect_match "rootless run as $user" "$out" ' 0 failed$'
fi

finish
