#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `gridsim info FILE` on a trace, an interrupted trace, a file that is not
# HDF5, an HDF5 file that is not a gridsim trace, a truncated trace and a
# missing file: exit 0 with the summary, else exit 2 with a clear message.
#
# usage: bash trace_info.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: trace_info.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli trace_info"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-info.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

"$BIN" info --help >/dev/null 2>&1 ||
  { echo "$NAME: SKIP: this gridsim has no 'info' command"; exit 77; }

PASSED=0
FAILED=0
OUT="" ERR="" RC=0 LAST=""
ok() { PASSED=$((PASSED + 1)); }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL: %s\n  command:  %s\n  expected: %s\n  got:      %s\n' \
    "$1" "$LAST" "$2" "$3"
}
gs() {
  LAST="gridsim $*"
  timeout 300 "$BIN" "$@" </dev/null >"$TMP/stdout" 2>"$TMP/stderr"
  RC=$?
  OUT=$(cat "$TMP/stdout")
  ERR=$(cat "$TMP/stderr")
}
expect_rc() { [[ $RC -eq $2 ]] && ok || fail "$1: exit status" "$2" "$RC: $ERR"; }
expect_in() { # WHAT TEXT NEEDLE
  [[ "$2" == *"$3"* ]] && ok || fail "$1" "contains '$3'" "$2"
}

# A default run (with its twin) and its summary.
gs run --vens 100 --quiet --out "$TMP/ok.h5"
expect_rc "run" 0
gs info "$TMP/ok.h5"
expect_rc "info ok.h5" 0
expect_in "scenario line" "$OUT" "scenario:      default (seed 1, gridsim "
expect_in "VENs line" "$OUT" "VENs:          100, 5 sampled"
expect_in "duration line" "$OUT" "duration:      86400 s (24 h); 289 rows every 300 s"
expect_in "complete line" "$OUT" "complete:      yes"
expect_in "fleet line" "$OUT" "(exact, up to 86400 s)"
expect_in "DR line" "$OUT" "  evt-1            64800    7200   150.000      100"
# The twin's delivered kW is a number, not nan, after a full run.
line=$(printf '%s\n' "$OUT" | grep '^  evt-1 ')
[[ -n "$line" && "$line" != *nan* ]] && ok ||
  fail "true delivered kW" "a number" "$line"

# Interrupted at once: complete no.
"$BIN" run --vens 100000 --no-twin --quiet --out "$TMP/cut.h5" </dev/null \
  >/dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do [[ -e "$TMP/cut.h5.partial" ]] && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
gs info "$TMP/cut.h5"
expect_rc "info cut.h5" 0
expect_in "interrupted: complete" "$OUT" "complete:      no (the run was interrupted"

# Not HDF5 at all.
printf '{"not": "hdf5"}\n' >"$TMP/text.h5"
gs info "$TMP/text.h5"
expect_rc "info text.h5" 2
expect_in "not HDF5 message" "$ERR" "$TMP/text.h5: not an HDF5 file"

# HDF5, but not gridsim's: a copy of one dataset into a new file.
if command -v h5copy >/dev/null; then
  h5copy -i "$TMP/ok.h5" -o "$TMP/other.h5" -s /fleet/time_s -d /time_s
  gs info "$TMP/other.h5"
  expect_rc "info other.h5" 2
  expect_in "not gridsim message" "$ERR" \
    "$TMP/other.h5: not a gridsim trace (no /meta with format \"gridsim-trace\")"
else
  echo "$NAME: note: no h5copy; the non-gridsim HDF5 case is in test_info"
fi

# Truncated: the first 20 kB of a good trace.
head -c 20000 "$TMP/ok.h5" >"$TMP/half.h5"
gs info "$TMP/half.h5"
expect_rc "info half.h5" 2
expect_in "truncated message" "$ERR" \
  "$TMP/half.h5: cannot read HDF5 file (truncated or damaged?): truncated file"

gs info "$TMP/none.h5"
expect_rc "info none.h5" 2
expect_in "missing message" "$ERR" "$TMP/none.h5: No such file or directory"
gs info
expect_rc "info without a file" 2

if [[ $FAILED -gt 0 ]]; then
  echo "$NAME: $PASSED checks passed, $FAILED failed"
  exit 1
fi
echo "$NAME: $PASSED checks passed"
