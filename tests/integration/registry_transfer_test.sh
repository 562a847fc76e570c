#!/usr/bin/env bash
# push, pull, login, logout against Debian's docker-registry with TLS (throw-away CA) and
# htpasswd auth; skopeo interop both ways; pull by digest and -a; errors; cross-repo mount;
# chunked uploads; insecure-registries.
source "$LAYERFS_SOURCE/tests/integration/lib.sh"
source "$LAYERFS_SOURCE/tests/registry/registry_fixture.sh"
registry_requirements
start_registry main basic || exit 1
R=$REG_HOST_main
LOG=$REG_LOG_main

lf import "$(base_rootfs_tar)" busybox:latest -c 'CMD ["sh"]' >/dev/null
lf tag busybox:latest "$R/test/busybox:v1"
image_id=$(lf inspect --format '{{.Id}}' busybox:latest)

expect_fail "an untrusted CA is refused" "certificate|SSL|certs.d" lf push "$R/test/busybox:v1"
trust_registry "$R"
expect_fail "push without login is refused" "unauthorized" lf push "$R/test/busybox:v1"
expect_fail "login with a wrong password fails" "unauthorized" lf login -u tester -p wrong "$R"
expect_eq "a failed login stores nothing" "$(cat "$XDG_CONFIG_HOME/layerfs/auth.json" 2>/dev/null)" ""
check "login with --password-stdin" bash -c "echo s3cret | '$LAYERFS' login -u tester --password-stdin $R"
expect_eq "auth.json has mode 0600" "$(stat -c %a "$XDG_CONFIG_HOME/layerfs/auth.json")" "600"
expect_match "auth.json has docker's auths shape" "$(cat "$XDG_CONFIG_HOME/layerfs/auth.json")" \
  "\"$R\": *\{[^}]*\"auth\": *\"dGVzdGVyOnMzY3JldA==\""

out=$(lf push "$R/test/busybox:v1" 2>&1)
expect_match "push prints the digest" "$out" "v1: digest: sha256:[0-9a-f]{64} size: [0-9]+"
digest=$(grep -o 'sha256:[0-9a-f]\{64\}' <<<"$out" | tail -1)
expect_match "push shows pushed layers" "$out" "[0-9a-f]{12}: Pushed"
expect_match "a second push finds the layers there" "$(lf push "$R/test/busybox:v1" 2>&1)" \
  "Layer already exists"

# A fresh store pulls the same image.
export LAYERFS_ROOT=$TEST_TMP/store2
out=$(lf pull "$R/test/busybox:v1" 2>&1)
expect_match "pull reports the download" "$out" "Pull complete.*Digest: $digest.*Downloaded newer image for $R/test/busybox:v1"
expect_eq "pull gives the same image ID" "$(lf inspect --format '{{.Id}}' "$R/test/busybox:v1")" "$image_id"
expect_eq "pull records the repo digest" "$(lf inspect --format '{{index .RepoDigests 0}}' "$R/test/busybox:v1")" \
  "$R/test/busybox@$digest"
expect_match "pulling again fetches nothing" "$(lf pull "$R/test/busybox:v1" 2>&1)" \
  "Already exists.*Image is up to date"
check "the pulled image's files are there" test -x "$(lf layer path "$(lf inspect --format '{{index .RootFS.Layers 0}}' "$R/test/busybox:v1")")/bin/busybox"

export LAYERFS_ROOT=$TEST_TMP/store3
check "pull by digest" lf pull -q "$R/test/busybox@$digest"
expect_eq "pull by digest gives the same image" "$(lf inspect --format '{{.Id}}' "$R/test/busybox@$digest")" "$image_id"
expect_fail "unknown tag" "manifest for .*test/busybox:nope not found: manifest unknown" lf pull "$R/test/busybox:nope"
expect_fail "unknown repository" "not found: (name|manifest) unknown" lf pull "$R/no/such:v1"
expect_fail "unknown digest" "not found" lf pull "$R/test/busybox@sha256:$(printf '%064d' 0)"
expect_eq "failed pulls leave no image" "$(lf images -q | wc -l)" "1"

# Cross-repository mount: the store knows the blobs are in test/busybox.
export LAYERFS_ROOT=$TEST_TMP/store
lf tag busybox:latest "$R/other/copy:v1"
out=$(lf push "$R/other/copy:v1" 2>&1)
expect_match "push mounts from the other repository" "$out" "Mounted from test/busybox"
expect_match "the registry log shows the mount" "$(grep -c 'mount=sha256' "$LOG")" "^[1-9]"

# -a pulls every tag; the second tag is a different image.
lf import "$(base_rootfs_tar)" "$R/test/busybox:v2" -c 'CMD ["echo","two"]' >/dev/null
check "push a second tag" lf push -q "$R/test/busybox:v2"
export LAYERFS_ROOT=$TEST_TMP/store4
check "pull -a" lf pull -a "$R/test/busybox"
expect_eq "pull -a got every tag" "$(lf images --format '{{.Tag}}' "$R/test/busybox" | sort | tr '\n' ' ')" "v1 v2 "
expect_fail "-a refuses a tag" "tag can't be used" lf pull -a "$R/test/busybox:v1"

