#!/usr/bin/env bash
# The kernel sends lookups of different names in one directory to the daemon in parallel (it would
# serialize them under the directory's lock unless our INIT reply says FUSE_PARALLEL_DIROPS, which
# libfuse 3.14.0 leaves out: fuse/init_reply.h). Four processes stat different names of one large
# lower directory while a tracefs instance records the mount's FUSE requests; some lookups must
# be sent while another is in flight. Root only (tracefs).
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
mkdir -p "$d"/{lower/big,upper,work,mnt}
(cd "$d/lower/big" && seq 1 4000 | sed 's/^/f/' | xargs touch)
check "mount" timeout 20 "$LAYERFS" mount \
  -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/mnt"
on_exit "fusermount3 -uz '$d/mnt'"
ls -d "$d/mnt/big" >/dev/null

# An instance of its own: its buffer and event switches are this test's alone. The connection
# number in the events is the mount's device number (an anonymous device: 0:N prints as N).
instance=$tracing/instances/layerfs-test-$$
mkdir "$instance"
on_exit "echo 0 > '$instance/events/fuse/enable'; rmdir '$instance'"
connection=$(mountpoint -d "$d/mnt" | cut -d: -f2)
for event in fuse_request_send fuse_request_end; do
  echo "connection == $connection" >"$instance/events/fuse/$event/filter"
done
echo 4096 >"$instance/buffer_size_kb"
echo 1 >"$instance/events/fuse/enable"
for start in 1 2 3 4; do
  python3 -c 'import os, sys
d, start = sys.argv[1], int(sys.argv[2])
for i in range(start, 4001, 4): os.stat(f"{d}/f{i}")' "$d/mnt/big" "$start" &
done
wait
echo 0 >"$instance/events/fuse/enable"

# Lookups sent while another lookup was in flight, and the most in flight at once.
read -r overlapping most < <(awk '
  function id() { for (i = 1; i <= NF; i++) if ($i == "req") return $(i + 1) }
  /fuse_request_send:.*FUSE_LOOKUP/ {
    if (flying > 0) overlapping++
    lookup[id()] = 1
    if (++flying > most) most = flying
  }
  /fuse_request_end:/ { r = id(); if (r in lookup) { delete lookup[r]; flying-- } }
  END { print overlapping + 0, most + 0 }' "$instance/trace")
lookups=$(grep -c "FUSE_LOOKUP" "$instance/trace")
echo "# $lookups lookups traced, $overlapping sent while another was in flight, at most $most"
expect_eq "every name was looked up once" "$lookups" 4000
if [ "$overlapping" -gt 0 ] && [ "$most" -gt 1 ]; then
  pass "lookups in one directory reach the daemon in parallel"
else
  fail "lookups in one directory reach the daemon one at a time"
fi
check "umount" timeout 20 "$LAYERFS" umount "$d/mnt"
finish
