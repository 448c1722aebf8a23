#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# gridsim check catches a regression: a copy of a CI scenario passes unchanged,
# fails (exit 1, the metrics named, JUnit <failure>s) once a model parameter
# (the HVAC setpoint) changes, and passes again after --update-golden, which
# keeps the metric list and tolerances. Bad input exits 2 with the file and
# the JSON path.
#
# usage: bash regression_catch.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: regression_catch.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: regression_catch.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli regression_catch"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-catch.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

PASSED=0
FAILED=0
S="$TMP/suite"
mkdir -p "$S"
# The smallest CI scenario with a DR event and HVAC in every group.
cp "$SRC/tests/regression/tou-price-response.json" \
   "$SRC/tests/regression/tou-price-response.expect.json" "$S/"

# run TAG WANT_RC [PATTERN...] -- ARGS...: runs gridsim ARGS, output in
# $TMP/TAG.out; checks the exit status and that every PATTERN (an extended
# regex) matches a line of the output.
run() {
  local tag=$1 want=$2 pats=() rc p ok=1
  shift 2
  while [[ $1 != -- ]]; do pats+=("$1"); shift; done
  shift
  timeout 600 "$BIN" "$@" </dev/null >"$TMP/$tag.out" 2>&1
  rc=$?
  if [[ $rc -ne $want ]]; then
    ok=0
    printf 'FAIL: %s: gridsim %s\n  expected: exit %s\n  got:      exit %s\n' \
      "$tag" "$*" "$want" "$rc"
  fi
  for p in "${pats[@]}"; do
    if ! grep -Eq -- "$p" "$TMP/$tag.out"; then
      ok=0
      printf 'FAIL: %s: gridsim %s\n  expected output matching: %s\n' \
        "$tag" "$*" "$p"
    fi
  done
  if [[ $ok == 1 ]]; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    printf '  output:\n'
    sed 's/^/    /' "$TMP/$tag.out" | head -n 60
  fi
}

# check_py TAG SCRIPT ARGS...: a Python assertion script (exit 0 = pass).
check_py() {
  local tag=$1 script=$2 msg
  shift 2
  if msg=$(python3 -c "$script" "$@" 2>&1); then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    printf 'FAIL: %s\n  %s\n' "$tag" "$msg"
  fi
}

# Python: sets a JSON path of a file: edit FILE KEY=JSON
EDIT='import json, sys
p = sys.argv[1]
d = json.load(open(p))
exec(sys.argv[2])
json.dump(d, open(p, "w"), indent=2)'

# 1. Unchanged: passes.
run unchanged 0 ' determinism .* pass$' ' fleet\.energy_kwh .* pass$' \
  ' 0 failed$' -- check "$S"

# 2. The thermostats 1.5 degC cooler: energy, peaks and the DR figures move.
python3 -c "$EDIT" "$S/tou-price-response.json" \
  'd["fleet"][0]["loads"][0]["params"]["setpoint_c"]["mean"] -= 1.5'
run changed 1 ' fleet\.energy_kwh .* FAIL$' ' dr_events\[0\]\.mean_kw .* FAIL$' \
  ' determinism .* pass$' ' [1-9][0-9]* failed$' \
  -- check "$S" --junit "$TMP/junit.xml"
check_py "junit.xml of the failing suite parses and names the metric" '
import sys
import xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
failed = [c.get("name") for c in r.iter("testcase") if c.find("failure") is not None]
assert "fleet.energy_kwh" in failed, failed
assert "determinism" not in failed, failed
assert int(r.get("failures")) == len(failed), (r.get("failures"), failed)
msg = [c.find("failure").get("message") for c in r.iter("testcase")
       if c.get("name") == "fleet.energy_kwh"][0]
assert msg.startswith("fleet.energy_kwh: expected "), msg
' "$TMP/junit.xml"

