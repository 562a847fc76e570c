#!/usr/bin/env bash
# Benchmarks, run by hand (not tests): scripts/bench.sh BENCHMARK
#   union   kernel overlayfs, fuse-overlayfs and layerfs side by side on one three-layer stack
#   store   load/save/import of a multi-layer image vs tar -x + sha256sum, skopeo and umoci
#   run     run --rm latency and commit of 5,000 new files vs buildah
#   build   a reference Dockerfile built cold, rebuilt unchanged and after a one-file change, vs
#           buildah bud (vfs and fuse-overlayfs storage)
#   registry  push and pull of a multi-layer image vs skopeo, against a local docker-registry; pulls
#           also vs skopeo + umoci unpack and vs skopeo into containers-storage (podman pull's work)
# Each benchmark is one bench_<name> function; add new ones beside it and to the dispatcher.
# Common knobs: LAYERFS (binary, default build/layerfs), BENCH_DIR (scratch, default
# /tmp/layerfs-bench; removed afterwards unless BENCH_KEEP=1), LAYERFS_BASELINE (an older layerfs
# binary measured in the same runs, for an A/B on a noisy machine: union and registry).
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
LAYERFS=${LAYERFS:-$script_dir/../build/layerfs}
BENCH_DIR=${BENCH_DIR:-/tmp/layerfs-bench}

usage() {
  cat >&2 <<EOF
usage: $0 BENCHMARK
  union   union mounts: kernel overlayfs vs fuse-overlayfs vs layerfs (root; ~5 min a run,
          BENCH_UNION_RUNS=3 runs, medians)
          env: BENCH_BACKENDS="kernel fuse-overlayfs layerfs" (add "baseline" for the binary
               LAYERFS_BASELINE=path) BENCH_FILES=20000 BENCH_DIRS=1000
               BENCH_LARGE_FILES=4 BENCH_LARGE_MB=128 BENCH_CREATE=5000 BENCH_COPYUP=200
               BENCH_UNTAR=5000 BENCH_FIO_MB=32
               BENCH_UNION_FS=image (a journaled ext4 image of its own; "dir": in BENCH_DIR)
  store   layerfs load/save/import vs the tar -x + sha256sum limit, skopeo copy, umoci unpack
          env: BENCH_STORE_MB=500 BENCH_STORE_LAYERS=5
  run     run --rm latency and commit of many files vs buildah (vfs, chroot), as the caller
          env: BENCH_RUNS=20 BENCH_COMMIT_FILES=5000
  build   layerfs build vs buildah bud --isolation chroot --layers (vfs, fuse-overlayfs), as the
          caller (an ordinary user with a subuid range); env: BENCH_BUILD_FILES=5000
  registry  layerfs push/pull vs skopeo copy against a local docker-registry (TLS + htpasswd;
          root; ~3 min)  env: BENCH_REGISTRY_MB=300 BENCH_REGISTRY_LAYERS=5 BENCH_REGISTRY_RUNS=3
          pull peers: skopeo to an oci: dir, that + umoci unpack, and skopeo to containers-storage
          (extracted, as podman pull) with BENCH_REGISTRY_STORAGE_DRIVER=overlay (or vfs, which
          copies every parent layer into each new one)
          LAYERFS_BASELINE=path/to/older/layerfs: its pull timed too, interleaved (A/B, same run)
EOF
  exit 2
}

die() {
  echo "bench.sh: $*" >&2
  exit 1
}

# --- shared helpers --------------------------------------------------------------------------

now() { date +%s.%N; }

# seconds_since START: elapsed seconds with millisecond precision.
seconds_since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.3f", e - s }'; }

# The median of a space-separated list of numbers.
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ratio A B: A/B as "1.23x", or n/a when B is not a positive number.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2fx", a / b; else print "n/a" }'; }

# write_small_files DIR COUNT PER_DIR random|text: COUNT files of 0.5-3.5 KB, PER_DIR to a
# directory: incompressible bytes, or source-like text lines.
write_small_files() {
  python3 - "$@" <<'EOF'
import os, sys
root, count, per_dir, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for i in range(count):
    d = f"{root}/d{i // per_dir:03}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:05}", "wb") as out:
        if kind == "random":
            out.write(os.urandom(512 + i % 3000))
        else:
            out.write((f"source file {i}\n" * (1 + i % 200)).encode())
EOF
}

drop_caches() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
}

