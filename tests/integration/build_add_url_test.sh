#!/usr/bin/env bash
# ADD with http:// sources, from a local busybox httpd, as the calling user and as unprivileged
# users: the file is downloaded, never extracted, named after the URL when DEST ends with '/',
# mode 0600 and mtime from Last-Modified; --chown/--chmod apply; --checksum is verified (and
# refused for local sources); the content digest, not the URL, decides cache hits; COPY refuses
# URLs; a failed download names the Dockerfile line.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar) || { echo "no base rootfs"; exit 77; }
command -v busybox >/dev/null || { echo "no busybox"; exit 77; }

www=$TEST_TMP/www
mkdir -p "$www/files"
chmod 755 "$www" "$www/files"
echo hello >"$www/files/hello.txt"
mkdir -p "$TEST_TMP/arch/d" && echo inside >"$TEST_TMP/arch/d/f"
tar -C "$TEST_TMP/arch" -czf "$www/files/data.tar.gz" d
touch -d '2020-01-02 03:04:05 UTC' "$www/files/hello.txt" "$www/files/data.tar.gz"
chmod 644 "$www/files/"*

# A free port: busybox httpd -f exits at once when it cannot bind.
port="" httpd_pid=""
for _ in $(seq 20); do
  candidate=$((20000 + RANDOM % 20000))
  busybox httpd -f -p "127.0.0.1:$candidate" -h "$www" &
  httpd_pid=$!
  sleep 0.3
  if kill -0 "$httpd_pid" 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "cannot start busybox httpd"; exit 77; }
on_exit "kill $httpd_pid"
url=http://127.0.0.1:$port/files
hello_sum=$(sha256sum <"$www/files/hello.txt" | cut -d' ' -f1)

ctx=$TEST_TMP/ctx
mkdir -p "$ctx"
echo local >"$ctx/local.txt"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM busybox
ADD $url/data.tar.gz /dl/
ADD --chown=33:33 --chmod=0644 $url/hello.txt /dl/renamed.txt
ADD --checksum=sha256:$hello_sum $url/hello.txt /checked/
DOCKERFILE
head -3 "$ctx/Dockerfile" >"$ctx/Dockerfile.unchecked"
printf 'FROM busybox\nADD --checksum=sha256:%064d %s/hello.txt /x\n' 0 "$url" >"$ctx/Dockerfile.mismatch"
printf 'FROM busybox\nADD --checksum=sha256:%s local.txt /x\n' "$hello_sum" >"$ctx/Dockerfile.local"
printf 'FROM busybox\nENV A=1\nADD %s/missing.txt /x\n' "$url" >"$ctx/Dockerfile.missing"
printf 'FROM busybox\nCOPY %s/hello.txt /x\n' "$url" >"$ctx/Dockerfile.copy"
chmod -R a+rX "$ctx"

scenario() {
  local who=$1
  l import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null || { fail "$t import"; return; }
  check "$t build with URL sources" l build -q -t fetched "$ctx"
  expect_eq "$t the archive is not extracted" "$(l run --rm fetched sha256sum /dl/data.tar.gz | cut -d' ' -f1)" \
    "$(sha256sum <"$www/files/data.tar.gz" | cut -d' ' -f1)"
  expect_eq "$t named after the URL, mode 0600, root's, mtime from Last-Modified" \
    "$(l run --rm fetched stat -c '%n %a %u:%g %Y' /dl/data.tar.gz)" "/dl/data.tar.gz 600 0:0 1577934245"
  expect_eq "$t --chmod and a DEST name" "$(l run --rm fetched stat -c '%a %Y' /dl/renamed.txt)" "644 1577934245"
  if [ "$who" != layerfs-nosubid ]; then
    expect_eq "$t --chown" "$(l run --rm fetched stat -c '%u:%g' /dl/renamed.txt)" "33:33"
  fi
  expect_eq "$t --checksum that matches" "$(l run --rm fetched cat /checked/hello.txt)" "hello"

  local out
  out=$(l build --progress plain -t fetched "$ctx" 2>&1)
  expect_match "$t same content: all cached" "$(grep -c CACHED <<<"$out")" '^3$'
  echo changed >"$www/files/hello.txt"
  touch -d '2020-01-02 03:04:05 UTC' "$www/files/hello.txt"
  out=$(l build --progress plain -t fetched -f "$ctx/Dockerfile.unchecked" "$ctx" 2>&1)
  expect_match "$t changed content at the same URL misses the cache" "$out" 'renamed.txt[^#]*#[0-9]+ DONE'
  expect_eq "$t and is the new content" "$(l run --rm fetched cat /dl/renamed.txt)" "changed"
  expect_fail "$t changed content fails --checksum, naming the line" \
    "Dockerfile:4: checksum mismatch for $url/hello.txt: expected sha256:$hello_sum, got sha256:[0-9a-f]{64}" \
    l build -t fetched "$ctx"
  echo hello >"$www/files/hello.txt"
  touch -d '2020-01-02 03:04:05 UTC' "$www/files/hello.txt"

  expect_fail "$t --checksum mismatch" 'Dockerfile.mismatch:2: checksum mismatch' \
    l build -f "$ctx/Dockerfile.mismatch" "$ctx"
  expect_fail "$t --checksum on a local source" \
    'Dockerfile.local:2: checksum can.t be specified for non-HTTP\(S\) sources' \
    l build -f "$ctx/Dockerfile.local" "$ctx"
  expect_fail "$t a missing URL" "Dockerfile.missing:3: failed to download $url/missing.txt: invalid response status 404" \
    l build -f "$ctx/Dockerfile.missing" "$ctx"
  expect_fail "$t COPY refuses a URL" "Dockerfile.copy:2: source can't be a URL for COPY" \
    l build -f "$ctx/Dockerfile.copy" "$ctx"
}

for_each_user scenario
finish
