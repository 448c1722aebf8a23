#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that an optimisation changed no result: runs the five reference
# runs of the README's Performance section with two builds and compares
# their traces dataset by dataset (tests/tools/h5_same.py, which needs
# Python 3 with h5py: python3-h5py) and their summaries field by field,
# except timings, memory, event counts and digest.
#
# usage: tests/tools/refcheck.sh GRIDSIM_A GRIDSIM_B [SRC_DIR]
#   SRC_DIR: the source tree whose scenarios/ are run (default: this one)
# Exit 0 if every run is the same with both; the runs stay in the printed
# work directory.
set -u
if [ $# -lt 2 ]; then
  sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
A=$1 B=$2 SRC=${3:-$(cd "$(dirname "$0")/../.." && pwd)}
# The first Python that has h5py (Debian's is /usr/bin/python3).
PY=${PYTHON:-}
for p in python3 /usr/bin/python3; do
  [ -z "$PY" ] && "$p" -c "import h5py" 2>/dev/null && PY=$p
done
[ -n "$PY" ] || { echo "refcheck: no python3 with h5py (apt-get install python3-h5py)"; exit 2; }
W=$(mktemp -d /tmp/refcheck.XXXX)
runs=(
  "def|run --vens 300 --set output.ven_sample=1"
  "shed|run $SRC/scenarios/summer-shed-10k.json --vens 2000"
  "winter|run $SRC/scenarios/winter-morning-heating.json"
  "rebound|run $SRC/scenarios/rebound-study.json"
  "rtp|run $SRC/scenarios/rtp-price-response.json"
)
rc=0
for r in "${runs[@]}"; do
  name=${r%%|*}; args=${r#*|}
  for side in A B; do
    bin=${!side}
    $bin $args --out $W/$name-$side.h5 --summary-json $W/$name-$side.json --quiet >$W/$name-$side.log 2>&1 \
      || { echo "$name/$side: run failed (see $W/$name-$side.log)"; rc=1; }
  done
  $PY - "$W/$name-A.json" "$W/$name-B.json" <<'PY' || rc=1
import json, sys
skip = {"wall_s", "twin_wall_s", "events_per_s", "peak_rss_kib", "events_processed",
        "events_cancelled", "event_digest"}
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def walk(x, y, path):
    bad = 0
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if k in skip: continue
            if k not in x or k not in y: print(f"  summary {path}/{k}: only in one"); bad += 1; continue
            bad += walk(x[k], y[k], f"{path}/{k}")
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (p, q) in enumerate(zip(x, y)): bad += walk(p, q, f"{path}[{i}]")
    elif x != y:
        print(f"  summary {path}: {x!r} != {y!r}"); bad += 1
    return bad
n = walk(a, b, "")
print(f"{sys.argv[1].rsplit('/',1)[-1][:-7]}: summary {'same' if n == 0 else f'{n} differences'} "
      f"(events {a.get('events_processed')} -> {b.get('events_processed')})")
sys.exit(1 if n else 0)
PY
  $PY $SRC/tests/tools/h5_same.py $W/$name-A.h5 $W/$name-B.h5 > $W/$name-h5.txt 2>&1 \
    && echo "$name: trace same" || { echo "$name: trace DIFFERS:"; grep -v "^same\|compared" $W/$name-h5.txt | head -20; rc=1; }
done
echo "workdir $W"; exit $rc