# daemon_pid PROGRAM MOUNTPOINT: the pid of the PROGRAM process whose command line names the
# mount point (the daemon serving it).
daemon_pid() {
  local program=$1 mnt=$2 dir pid exe
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    [ "${exe##*/}" = "$program" ] || continue
    if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- " $mnt"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# --- union -------------------------------------------------------------------------------------

# Three layers: L0 the bulk of small files, L1 overrides and deletes some of them (whiteouts, in
# OCI form for the FUSE daemons and kernel form for overlayfs) and makes directories opaque, L2
# adds the large files. The shared layers are used by every backend unchanged.
union_build_stack() {
  local stack=$1
  echo "building the stack: $BENCH_FILES files in $BENCH_DIRS directories, $BENCH_LARGE_FILES x $BENCH_LARGE_MB MiB"
  mkdir -p "$stack"/{L0,L1-oci,L1-kernel,L2/large}
  python3 - "$stack" "$BENCH_FILES" "$BENCH_DIRS" <<'EOF'
import os, random, sys
stack, files, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
blob = os.urandom(16384)
per_dir = max(1, files // dirs)
for d in range(dirs):
    path = f"{stack}/L0/d{d:04}"
    os.mkdir(path)
    for f in range(per_dir):
        size = rng.randint(256, 8192)
        with open(f"{path}/f{f:03}", "wb") as out:
            out.write(blob[rng.randint(0, 8192):][:size])
# L1: every 20th directory gets overrides and deletions, every 100th turns opaque.
for d in range(0, dirs, 20):
    for form in ("oci", "kernel"):
        path = f"{stack}/L1-{form}/d{d:04}"
        os.mkdir(path)
        for f in range(0, per_dir, 4):
            with open(f"{path}/f{f:03}", "wb") as out:
                out.write(blob[:1000])
        for f in range(1, per_dir, 4):
            if form == "oci":
                open(f"{path}/.wh.f{f:03}", "wb").close()
            else:
                os.mknod(f"{path}/f{f:03}", 0o600 | 0o020000, os.makedev(0, 0))
for d in range(10, dirs, 100):
    for form in ("oci", "kernel"):
        path = f"{stack}/L1-{form}/d{d:04}"
        os.mkdir(path)
        if form == "oci":
            open(f"{path}/.wh..wh..opq", "wb").close()
        else:
            os.setxattr(path, "trusted.overlay.opaque", b"y")
        with open(f"{path}/only", "wb") as out:
            out.write(blob[:100])
EOF
  local i
  for i in $(seq 0 $((BENCH_LARGE_FILES - 1))); do
    head -c "$((BENCH_LARGE_MB * 1024 * 1024))" /dev/urandom >"$stack/L2/large/large$i"
  done
  # The tree to untar: BENCH_UNTAR small files, made once outside any mount.
  mkdir -p "$stack/untar-src"
  write_small_files "$stack/untar-src" "$BENCH_UNTAR" 50 random
  tar -C "$stack/untar-src" -cf "$stack/untar.tar" .
  rm -rf "$stack/untar-src"
}

union_mount() {
  local backend=$1 stack=$2 run=$3
  local oci="$stack/L2:$stack/L1-oci:$stack/L0" kernel="$stack/L2:$stack/L1-kernel:$stack/L0"
  case $backend in
    kernel) mount -t overlay overlay -o "lowerdir=$kernel,upperdir=$run/upper,workdir=$run/work" "$run/mnt" ;;
    fuse-overlayfs) fuse-overlayfs -o "lowerdir=$oci,upperdir=$run/upper,workdir=$run/work" "$run/mnt" 2>/dev/null ;;
    layerfs) "$LAYERFS" mount -o "lowerdir=$oci,upperdir=$run/upper,workdir=$run/work" "$run/mnt" ;;
    baseline) "$LAYERFS_BASELINE" mount -o "lowerdir=$oci,upperdir=$run/upper,workdir=$run/work" "$run/mnt" ;;
  esac
  local _
  for _ in $(seq 1 500); do
    mountpoint -q "$run/mnt" && return 0
    sleep 0.01
  done
  die "$backend did not mount on $run/mnt"
}

# Unmounts and waits for the daemon to exit, recording its peak RSS (VmHWM) first.
union_umount() {
  local backend=$1 run=$2 pid=""
  if [ "$backend" != kernel ]; then
    local program=$backend
    [ "$backend" != layerfs ] || program=$(basename "$LAYERFS")
    [ "$backend" != baseline ] || program=$(basename "$LAYERFS_BASELINE")
    pid=$(daemon_pid "$program" "$run/mnt" || true)
    if [ -n "$pid" ]; then
      local hwm
      hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      [ "${hwm:-0}" -gt "${union_rss[$backend]:-0}" ] && union_rss[$backend]=$hwm
    fi
  fi
  umount "$run/mnt" 2>/dev/null || fusermount3 -u "$run/mnt"
  local _
  for _ in $(seq 1 500); do
    [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null && return 0
    sleep 0.01
  done
}

union_remount_cold() {
  union_umount "$1" "$3"
  drop_caches
  union_mount "$1" "$2" "$3"
}

# union_time BACKEND WORKLOAD COMMAND...: runs the command, records its wall time.
union_time() {
  local backend=$1 workload=$2 start
  shift 2
  start=$(now)
  local seconds
  if "$@" >/dev/null 2>"$BENCH_DIR/errors"; then
    seconds=$(seconds_since "$start")
    printf '  %-24s %8ss\n' "$workload" "$seconds"
  else
    # A failed workload has no time to compare; say why, once, and go on with the next one.
    seconds=failed
    echo "  $workload failed: $(head -n 1 "$BENCH_DIR/errors") ($(wc -l <"$BENCH_DIR/errors") lines of errors)"
  fi
  union_seconds["$backend/$workload"]+=" $seconds"
}

# The median of one workload's runs for one backend; "failed" if any run failed.
union_median() {
  local runs=${union_seconds[$1]:-}
  case " $runs " in *" failed "*) echo failed; return ;; esac
  [ -z "$runs" ] || median "$runs"
}

union_create_files() {
  local dir=$1 i
  mkdir -p "$dir"
  for ((i = 0; i < BENCH_CREATE; i++)); do echo "new file $i" >"$dir/n$i"; done
}

union_append() {
  local mnt=$1 i
  for ((i = 0; i < BENCH_COPYUP; i++)); do
    echo appended >>"$mnt/d$(printf %04d $(((i * 7) % BENCH_DIRS)))/f002"
  done
  for ((i = 0; i < BENCH_LARGE_FILES; i++)); do echo appended >>"$mnt/large/large$i"; done
}

union_rm_subtree() {
  local mnt=$1 i
  # The last tenth of the directories: untouched by L1, entirely in the bottom layer.
  for ((i = BENCH_DIRS * 9 / 10; i < BENCH_DIRS; i++)); do rm -rf "$mnt/d$(printf %04d "$i")"; done
}

union_parallel_stat() {
  local mnt=$1 pids=() part pid
  # Four processes look names up in the same directories at the same time, each its own quarter
  # of them, without listing them (a listing brings every name in with its attributes).
  for part in 0 1 2 3; do
    python3 - "$mnt" "$BENCH_DIRS" "$((BENCH_FILES / BENCH_DIRS))" "$part" <<'EOF' &
import os, sys
mnt, dirs, per_dir, part = sys.argv[1], int(sys.argv[2]), max(1, int(sys.argv[3])), int(sys.argv[4])
for d in range(dirs):
    for f in range(part, per_dir, 4):
        try:
            os.lstat(f"{mnt}/d{d:04}/f{f:03}")
        except FileNotFoundError:  # whited out, or under an opaque directory
            pass
EOF
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || return 1; done
}

