#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The OpenADR 3 VEN role against gridsim's own VTN on a free loopback
# port: 1,000 simulated VENs enroll (OAuth2 token, POST /vens), find the
# program, subscribe (webhook) and poll; the test then posts, as the
# business logic, an event with PRICE and SIMPLE payloads in two
# intervals that asks for USAGE, DEMAND, BASELINE and
# LOAD_SHED_DELTA_AVAILABLE reports. Checks: every VEN enrolled and took
# the event, the fleet's power falls during it (the VENs' own trace),
# every VEN posted its report with the four types (the VTN's trace), no
# report was dropped, and the VENs' trace keeps the event payloads with
# their arrival times.
#
# usage: bash oadr_ven.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
# GRIDSIM_VTN=BIN runs the VTN from another gridsim build.
set -u

BIN=${1:?usage: oadr_ven.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: oadr_ven.sh GRIDSIM_BIN SOURCE_DIR}
VTN_BIN=${GRIDSIM_VTN:-$BIN}
NAME="cli oadr_ven"
N=${GS_OADR_VENS:-1000}
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in curl python3 h5dump h5ls; do
  command -v "$tool" >/dev/null || { echo "$NAME: SKIP: no $tool"; exit 77; }
done
source "$SRC/tests/cli/lib/oadr.sh"

oadr_setup "$NAME"
cat >scn.json <<EOF
{
  "name": "oadr-ven-e2e",
  "start": "2026-07-15T17:00:00Z",
  "duration_s": 45,
  "seed": 11,
  "output": {"interval_s": 1, "ven_sample": 0.01},
  "fleet": [{"name": "home", "count": $N,
             "loads": [{"type": "water_heater", "id": "wh1"},
                       {"type": "ev", "id": "ev1"},
                       {"type": "lighting", "id": "light1"}]}]
}
EOF
vtn_start scn.json
ven_start scn.json --set oadr_ven.poll_s=2
bl_token
# The event: 8 s from now, two 6 s intervals, PRICE and SIMPLE in each.
T0=$(python3 -c 'import time; print(int(time.time()) + 8)')
START=$(date -u -d "@$T0" +%Y-%m-%dT%H:%M:%SZ)
REPORT='"readingType": null, "startInterval": -1, "numIntervals": -1'
post_event "{
  \"programID\": \"$PROGRAM\", \"eventName\": \"price-and-simple\",
  \"intervalPeriod\": {\"start\": \"$START\", \"duration\": \"PT6S\"},
  \"payloadDescriptors\": [{\"objectType\": \"EVENT_PAYLOAD_DESCRIPTOR\",
     \"payloadType\": \"PRICE\", \"units\": \"KWH\", \"currency\": \"USD\"}],
  \"intervals\": [
    {\"id\": 0, \"payloads\": [{\"type\": \"PRICE\", \"values\": [0.5]},
                              {\"type\": \"SIMPLE\", \"values\": [2]}]},
    {\"id\": 1, \"payloads\": [{\"type\": \"PRICE\", \"values\": [0.9]},
                              {\"type\": \"SIMPLE\", \"values\": [2]}]}],
  \"reportDescriptors\": [
    {\"payloadType\": \"USAGE\", \"readingType\": \"DIRECT_READ\",
     \"units\": \"KWH\"},
    {\"payloadType\": \"DEMAND\", \"readingType\": \"MEAN\", \"units\": \"KW\"},
    {\"payloadType\": \"BASELINE\", \"readingType\": \"ESTIMATED\",
     \"units\": \"KW\"},
    {\"payloadType\": \"LOAD_SHED_DELTA_AVAILABLE\",
     \"readingType\": \"ESTIMATED\", \"units\": \"KW\"}]}"
ven_wait
vtn_stop

python3 - "$N" "$T0" <<'EOF' || fail "checks failed"
import json, sys
sys.path.insert(0, '.')
from oadr_check import dataset, table
n, t0 = int(sys.argv[1]), int(sys.argv[2])
s = json.load(open('sum.json'))
o = s['oadr']
print('oadr:', json.dumps(o))
bad = []
def want(cond, what):
    if not cond: bad.append(what)
want(o['enrolled'] == n, f"enrolled {o['enrolled']} != {n}")
want(o['events_applied'] >= n, f"events_applied {o['events_applied']} < {n}")
want(o['reports_sent'] == n, f"reports_sent {o['reports_sent']} != {n}")
want(o['reports_dropped'] == 0, f"reports_dropped {o['reports_dropped']}")
want(o['bad_payloads'] == 0, f"bad_payloads {o['bad_payloads']}")
want(o['token_fetches'] >= 1, "no token")
# The fleet's power: before the event, and during it (its own clock).
import datetime
start = datetime.datetime.fromisoformat(s['start'].replace('Z', '+00:00'))
ev0 = t0 - start.timestamp()
time_s = dataset('ven.h5', '/fleet/time_s')
power = dataset('ven.h5', '/fleet/power_kw')
before = [p for t, p in zip(time_s, power) if ev0 - 6 <= t < ev0 - 1]
during = [p for t, p in zip(time_s, power) if ev0 + 1 <= t < ev0 + 11]
mb, md = sum(before) / len(before), sum(during) / len(during)
print(f'fleet power: {mb:.1f} kW before, {md:.1f} kW during the event')
want(md < 0.8 * mb, f"power did not fall: {mb:.1f} -> {md:.1f} kW")
# The VTN's trace: one row per VEN, type and interval.
rows = table('vtn.h5', '/vtn/reports', ['ven', 'type', 'interval', 'value'])
vens = {r['ven'] for r in rows}
types = {}
for r in rows:
    types[r['type']] = types.get(r['type'], 0) + 1
print('VTN report rows:', len(rows), 'VENs:', len(vens), 'types:', types)
want(len(vens) == n, f"{len(vens)} VENs reported, not {n}")
for t in ('USAGE', 'DEMAND', 'BASELINE', 'LOAD_SHED_DELTA_AVAILABLE'):
    want(types.get(t) == 2 * n, f"{t}: {types.get(t)} rows, not {2 * n}")
# The VENs' own trace keeps what arrived, for replay.
inbound = table('ven.h5', '/oadr/inbound', ['ven', 'kind', 't_s'])
applied = [r for r in inbound if r['kind'] == '0']
want(len({r['ven'] for r in applied}) == n, "inbound: not every VEN")
if bad:
    print('\n'.join(bad))
    sys.exit(1)
EOF
echo "$NAME: ok"
