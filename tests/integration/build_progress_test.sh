#!/usr/bin/env bash
# build --progress: tty (forced, or auto on a terminal, run under script(1)) redraws the running
# step in place with ANSI erase-line, shows the RUN output tail under it, prints finished steps
# with DONE times and CACHED marks and keeps a failing step's output; plain (and auto without a
# terminal) prints lines without escapes; quiet shows no steps.
source "$(dirname "$0")/lib.sh"

base=$(base_rootfs_tar) || { echo "no base rootfs"; exit 77; }
command -v script >/dev/null || { echo "no script(1)"; exit 77; }
lf import "$base" busybox:latest -c 'CMD ["sh"]' >/dev/null
ctx=$TEST_TMP/ctx
mkdir -p "$ctx"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
ENV A=1
RUN for i in 1 2 3 4 5 6 7 8; do echo "output line $i"; sleep 0.1; done
RUN echo done > /done
DOCKERFILE
printf 'FROM busybox\nRUN echo "about to fail"; echo "on stderr" >&2; exit 3\n' >"$ctx/Dockerfile.fail"

# Runs layerfs on a pseudo-terminal; prints what the terminal received.
on_tty() { script -qfec "$(printf '%q ' "$LAYERFS" "$@")" /dev/null; }
esc=$'\x1b'

out=$(on_tty build --progress tty -t progress "$ctx")
id=$(lf image inspect --format '{{.Id}}' progress)
expect_match "tty: erase-line redraws" "$out" "${esc}\[1A${esc}\[2K"
expect_match "tty: the running step with its elapsed time" "$out" '#3 \[stage 0\] RUN for i in [^'$'\r'']*  0\.[0-9]s'
expect_match "tty: the RUN output tail under it" "$out" "  output line 3"
expect_match "tty: finished steps with their times" "$out" '#3 \[stage 0\] RUN for i[^'$'\r'']*  DONE [0-9]+\.[0-9]s'
expect_match "tty: instant steps" "$out" '#1 \[stage 0\] FROM busybox'
expect_match "tty: the final image ID" "$out" "writing image $id done"
# At most ten redraws a second, and about that many while output keeps coming.
frames=$(grep -o "${esc}\[2K#3 " <<<"$out" | wc -l)
tenths=$(grep -o '#3 [^'$'\r'']*DONE [0-9.]*s' <<<"$out" | grep -o '[0-9]*\.[0-9]s$' | tr -d '.s')
if [ -n "$tenths" ] && [ "$frames" -le $((10#$tenths + 2)) ] && [ "$frames" -ge $((10#$tenths / 4)) ]; then
  pass "tty: redraw rate ($frames frames in ${tenths} tenths of a second)"
else
  fail "tty: redraw rate ($frames frames in [${tenths}] tenths of a second)"
fi

out=$(on_tty build --progress auto -t progress "$ctx")
expect_match "auto on a terminal is tty" "$out" "${esc}\[2K"
expect_match "tty: CACHED marks" "$out" '#4 \[stage 0\] RUN echo done > /done  CACHED'

out=$(on_tty build -f "$ctx/Dockerfile.fail" "$ctx")
expect_match "tty: a failing step keeps its output" "$out" \
  "#2 \[stage 0\] RUN [^"$'\r'"]*  ERROR after [0-9.]+s"$'\r?\n'"  about to fail"$'\r?\n'"  on stderr"
expect_match "tty: then the error naming file:line" "$out" 'Dockerfile.fail:2: .*exit code: 3'

out=$(lf build --progress auto --no-cache -t progress "$ctx" 2>&1)
[[ $out == *"$esc"* ]] && fail "auto without a terminal wrote escapes" || pass "auto without a terminal is plain"
expect_match "plain: step lines" "$out" '#3 \[stage 0\] RUN for i'
expect_match "plain: DONE lines" "$out" '#3 DONE [0-9]+\.[0-9]s'
expect_match "plain: RUN output passes through" "$out" 'output line 8'
out=$(on_tty build --progress plain -t progress "$ctx")
[[ $out == *"$esc"* ]] && fail "plain on a terminal wrote escapes" || pass "plain on a terminal"
expect_match "plain on a terminal: CACHED" "$out" '#3 CACHED'
out=$(lf build --progress quiet -t progress "$ctx" 2>&1)
[[ $out == *"#"* ]] && fail "quiet showed steps: $out" || pass "quiet shows no steps"
finish
