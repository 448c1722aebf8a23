#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CLI's exit statuses and messages: 0 success, 1 runtime failure, 2 bad
# input; help, version, usage errors, scenario errors, the summary JSON.
#
# usage: bash exit_codes.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: exit_codes.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: exit_codes.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli exit_codes"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-exit.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
# Runs happen in the temp dir so anything written to a relative default path
# (results/...) stays out of the source tree.
mkdir -p "$TMP/results"
cd "$TMP" || exit 1

PASSED=0
FAILED=0
OUT="" ERR="" RC=0
LAST_CMD=""

# gs ARGS...: runs the binary (no stdin, not a terminal, bounded in time) and
# leaves stdout in $OUT, stderr in $ERR and the exit status in $RC.
gs() {
  LAST_CMD="gridsim $*"
  timeout 300 "$BIN" "$@" </dev/null >"$TMP/stdout" 2>"$TMP/stderr"
  RC=$?
  OUT=$(cat "$TMP/stdout")
  ERR=$(cat "$TMP/stderr")
}

ok() { PASSED=$((PASSED + 1)); }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL: %s\n  command:  %s\n  expected: %s\n  got:      %s\n' \
    "$1" "$LAST_CMD" "$2" "$3"
  printf '  stdout: %s\n  stderr: %s\n' "$(head -c 600 "$TMP/stdout")" \
    "$(head -c 600 "$TMP/stderr")"
}

# expect_rc WHAT WANT...: the last exit status is one of WANT.
expect_rc() {
  local what=$1 w
  shift
  for w in "$@"; do
    [[ "$RC" == "$w" ]] && { ok; return 0; }
  done
  fail "$what: exit status" "$*" "$RC"
  return 1
}

# expect_in WHAT STREAM NEEDLE: STREAM (out, err or any) contains NEEDLE
# (fixed string, case-sensitive).
expect_in() {
  local what=$1 stream=$2 needle=$3 hay
  case "$stream" in
    out) hay=$OUT ;;
    err) hay=$ERR ;;
    *) hay="$OUT"$'\n'"$ERR" ;;
  esac
  if [[ "$hay" == *"$needle"* ]]; then
    ok
  else
    fail "$what: std$stream mentions '$needle'" "'$needle' in std$stream" \
      "not found"
  fi
}

# expect_re WHAT STREAM ERE: STREAM matches the extended regular expression.
expect_re() {
  local what=$1 stream=$2 re=$3 hay
  case "$stream" in
    out) hay=$OUT ;;
    err) hay=$ERR ;;
    *) hay="$OUT"$'\n'"$ERR" ;;
  esac
  if grep -Eq -- "$re" <<<"$hay"; then
    ok
  else
    fail "$what: std$stream matches /$re/" "a line matching /$re/" "none"
  fi
}

# --- help and version ---------------------------------------------------------
gs --help
expect_rc "--help" 0
for word in run validate --summary-json --seed --vens --set; do
  expect_in "--help" out "$word"
done
# The exit statuses are documented (130 is the one only a table would list).
expect_re "--help documents exit statuses" out '[Ee]xit'
expect_in "--help documents exit status 130" out 130

gs --version
expect_rc "--version" 0
expect_re "--version" out '^gridsim [0-9]+\.[0-9]+\.[0-9]+'

# --- usage errors: exit 2 -----------------------------------------------------
gs
expect_rc "no arguments" 2
expect_re "no arguments prints usage" any '[Uu]sage'

gs frobnicate
expect_rc "unknown command" 2
expect_in "unknown command is named" err frobnicate

gs run --bogus
expect_rc "run --bogus" 2
expect_in "unknown option is named" err --bogus

gs run --seed notanumber
expect_rc "run --seed notanumber" 2
expect_in "bad --seed value is named" err notanumber

gs run --vens -5
expect_rc "run --vens -5" 2

gs run --set 'bogus[='
expect_rc "run --set 'bogus[='" 2
expect_in "bad --set is named" err 'bogus['

gs run --set 'no_equals_sign'
expect_rc "run --set without '='" 2

