#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A long run stopped by SIGINT (and one by SIGTERM) exits 130 and leaves its
# trace under the name asked for, readable by h5dump and h5ls, with
# /meta complete = 0 and the rows recorded up to the signal.
#
# usage: bash trace_sigint.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: trace_sigint.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli trace_sigint"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in h5dump h5ls; do
  command -v "$tool" >/dev/null || { echo "$NAME: SKIP: no $tool"; exit 77; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-sigint.XXXXXX") || exit 1
PID=""
trap '[[ -n "$PID" ]] && kill -9 "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$3"
}

# interrupt SIG TAG: starts a 200,000-VEN day, waits until its trace has
# rows on disk (the .partial file exists and the run is under way), sends
# SIG and checks what is left.
interrupt() {
  local sig=$1 tag=$2 out="$TMP/$2.h5" rc waited=0
  "$BIN" run --vens 200000 --no-twin --quiet --out "$out" \
    --set output.interval_s=60 </dev/null >"$TMP/$tag.out" 2>"$TMP/$tag.err" &
  PID=$!
  # Building 200,000 homes takes a few seconds; the file appears at the
  # start of the run proper.
  while [[ ! -e "$out.partial" ]] && kill -0 "$PID" 2>/dev/null &&
    [[ $waited -lt 1200 ]]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  sleep 2
  kill "-$sig" "$PID" 2>/dev/null
  wait "$PID"
  rc=$?
  PID=""
  [[ $rc -eq 130 ]] && ok || fail "$tag: exit status after SIG$sig" 130 \
    "$rc ($(head -c 300 "$TMP/$tag.err"))"
  grep -q "interrupted at simulated time" "$TMP/$tag.err" && ok ||
    fail "$tag: message" "interrupted at simulated time ..." \
      "$(head -c 300 "$TMP/$tag.err")"
  [[ -f "$out" && ! -e "$out.partial" ]] && ok ||
    fail "$tag: file renamed" "$out and no .partial" "$(ls "$TMP")"
  local complete
  complete=$(h5dump -a /meta/complete "$out" 2>&1 | sed -n 's/^ *(0): //p')
  [[ "$complete" == "0" ]] && ok || fail "$tag: /meta complete" 0 \
    "'$complete' ($(h5dump -a /meta/complete "$out" 2>&1 | head -c 300))"
  local listing rows
  listing=$(h5ls -r "$out" 2>&1)
  rows=$(printf '%s\n' "$listing" |
    sed -n 's|^/fleet/power_kw *Dataset {\([0-9]*\)/Inf}$|\1|p')
  [[ -n "$rows" && "$rows" -ge 1 && "$rows" -lt 1441 ]] && ok ||
    fail "$tag: /fleet/power_kw rows" "1 to 1440 (cut short)" \
      "'$rows' in: $(printf '%s' "$listing" | head -c 400)"
  printf '%s\n' "$listing" | grep -q '^/log/commands ' && ok ||
    fail "$tag: h5ls lists /log/commands" "present" "$listing"
  # Every row recorded is readable, to the last one.
  h5dump -d /fleet/time_s "$out" >"$TMP/$tag.dump" 2>&1 && ok ||
    fail "$tag: h5dump /fleet/time_s" "exit 0" "$(head -c 300 "$TMP/$tag.dump")"
}

interrupt INT int
interrupt TERM term

if [[ $FAILED -gt 0 ]]; then
  echo "$NAME: $PASSED checks passed, $FAILED failed"
  exit 1
fi
echo "$NAME: $PASSED checks passed"
