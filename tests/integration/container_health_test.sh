#!/usr/bin/env bash
# HEALTHCHECK: probes run while the container runs (starting -> unhealthy after the retries ->
# healthy once the probe passes), State.Health in inspect with FailingStreak and Log, ps's
# "(healthy)", run's --health-* overrides, --no-healthcheck, a probe that times out. As the
# calling user and both test users.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar)
ctx=$TEST_TMP/ctx
mkdir -p "$ctx"
printf 'FROM busybox\nHEALTHCHECK --interval=1s --retries=2 CMD test -f /tmp/ok\n' >"$ctx/Dockerfile"
chmod -R a+rX "$ctx"

# until_health CONTAINER STATUS: waits (up to 10 s) for State.Health.Status; prints the last one.
until_health() {
  local i status=""
  for i in $(seq 100); do
    status=$(l inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null)
    [ "$status" = "$2" ] && break
    sleep 0.1
  done
  echo "$status"
}

scenario() {
  l import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null || { fail "$t import"; return; }
  check "$t build an image with a HEALTHCHECK" l build -q -t checked "$ctx"

  check "$t run -d" l run -d --name web checked sleep 100
  expect_match "$t starts as starting" "$(l ps --format '{{.Status}}')" '^Up .* \(health: starting\)$'
  expect_eq "$t unhealthy after two failed probes" "$(until_health web unhealthy)" "unhealthy"
  expect_eq "$t FailingStreak" "$(l inspect --format '{{.State.Health.FailingStreak}}' web)" "2"
  expect_eq "$t the log has the probes' exit codes" \
    "$(l inspect --format '{{range .State.Health.Log}}{{.ExitCode}} {{end}}' web)" "1 1 "
  expect_match "$t ps shows it" "$(l ps --format '{{.Status}}')" '\(unhealthy\)$'
  check "$t exec makes the probe pass" l exec web touch /tmp/ok
  expect_eq "$t healthy again" "$(until_health web healthy)" "healthy"
  expect_eq "$t the streak is reset" "$(l inspect --format '{{.State.Health.FailingStreak}}' web)" "0"
  expect_match "$t ps shows (healthy)" "$(l ps --format '{{.Status}}')" '\(healthy\)$'
  l rm -f web >/dev/null

  check "$t --health-cmd overrides the image's" \
    l run -d --name over --health-cmd 'echo probe-output' --health-interval 1s checked sleep 100
  expect_eq "$t the override passes" "$(until_health over healthy)" "healthy"
  expect_match "$t its output is logged" "$(l inspect --format '{{json .State.Health.Log}}' over)" \
    '"Output":"probe-output\\n"'
  l rm -f over >/dev/null

  check "$t --health-timeout" l run -d --name slow --health-cmd 'sleep 10' --health-interval 1s \
    --health-timeout 1s --health-retries 1 checked sleep 100
  expect_eq "$t a probe that times out fails" "$(until_health slow unhealthy)" "unhealthy"
  expect_match "$t with docker's message" "$(l inspect --format '{{json .State.Health.Log}}' slow)" \
    'Health check exceeded timeout \(1s\)'
  l rm -f slow >/dev/null

  check "$t --no-healthcheck" l run -d --name none --no-healthcheck checked sleep 100
  sleep 1.5
  expect_eq "$t has no Health" "$(l inspect --format '{{json .State.Health}}' none)" "null"
  l rm -f none >/dev/null
}

for_each_user scenario
finish
