#!/usr/bin/env bash
# Private networks and published ports (slirp4netns): --network private has lo and tap0, -p
# forwards a host port to busybox httpd in the container, -P publishes EXPOSEd ports, ps and
# inspect show them, a busy port is refused, stop frees the port. As the calling user and both
# test users.
source "$(dirname "$0")/lib.sh"
command -v slirp4netns >/dev/null || { echo "SKIP: slirp4netns is not installed"; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }

base=$(base_rootfs_tar)
www=$TEST_TMP/www
mkdir -p "$www" && echo "<p>published</p>" >"$www/index.html" && chmod -R a+rX "$www"

free_port() {
  local port
  for port in $(shuf -i 20000-40000 -n 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

fetch() {  # fetch PORT: the page, retried while the server starts
  local i page
  for i in $(seq 50); do
    page=$(curl -fsS --max-time 2 "http://127.0.0.1:$1/" 2>/dev/null) && { echo "$page"; return; }
    sleep 0.1
  done
}

scenario() {
  local who=$1 port
  l import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null || { fail "$t import"; return; }
  l import "$base" web:latest -c 'EXPOSE 80' -c 'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]' >/dev/null

  expect_eq "$t --network private: lo and tap0" \
    "$(l run --rm --network private busybox ls /sys/class/net | tr '\n' ' ')" "lo tap0 "
  expect_match "$t tap0 has slirp4netns's address" \
    "$(l run --rm --network private busybox ip -4 addr show tap0)" 'inet 10\.0\.2\.100/24'
  expect_eq "$t DNS is slirp4netns's" "$(l run --rm --network private busybox cat /etc/resolv.conf)" \
    "nameserver 10.0.2.3"

  port=$(free_port)
  check "$t run -d -p $port:80" l run -d --name "web" -p "$port:80" -v "$www:/www:ro" busybox httpd -f -p 80 -h /www
  expect_eq "$t the published port reaches the container" "$(fetch "$port")" "<p>published</p>"
  expect_eq "$t ps shows the port" "$(l ps --format '{{.Names}} {{.Ports}}')" "web 0.0.0.0:$port->80/tcp"
  expect_eq "$t inspect shows it" "$(l inspect --format '{{json .NetworkSettings.Ports}}' web)" \
    "{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"$port\"}]}"
  expect_eq "$t -p implies a private network" "$(l inspect --format '{{.HostConfig.NetworkMode}}' web)" "private"
  local err rc
  err=$(l run --rm -p "$port:80" busybox true 2>&1); rc=$?
  expect_eq "$t a busy host port: exit 125" "$rc" "125"
  expect_match "$t with docker's message" "$err" "Bind for 0.0.0.0:$port failed: port is already allocated"
  check "$t stop" l stop -t 1 web
  check "$t stop frees the port" bash -c "! curl -fsS --max-time 2 http://127.0.0.1:$port/"
  l rm web >/dev/null

  check "$t run -d -P" l run -d --name exposed -P -v "$www:/www:ro" web
  local published
  published=$(l inspect --format '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}' exposed)
  expect_match "$t -P chose a host port for EXPOSE 80" "$published" '^[0-9]+$'
  expect_eq "$t and it reaches the container" "$(fetch "$published")" "<p>published</p>"
  l rm -f exposed >/dev/null

  expect_fail "$t a malformed -p" 'invalid port mapping "80:http"' l run --rm -p 80:http busybox true
  expect_fail "$t -p with --network none" 'ports cannot be published with --network none' \
    l run --rm --network none -p 80 busybox true
}

for_each_user scenario
finish
