# Registry fixture for integration tests (sourced after tests/integration/lib.sh): Debian's
# docker-registry (distribution 2.8) on 127.0.0.1, a free port, TLS from a throw-away CA, and
# htpasswd (bcrypt) or Bearer-token auth; everything is stopped and removed when the test exits.
#
#   registry_ca                         creates $TEST_TMP/pki: ca.crt, server cert for 127.0.0.1
#   start_registry NAME [none|basic|token]
#       starts a registry; sets REG_HOST_<NAME> (127.0.0.1:PORT), REG_DIR_<NAME>, REG_LOG_<NAME>
#       basic/token accept user "tester", password "s3cret"
#   stop_registry NAME / restart_registry NAME   (same port and storage)
#   trust_registry HOST                 installs ca.crt into $XDG_CONFIG_HOME/layerfs/certs.d/HOST
REG_USER=tester
REG_PASSWORD=s3cret
REG_HELPER=$LAYERFS_BUILD/tests/registry/helpers/registry_test_server

registry_requirements() {
  local tool
  for tool in docker-registry htpasswd openssl; do
    command -v "$tool" >/dev/null || { echo "skip: $tool is not installed"; exit 77; }
  done
  [ -x "$REG_HELPER" ] || { echo "skip: $REG_HELPER is not built"; exit 77; }
  # Credentials, certs.d and config of the test's own, never the caller's.
  export XDG_CONFIG_HOME=$TEST_TMP/config HOME=$TEST_TMP/home
  mkdir -p "$HOME"
}

registry_ca() {
  local pki=$TEST_TMP/pki
  [ -f "$pki/ca.crt" ] && return 0
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=layerfs test CA" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null || return 1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$pki/server.key" \
    -out "$pki/server.csr" 2>/dev/null || return 1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$pki/ext.cnf"
  openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -extfile "$pki/ext.cnf" -out "$pki/server.crt" 2>/dev/null || return 1
  # The token issuer's signing key; its certificate is the registry's rootcertbundle.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=layerfs test token issuer" \
    -keyout "$pki/token.key" -out "$pki/token.crt" 2>/dev/null || return 1
  htpasswd -Bbc "$pki/htpasswd" "$REG_USER" "$REG_PASSWORD" >/dev/null 2>&1
}

# wait_for_port_file FILE PID: the helper writes its port once listening.
wait_for_port_file() {
  local i
  for ((i = 0; i < 100; i++)); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start_token_server() {
  local dir=$1
  "$REG_HELPER" token "$dir/token.port" "$TEST_TMP/pki/token.key" "$TEST_TMP/pki/token.crt" \
    layerfs-test-issuer layerfs-test-registry "$REG_USER" "$REG_PASSWORD" \
    "${REG_TOKEN_EXPIRES:-300}" 2>"$dir/token.log" &
  echo $! >"$dir/token.pid"
  on_exit "kill $! 2>/dev/null"
  wait_for_port_file "$dir/token.port" "$!"
}

_write_registry_config() {
  local dir=$1 port=$2 auth=$3 pki=$TEST_TMP/pki
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: layerfs-test-secret
  tls:
    certificate: $pki/server.crt
    key: $pki/server.key
YAML
  case $auth in
    basic) printf 'auth:\n  htpasswd:\n    realm: layerfs-test\n    path: %s\n' "$pki/htpasswd" >>"$dir/config.yml" ;;
    token)
      printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: layerfs-test-registry\n    issuer: layerfs-test-issuer\n    rootcertbundle: %s\n' \
        "$(cat "$dir/token.port")" "$pki/token.crt" >>"$dir/config.yml" ;;
  esac
}

# _launch_registry NAME: (re)starts the registry from its config; waits until it answers.
_launch_registry() {
  local name=$1 dir=$TEST_TMP/registry-$1 host i
  host=$(cat "$dir/host")
  docker-registry serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 &
  echo $! >"$dir/pid"
  on_exit "kill $! 2>/dev/null"
  for ((i = 0; i < 100; i++)); do
    if curl -s -o /dev/null --cacert "$TEST_TMP/pki/ca.crt" "https://$host/v2/"; then return 0; fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start_registry() {
  local name=$1 auth=${2:-none} dir=$TEST_TMP/registry-$1 port attempt
  registry_ca || { echo "cannot create test certificates" >&2; return 1; }
  mkdir -p "$dir/data"
  [ "$auth" = token ] && { start_token_server "$dir" || return 1; }
  # The port is free when probed; a registry that loses the race is retried on another one.
  for attempt in 1 2 3; do
    port=$("$REG_HELPER" free-port) || return 1
    echo "127.0.0.1:$port" >"$dir/host"
    _write_registry_config "$dir" "$port" "$auth"
    if _launch_registry "$name"; then
      printf -v "REG_HOST_$name" '%s' "127.0.0.1:$port"
      printf -v "REG_DIR_$name" '%s' "$dir"
      printf -v "REG_LOG_$name" '%s' "$dir/registry.log"
      return 0
    fi
    stop_registry "$name"
  done
  echo "docker-registry did not start; log:" >&2
  tail -5 "$dir/registry.log" >&2
  return 1
}

stop_registry() {
  local pid
  pid=$(cat "$TEST_TMP/registry-$1/pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

restart_registry() {
  stop_registry "$1"
  _launch_registry "$1"
}

trust_registry() {
  local dir=${XDG_CONFIG_HOME:?}/layerfs/certs.d/$1
  mkdir -p "$dir" && cp "$TEST_TMP/pki/ca.crt" "$dir/ca.crt"
}
