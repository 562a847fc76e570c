#!/usr/bin/env bash
# A registry killed mid-transfer: a pull resumes when the server comes back within the retry
# window; otherwise pull and push fail cleanly, the store references nothing partial, and the
# next attempt finishes the job.
source "$LAYERFS_SOURCE/tests/integration/lib.sh"
source "$LAYERFS_SOURCE/tests/registry/registry_fixture.sh"
registry_requirements
start_registry main none || exit 1
R=$REG_HOST_main
trust_registry "$R"

# A big incompressible layer, so that transfers take long enough to be interrupted.
mkdir -p "$TEST_TMP/big/data"
head -c 200000000 /dev/urandom >"$TEST_TMP/big/data/blob"
tar -C "$TEST_TMP/big" -cf "$TEST_TMP/big.tar" data && rm -rf "$TEST_TMP/big"
lf import "$TEST_TMP/big.tar" "$R/big/image:v1" >/dev/null
rm -f "$TEST_TMP/big.tar"
image_id=$(lf inspect --format '{{.Id}}' "$R/big/image:v1")

# wait_for_file PATTERN_DIR NAME: until a file NAME over 2 MB appears under DIR (10 s at most).
wait_for_partial() {
  local i
  for ((i = 0; i < 500; i++)); do
    [ -n "$(find "$1" -name "$2" -size +2M 2>/dev/null | head -1)" ] && return 0
    sleep 0.02
  done
  return 1
}

# Push killed mid-upload fails; the next push completes.
lf push "$R/big/image:v1" >"$TEST_TMP/push.out" 2>&1 &
push_pid=$!
if wait_for_partial "$REG_DIR_main/data" data; then
  stop_registry main
  wait "$push_pid"; rc=$?
  expect_eq "push fails when the registry dies" "$rc" "1"
  restart_registry main
  check "the next push finishes the job" lf push "$R/big/image:v1"
else
  wait "$push_pid"
  fail "could not catch the push mid-transfer: $(cat "$TEST_TMP/push.out")"
  lf push "$R/big/image:v1" >/dev/null 2>&1
fi

# Pull killed mid-transfer with the registry back 1 s later: resumed, same image.
export LAYERFS_ROOT=$TEST_TMP/store2
lf pull "$R/big/image:v1" >"$TEST_TMP/pull.out" 2>&1 &
pull_pid=$!
if wait_for_partial "$LAYERFS_ROOT/tmp" blob; then
  stop_registry main
  sleep 1
  restart_registry main
  wait "$pull_pid"; rc=$?
  expect_eq "pull survives a registry restart" "$rc:$(lf inspect --format '{{.Id}}' "$R/big/image:v1" 2>&1)" "0:$image_id"
  [ "$rc" = 0 ] || sed 's/^/  pull: /' "$TEST_TMP/pull.out" >&2
else
  wait "$pull_pid"
  fail "could not catch the pull mid-transfer: $(cat "$TEST_TMP/pull.out")"
fi

# Pull killed mid-transfer for good: fails, nothing partial is referenced, next pull completes.
export LAYERFS_ROOT=$TEST_TMP/store3
lf pull "$R/big/image:v1" >"$TEST_TMP/pull2.out" 2>&1 &
pull_pid=$!
if wait_for_partial "$LAYERFS_ROOT/tmp" blob; then
  stop_registry main
  wait "$pull_pid"; rc=$?
  expect_eq "pull fails when the registry stays away" "$rc" "1"
  expect_match "with a message naming the failure" "$(cat "$TEST_TMP/pull2.out")" "Error: .*(download|refused|connect)"
  expect_eq "no image is referenced" "$(lf images -a -q | wc -l)" "0"
  expect_eq "no layer is stored" "$(lf layer ls -q 2>/dev/null | wc -l)" "0"
  restart_registry main
  check "the next pull finishes the job" lf pull -q "$R/big/image:v1"
  expect_eq "same image after the interrupted pull" "$(lf inspect --format '{{.Id}}' "$R/big/image:v1")" "$image_id"
  expect_eq "tmp/ was cleaned" "$(ls "$LAYERFS_ROOT/tmp" | wc -l)" "0"
else
  wait "$pull_pid"
  fail "could not catch the pull mid-transfer: $(cat "$TEST_TMP/pull2.out")"
fi
finish
