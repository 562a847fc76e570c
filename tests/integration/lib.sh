# Shared helpers for integration tests (sourced). Each test script runs in its own temporary
# directory with its own store, cleans up on exit, and ends with "N passed, N failed".
set -uo pipefail

: "${LAYERFS:?LAYERFS must name the layerfs binary}"
: "${LAYERFS_SOURCE:?LAYERFS_SOURCE must name the source tree}"
: "${LAYERFS_BUILD:?LAYERFS_BUILD must name the build tree}"

TEST_TMP=$(mktemp -d /tmp/layerfs-it.XXXXXX)
chmod 755 "$TEST_TMP"
export LAYERFS_ROOT=$TEST_TMP/store
PASSED=0
FAILED=0
CLEANUPS=()

cleanup() {
  local i
  for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[i]}" >/dev/null 2>&1 || true; done
  rm -rf "$TEST_TMP" 2>/dev/null || { chmod -R u+rwx "$TEST_TMP" 2>/dev/null; rm -rf "$TEST_TMP"; }
}
trap cleanup EXIT
on_exit() { CLEANUPS+=("$*"); }

pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1" >&2; }

# check NAME CMD...: passes when CMD succeeds.
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name: $* => $out"; fi
}

# expect_eq NAME ACTUAL EXPECTED
expect_eq() {
  if [ "$2" == "$3" ]; then pass "$1"; else fail "$1: got [$2], want [$3]"; fi
}

# expect_match NAME TEXT REGEX
expect_match() {
  if [[ $2 =~ $3 ]]; then pass "$1"; else fail "$1: [$2] does not match /$3/"; fi
}

# expect_fail NAME REGEX CMD...: CMD must exit 1 with one stderr line matching REGEX.
expect_fail() {
  local name=$1 regex=$2; shift 2
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -ne 1 ]; then fail "$name: exit $rc, want 1 ($err)"; return; fi
  if [[ $err =~ $regex ]]; then pass "$name"; else fail "$name: error [$err] does not match /$regex/"; fi
}

lf() { "$LAYERFS" "$@"; }

# The busybox root file system tar (built once per build tree).
base_rootfs_tar() {
  local tar=$LAYERFS_BUILD/test-data/busybox-rootfs.tar
  if [ ! -s "$tar" ]; then
    mkdir -p "$(dirname "$tar")"
    "$LAYERFS_SOURCE/scripts/make-base-rootfs.sh" "$tar.tmp.$$" && mv "$tar.tmp.$$" "$tar"
  fi
  echo "$tar"
}

# Runs a command as an unprivileged test user (CI runs as root; the users come from
# scripts/test-users.sh). Skips the calling test when that is impossible.
unprivileged_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un; return 0; fi
  id layerfs-tester >/dev/null 2>&1 && echo layerfs-tester
}
as_user() {
  local user=$1; shift
  if [ "$(id -un)" = "$user" ]; then "$@"; else runuser -u "$user" -- env HOME="$(getent passwd "$user" | cut -d: -f6)" "$@"; fi
}

# for_each_user FUNCTION: FUNCTION USER STORE_DIR for the current user and, as root, for both
# test users (with and without a subuid range), each with a store of its own. Inside it,
# `l ARGS` runs layerfs as that user on that store, `as_scenario_user CMD` runs any command as
# that user, and $t names the user for check names.
for_each_user() {
  local fn=$1 user
  _scenario "$fn" "$(id -un)" "$TEST_TMP/store-self"
  [ "$(id -u)" -eq 0 ] || return 0
  for user in layerfs-tester layerfs-nosubid; do
    id "$user" >/dev/null 2>&1 || continue
    mkdir -p "$TEST_TMP/store-$user"; chown "$user" "$TEST_TMP/store-$user"
    _scenario "$fn" "$user" "$TEST_TMP/store-$user"
  done
}
_scenario() {
  SCENARIO_USER=$2 SCENARIO_STORE=$3 t="[$2]"
  "$1" "$2" "$3"
}
as_scenario_user() {
  if [ "$SCENARIO_USER" = "$(id -un)" ]; then "$@"; else runuser -u "$SCENARIO_USER" -- env HOME=/tmp "$@"; fi
}
l() { as_scenario_user env LAYERFS_ROOT="$SCENARIO_STORE" "$LAYERFS" "$@"; }

