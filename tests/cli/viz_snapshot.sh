#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The view only observes: a run with --snapshot writes the same HDF5 trace
# bytes and event digest as one without; the snapshots are PNG/BMP files;
# --view without a display and bad snapshot options exit 2.
#
# usage: bash viz_snapshot.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u
BIN=${1:?usage: viz_snapshot.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli viz_snapshot"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-viz.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
FAILED=0
fail() { FAILED=$((FAILED + 1)); printf 'FAIL: %s\n' "$*"; }

cat >scn.json <<'JSON'
{"name":"viz","start":"2026-07-15T00:00:00Z","duration_s":28800,"seed":7,
 "output":{"interval_s":60},
 "fleet":[{"name":"h","count":150,"ven":{"opt_out_prob":0.2},
   "loads":[{"type":"fridge","id":"fridge1"},{"type":"hvac","id":"hvac1"}]}],
 "program":{"events":[{"id":"e1","start_s":14400,"duration_s":3600,
   "requested_kw":40}]}}
JSON

"$BIN" run scn.json --quiet --out plain.h5 --summary-json plain.json \
  </dev/null >plain.out 2>&1 || fail "plain run: exit $? $(head -c 400 plain.out)"
"$BIN" run scn.json --quiet --out viewed.h5 --summary-json viewed.json \
  --snapshot mid.png --snapshot-at 16200 --snapshot end.bmp \
  </dev/null >viewed.out 2>&1 || fail "run with --snapshot: exit $? $(head -c 400 viewed.out)"
cmp -s plain.h5 viewed.h5 || fail "traces differ with --snapshot (expected identical bytes)"
d1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["event_digest"])' plain.json 2>&1)
d2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["event_digest"])' viewed.json 2>&1)
[[ "$d1" == "$d2" && -n "$d1" ]] || fail "event_digest: expected $d1, found $d2"
[[ "$(head -c 4 mid.png | tail -c 3)" == "PNG" ]] || fail "mid.png is not a PNG"
[[ "$(head -c 2 end.bmp)" == "BM" ]] || fail "end.bmp is not a BMP"

# Exit statuses: no display for --view, bad extension, a time without file.
env -u DISPLAY -u WAYLAND_DISPLAY timeout 60 "$BIN" run scn.json --no-out --quiet --view \
  </dev/null >v.out 2>&1
rc=$?; [[ $rc -eq 2 ]] || fail "--view without display: expected exit 2, got $rc"
grep -q "display" v.out || fail "--view message: $(cat v.out)"
"$BIN" run scn.json --no-out --quiet --snapshot x.gif >g.out 2>&1
rc=$?; [[ $rc -eq 2 ]] || fail "--snapshot x.gif: expected exit 2, got $rc"
"$BIN" run scn.json --no-out --quiet --snapshot-at 10 >t.out 2>&1
rc=$?; [[ $rc -eq 2 ]] || fail "--snapshot-at without file: expected exit 2, got $rc"
"$BIN" run scn.json --no-out --quiet --snapshot a.png --snapshot-at x >x.out 2>&1
rc=$?; [[ $rc -eq 2 ]] || fail "--snapshot-at x: expected exit 2, got $rc"
ls ./*.partial 2>/dev/null && fail "a failed start left a partial trace"

if [[ $FAILED -ne 0 ]]; then echo "$NAME: $FAILED failed"; exit 1; fi
echo "$NAME: ok"
