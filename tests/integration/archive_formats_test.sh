#!/usr/bin/env bash
# save/load: the archive is a docker-archive and an OCI layout that skopeo and umoci read; load
# of our own archive (plain, gzip, zstd, xz) into a fresh store gives the same image ID; bad
# archives are refused with the store unchanged; concurrent loads both land; a killed load leaves
# only garbage that the next writer removes.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar)
id=$(lf import "$base" busybox:latest -c 'CMD ["sh"]')
id2=$(lf import "$base" extra/tool:v1 -c 'ENV TOOL=1' -c 'LABEL purpose=test')

check "save -o" lf save -o "$TEST_TMP/img.tar" busybox extra/tool:v1
check "archive has docker-archive files" tar -tf "$TEST_TMP/img.tar" manifest.json repositories
check "archive has OCI layout files" tar -tf "$TEST_TMP/img.tar" oci-layout index.json
expect_eq "save to stdout is identical" "$(lf save busybox extra/tool:v1 | sha256sum)" "$(sha256sum < "$TEST_TMP/img.tar" | cut -d' ' -f1)  -"

# Real tools read what we wrote.
out=$(skopeo inspect --config "docker-archive:$TEST_TMP/img.tar:busybox:latest" 2>&1)
expect_match "skopeo reads docker-archive config" "$out" '"Cmd": \[[[:space:]]*"sh"'
mkdir -p "$TEST_TMP/oci" && tar -xf "$TEST_TMP/img.tar" -C "$TEST_TMP/oci"
out=$(skopeo inspect "oci:$TEST_TMP/oci:latest" 2>&1)
expect_match "skopeo reads the OCI layout" "$out" '"Layers"'
digest=$(skopeo inspect --config "oci:$TEST_TMP/oci:v1" 2>/dev/null | jq -r '.config.Env[]' | grep TOOL)
expect_eq "skopeo finds the second image by tag" "$digest" "TOOL=1"
if user=$(unprivileged_user); then
  chmod -R a+rX "$TEST_TMP/oci"
  out=$(cd "$TEST_TMP" && as_user "$user" umoci unpack --rootless --image "$TEST_TMP/oci:latest" "/tmp/umoci-$$" 2>&1)
  rc=$?
  expect_eq "umoci unpack --rootless succeeds ($out)" "$rc" "0"
  check "umoci unpacked busybox" test -x "/tmp/umoci-$$/rootfs/bin/busybox"
  rm -rf "/tmp/umoci-$$"
fi
skopeo copy --quiet "docker-archive:$TEST_TMP/img.tar:busybox:latest" "oci-archive:$TEST_TMP/from-skopeo.tar:busy:skopeo" >/dev/null 2>&1 \
  || skopeo copy --quiet --insecure-policy "docker-archive:$TEST_TMP/img.tar:busybox:latest" "oci-archive:$TEST_TMP/from-skopeo.tar:busy:skopeo"
check "skopeo wrote an OCI archive" test -s "$TEST_TMP/from-skopeo.tar"

# Round trips into fresh stores.
export LAYERFS_ROOT=$TEST_TMP/store2
out=$(lf load -i "$TEST_TMP/img.tar")
expect_eq "load prints the names" "$out" $'Loaded image: busybox:latest\nLoaded image: extra/tool:v1'
expect_eq "same image ID after load" "$(lf inspect --format '{{.Id}}' busybox)" "$id"
expect_eq "second image too" "$(lf inspect --format '{{.Id}}' extra/tool:v1)" "$id2"
expect_eq "one shared layer" "$(lf layer ls -q | wc -l)" "1"
expect_eq "reload is idempotent" "$(lf load -q -i "$TEST_TMP/img.tar" | wc -l)" "2"
for comp in gzip zstd xz; do
  export LAYERFS_ROOT=$TEST_TMP/store-$comp
  $comp -c "$TEST_TMP/img.tar" > "$TEST_TMP/img.tar.$comp"
  out=$(lf load < "$TEST_TMP/img.tar.$comp")
  expect_eq "$comp archive from stdin loads with the same ID" "$(lf inspect --format '{{.Id}}' busybox 2>&1)" "$id"
done
export LAYERFS_ROOT=$TEST_TMP/store-skopeo
out=$(lf load -i "$TEST_TMP/from-skopeo.tar" 2>&1)
expect_match "load of skopeo's OCI archive" "$out" 'Loaded image'
skopeo_config=$(skopeo inspect --config --raw "oci-archive:$TEST_TMP/from-skopeo.tar:busy:skopeo" | sha256sum | cut -d' ' -f1)
expect_eq "image ID is the digest of skopeo's config" "$(lf images -q --no-trunc)" "sha256:$skopeo_config"

