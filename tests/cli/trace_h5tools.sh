#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A trace read with Debian's HDF5 tools (h5ls, h5dump): every group and
# dataset of the layout, filters, units, the enum and compound types; and
# the same seed gives a byte-identical file (twins and event log included),
# another seed another file.
#
# usage: bash trace_h5tools.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: trace_h5tools.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli trace_h5tools"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in h5dump h5ls; do
  command -v "$tool" >/dev/null || { echo "$NAME: SKIP: no $tool"; exit 77; }
done

# Until sim/run.c and sim/cli.c carry the trace's integration (info, twins
# into the trace, SIGXFSZ ignored), the checks that need it are skipped and
# the test reports itself skipped (77) if everything else passed.
INTEGRATED=1
"$BIN" info --help >/dev/null 2>&1 || INTEGRATED=0

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-h5t.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$3"
}

# Opt-outs, lost commands and outages so that every log table has rows.
run() { # TAG SEED
  timeout 300 "$BIN" run --vens 300 --seed "$2" --quiet --out "$TMP/$1.h5" \
    --set 'fleet[0].ven.opt_out_prob=0.2' --set 'fleet[0].ven.loss_prob=0.05' \
    --set 'fleet[0].ven.outages_per_day=2' </dev/null >"$TMP/$1.out" 2>&1 ||
    fail "run $1" "exit 0" "$? $(head -c 400 "$TMP/$1.out")"
}
run a 5
run b 5
run c 6

cmp -s a.h5 b.h5 && ok || fail "same seed" "identical files" "$(cmp a.h5 b.h5)"
# The recorder only observes: a run without it processes the same events.
if [[ $INTEGRATED -eq 1 ]]; then
  digest() { sed -n 's/.*"event_digest":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' "$1"; }
  for tag in traced bare; do
    out=(--out "$TMP/d.h5")
    [[ $tag == bare ]] && out=(--no-out)
    "$BIN" run --vens 300 --seed 5 --quiet "${out[@]}" --no-twin \
      --summary-json "$TMP/$tag.json" --set 'fleet[0].ven.opt_out_prob=0.2' \
      --set 'fleet[0].ven.outages_per_day=2' </dev/null >/dev/null 2>&1
  done
  d1=$(digest "$TMP/traced.json") d2=$(digest "$TMP/bare.json")
  [[ -n "$d1" && "$d1" == "$d2" ]] && ok ||
    fail "event digest with and without the trace" "equal" "'$d1' vs '$d2'"
fi
cmp -s a.h5 c.h5 && fail "another seed" "different files" "identical" || ok

listing=$(h5ls -r a.h5 2>&1)
for path in /meta /fleet/time_s /fleet/power_kw /fleet/energy_kwh \
  /feeder/ids /feeder/power_kw /feeder/energy_kwh /transformer/ids \
  /transformer/power_kw /transformer/rating_kva /ven/ids /ven/index \
  /ven/power_kw /ven/shed_kw /ven/state /ven/indoor_temp_c \
  /ven/battery_soc_pct /ven/ev_soc_pct /log/dr_events /log/commands \
  /log/acks /log/opt_outs /log/faults /dr/events /dr/performance \
  /dr/counterfactual_power_kw; do
  [[ $INTEGRATED -eq 0 && $path == /dr/counterfactual_power_kw ]] && continue
  printf '%s\n' "$listing" | grep -q "^$path " && ok ||
    fail "h5ls -r lists $path" "present" "$listing"
done
printf '%s\n' "$listing" | grep -q '^/ven/state *Dataset {289/Inf, 15}$' && ok ||
  fail "/ven/state shape" "{289/Inf, 15}" "$(printf '%s\n' "$listing" | grep state)"
for table in opt_outs faults acks commands; do
  printf '%s\n' "$listing" | grep -q "^/log/$table *Dataset {[1-9][0-9]*/Inf}$" &&
    ok || fail "/log/$table has rows" "{N/Inf}, N > 0" \
    "$(printf '%s\n' "$listing" | grep "/log/$table")"
done

dump() { h5dump "$@" a.h5 2>&1; }
[[ $(dump -a /meta/complete | sed -n 's/^ *(0): //p') == 1 ]] && ok ||
  fail "/meta complete" 1 "$(dump -a /meta/complete)"
[[ $(dump -a /meta/format | sed -n 's/^ *(0): //p') == '"gridsim-trace"' ]] &&
  ok || fail "/meta format" '"gridsim-trace"' "$(dump -a /meta/format)"
header=$(dump -H -p)
for needle in 'SHUFFLE' 'DEFLATE { LEVEL 1 }' 'H5S_UNLIMITED' 'H5T_COMPOUND' \
  'ATTRIBUTE "units"'; do
  [[ "$header" == *"$needle"* ]] && ok || fail "h5dump -H -p" "contains '$needle'" \
    "$(printf '%s' "$header" | head -c 300)..."
done
# Enum values by name (h5dump pads the names to a column).
for pair in opted_out:2 accepted:0 lost_random:2 comms_outage:0; do
  printf '%s\n' "$header" | grep -Eq "\"${pair%:*}\" +${pair#*:};" && ok ||
    fail "h5dump -H: enum" "\"${pair%:*}\" ${pair#*:}" "absent"
done
# The fleet's units and values, straight from the tool.
[[ $(dump -a /fleet/power_kw/units | sed -n 's/^ *(0): //p') == '"kW"' ]] && ok ||
  fail "/fleet/power_kw units" '"kW"' "$(dump -a /fleet/power_kw/units)"
t1=$(dump -d /fleet/time_s -s 1 -c 1 | sed -n 's/^ *(1): //p')
[[ "$t1" == 300 ]] && ok || fail "/fleet/time_s[1]" 300 "$t1"

if [[ $FAILED -gt 0 ]]; then
  echo "$NAME: $PASSED checks passed, $FAILED failed"
  exit 1
fi
if [[ $INTEGRATED -eq 0 ]]; then
  echo "$NAME: SKIP: $PASSED checks passed; /dr/counterfactual_power_kw"\
    "needs the trace integration in sim/run.c"
  exit 77
fi
echo "$NAME: $PASSED checks passed"
