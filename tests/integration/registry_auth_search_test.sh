#!/usr/bin/env bash
# Bearer-token auth (the registry trusts tests/registry/helpers' token issuer), registry-mirrors,
# and search: a registry's catalog, and Docker Hub's /v1/search format from a local stand-in.
source "$LAYERFS_SOURCE/tests/integration/lib.sh"
source "$LAYERFS_SOURCE/tests/registry/registry_fixture.sh"
registry_requirements
start_registry tok token || exit 1
R=$REG_HOST_tok
trust_registry "$R"
TOKEN_LOG=$REG_DIR_tok/token.log

lf import "$(base_rootfs_tar)" "$R/team/busybox:v1" -c 'CMD ["sh"]' >/dev/null
image_id=$(lf inspect --format '{{.Id}}' "$R/team/busybox:v1")
expect_fail "anonymous push is refused" "unauthorized" lf push "$R/team/busybox:v1"
expect_fail "login with a wrong password fails (token)" "unauthorized" lf login -u tester -p nope "$R"
check "login through the token server" lf login -u tester -p s3cret "$R"
out=$(lf push "$R/team/busybox:v1" 2>&1)
expect_match "push with a bearer token" "$out" "v1: digest: sha256:"
expect_match "the token server issued tokens" "$(grep -c 'GET /token' "$TOKEN_LOG")" "^[1-9]"
export LAYERFS_ROOT=$TEST_TMP/store2
check "pull with a bearer token" lf pull -q "$R/team/busybox:v1"
expect_eq "same image through token auth" "$(lf inspect --format '{{.Id}}' "$R/team/busybox:v1")" "$image_id"

# registry-mirrors: docker.io/library/busybox comes from the mirror.
export LAYERFS_ROOT=$TEST_TMP/store
lf tag "$R/team/busybox:v1" "$R/library/busybox:latest"
check "push the mirror's copy" lf push -q "$R/library/busybox:latest"
echo "{\"registry-mirrors\": [\"https://$R\"]}" >"$XDG_CONFIG_HOME/layerfs/config.json"
export LAYERFS_ROOT=$TEST_TMP/store3
out=$(lf pull busybox 2>&1)
expect_match "pull from docker.io goes to the mirror" "$out" "Downloaded newer image for busybox:latest"
expect_eq "the mirror's image" "$(lf inspect --format '{{.Id}}' busybox)" "$image_id"
rm "$XDG_CONFIG_HOME/layerfs/config.json"

# search REGISTRY/TERM: distribution has no /v1/search, so its catalog is filtered.
out=$(lf search "$R/busy")
expect_match "catalog search finds the repositories" "$out" "NAME +DESCRIPTION +STARS +OFFICIAL +AUTOMATED"
expect_eq "catalog search lists matches only" "$(lf search --format '{{.Name}}' "$R/busy" | sort | tr '\n' ' ')" \
  "$R/library/busybox $R/team/busybox "
expect_eq "catalog search without a match" "$(lf search --format '{{.Name}}' "$R/nothing-like-this")" ""

# Docker Hub's search format, from a local stand-in (plain HTTP, so listed as insecure).
cat >"$TEST_TMP/hub.json" <<'JSON'
[{"name":"busybox","description":"Busybox base image.","star_count":3000,"is_official":true,"is_automated":false},
 {"name":"someone/busybox-tools","description":"A very long description that docker truncates in its table output","star_count":12,"is_official":false,"is_automated":true},
 {"name":"other/busybox","description":"Few stars","star_count":1,"is_official":false,"is_automated":false},
 {"name":"nginx","description":"Not a match","star_count":9000,"is_official":true,"is_automated":false}]
JSON
"$REG_HELPER" search "$TEST_TMP/hub.port" "$TEST_TMP/hub.json" 2>/dev/null &
on_exit "kill $!"
wait_for_port_file "$TEST_TMP/hub.port" $! || { fail "hub stand-in did not start"; finish; exit; }
HUB=127.0.0.1:$(cat "$TEST_TMP/hub.port")
echo "{\"insecure-registries\": [\"$HUB\"]}" >"$XDG_CONFIG_HOME/layerfs/config.json"
out=$(lf search "$HUB/busybox")
expect_match "hub search table" "$out" "^NAME +DESCRIPTION +STARS +OFFICIAL +AUTOMATED"
expect_match "official marked [OK]" "$out" "busybox +Busybox base image\. +3000 +\[OK\]"
expect_match "descriptions truncated" "$out" "A very long description that docker truncate… "
expect_eq "sorted by stars" "$(lf search --format '{{.Name}}' "$HUB/busybox" | tr '\n' ' ')" \
  "busybox someone/busybox-tools other/busybox "
expect_eq "--filter stars=N" "$(lf search --filter stars=10 --format '{{.Name}}' "$HUB/busybox" | tr '\n' ' ')" \
  "busybox someone/busybox-tools "
expect_eq "--filter is-official=true" "$(lf search -f is-official=true --format '{{.Name}}' "$HUB/busybox")" "busybox"
expect_eq "--limit" "$(lf search --limit 1 --format '{{.Name}}:{{.StarCount}}' "$HUB/busybox")" "busybox:3000"
expect_match "--no-trunc" "$(lf search --no-trunc "$HUB/busybox")" "truncates in its table output"
expect_fail "bad limit" "outside the range" lf search --limit 0 "$HUB/busybox"
expect_fail "bad filter" "invalid filter" lf search --filter color=red "$HUB/busybox"
finish