# Saved by ID: loads untagged.
export LAYERFS_ROOT=$TEST_TMP/store
lf save -o "$TEST_TMP/byid.tar" "${id:7:12}"
export LAYERFS_ROOT=$TEST_TMP/store-byid
expect_eq "image saved by ID loads untagged" "$(lf load -i "$TEST_TMP/byid.tar")" "Loaded image ID: $id"

# Bad archives: refused, nothing changes.
export LAYERFS_ROOT=$TEST_TMP/store-bad
lf import "$base" keep:me >/dev/null
snapshot() { (cd "$LAYERFS_ROOT" && find . -path ./tmp -prune -o -print | sort | grep -v '^./lock$'; cat refs.json) | sha256sum; }
before=$(snapshot)
head -c 300000 "$TEST_TMP/img.tar" > "$TEST_TMP/truncated.tar"
expect_fail "truncated archive" 'truncated|Truncated|missing|premature' lf load -i "$TEST_TMP/truncated.tar"
expect_fail "not an archive" 'stdin' bash -c "echo garbage | '$LAYERFS' load"
mkdir -p "$TEST_TMP/tamper" && tar -xf "$TEST_TMP/img.tar" -C "$TEST_TMP/tamper"
cfg=$(jq -r '.[0].Config' "$TEST_TMP/tamper/manifest.json")
sed -i 's/"os":"linux"/"os":"linux "/' "$TEST_TMP/tamper/$cfg"
tar -cf "$TEST_TMP/tampered.tar" -C "$TEST_TMP/tamper" .
expect_fail "tampered config is refused" 'digest mismatch' lf load -i "$TEST_TMP/tampered.tar"
mkdir -p "$TEST_TMP/evil/x" && echo pwned > "$TEST_TMP/evil/x/f"
(cd "$TEST_TMP/evil" && tar -cf "$TEST_TMP/evil-layer.tar" --transform 's,^x/f,../../escaped,' x/f)
rm -rf "$TEST_TMP/hostile" && mkdir -p "$TEST_TMP/hostile" && tar -xf "$TEST_TMP/img.tar" -C "$TEST_TMP/hostile"
layer=$(jq -r '.[0].Layers[0]' "$TEST_TMP/hostile/manifest.json")
cp "$TEST_TMP/evil-layer.tar" "$TEST_TMP/hostile/$layer"
tar -cf "$TEST_TMP/hostile.tar" -C "$TEST_TMP/hostile" .
expect_fail "layer escaping with .. is refused" '\.\./\.\./escaped|\.\.' lf load -i "$TEST_TMP/hostile.tar"
check "nothing escaped" test ! -e "$LAYERFS_ROOT/../escaped"
expect_eq "store unchanged by every refused load" "$(snapshot)" "$before"

# A load killed halfway leaves garbage only in tmp/, removed by the next writer.
export LAYERFS_ROOT=$TEST_TMP/store-kill
mkfifo "$TEST_TMP/fifo"
lf load -i "$TEST_TMP/fifo" >/dev/null 2>&1 &
loader=$!
# The writer opens the fifo under a timeout: a loader that failed before opening it must not
# leave the test waiting for a reader. It holds the fifo open while the loader is killed.
timeout 20 sh -c "exec >'$TEST_TMP/fifo'; head -c 1500000 '$TEST_TMP/img.tar'; sleep 5" &
writer=$!
sleep 1
kill -9 "$loader" 2>/dev/null; wait "$loader" 2>/dev/null
kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
expect_eq "killed load registered nothing" "$(lf images -q | wc -l)" "0"
expect_eq "killed load adopted no layer" "$(lf layer ls -q | wc -l)" "0"
lf import "$base" after:kill >/dev/null
expect_eq "next writer removed the garbage" "$(ls "$LAYERFS_ROOT/tmp" | wc -l)" "0"

# Two loads at the same time both land.
export LAYERFS_ROOT=$TEST_TMP/store-concurrent
lf load -i "$TEST_TMP/img.tar" >/dev/null & a=$!
lf load -i "$TEST_TMP/byid.tar" >/dev/null & b=$!
lf import "$base" third:one >/dev/null & c=$!
wait $a; ra=$?; wait $b; rb=$?; wait $c; rc=$?
expect_eq "concurrent writers all succeed" "$ra$rb$rc" "000"
expect_eq "concurrent writers all landed" "$(lf images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')" "busybox:latest extra/tool:v1 third:one "

finish