# 3. --update-golden after the deliberate change: the values move, the
# metric list and tolerances stay, and the suite passes again.
cp "$S/tou-price-response.expect.json" "$TMP/before.json"
run update 0 ' fleet\.energy_kwh .* updated$' -- check "$S" --update-golden
run after_update 0 ' 0 failed$' -- check "$S"
check_py "update keeps paths and tolerances, changes values" '
import json, sys
a = json.load(open(sys.argv[1]))["metrics"]
b = json.load(open(sys.argv[2]))["metrics"]
strip = lambda ms: [{k: v for k, v in m.items() if k != "value"} for m in ms]
assert strip(a) == strip(b), "metric list or tolerances changed"
va = {m["path"]: m["value"] for m in a}
vb = {m["path"]: m["value"] for m in b}
assert va["fleet.energy_kwh"] != vb["fleet.energy_kwh"], "energy not updated"
' "$TMP/before.json" "$S/tou-price-response.expect.json"

# 4. A new scenario gets the default metrics with --update-golden only.
cp "$SRC/tests/regression/hil-mqtt-template.json" "$S/hil.json"
run no_expect 2 'hil\.expect\.json is missing \(create it with --update-golden\)' \
  -- check "$S"
run create 0 'created .*hil\.expect\.json \([0-9]+ metrics\)' \
  -- check "$S" --update-golden
run created_passes 0 ' 0 failed$' '^hil +dr_events\[0\]\.acks .* pass$' \
  -- check "$S"

# 5. Bad input exits 2 and names the file and the JSON path.
run no_dir 2 'nonexistent: cannot open the suite directory' \
  -- check "$TMP/nonexistent"
run no_arg 2 'expected a suite directory' -- check
run bad_opt 2 "unknown option '--frobnicate'" -- check "$S" --frobnicate
run two_dirs 2 "unexpected argument" -- check "$S" "$S"
mkdir -p "$TMP/empty"
run empty 2 'no scenarios' -- check "$TMP/empty"
cp "$S/hil.expect.json" "$TMP/saved.json"
python3 -c "$EDIT" "$S/hil.expect.json" 'd["metrics"][3]["rel_tol"] = -1'
run bad_tol 2 'hil\.expect\.json: metrics\[3\]\.rel_tol: expected a number >= 0' \
  -- check "$S"
printf '{"metrics": [\n  {"path": "a", "value": }\n]}\n' >"$S/hil.expect.json"
run bad_json 2 'hil\.expect\.json:2:26: invalid JSON' -- check "$S"
python3 -c "$EDIT" "$TMP/saved.json" 'd["metrics"][1]["path"] = "fleet..x"'
cp "$TMP/saved.json" "$S/hil.expect.json"
run bad_path 2 'hil\.expect\.json: metrics\[1\]\.path: expected a summary path' \
  -- check "$S"
rm "$S/hil.expect.json" "$S/hil.json"
printf '{"metrics": []}\n' >"$S/orphan.expect.json"
run orphan 2 'orphan\.expect\.json: expectations without a scenario' \
  -- check "$S"
rm "$S/orphan.expect.json"
cp "$S/tou-price-response.json" "$S/broken.json"
cp "$S/tou-price-response.expect.json" "$S/broken.expect.json"
python3 -c "$EDIT" "$S/broken.json" 'd["fleet"][0]["count"] = -3'
run bad_scenario 2 'broken\.json: fleet\[0\]\.count: expected' -- check "$S"
rm "$S/broken.json" "$S/broken.expect.json"
# A metric the summary does not have fails as MISSING, and a --junit path in
# a directory that does not exist is a runtime error (exit 1).
python3 -c "$EDIT" "$S/tou-price-response.expect.json" \
  'd["metrics"].append({"path": "fleet.no_such_metric", "value": 1})'
run missing 1 ' fleet\.no_such_metric .* MISSING$' -- check "$S"
run bad_junit 1 'junit' -- check "$S" --junit "$TMP/no/dir/junit.xml"

if [[ $FAILED -gt 0 ]]; then
  echo "$NAME: $PASSED checks passed, $FAILED failed"
  exit 1
fi
echo "$NAME: $PASSED checks passed"
