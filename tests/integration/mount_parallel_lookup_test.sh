#!/usr/bin/env bash
# The kernel sends lookups of different names in one directory to the daemon in parallel (it would
# serialize them under the directory's lock unless our INIT reply says FUSE_PARALLEL_DIROPS, which
# libfuse 3.14.0 leaves out: fuse/init_reply.h). Made deterministic with a lower layer that is
# itself a union mount whose daemon is stopped: a lookup in the top mount then waits inside our
# daemon, and a second process's lookup of another name must still reach the daemon (a tracefs
# instance records the top mount's requests). Root only (tracefs).
source "$(dirname "$0")/lib.sh"

tracing=/sys/kernel/tracing
if [ "$(id -u)" -ne 0 ]; then
  echo "skip: tracing FUSE requests needs root"
  exit 77
fi
grep -q " $tracing tracefs " /proc/self/mounts || mount -t tracefs tracefs "$tracing" 2>/dev/null
if [ ! -d "$tracing/events/fuse/fuse_request_send" ]; then
  echo "skip: this kernel has no FUSE trace events"
  exit 77
fi

d=$TEST_TMP/union
mkdir -p "$d"/{base/big,u1,w1,lower,u2,w2,mnt}
touch "$d/base/big/first" "$d/base/big/second"
check "mount the lower union" timeout 20 "$LAYERFS" mount \
  -o "lowerdir=$d/base,upperdir=$d/u1,workdir=$d/w1" "$d/lower"
on_exit "fusermount3 -uz '$d/lower'"
check "mount the union on top of it" timeout 20 "$LAYERFS" mount \
  -o "lowerdir=$d/lower,upperdir=$d/u2,workdir=$d/w2" "$d/mnt"
on_exit "fusermount3 -uz '$d/mnt'"
ls -d "$d/mnt/big" >/dev/null
lower_daemon=$(pgrep -f -- "$d/lower\$" | head -n 1)
if [ -z "$lower_daemon" ]; then
  fail "the lower union's daemon is running"
  finish
fi

# An instance of its own: its buffer and event switches are this test's alone. The connection
# number in the events is the mount's device number (an anonymous device: 0:N prints as N).
instance=$tracing/instances/layerfs-test-$$
mkdir "$instance"
on_exit "echo 0 > '$instance/events/fuse/enable'; rmdir '$instance'"
connection=$(mountpoint -d "$d/mnt" | cut -d: -f2)
echo "connection == $connection" >"$instance/events/fuse/fuse_request_send/filter"
echo 1 >"$instance/events/fuse/fuse_request_send/enable"

# With the lower daemon stopped, looking up "first" waits in our daemon for the lower mount.
kill -STOP "$lower_daemon"
on_exit "kill -CONT $lower_daemon"
stat "$d/mnt/big/first" >/dev/null 2>&1 &
first=$!
for _ in $(seq 50); do grep -q FUSE_LOOKUP "$instance/trace" && break; sleep 0.1; done
stat "$d/mnt/big/second" >/dev/null 2>&1 &
second=$!
sleep 1
sent=$(grep -c FUSE_LOOKUP "$instance/trace")
kill -CONT "$lower_daemon"
expect_eq "a lookup in a directory reaches the daemon while another one there waits" "$sent" 2
# wait, not check: a check's subshell cannot wait for this shell's children.
if wait "$first" && wait "$second"; then
  pass "both lookups end once the lower mount answers"
else
  fail "both lookups end once the lower mount answers"
fi
echo 0 >"$instance/events/fuse/fuse_request_send/enable"
check "umount" timeout 20 "$LAYERFS" umount "$d/mnt"
check "umount the lower union" timeout 20 "$LAYERFS" umount "$d/lower"
finish
