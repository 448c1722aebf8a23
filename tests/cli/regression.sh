#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CI regression suite: `gridsim check tests/regression` runs every study at
# CI size twice against its golden expectations; it must pass, and its JUnit
# XML must parse with one <testsuite> per scenario, each with a determinism
# testcase.
#
# usage: bash regression.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: regression.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: regression.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli regression"
SUITE="$SRC/tests/regression"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
[[ -d "$SUITE" ]] || { echo "$NAME: no suite: $SUITE"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-regression.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

timeout 900 "$BIN" check "$SUITE" --junit "$TMP/junit.xml" \
  </dev/null >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
if [[ $rc -ne 0 ]]; then
  printf 'FAIL: gridsim check %s --junit junit.xml\n  expected: exit 0\n' \
    "$SUITE"
  printf '  got:      exit %s (rows not passed:)\n' "$rc"
  grep -Ev ' pass$' "$TMP/out" | sed 's/^/    /'
  exit 1
fi

n_scn=$(find "$SUITE" -maxdepth 1 -name '*.json' ! -name '*.expect.json' |
        wc -l)
if ! python3 - "$TMP/junit.xml" "$n_scn" <<'PY'
import sys
import xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
want = int(sys.argv[2])
suites = root.findall("testsuite")
errs = []
if root.tag != "testsuites":
    errs.append("root is <%s>, expected <testsuites>" % root.tag)
if len(suites) != want:
    errs.append("%d testsuites, expected %d (one per scenario)" % (len(suites), want))
for s in suites:
    names = [c.get("name") for c in s.findall("testcase")]
    if "determinism" not in names:
        errs.append("%s: no determinism testcase" % s.get("name"))
    if len(names) < 2:
        errs.append("%s: %d testcases, expected metrics too" % (s.get("name"), len(names)))
    if int(s.get("tests")) != len(names):
        errs.append("%s: tests=%s but %d testcases" % (s.get("name"), s.get("tests"), len(names)))
    if s.find("testcase/failure") is not None or s.find("testcase/error") is not None:
        errs.append("%s: a failure in a passing run" % s.get("name"))
if root.get("failures") != "0" or root.get("errors") != "0":
    errs.append("failures=%s errors=%s, expected 0 and 0" % (root.get("failures"), root.get("errors")))
for e in errs:
    print(e)
sys.exit(1 if errs else 0)
PY
then
  echo "FAIL: $NAME: junit.xml"
  exit 1
fi
echo "$NAME: $n_scn scenarios passed; JUnit XML parsed"