union_fio() {
  fio --name=randread --filename="$1/large/large0" --rw=randread --bs=4k --ioengine=psync \
    --size="${BENCH_LARGE_MB}M" --io_size="${BENCH_FIO_MB}M" --invalidate=1 --randrepeat=1 \
    --output=/dev/null
}

union_run_backend() {
  local backend=$1 stack=$2 run=$union_root/run-$1
  rm -rf "$run"
  mkdir -p "$run"/{upper,work,mnt}
  echo "== $backend"
  union_mount "$backend" "$stack" "$run"
  local mnt=$run/mnt
  union_remount_cold "$backend" "$stack" "$run"
  union_time "$backend" "find (cold)" find "$mnt"
  union_time "$backend" "find (warm)" find "$mnt"
  union_time "$backend" "stat storm (warm)" find "$mnt" -printf '%s %m %n %U %T@\n'
  union_time "$backend" "tar -c" sh -c "tar -C '$mnt' -cf - . | wc -c"
  union_remount_cold "$backend" "$stack" "$run"
  union_time "$backend" "read large (cold)" sh -c "cat '$mnt'/large/* | wc -c"
  union_time "$backend" "read large (warm)" sh -c "cat '$mnt'/large/* | wc -c"
  union_remount_cold "$backend" "$stack" "$run"
  union_time "$backend" "parallel lookups (cold)" union_parallel_stat "$mnt"
  union_remount_cold "$backend" "$stack" "$run"
  union_time "$backend" "random 4k reads (cold)" union_fio "$mnt"
  union_time "$backend" "create $BENCH_CREATE files" union_create_files "$mnt/created"
  union_time "$backend" "copy-up by append" union_append "$mnt"
  union_time "$backend" "rm -rf lower subtree" union_rm_subtree "$mnt"
  union_time "$backend" "untar $BENCH_UNTAR files" sh -c "mkdir '$mnt/untarred' && tar -C '$mnt/untarred' -xf '$stack/untar.tar'"
  union_time "$backend" "sync" sync
  union_umount "$backend" "$run"
  rm -rf "$run"
}

union_report() {
  local backends=("$@") workload backend kernel value peer=""
  [[ " ${backends[*]} " == *" fuse-overlayfs "* && " ${backends[*]} " == *" layerfs "* ]] && peer=yes
  echo
  echo "medians of $BENCH_UNION_RUNS runs (each run mounts every backend in turn)"
  printf '%-26s' "workload (seconds)"
  for backend in "${backends[@]}"; do printf '%22s' "$backend"; done
  [ -z "$peer" ] || printf '%18s' "layerfs/fuse-ovl"
  echo
  for workload in "${union_workloads[@]}"; do
    printf '%-26s' "$workload"
    kernel=$(union_median "kernel/$workload")
    for backend in "${backends[@]}"; do
      value=$(union_median "$backend/$workload")
      if [ -z "$value" ] || [ "$value" = failed ]; then
        printf '%22s' "${value:--}"
      elif [ "$backend" = kernel ] || [ -z "$kernel" ] || [ "$kernel" = failed ]; then
        printf '%22s' "$value"
      else
        printf '%22s' "$value ($(ratio "$value" "$kernel"))"
      fi
    done
    if [ -n "$peer" ]; then
      local ours theirs
      ours=$(union_median "layerfs/$workload") theirs=$(union_median "fuse-overlayfs/$workload")
      if [ -n "$ours" ] && [ "$ours" != failed ] && [ -n "$theirs" ] && [ "$theirs" != failed ]; then
        printf '%18s' "$(ratio "$ours" "$theirs")"
      else
        printf '%18s' "-"
      fi
    fi
    echo
  done
  printf '%-26s' "daemon peak RSS (VmHWM)"
  for backend in "${backends[@]}"; do
    if [ "$backend" = kernel ]; then printf '%22s' "-"; else printf '%22s' "$((${union_rss[$backend]:-0} / 1024)) MiB"; fi
  done
  echo
  echo "(ratios in brackets are to kernel overlayfs; cold = caches dropped and the union remounted;"
  echo " every run's seconds:"
  for workload in "${union_workloads[@]}"; do
    for backend in "${backends[@]}"; do printf '  %-26s %-16s%s\n' "$workload" "$backend" "${union_seconds[$backend/$workload]:-}"; done
  done
  echo ")"
}

bench_union() {
  [ "$(id -u)" -eq 0 ] || die "union: run as root (kernel overlayfs mounts, drop_caches)"
  BENCH_BACKENDS=${BENCH_BACKENDS:-kernel fuse-overlayfs layerfs}
  BENCH_FILES=${BENCH_FILES:-20000} BENCH_DIRS=${BENCH_DIRS:-1000}
  BENCH_LARGE_FILES=${BENCH_LARGE_FILES:-4} BENCH_LARGE_MB=${BENCH_LARGE_MB:-128}
  BENCH_CREATE=${BENCH_CREATE:-5000} BENCH_COPYUP=${BENCH_COPYUP:-200}
  BENCH_UNTAR=${BENCH_UNTAR:-5000} BENCH_FIO_MB=${BENCH_FIO_MB:-32}
  BENCH_UNION_RUNS=${BENCH_UNION_RUNS:-3} BENCH_UNION_FS=${BENCH_UNION_FS:-image}
  local backends=() backend round
  for backend in $BENCH_BACKENDS; do
    case $backend in
      kernel) ;;
      fuse-overlayfs) command -v fuse-overlayfs >/dev/null || { echo "skipping fuse-overlayfs: not installed"; continue; } ;;
      layerfs) [ -x "$LAYERFS" ] || { echo "skipping layerfs: no binary at $LAYERFS"; continue; } ;;
      baseline) [ -x "${LAYERFS_BASELINE:-}" ] || die "baseline: set LAYERFS_BASELINE to a layerfs binary" ;;
      *) die "unknown backend $backend" ;;
    esac
    backends+=("$backend")
  done
  declare -gA union_seconds=() union_rss=()
  union_workloads=("find (cold)" "find (warm)" "stat storm (warm)" "tar -c" "read large (cold)"
    "read large (warm)" "parallel lookups (cold)" "random 4k reads (cold)"
    "create $BENCH_CREATE files" "copy-up by append" "rm -rf lower subtree"
    "untar $BENCH_UNTAR files" "sync")

  mkdir -p "$BENCH_DIR"
  trap union_cleanup EXIT
  union_root=$BENCH_DIR
  [ "$BENCH_UNION_FS" = image ] && union_mount_image
  local stack=$union_root/stack
  [ -d "$stack/L0" ] || union_build_stack "$stack"
  # Rounds interleave the backends, so a slow spell of the machine hits all of them alike.
  for round in $(seq 1 "$BENCH_UNION_RUNS"); do
    echo "=== round $round of $BENCH_UNION_RUNS"
    for backend in "${backends[@]}"; do union_run_backend "$backend" "$stack"; done
  done
  union_report "${backends[@]}"
}