# Chunked uploads for large blobs (a layer no repository has yet, so nothing is mounted).
export LAYERFS_ROOT=$TEST_TMP/store
mkdir -p "$TEST_TMP/random/data"
head -c 1000000 /dev/urandom >"$TEST_TMP/random/data/blob"
tar -C "$TEST_TMP/random" -cf "$TEST_TMP/random.tar" data
lf import "$TEST_TMP/random.tar" "$R/chunked/random:v1" >/dev/null
random_id=$(lf inspect --format '{{.Id}}' "$R/chunked/random:v1")
check "chunked push" env LAYERFS_PUSH_CHUNK_SIZE=65536 "$LAYERFS" push "$R/chunked/random:v1"
expect_match "the registry saw PATCH chunks" "$(grep -c 'method=PATCH.*chunked/random' "$LOG")" "^[1-9][0-9]"
export LAYERFS_ROOT=$TEST_TMP/store5
check "pull the chunked upload" lf pull -q "$R/chunked/random:v1"
expect_eq "chunked upload round-trips" "$(lf inspect --format '{{.Id}}' "$R/chunked/random:v1")" "$random_id"

# skopeo reads what we pushed, and we pull what skopeo pushed (docker schema 2, gzip layers).
if command -v skopeo >/dev/null; then
  certs=$TEST_TMP/skopeo-certs
  mkdir -p "$certs" && cp "$TEST_TMP/pki/ca.crt" "$certs/"
  sk() { skopeo --insecure-policy "$@"; }
  expect_eq "skopeo reads our manifest" \
    "$(sk inspect --cert-dir "$certs" --creds tester:s3cret --format '{{.Digest}}' "docker://$R/test/busybox:v1" 2>&1)" "$digest"
  check "skopeo copies our image out" sk copy -q --src-cert-dir "$certs" --src-creds tester:s3cret \
    "docker://$R/test/busybox:v1" "oci:$TEST_TMP/oci:v1"
  check "skopeo pushes as docker schema 2 with gzip" sk copy -q --format v2s2 --dest-compress \
    --dest-cert-dir "$certs" --dest-creds tester:s3cret "oci:$TEST_TMP/oci:v1" "docker://$R/skopeo/busybox:s1"
  export LAYERFS_ROOT=$TEST_TMP/store6
  check "we pull what skopeo pushed" lf pull "$R/skopeo/busybox:s1"
  expect_eq "same image from skopeo's push" "$(lf inspect --format '{{.Id}}' "$R/skopeo/busybox:s1")" "$image_id"
  expect_match "skopeo's manifest is docker schema 2" \
    "$(sk inspect --raw --cert-dir "$certs" --creds tester:s3cret "docker://$R/skopeo/busybox:s1")" \
    "vnd.docker.distribution.manifest.v2"
fi

# insecure-registries: unverified TLS for the listed host only.
export LAYERFS_ROOT=$TEST_TMP/store7
rm -rf "$XDG_CONFIG_HOME/layerfs/certs.d"
expect_fail "without the CA the pull is refused" "certificate|SSL|certs.d" lf pull "$R/test/busybox:v1"
echo "{\"insecure-registries\": [\"$R\"]}" >"$XDG_CONFIG_HOME/layerfs/config.json"
check "insecure-registries allows it" lf pull -q "$R/test/busybox:v1"
echo '{"insecure-registries": ["127.0.0.1:1"]}' >"$XDG_CONFIG_HOME/layerfs/config.json"
expect_fail "only for the hosts listed" "certificate|SSL|certs.d" lf pull "$R/test/busybox:v1"
rm "$XDG_CONFIG_HOME/layerfs/config.json"
trust_registry "$R"

expect_eq "logout" "$(lf logout "$R")" "Removing login credentials for $R"
expect_fail "after logout the registry refuses" "unauthorized" lf pull "$R/test/busybox:v1"
expect_eq "logout twice" "$(lf logout "$R")" "Not logged in to $R"

# docker's credential helpers: credHelpers in ~/.docker/config.json names docker-credential-test.
mkdir -p "$TEST_TMP/helpers" "$HOME/.docker"
cat >"$TEST_TMP/helpers/docker-credential-test" <<HELPER
#!/bin/sh
read server
echo "\$1 \$server" >> "$TEST_TMP/helper.log"
echo '{"ServerURL":"'\$server'","Username":"$REG_USER","Secret":"$REG_PASSWORD"}'
HELPER
chmod +x "$TEST_TMP/helpers/docker-credential-test"
echo "{\"credHelpers\": {\"$R\": \"test\"}}" >"$HOME/.docker/config.json"
check "a pull with credentials from docker-credential-test" env PATH="$TEST_TMP/helpers:$PATH" "$LAYERFS" pull -q "$R/test/busybox:v1"
expect_eq "the helper was asked for this registry" "$(head -1 "$TEST_TMP/helper.log")" "get $R"
rm "$HOME/.docker/config.json"
finish
