#!/usr/bin/env bash
# import, images (filters, -a, -q, --digests, --no-trunc, --format), tag, rmi, prune, inspect,
# history, layer ls/path, system df: driven through the binary against a fresh store.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar)
id=$(lf import "$base" busybox:latest -c 'CMD ["sh"]' -m "busybox base")
expect_match "import prints the image ID" "$id" '^sha256:[0-9a-f]{64}$'
expect_eq "images -q lists it" "$(lf images -q)" "${id:7:12}"
expect_eq "images --no-trunc -q" "$(lf images -q --no-trunc)" "$id"
out=$(lf images)
expect_match "images table header" "$(head -1 <<<"$out")" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
expect_match "images row" "$(sed -n 2p <<<"$out")" "^busybox +latest +${id:7:12} +(Less than a second|[0-9]+ seconds?) ago +[0-9.]+[kM]B$"
expect_eq "images --format" "$(lf images --format '{{.Repository}}:{{.Tag}} {{.ID}}')" "busybox:latest ${id:7:12}"
expect_match "images --digests has a DIGEST column" "$(lf images --digests | head -1)" 'DIGEST'
expect_fail "unknown --format field" "can't evaluate field Nope" lf images --format '{{.Nope}}'

# The same tarball gzipped gives the same layer (diff ID) and a layer shared, not copied.
gzip -c "$base" > "$TEST_TMP/base.tar.gz"
id2=$(lf import "$TEST_TMP/base.tar.gz" other/thing:v1 -c 'ENV A=1')
expect_eq "one layer directory for two images" "$(lf layer ls -q | wc -l)" "1"
expect_eq "images lists both" "$(lf images --format '{{.Repository}}' | sort | tr '\n' ' ')" "busybox other/thing "
check "stdin import" bash -c "cat '$base' | '$LAYERFS' import - fromstdin:1"

# tag and resolve
check "tag by name" lf tag busybox:latest 127.0.0.1:5000/team/busybox:v3
expect_match "tagged name displayed like docker" "$(lf images 127.0.0.1:5000/team/busybox)" '127\.0\.0\.1:5000/team/busybox +v3'
expect_eq "images REPO filter" "$(lf images busybox --format '{{.Tag}}')" "latest"
expect_eq "reference filter" "$(lf images -f 'reference=*/team/*' --format '{{.Repository}}')" "127.0.0.1:5000/team/busybox"
expect_eq "label filter" "$(lf images -f label=none --format '{{.ID}}')" ""
expect_eq "dangling=false filter count" "$(lf images -f dangling=false -q | sort -u | wc -l)" "3"
expect_fail "bad filter" "invalid filter 'bogus'" lf images -f bogus=1
expect_fail "malformed reference" 'invalid reference format' lf tag busybox 'no such//ref:'
expect_fail "unknown image" 'No such image: nothere:latest' lf tag nothere:latest x:y

# inspect and history
expect_eq "inspect --format Id" "$(lf inspect --format '{{.Id}}' busybox)" "$id"
expect_eq "inspect Cmd" "$(lf image inspect --format '{{json .Config.Cmd}}' busybox)" '["sh"]'
expect_eq "inspect RepoTags" "$(lf inspect --format '{{range .RepoTags}}{{.}} {{end}}' "${id:7:12}")" "127.0.0.1:5000/team/busybox:v3 busybox:latest "
expect_eq "inspect Comment" "$(lf inspect --format '{{.Comment}}' busybox)" "busybox base"
expect_eq "inspect RootFS layers" "$(lf inspect --format '{{len .RootFS.Layers}}' busybox)" "1"
upper=$(lf inspect --format '{{.GraphDriver.Data.UpperDir}}' busybox)
expect_eq "GraphDriver UpperDir is the layer path" "$upper" "$(lf layer path busybox@0)"
check "the layer is a plain directory with busybox" test -x "$upper/bin/busybox"
json=$(lf inspect busybox)
for key in Id RepoTags RepoDigests Parent Comment Created Author Config Architecture Os Size GraphDriver RootFS Metadata; do
  expect_match "inspect JSON has $key" "$json" "\"$key\":"
