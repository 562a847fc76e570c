#!/usr/bin/env bash
# -t: run and exec on a pty of the container's own devpts, driven through `script` (util-linux)
# as a user at a terminal would: tty, window size, exit status, ^C, ^D, -d -t logs, and docker's
# refusal of -it without a terminal. As the calling user and both test users.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { echo "SKIP: script (util-linux) is not installed"; exit 77; }

base=$(base_rootfs_tar)

# at_terminal KEYS_SCRIPT COMMAND: runs COMMAND (a layerfs command line) on a fresh pty of
# 33 rows and 101 columns, typing what KEYS_SCRIPT (a bash snippet) prints; prints the screen and
# then "exit=N".
at_terminal() {
  local keys=$1 command=$2 status
  bash -c "$keys" | as_scenario_user timeout 30 script -qec \
    "stty rows 33 cols 101; LAYERFS_ROOT='$SCENARIO_STORE' $command" /dev/null | tr -d '\r'
  status=${PIPESTATUS[1]}
  echo "exit=$status"
}

scenario() {
  local screen
  l import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null || { fail "$t import"; return; }

  screen=$(at_terminal "sleep 0.5; printf 'tty; stty size; exit 3\n'" "$LAYERFS run -it --rm busybox sh")
  expect_match "$t run -it: the shell's terminal is the container's pty" "$screen" $'\n/dev/pts/0\n'
  expect_match "$t run -it: the window size is the caller's" "$screen" $'\n33 101\n'
  expect_match "$t run -it: the exit status comes back" "$screen" 'exit=3$'

  screen=$(at_terminal "sleep 0.5; printf 'sleep 100\n'; sleep 1; printf '\003'; sleep 0.5; printf 'echo after=\$?\n'; sleep 0.3; printf '\004'" \
    "$LAYERFS run -it --rm busybox sh")
  expect_match "$t ^C interrupts the foreground command" "$screen" 'after=130'
  expect_match "$t ^D ends the shell" "$screen" 'exit=0$'

  expect_eq "$t run -t without -i still has a terminal" \
    "$(l run -t --rm busybox sh -c 'test -t 0 && test -t 1 && echo both' | tr -d '\r')" "both"
  expect_fail "$t -it without a terminal is refused" '^Error: the input device is not a TTY$' \
    l run -it --rm busybox true

  l run -d -t --name term busybox sh -c 'tty; echo logged; sleep 100' >/dev/null || fail "$t run -d -t"
  local logs="" i
  for i in $(seq 50); do
    logs=$(l logs term | tr -d '\r')
    [[ $logs == *logged* ]] && break
    sleep 0.1
  done
  expect_eq "$t -d -t: the pty's output is the log" "$logs" $'/dev/pts/0\nlogged'
  screen=$(at_terminal "sleep 0.5; printf 'tty; echo in-exec; exit 4\n'" "$LAYERFS exec -it term sh")
  expect_match "$t exec -it: a pty of the container" "$screen" $'\n/dev/pts/1\n'
  expect_match "$t exec -it: the exit status comes back" "$screen" 'exit=4$'
  l rm -f term >/dev/null
}

for_each_user scenario
finish