# --- scenario errors: exit 2, with file and JSON path --------------------------
gs run missing.json
expect_rc "run missing.json" 2
expect_in "missing file is named" err missing.json

# Malformed JSON: the value of "duration_s" is missing on line 3.
printf '{\n  "name": "broken",\n  "duration_s": ,\n  "fleet": []\n}\n' \
  >"$TMP/broken.json"
gs validate "$TMP/broken.json"
expect_rc "validate malformed JSON" 2
expect_re "malformed JSON reported as file:line:col" err \
  'broken\.json:3:[0-9]+'

# fleet[0].count of the wrong type, in an otherwise valid scenario.
if python3 - "$SRC/scenarios/default.json" "$TMP/badcount.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["fleet"][0]["count"] = "ten"
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
then
  gs validate "$TMP/badcount.json"
  expect_rc "validate fleet[0].count = \"ten\"" 2
  expect_in "type error names its JSON path" err 'fleet[0].count'
else
  LAST_CMD="python3 (make badcount.json)"
  fail "make a scenario with a bad fleet[0].count" "script succeeds" \
    "it failed: is $SRC/scenarios/default.json readable?"
fi

gs validate "$SRC/scenarios/default.json"
expect_rc "validate scenarios/default.json" 0

# --- a real run and its summary JSON ------------------------------------------
gs run --vens 20 --quiet --summary-json "$TMP/summary.json"
if expect_rc "run --vens 20 --summary-json" 0; then
  if pyout=$(python3 - "$TMP/summary.json" 2>&1 <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))
problems = []
for k in ("scenario", "seed", "vens", "sim_duration_s", "events_processed",
          "event_digest", "wall_s", "events_per_s", "peak_rss_kib", "fleet",
          "dr_events"):
    if k not in s:
        problems.append("missing key %r" % k)
fleet = s.get("fleet", {})
for k in ("energy_kwh", "peak_kw", "peak_time_s"):
    if not isinstance(fleet, dict) or k not in fleet:
        problems.append("missing key fleet.%s" % k)
if s.get("vens") != 20:
    problems.append("vens = %r, expected 20" % s.get("vens"))
if not isinstance(s.get("dr_events"), list):
    problems.append("dr_events is %r, expected an array"
                    % type(s.get("dr_events")).__name__)
if not (isinstance(s.get("events_processed"), int)
        and s["events_processed"] > 0):
    problems.append("events_processed = %r, expected an integer > 0"
                    % s.get("events_processed"))
if not re.fullmatch(r"[0-9a-f]{16}", str(s.get("event_digest", ""))):
    problems.append("event_digest = %r, expected 16 hex digits"
                    % s.get("event_digest"))
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
  ); then
    ok
  else
    fail "summary JSON content" "valid JSON with all documented keys" \
      "$pyout"
  fi
fi

# The built-in default scenario runs as is (the README's first command), and
# stays valid when rescaled: every sampled VEN of a larger fleet passes
# validation too (--vens 1000 is the README's example).
gs run --quiet
expect_rc "run (built-in default scenario)" 0
gs run --vens 1000 --quiet
expect_rc "run --vens 1000 (default scenario rescaled)" 0

# An unwritable summary path is a runtime failure (observed: status 1),
# reported with the path. Accept 1 or 2; the message must name the path.
gs run --vens 5 --quiet --summary-json /nonexistent-dir/x.json
expect_rc "--summary-json into a missing directory" 1 2
expect_in "unwritable summary path is named" err /nonexistent-dir/x.json

# --- no progress line when the output is not a terminal -----------------------
gs run --vens 20
expect_rc "run --vens 20 (not a terminal)" 0
if [[ "$(cat "$TMP/stdout" "$TMP/stderr")" == *$'\r'* ]]; then
  fail "no progress line when not a terminal" "no carriage return" \
    "output contains \\r"
else
  ok
fi

# --- verdict -------------------------------------------------------------------
if [[ $FAILED -gt 0 ]]; then
  echo "$NAME: $PASSED checks passed, $FAILED failed"
  exit 1
fi
echo "$NAME: $PASSED checks passed"