done
expect_fail "inspect of a missing name (docker's message)" '^Error: No such object: nothere$' lf inspect nothere
expect_fail "image inspect of a missing image" 'No such image: nothere' lf image inspect nothere
hist=$(lf history busybox)
expect_match "history header" "$(head -1 <<<"$hist")" '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
expect_match "history row" "$(sed -n 2p <<<"$hist")" "^${id:7:12} .* busybox base$"
expect_eq "history -q" "$(lf history -q busybox)" "${id:7:12}"
expect_match "history -H=false prints bytes" "$(lf history -H=false --format '{{.Size}}' busybox)" '^[0-9]+$'
expect_eq "layer path by diff ID prefix" "$(lf layer path "$(lf layer ls -q | cut -c8-19)")" "$upper"
expect_match "layer ls IMAGE" "$(lf layer ls busybox | sed -n 2p)" "^0 +[0-9a-f]{12} +[0-9.]+[kM]B +3 +$upper$"
expect_fail "layer path out of range" 'has 1 layers' lf layer path busybox@5

# rmi: untag vs delete, multiple names need -f
out=$(lf rmi 127.0.0.1:5000/team/busybox:v3)
expect_eq "rmi of one of two names untags" "$out" "Untagged: 127.0.0.1:5000/team/busybox:v3"
check "image still there" lf inspect busybox
check "second name" lf tag busybox busybox:two
check "a name that looks like an ID" lf tag busybox cafe
expect_eq "rmi of it untags it, as a name comes before an ID prefix" "$(lf rmi cafe)" \
  "Untagged: cafe:latest"
expect_fail "rmi by ID with several names needs -f" 'must be forced.*multiple repositories' lf rmi "${id:7:12}"
out=$(lf rmi -f "${id:7:12}")
expect_match "rmi -f untags all and deletes" "$out" "Untagged: busybox:latest"$'\n'"Untagged: busybox:two"$'\n'"Deleted: $id"
expect_eq "layer kept while another image uses it" "$(lf layer ls -q | wc -l)" "1"
expect_fail "rmi unknown" 'No such image' lf rmi nothere

# prune: dangling only, then -a
old=$(lf import "$base" dangle:me -c 'ENV X=1')
new=$(lf import "$base" dangle:me -c 'ENV X=2')
expect_eq "retagging leaves a dangling image" "$(lf images -f dangling=true -q --no-trunc)" "$old"
expect_match "dangling row shows <none>" "$(lf images | grep '<none>')" '^<none> +<none> '
out=$(lf image prune -f)
expect_match "prune removes dangling" "$out" "deleted: $old"
expect_match "prune reports space" "$out" 'Total reclaimed space: '
expect_eq "tagged image survives prune" "$(lf inspect --format '{{.Id}}' dangle:me)" "$new"
out=$(lf image prune -a -f --filter until=1h)
expect_eq "until filter keeps recent images" "$(lf images -q | wc -l)" "3"
out=$(lf image prune -a -f)
expect_eq "prune -a removes every unused image" "$(lf images -q | wc -l)" "0"
expect_eq "and their layers" "$(lf layer ls -q | wc -l)" "0"
expect_eq "and their blobs" "$(ls "$LAYERFS_ROOT/blobs/sha256" | wc -l)" "0"
expect_match "prune total" "$out" 'Total reclaimed space: [0-9.]+[kM]B'

# system df counts sharing
lf import "$base" a:1 >/dev/null
lf import "$base" b:1 -c 'ENV B=1' >/dev/null
df=$(lf system df)
expect_match "system df images row" "$df" 'Images +2 +0 +[0-9.]+[kM]B'
expect_match "system df shows sharing" "$df" 'Layer sharing'
expect_match "system df -v per image" "$(lf system df -v)" 'SHARED SIZE'
check "--help on a command" lf images --help
check "--version" lf --version

finish
