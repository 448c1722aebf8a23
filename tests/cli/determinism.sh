#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Whole-run determinism: the default scenario run twice with one seed gives the
# same events, event digest and a byte-identical HDF5 trace; another seed gives
# another digest and another trace.
#
# usage: bash determinism.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: determinism.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: determinism.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli determinism"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
[[ -d "$SRC" ]] || { echo "$NAME: no source dir: $SRC"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-det.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/results"
cd "$TMP" || exit 1

PASSED=0
FAILED=0
VENS=50

# run_summary TAG SEED: runs the default scenario, summary into $TMP/TAG.json,
# trace into $TMP/TAG.h5.
run_summary() {
  local tag=$1 seed=$2 rc
  timeout 300 "$BIN" run --vens "$VENS" --seed "$seed" --quiet \
    --summary-json "$TMP/$tag.json" --out "$TMP/$tag.h5" </dev/null >"$TMP/$tag.out" 2>&1
  rc=$?
  if [[ $rc -ne 0 ]]; then
    FAILED=$((FAILED + 1))
    printf 'FAIL: gridsim run --vens %s --seed %s (%s)\n' "$VENS" "$seed" \
      "$tag"
    printf '  expected: exit 0\n  got:      exit %s\n  output: %s\n' "$rc" \
      "$(head -c 600 "$TMP/$tag.out")"
    return 1
  fi
  PASSED=$((PASSED + 1))
}

# compare A B KEY SAME|DIFF: KEY of the summaries A and B is equal (SAME) or
# differs (DIFF); prints both values on failure.
compare() {
  local msg
  if msg=$(python3 - "$TMP/$1.json" "$TMP/$2.json" "$3" "$4" 2>&1 <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
key, want = sys.argv[3], sys.argv[4]
va, vb = a.get(key), b.get(key)
if va is None or vb is None:
    print("key %r missing: %r vs %r" % (key, va, vb))
    sys.exit(1)
if (va == vb) != (want == "SAME"):
    print("%s: %r vs %r" % (key, va, vb))
    sys.exit(1)
PY
  ); then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    local expect="equal"
    [[ $4 == DIFF ]] && expect="different"
    printf 'FAIL: %s of %s.json and %s.json\n  expected: %s\n  got:      %s\n' \
      "$3" "$1" "$2" "$expect" "$msg"
  fi
}

# same_trace A B SAME|DIFF: the traces A.h5 and B.h5 are byte-identical or not.
same_trace() {
  local got=DIFF
  cmp -s "$TMP/$1.h5" "$TMP/$2.h5" && got=SAME
  if [[ $got == "$3" ]]; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    printf 'FAIL: traces %s.h5 and %s.h5
  expected: %s
  got:      %s
' \
      "$1" "$2" "$3" "$got ($(cmp "$TMP/$1.h5" "$TMP/$2.h5" 2>&1 | head -n 1))"
  fi
}

if run_summary a 1 && run_summary b 1; then
  compare a b events_processed SAME
  compare a b event_digest SAME
  compare a b vens SAME
  same_trace a b SAME
fi
if run_summary c 2 && [[ -f "$TMP/a.json" ]]; then
  compare a c event_digest DIFF
  same_trace a c DIFF
fi

if [[ $FAILED -gt 0 ]]; then
  echo "$NAME: $PASSED checks passed, $FAILED failed"
  exit 1
fi
echo "$NAME: $PASSED checks passed"