# Puts the stack and every backend's layers on a file system of their own: ext4 with a journal,
# in an image file. On an ext4 without a journal (the root file system of these machines) a new
# inode skips every inode deleted in the last minute, so whichever backend ran after a large
# deletion (an earlier run's, or another process's) paid for it in its create and untar times.
union_mount_image() {
  local image=$BENCH_DIR/fs.img
  union_root=$BENCH_DIR/fs
  mkdir -p "$union_root"
  if [ ! -f "$image" ]; then
    truncate -s "${BENCH_UNION_FS_GB:-40}G" "$image"
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$image"
  fi
  mount -o loop "$image" "$union_root" || die "cannot mount the benchmark's file system image"
}

union_cleanup() {
  local mnt
  for mnt in $(awk -v d="$BENCH_DIR" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
    umount "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null || true
  done
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$BENCH_DIR"
}

# --- store -------------------------------------------------------------------------------------

# A multi-layer image as a docker-archive built with plain tools: layer tars of generated files
# (many small ones, some large), a config listing their diff IDs, and manifest.json.
store_build_archive() {
  local dir=$1 total_mb=$2 layers=$3 i
  mkdir -p "$dir/archive"
  local per_layer_mb=$((total_mb / layers))
  local diff_ids=() paths=()
  for ((i = 0; i < layers; i++)); do
    local root=$dir/src$i
    mkdir -p "$root/small" "$root/large"
    # Half the bytes in 4 KiB..64 KiB files, half in 8 MiB files.
    local small_bytes=$((per_layer_mb * 1024 * 1024 / 2)) written=0 n=0
    while [ "$written" -lt "$small_bytes" ]; do
      local size=$(( (RANDOM % 16 + 1) * 4096 ))
      mkdir -p "$root/small/d$((n / 100))"
      head -c "$size" /dev/urandom >"$root/small/d$((n / 100))/f$n"
      written=$((written + size)); n=$((n + 1))
    done
    local large=$((per_layer_mb / 2 / 8)) j
    for ((j = 0; j < large; j++)); do head -c $((8 * 1024 * 1024)) /dev/urandom >"$root/large/big$j"; done
    tar --sort=name --numeric-owner -C "$root" -cf "$dir/layer$i.tar" .
    rm -rf "$root"
    local hex; hex=$(sha256sum "$dir/layer$i.tar" | cut -d' ' -f1)
    mkdir -p "$dir/archive/blobs/sha256"
    mv "$dir/layer$i.tar" "$dir/archive/blobs/sha256/$hex"
    diff_ids+=("\"sha256:$hex\""); paths+=("\"blobs/sha256/$hex\"")
  done
  local config; config=$(printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$(IFS=,; echo "${diff_ids[*]}")")
  local cfg_hex; cfg_hex=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
  printf '%s' "$config" >"$dir/archive/blobs/sha256/$cfg_hex"
  printf '[{"Config":"blobs/sha256/%s","RepoTags":["bench/store:latest"],"Layers":[%s]}]' \
    "$cfg_hex" "$(IFS=,; echo "${paths[*]}")" >"$dir/archive/manifest.json"
  tar -C "$dir/archive" -cf "$dir/image.tar" .
  rm -rf "$dir/archive"
}

bench_store() {
  local total_mb=${BENCH_STORE_MB:-500} layers=${BENCH_STORE_LAYERS:-5}
  local dir=$BENCH_DIR/store
  rm -rf "$dir"; mkdir -p "$dir"
  trap 'rm -rf "$BENCH_DIR"' EXIT
  echo "building a ${total_mb} MB, ${layers}-layer image archive..." >&2
  store_build_archive "$dir" "$total_mb" "$layers"
  mkdir -p "$dir/x"; tar -xf "$dir/image.tar" -C "$dir/x"
  local layer_tars=() f
  for f in "$dir"/x/blobs/sha256/*; do
    [ "$(stat -c %s "$f")" -gt 100000 ] && layer_tars+=("$f")
  done

  # The limit: extract every layer and hash it, nothing else.
  local t0; t0=$(now)
  local k=0
  for tarfile in "${layer_tars[@]}"; do
    mkdir -p "$dir/limit/$k"
    tee >(sha256sum >/dev/null) <"$tarfile" | tar -x -C "$dir/limit/$k"
    k=$((k + 1))
  done
  sync
  local limit; limit=$(seconds_since "$t0")
  rm -rf "$dir/limit"

  t0=$(now); LAYERFS_ROOT=$dir/store "$LAYERFS" load -q -i "$dir/image.tar" >/dev/null; sync
  local load; load=$(seconds_since "$t0")
  t0=$(now); LAYERFS_ROOT=$dir/store "$LAYERFS" save -o "$dir/saved.tar" bench/store:latest; sync
  local save; save=$(seconds_since "$t0")
  cat "${layer_tars[@]}" >/dev/null
  # import: one rootfs tar holding every layer's files.
  mkdir -p "$dir/merged"
  for f in "${layer_tars[@]}"; do tar -xf "$f" -C "$dir/merged"; done
  tar --sort=name -C "$dir/merged" -cf "$dir/rootfs.tar" . && rm -rf "$dir/merged"
  mkdir -p "$dir/lim2"; t0=$(now); tee >(sha256sum >/dev/null) <"$dir/rootfs.tar" | tar -x -C "$dir/lim2"; sync
  local limit_import; limit_import=$(seconds_since "$t0")
  rm -rf "$dir/lim2"
  t0=$(now); LAYERFS_ROOT=$dir/store2 "$LAYERFS" import "$dir/rootfs.tar" bench/import >/dev/null; sync
  local import; import=$(seconds_since "$t0")

  t0=$(now); skopeo copy --quiet --insecure-policy "docker-archive:$dir/image.tar" "oci:$dir/oci:latest" >/dev/null; sync
  local skopeo; skopeo=$(seconds_since "$t0")
  t0=$(now); umoci unpack --image "$dir/oci:latest" "$dir/bundle" >/dev/null 2>&1; sync
  local umoci; umoci=$(seconds_since "$t0")

  printf '\n%-44s %8s %8s\n' "store: ${total_mb} MB, ${layers} layers" seconds "vs limit"
  printf '%-44s %8s %8s\n' "tar -x + sha256sum, per layer (the limit)" "$limit" "1.00x"
  printf '%-44s %8s %8s\n' "layerfs load (docker-archive)" "$load" "$(ratio "$load" "$limit")"
  printf '%-44s %8s %8s\n' "umoci unpack (OCI layout)" "$umoci" "$(ratio "$umoci" "$limit")"
  printf '%-44s %8s %8s\n' "skopeo copy docker-archive -> oci" "$skopeo" "$(ratio "$skopeo" "$limit")"
  printf '%-44s %8s %8s\n' "layerfs save" "$save" "$(ratio "$save" "$limit")"
  printf '%-44s %8s %8s\n' "tar -x + sha256sum, one rootfs tar (limit)" "$limit_import" "1.00x"
  printf '%-44s %8s %8s\n' "layerfs import (same rootfs tar)" "$import" "$(ratio "$import" "$limit_import")"
}

# --- run ---------------------------------------------------------------------------------------

# `layerfs run --rm IMAGE true` latency and `commit` of a container with 5,000 new files, beside
# buildah (vfs storage, chroot isolation) doing the same, as the calling user.
bench_run() {
  local runs=${BENCH_RUNS:-20} files=${BENCH_COMMIT_FILES:-5000}
  local dir=$BENCH_DIR/run
  rm -rf "$dir"; mkdir -p "$dir"
  # shellcheck disable=SC2064  # expanded now: $dir is gone when the trap runs
  # buildah's files belong to the user's subordinate ids: removed from inside its namespace.
  trap "buildah --root '$dir/buildah' --runroot '$dir/buildah-run' --storage-driver vfs rm --all >/dev/null 2>&1; buildah unshare rm -rf '$dir/buildah' '$dir/buildah-run' 2>/dev/null; rm -rf '$BENCH_DIR'" EXIT
  "$script_dir/make-base-rootfs.sh" "$dir/rootfs.tar"
  local fill="mkdir /d; i=0; while [ \$i -lt $files ]; do echo \$i > /d/f\$i; i=\$((i + 1)); done"
  export LAYERFS_ROOT=$dir/store
  "$LAYERFS" import "$dir/rootfs.tar" bench/busybox -c 'CMD ["sh"]' >/dev/null
  "$LAYERFS" run --rm bench/busybox true  # warm-up
  local t0; t0=$(now)
  for _ in $(seq "$runs"); do "$LAYERFS" run --rm bench/busybox true; done
  local layerfs_run; layerfs_run=$(awk -v t="$(seconds_since "$t0")" -v n="$runs" 'BEGIN { printf "%.1f", t * 1000 / n }')
  "$LAYERFS" run --name bench-commit bench/busybox sh -c "$fill"
  t0=$(now); "$LAYERFS" commit bench-commit bench/committed >/dev/null
  local layerfs_commit; layerfs_commit=$(seconds_since "$t0")

  local buildah=(buildah --root "$dir/buildah" --runroot "$dir/buildah-run" --storage-driver vfs)
  local ctr buildah_run="n/a" buildah_commit="n/a"
  if ctr=$("${buildah[@]}" from scratch 2>/dev/null) &&
    "${buildah[@]}" add "$ctr" "$dir/rootfs.tar" / >/dev/null 2>&1 &&
    "${buildah[@]}" run --isolation chroot "$ctr" true >/dev/null 2>&1; then
    t0=$(now)
    for _ in $(seq "$runs"); do "${buildah[@]}" run --isolation chroot "$ctr" true; done
    buildah_run=$(awk -v t="$(seconds_since "$t0")" -v n="$runs" 'BEGIN { printf "%.1f", t * 1000 / n }')
    "${buildah[@]}" run --isolation chroot "$ctr" sh -c "$fill"
    t0=$(now); "${buildah[@]}" commit --quiet "$ctr" bench-committed >/dev/null
    buildah_commit=$(seconds_since "$t0")
  else
    echo "buildah could not run here: its columns are n/a" >&2
  fi
  printf '\n%-52s %10s %10s %8s\n' "run: as $(id -un)" layerfs buildah ratio
  printf '%-52s %10s %10s %8s\n' "run --rm IMAGE true, ms (mean of $runs)" "$layerfs_run" "$buildah_run" \
    "$(ratio "$layerfs_run" "$buildah_run")"
  printf '%-52s %10s %10s %8s\n' "commit of $files new files, s" "$layerfs_commit" "$buildah_commit" \
    "$(ratio "$layerfs_commit" "$buildah_commit")"
}

# --- build -------------------------------------------------------------------------------------

# The reference build: ADD of a root file system tar, a RUN creating 200 files, a COPY of a
# BENCH_BUILD_FILES-file context and a RUN chown -R over it.
build_write_context() {
  local ctx=$1 files=$2
  mkdir -p "$ctx"
  "$script_dir/make-base-rootfs.sh" "$ctx/rootfs.tar"
  write_small_files "$ctx/src" "$files" 100 text
  cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
ADD rootfs.tar /
RUN mkdir /generated && i=0 && while [ $i -lt 200 ]; do echo $i > /generated/f$i; i=$((i + 1)); done
COPY src/ /app/
RUN chown -R 1000:1000 /app
CMD ["sh"]
EOF
}

# build_times LABEL BUILD_COMMAND...: cold build, no-change rebuild, rebuild after one source
# file changed; prints "cold nochange onefile" in seconds (the context is restored afterwards).
build_times() {
  local ctx=$BENCH_DIR/build/context t0 cold nochange onefile
  t0=$(now); "$@" >/dev/null 2>&1 || { echo "n/a n/a n/a"; return; }
  cold=$(seconds_since "$t0")
  t0=$(now); "$@" >/dev/null 2>&1; nochange=$(seconds_since "$t0")
  cp "$ctx/src/d000/f00000" "$BENCH_DIR/build/saved"
  echo "changed" >>"$ctx/src/d000/f00000"
  t0=$(now); "$@" >/dev/null 2>&1; onefile=$(seconds_since "$t0")
  cp "$BENCH_DIR/build/saved" "$ctx/src/d000/f00000"
  echo "$cold $nochange $onefile"
}

bench_build() {
  local files=${BENCH_BUILD_FILES:-5000}
  local dir=$BENCH_DIR/build
  rm -rf "$dir"; mkdir -p "$dir"
  local vfs=(buildah --root "$dir/vfs" --runroot "$dir/vfs-run" --storage-driver vfs)
  local fuse=(buildah --root "$dir/fuse" --runroot "$dir/fuse-run" --storage-driver overlay
    --storage-opt overlay.mount_program=/usr/bin/fuse-overlayfs)
  # shellcheck disable=SC2064  # expanded now: the arrays are gone when the trap runs
  # buildah's files belong to the user's subordinate ids: removed from inside its namespace.
  trap "${vfs[*]} rmi --all --force >/dev/null 2>&1; ${fuse[*]} rmi --all --force >/dev/null 2>&1; buildah unshare rm -rf '$dir' 2>/dev/null; rm -rf '$BENCH_DIR'" EXIT
  echo "context: $files source files; building as $(id -un)" >&2
  build_write_context "$dir/context" "$files"
  export LAYERFS_ROOT=$dir/store
  local layerfs_times vfs_times fuse_times
  layerfs_times=$(build_times "$LAYERFS" build -q -t bench/built "$dir/context")
  vfs_times=$(build_times "${vfs[@]}" bud --isolation chroot --layers -q -t bench-built "$dir/context")
  fuse_times=$(build_times "${fuse[@]}" bud --isolation chroot --layers -q -t bench-built "$dir/context")
  printf '\n%-34s %9s %13s %13s %10s %10s\n' "build, s (as $(id -un))" layerfs "buildah vfs" \
    "buildah fuse" "vs vfs" "vs fuse"
  local i label
  for i in 1 2 3; do
    label=$(echo "cold|no-change rebuild|one source file changed" | cut -d'|' -f"$i")
    local l v f
    l=$(echo "$layerfs_times" | cut -d' ' -f"$i")
    v=$(echo "$vfs_times" | cut -d' ' -f"$i")
    f=$(echo "$fuse_times" | cut -d' ' -f"$i")
    printf '%-34s %9s %13s %13s %10s %10s\n' "$label" "$l" "$v" "$f" "$(ratio "$l" "$v")" "$(ratio "$l" "$f")"
  done
}

# --- registry ----------------------------------------------------------------------------------

# An OCI image layout with gzip layers (gzip -6, docker's default level) as registries serve them:
# half of each layer is random bytes (incompressible, as binaries and compressed assets are), half
# text (compresses ~4x, as sources and scripts do), in files of 4 KiB to 8 MiB.
registry_build_layout() {
  local dir=$1 total_mb=$2 layers=$3 i
  local layout=$dir/layout
  mkdir -p "$layout/blobs/sha256"
  local diff_ids=() descriptors=()
  for ((i = 0; i < layers; i++)); do
    # Written straight into the tar: files made and deleted here would slow every file creation
    # of the runs (ext4 without a journal skips inodes deleted in the last minutes).
    python3 - "$dir/layer.tar" "$((total_mb * 1024 * 1024 / layers))" "$i" <<'EOF'
import io, os, random, sys, tarfile
out, budget, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
words = ["int", "return", "const", "std::string", "for", "if", "else", "void", "config",
         "layer", "digest", "0x1f", "=", "{", "}", "(", ")", ";", "name", "value", "#include"]
text = " ".join(rng.choice(words) + ("\n" if rng.random() < 0.1 else "")
                for _ in range(400000)).encode()
written, n, text_bytes = 0, 0, 0
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
    while written < budget:
        # Every 16th file is large; a file is text while text has had no more bytes than random.
        size = rng.choice([8 << 20, 2 << 20]) if n % 16 == 15 else rng.randint(1, 16) * 4096
        size = min(size, budget - written)
        if n % 100 == 0:
            info = tarfile.TarInfo(f"d{n // 100}")
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1700000000
            tar.addfile(info)
        if text_bytes <= written - text_bytes:
            text_bytes += size
            start = rng.randint(0, len(text) - size) if size < len(text) else 0
            data = (text * (size // len(text) + 1))[start:start + size]
        else:
            data = os.urandom(size)
        info = tarfile.TarInfo(f"d{n // 100}/f{n}")
        info.size, info.mode, info.mtime = size, 0o644, 1700000000
        tar.addfile(info, io.BytesIO(data))
        written += size
        n += 1
EOF
    diff_ids+=("\"sha256:$(sha256sum <"$dir/layer.tar" | cut -d' ' -f1)\"")
    gzip -6 -n -c "$dir/layer.tar" >"$dir/layer.tar.gz"
    rm "$dir/layer.tar"
    local hex size
    hex=$(sha256sum <"$dir/layer.tar.gz" | cut -d' ' -f1)
    size=$(stat -c %s "$dir/layer.tar.gz")
    mv "$dir/layer.tar.gz" "$layout/blobs/sha256/$hex"
    descriptors+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$hex\",\"size\":$size}")
  done
  # blob_json JSON: stores the document as a blob, prints its descriptor's digest and size.
  blob_json() {
    local hex; hex=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)
    printf '%s' "$1" >"$layout/blobs/sha256/$hex"
    echo "\"digest\":\"sha256:$hex\",\"size\":${#1}"
  }
  local config manifest
  config=$(printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$(IFS=,; echo "${diff_ids[*]}")")
  manifest=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json",%s},"layers":[%s]}' \
    "$(blob_json "$config")" "$(IFS=,; echo "${descriptors[*]}")")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",%s,"annotations":{"io.containerd.image.name":"bench/image:latest","org.opencontainers.image.ref.name":"latest"}}]}' \
    "$(blob_json "$manifest")" >"$layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
}

# registry_time NAME COMMAND...: runs the command (output to $dir/errors), appends its wall time
# to registry_seconds[NAME]; a failure ends the benchmark, since the rest depends on it.
registry_time() {
  local name=$1 start
  shift
  start=$(now)
  "$@" >"$registry_dir/errors" 2>&1 || die "$name failed: $(tail -n 3 "$registry_dir/errors")"
  registry_seconds[$name]+="$(seconds_since "$start") "
}

# An empty registry for each upload, so that neither tool finds blobs the other left.
registry_reset() {
  stop_registry bench || true
  rm -rf "${REG_DIR_bench:?}/data"
  restart_registry bench || die "docker-registry did not restart: $(tail -n 3 "$REG_LOG_bench")"
}

# Reads files into the page cache: every tool starts from warm sources.
registry_warm() { find "$@" -type f -exec cat {} + >/dev/null; }

# registry_storage_conf DIR DRIVER: an empty containers/storage store in DIR (root, runroot, tmp)
# and DIR/storage.conf naming it, so that no storage.conf in /etc or /usr/share (another driver,
# a mount program, additional image stores) changes what is timed. Overlay is kernel overlayfs
# (no mount_program), as podman pull uses as root; its layers are per-layer directories like
# layerfs's, where vfs copies every parent layer into each new one. DIR/tmp is for skopeo
# --tmpdir: containers/image stages each blob in a file there (else in /var/tmp) before it
# extracts it, as layerfs stages in its store's tmp/.
registry_storage_conf() {
  local dir=$1 driver=$2
  mkdir -p "$dir/tmp"
  printf '[storage]\ndriver = "%s"\ngraphroot = "%s"\nrunroot = "%s"\n' \
    "$driver" "$dir/root" "$dir/runroot" >"$dir/storage.conf"
}

# registry_unmount_under DIR: unmounts whatever is mounted below DIR, deepest first.
registry_unmount_under() {
  local target
  awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r target; do umount "$target" || umount -l "$target"; done
}


bench_registry() {
  [ "$(id -u)" -eq 0 ] || die "registry: run as root (the benchmark is run by hand, as root)"
  local total_mb=${BENCH_REGISTRY_MB:-300} layers=${BENCH_REGISTRY_LAYERS:-5}
  local runs=${BENCH_REGISTRY_RUNS:-3}
  command -v skopeo >/dev/null || die "registry: skopeo is not installed"
  registry_dir=$BENCH_DIR/registry
  rm -rf "$registry_dir"; mkdir -p "$registry_dir"
  # The tests' registry fixture, with this benchmark's scratch directory and exit actions: the
  # trap kills only the registry processes started here.
  # The fixture's helper comes from this checkout's build, else from the build that LAYERFS is in
  # (a worktree without a build of its own timing another checkout's binary).
  local default_build=$script_dir/../build
  [ -x "$default_build/tests/registry/helpers/registry_test_server" ] ||
    default_build=$(dirname "$LAYERFS")
  TEST_TMP=$registry_dir LAYERFS_BUILD=${LAYERFS_BUILD:-$default_build}
  registry_cleanups=()
  on_exit() { registry_cleanups+=("$*"); }
  trap 'for c in "${registry_cleanups[@]}"; do eval "$c" || true; done; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$BENCH_DIR"' EXIT
  # containers/storage's overlay driver leaves its directory bind-mounted after skopeo exits;
  # unmounted before rm -rf, which would stop at the busy mount point and leave the mount behind.
  on_exit "registry_unmount_under '$registry_dir'"
  # shellcheck source=../tests/registry/registry_fixture.sh
  source "$script_dir/../tests/registry/registry_fixture.sh"
  registry_requirements
  start_registry bench basic || die "docker-registry did not start"
  local R=$REG_HOST_bench
  trust_registry "$R"
  local certs=$registry_dir/skopeo-certs  # skopeo's --cert-dir must hold only the CA
  mkdir -p "$certs" && cp "$registry_dir/pki/ca.crt" "$certs/"
  local skopeo=(skopeo --insecure-policy)
  local creds=tester:s3cret
  local storage_driver=${BENCH_REGISTRY_STORAGE_DRIVER:-overlay}
  case $storage_driver in
    overlay | vfs) ;;
    *) die "registry: BENCH_REGISTRY_STORAGE_DRIVER is overlay or vfs, not $storage_driver" ;;
  esac

  echo "building a ${total_mb} MB, ${layers}-layer image (gzip layers)..." >&2
  registry_build_layout "$registry_dir" "$total_mb" "$layers"
  local layout=$registry_dir/layout
  tar -C "$layout" -cf "$registry_dir/layout.tar" .
  export LAYERFS_ROOT=$registry_dir/store
  "$LAYERFS" load -q -i "$registry_dir/layout.tar" >/dev/null
  rm "$registry_dir/layout.tar"
  "$LAYERFS" tag bench/image:latest "$R/bench/image:latest"
  echo "$REG_PASSWORD" | "$LAYERFS" login -u "$REG_USER" --password-stdin "$R" >/dev/null
  local gz_mb
  gz_mb=$(du -sm --apparent-size "$layout/blobs" | cut -f1)

  declare -gA registry_seconds=()
  local run
  for ((run = 1; run <= runs; run++)); do
    echo "run $run of $runs" >&2
    # Push: both send the same gzip blobs as they are (layerfs pushes its stored blobs byte for
    # byte, skopeo copies compressed blobs unchanged), each to an empty registry.
    registry_reset
    registry_warm "$registry_dir/store/blobs"
    registry_time "layerfs push" "$LAYERFS" push -q "$R/bench/image:latest"
    registry_reset
    registry_warm "$layout"
    registry_time "skopeo push" "${skopeo[@]}" copy -q --dest-cert-dir "$certs" \
      --dest-creds "$creds" "oci:$layout:latest" "docker://$R/bench/image:latest"
    # Pull: layerfs verifies, decompresses and extracts into a fresh store; skopeo verifies and
    # writes the blobs into an OCI layout, and umoci unpack then extracts it (the fair variant);
    # skopeo into containers-storage verifies, decompresses and extracts every layer into a
    # containers/storage store, as podman pull does (the same end state as layerfs's).
    # Each run pulls into new directories; nothing is deleted before the end (see above).
    local to=$registry_dir/run$run
    registry_time "layerfs pull" sh -c "LAYERFS_ROOT='$to/store' '$LAYERFS' pull -q '$R/bench/image:latest' && sync"
    registry_time "skopeo pull" sh -c "skopeo --insecure-policy copy -q --src-cert-dir '$certs' --src-creds '$creds' 'docker://$R/bench/image:latest' 'oci:$to/oci:latest' && sync"
    local cs=$to/containers-storage
    registry_storage_conf "$cs" "$storage_driver"
    registry_time "skopeo storage pull" sh -c "CONTAINERS_STORAGE_CONF='$cs/storage.conf' skopeo --insecure-policy --tmpdir '$cs/tmp' copy -q --src-cert-dir '$certs' --src-creds '$creds' 'docker://$R/bench/image:latest' 'containers-storage:[$storage_driver@$cs/root+$cs/runroot]bench/image:latest' && sync"
    [ -z "${LAYERFS_BASELINE:-}" ] ||
      registry_time "baseline pull" sh -c "LAYERFS_ROOT='$to/baseline' '$LAYERFS_BASELINE' pull -q '$R/bench/image:latest' && sync"
    command -v umoci >/dev/null || continue
    registry_time "umoci unpack" sh -c "umoci unpack --image '$to/oci:latest' '$to/bundle' && sync"
  done

  local lp sp lpl spl uu cpl
  lp=$(median "${registry_seconds[layerfs push]}")
  sp=$(median "${registry_seconds[skopeo push]}")
  lpl=$(median "${registry_seconds[layerfs pull]}")
  spl=$(median "${registry_seconds[skopeo pull]}")
  cpl=$(median "${registry_seconds[skopeo storage pull]}")
  uu=""
  [ -z "${registry_seconds[umoci unpack]:-}" ] || uu=$(awk -v a="$spl" -v b="$(median "${registry_seconds[umoci unpack]}")" 'BEGIN { printf "%.3f", a + b }')
  printf '\n%-56s %9s %9s %8s\n' "registry: ${total_mb} MB, ${layers} layers, ${gz_mb} MB gzip; median of $runs" layerfs skopeo ratio
  printf '%-56s %9s %9s %8s\n' "push (same gzip blobs, to an empty registry), s" "$lp" "$sp" "$(ratio "$lp" "$sp")"
  printf '%-56s %9s %9s %8s\n' "pull (layerfs: extracted store; skopeo: oci: dir), s" "$lpl" "$spl" "$(ratio "$lpl" "$spl")"
  [ -z "$uu" ] ||
    printf '%-56s %9s %9s %8s\n' "pull, fair: skopeo copy + umoci unpack, s" "$lpl" "$uu" "$(ratio "$lpl" "$uu")"
  printf '%-56s %9s %9s %8s\n' "pull, fair: skopeo -> containers-storage ($storage_driver), s" "$lpl" "$cpl" "$(ratio "$lpl" "$cpl")"
  if [ -n "${LAYERFS_BASELINE:-}" ]; then
    local bpl
    bpl=$(median "${registry_seconds[baseline pull]}")
    printf '%-56s %9s %9s %8s\n' "pull, baseline layerfs ($LAYERFS_BASELINE), s" "$bpl" "$spl" "$(ratio "$bpl" "$spl")"
  fi
  echo "(sources warm; pulls end with sync; seconds of each run:"
  local name
  for name in "layerfs push" "skopeo push" "layerfs pull" "skopeo pull" "skopeo storage pull" \
    "baseline pull" "umoci unpack"; do
    echo "   $name: ${registry_seconds[$name]:-n/a}"
  done
  echo ")"
}

# --- dispatcher --------------------------------------------------------------------------------

[ $# -ge 1 ] || usage
benchmark=$1
shift
case $benchmark in
  union) bench_union "$@" ;;
  store) bench_store "$@" ;;
  run) bench_run "$@" ;;
  build) bench_build "$@" ;;
  registry) bench_registry "$@" ;;
  *) usage ;;
esac
