#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sim/gridsim-plot.py draws a trace (fleet power, its counterfactual, the
# DR target, events shaded, the VEN sample's states) into a PNG, and says
# clearly when its input is not a trace. Skipped without h5py/matplotlib.
#
# usage: bash trace_plot.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: trace_plot.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: trace_plot.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli trace_plot"
PLOT="$SRC/sim/gridsim-plot.py"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
[[ -f "$PLOT" ]] || { echo "$NAME: no $PLOT"; exit 1; }
PY=""
for p in python3 /usr/bin/python3; do
  "$p" -c 'import h5py, matplotlib' 2>/dev/null && { PY=$p; break; }
done
[[ -n "$PY" ]] ||
  { echo "$NAME: SKIP: no python3 with h5py and matplotlib"; exit 77; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-plot.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$3"
}

timeout 300 "$BIN" run --vens 300 --quiet --out "$TMP/a.h5" </dev/null \
  >"$TMP/run.out" 2>&1 || fail "run" "exit 0" "$(head -c 300 "$TMP/run.out")"

# png_ok FILE: a PNG of the size asked for (1210 x 715 at 110 dpi).
png_ok() {
  local sig dims
  sig=$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')
  dims=$(od -An -tu1 -j16 -N8 "$1" | tr -s ' ')
  [[ "$sig" == 89504e470d0a1a0a ]] || return 1
  # width and height, big-endian 32-bit, at bytes 16 and 20
  read -r w1 w2 w3 w4 h1 h2 h3 h4 <<<"$dims"
  W=$(((w1 << 24) + (w2 << 16) + (w3 << 8) + w4))
  H=$(((h1 << 24) + (h2 << 16) + (h3 << 8) + h4))
  [[ $W -ge 800 && $H -ge 400 ]]
}

"$PY" "$PLOT" "$TMP/a.h5" --png "$TMP/a.png" >"$TMP/plot.out" 2>&1
rc=$?
[[ $rc -eq 0 ]] && ok || fail "plot exit status" 0 "$rc: $(cat "$TMP/plot.out")"
png_ok "$TMP/a.png" && ok || fail "a.png" "a PNG of at least 800 x 400" \
  "$(file "$TMP/a.png" 2>&1) ${W:-?} x ${H:-?}"
size=$(stat -c %s "$TMP/a.png" 2>/dev/null || echo 0)
[[ $size -gt 30000 ]] && ok || fail "a.png size" "> 30000 bytes (a drawn plot)" "$size"

"$PY" "$PLOT" "$TMP/a.h5" --png "$TMP/zoom.png" --hours 16 22 \
  --title "evening" >"$TMP/plot.out" 2>&1 && png_ok "$TMP/zoom.png" && ok ||
  fail "zoomed plot" "exit 0 and a PNG" "$(cat "$TMP/plot.out")"

printf 'not a trace\n' >"$TMP/text.h5"
"$PY" "$PLOT" "$TMP/text.h5" --png "$TMP/x.png" >"$TMP/plot.out" 2>&1
rc=$?
[[ $rc -eq 2 && ! -e "$TMP/x.png" ]] && ok ||
  fail "plot of a non-trace" "exit 2, no PNG" "$rc: $(cat "$TMP/plot.out")"
grep -q "text.h5" "$TMP/plot.out" && ok ||
  fail "plot of a non-trace: message" "names text.h5" "$(cat "$TMP/plot.out")"

if [[ $FAILED -gt 0 ]]; then
  echo "$NAME: $PASSED checks passed, $FAILED failed"
  exit 1
fi
echo "$NAME: $PASSED checks passed"