# rerun_rootless: runs this test script again with --inner, as layerfs-tester inside
# `unshare --map-root-user --map-auto -m` (a rootless user namespace with the user's subuid
# range), and passes or fails "rootless run" by its exit status. Root only; nothing without the
# test user.
rerun_rootless() {
  id layerfs-tester >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] || return 0
  echo "# as layerfs-tester in a user namespace"
  local script
  script=$(realpath "$0")
  if (cd / && runuser -u layerfs-tester -- env LAYERFS="$LAYERFS" LAYERFS_SOURCE="$LAYERFS_SOURCE" \
    LAYERFS_BUILD="$LAYERFS_BUILD" unshare --map-root-user --map-auto -m bash "$script" --inner); then
    pass "rootless run"
  else
    fail "rootless run"
  fi
}

# Whether this shell runs in a user namespace other than the initial one (a rootless re-run).
in_user_namespace() { ! grep -qE '^ +0 +0 +4294967295$' /proc/self/uid_map; }

# oracle_mount BACKEND DIR: kernel overlayfs (BACKEND=kernel) or layerfs over DIR/lower, with
# DIR/upper and DIR/work, on DIR/mnt, unmounted at exit. In a user namespace overlayfs keeps its
# xattrs in user.* (userxattr), as a rootless layerfs does.
oracle_mount() {
  local backend=$1 d=$2 extra=
  mkdir -p "$d"/{lower,upper,work,mnt}
  if [ "$backend" = kernel ]; then
    in_user_namespace && extra=,userxattr
    mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work$extra" \
      "$d/mnt" || return 1
  else
    timeout 20 "$LAYERFS" mount -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" \
      "$d/mnt" || return 1
  fi
  on_exit "umount '$d/mnt' 2>/dev/null || fusermount3 -uz '$d/mnt'"
}

# oracle_other_user [--inner]: sets OTHER_UID, the other user an oracle test's cases act as:
# uid 1000 in the rootless re-run (--inner, see rerun_rootless), else layerfs-tester, which only
# root can become (the test is skipped without them).
oracle_other_user() {
  if [ "${1:-}" = "--inner" ]; then
    OTHER_UID=1000
  elif [ "$(id -u)" -ne 0 ] || ! id layerfs-tester >/dev/null 2>&1; then
    echo "skip: needs root and the test user layerfs-tester (scripts/test-users.sh)"
    exit 77
  else
    OTHER_UID=$(id -u layerfs-tester)
  fi
}

# run_cases CASES BACKEND: the cases of the Python file CASES (`CASES populate LOWER OTHER_UID`,
# `CASES run MOUNT OTHER_UID`, each case printing "NAME RESULT") on BACKEND (kernel or layerfs)
# over a lower layer of their own, printed, and then "run_exit STATUS": a run that stops early
# would leave cases out of the comparison, so its status is a case too.
run_cases() {
  local cases=$1 backend=$2 d
  d=$TEST_TMP/$(basename "$cases" .py)-$backend
  mkdir -p "$d/lower"
  python3 "$cases" populate "$d/lower" "$OTHER_UID" || return 1
  oracle_mount "$backend" "$d" || return 1
  timeout 120 python3 "$cases" run "$d/mnt" "$OTHER_UID" >"$d/results"
  echo "run_exit $?" >>"$d/results"
  umount "$d/mnt"
  cat "$d/results"
}

# compare_cases CASES: runs CASES on kernel overlayfs and on layerfs; every case must give
# overlayfs's result (skips the test where overlayfs does not mount).
compare_cases() {
  local kernel
  if ! kernel=$(run_cases "$1" kernel); then
    echo "skip: kernel overlayfs does not mount here"
    exit 77
  fi
  expect_eq "overlayfs ran every case" "$(grep -c '^run_exit 0$' <<<"$kernel")" 1
  expect_like_oracle "case" "$(run_cases "$1" layerfs)" "$kernel"
}

# expect_like_oracle WHAT OURS ORACLE: one check per line "NAME RESULT..." of ORACLE (kernel
# overlayfs's results): OURS must have the same result for NAME.
expect_like_oracle() {
  local what=$1 ours=$2 oracle=$3 name result
  while read -r name result; do
    [ -n "$name" ] || continue
    expect_eq "$what $name: as overlayfs" \
      "$(awk -v n="$name" '$1 == n {$1 = ""; sub(/^ /, ""); print}' <<<"$ours")" "$result"
  done <<<"$oracle"
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
