#!/usr/bin/env bash
# run -d, logs [-f], exec (-u -w -e), stop [-t] (STOPSIGNAL then SIGKILL), start [-a],
# container inspect (State), rm -f, a killed supervisor, and the seeds' flow (run -d, exec a
# change, diff, commit -a -m, run the new image); as the calling user and the unprivileged ones.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar)

scenario() {
  local who=$1 root=$2
  on_exit "LAYERFS_ROOT='$root' '$LAYERFS' rm -f web victim >/dev/null 2>&1"

  l import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null || { fail "$t import"; return; }
  local id
  id=$(l run -d --name web busybox sh -c 'echo started; trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done')
  expect_match "$t run -d prints the ID" "$id" '^[0-9a-f]{64}$'
  expect_eq "$t ps shows it running" "$(l ps --format '{{.Names}} {{.State}}')" "web running"
  expect_match "$t ps status Up" "$(l ps --format '{{.Status}}')" '^Up '
  expect_eq "$t inspect State.Running" "$(l container inspect --format '{{.State.Status}} {{.State.Running}}' web)" "running true"
  sleep 0.3
  expect_eq "$t logs" "$(l logs web)" "started"
  expect_eq "$t exec sees the container" "$(l exec web hostname)" "$(l container inspect --format '{{.Config.Hostname}}' web)"
  expect_eq "$t exec -e -w" "$(l exec -e X=1 -w /tmp web sh -c 'echo $X $(pwd)')" "1 /tmp"
  expect_eq "$t exec runs in the container's pid namespace" "$(l exec web cat /proc/1/comm)" "layerfs"
  expect_eq "$t exec exit code" "$(l exec web sh -c 'exit 4'; echo $?)" "4"
  expect_eq "$t exec of a missing command" "$(l exec web nosuch 2>/dev/null; echo $?)" "127"
  # the seeds' flow: change in the running container, diff, commit, run the new image
  l exec web sh -c 'echo hello > /srv-file && rm /etc/hosts.allow 2>/dev/null; true'
  expect_eq "$t diff of a running container" "$(l diff web)" "A /srv-file"
  l commit -a "Seed <seed@example.com>" -m "running commit" web seeded:v1 >/dev/null || fail "$t commit running"
  expect_eq "$t committed image from a running container" "$(l run --rm seeded:v1 cat /srv-file)" "hello"
  expect_eq "$t container still running after commit" "$(l ps -q | wc -l)" "1"
  # chown to another id in an exec'd command: native with a subuid range, recorded without one
  # (also from a process the command leaves behind).
  expect_eq "$t exec chown" "$(l exec web sh -c 'touch /owned /later && chown 33:34 /owned && echo ok')" "ok"
  l exec web sh -c '(sleep 0.3; chown 35:36 /later) >/dev/null 2>&1 &'
  sleep 0.8
  expect_eq "$t owners of exec'd chowns" "$(l export web | tar -tvf - owned later | awk '{print $6 "=" $2}' | tr '\n' ' ')" "later=35/36 owned=33/34 "
  # commit pauses the container (SIGSTOP) and continues what it stopped, not what was stopped.
  l exec web sh -c '(i=0; while true; do i=$((i + 1)); echo $i > /tick.new; mv /tick.new /tick; sleep 0.05; done) >/dev/null 2>&1 &'
  local stopped_pid
  stopped_pid=$(l exec web sh -c 'sleep 100 >/dev/null 2>&1 & echo $!')
  # Stopped once its group is orphaned: stopping it earlier would earn it SIGHUP and SIGCONT.
  l exec web kill -STOP "$stopped_pid"
  sleep 0.3
  l commit web seeded:v2 >/dev/null || fail "$t commit with a stopped process"
  local before after
  before=$(l exec web cat /tick); sleep 0.3; after=$(l exec web cat /tick)
  check "$t processes run on after the commit" test "$before" -lt "$after"
  expect_match "$t a process stopped inside stays stopped" "$(l exec web cat /proc/$stopped_pid/stat)" '\) T '
  l commit --pause=false web seeded:v3 >/dev/null || fail "$t commit --pause=false"
  expect_fail "$t rm refuses a running container" 'container is running' l rm web
  # stop: the trap sees SIGTERM, the command exits 0
  expect_eq "$t stop prints the name" "$(l stop -t 5 web)" "web"
  expect_eq "$t stopped with exit 0 after the trap" "$(l container inspect --format '{{.State.Status}} {{.State.ExitCode}}' web)" "exited 0"
  expect_eq "$t logs after stop" "$(l logs web | tr '\n' ' ')" "started bye "
  expect_match "$t ps -a shows Exited (0)" "$(l ps -a --format '{{.Status}}')" '^Exited \(0\) '
  # start again; a command that ignores SIGTERM gets SIGKILL after -t
  expect_eq "$t start" "$(l start web)" "web"
  expect_eq "$t running again" "$(l container inspect --format '{{.State.Running}}' web)" "true"
  expect_eq "$t rm -f" "$(l rm -f web)" "web"
  l run --name once busybox sh -c 'echo once; exit 5' >/dev/null
  expect_eq "$t start -a attaches and returns the status" "$(l start -a once | tr '\n' ' '; echo ${PIPESTATUS[0]})" "once 5"
  l rm once >/dev/null

  # SIGKILL to the sandbox processes: shown as exited, can be removed, nothing stays mounted.
  id=$(l run -d --name victim busybox sleep 100)
  local pid
  pid=$(l container inspect --format '{{.State.Pid}}' victim)
  kill -KILL "$pid"
  local i; for i in $(seq 50); do [ "$(l container inspect --format '{{.State.Running}}' victim)" = false ] && break; sleep 0.1; done
  expect_eq "$t killed container shows exited 137" "$(l container inspect --format '{{.State.Status}} {{.State.ExitCode}}' victim)" "exited 137"
  check "$t nothing stays mounted" bash -c "! grep -q '$root' /proc/self/mountinfo"
  expect_eq "$t rm of the killed container" "$(l rm victim)" "victim"
  expect_eq "$t no containers left" "$(l ps -aq)" ""
}

for_each_user scenario
finish
