#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A scenario's plain kW request (requested_kw, no signal) from gridsim's
# VTN to gridsim's VENs: serve-vtn publishes it as a negative
# DISPATCH_SETPOINT_RELATIVE (each targeted VEN's share of the shed, as a
# change of consumption), and the VENs shed: every VEN takes the event and
# the fleet's power falls during it by at least half the request.
#
# usage: bash oadr_shed.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: oadr_shed.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: oadr_shed.sh GRIDSIM_BIN SOURCE_DIR}
VTN_BIN=${GRIDSIM_VTN:-$BIN}
NAME="cli oadr_shed"
N=100
REQ_KW=40
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in curl python3 h5dump; do
  command -v "$tool" >/dev/null || { echo "$NAME: SKIP: no $tool"; exit 77; }
done
source "$SRC/tests/cli/lib/oadr.sh"

oadr_setup "$NAME"
# The VENs' homes: water heaters, EVs and lighting, a few kW each, so a
# 1.5 kW share per home is there to shed.
cat >ven.json <<EOF
{"name": "oadr-shed", "start": "2026-07-15T17:00:00Z", "duration_s": 40,
 "seed": 5, "output": {"interval_s": 1},
 "fleet": [{"name": "home", "count": $N,
            "loads": [{"type": "water_heater", "id": "wh1"},
                      {"type": "ev", "id": "ev1"},
                      {"type": "lighting", "id": "light1"}]}]}
EOF
# The VTN's study: the same fleet, one event 15 s after its start.
python3 - "$REQ_KW" <<'EOF'
import json, sys
s = json.load(open('ven.json'))
s['program'] = {'events': [{'id': 'shed', 'start_s': 15, 'duration_s': 15,
                            'requested_kw': float(sys.argv[1])}]}
json.dump(s, open('vtn.json', 'w'))
EOF
vtn_start vtn.json
ven_start ven.json --set oadr_ven.poll_s=2
T0=$(date +%s)
ven_wait
vtn_stop

python3 - "$N" "$REQ_KW" "$T0" <<'EOF' || fail "checks failed"
import json, sys
sys.path.insert(0, '.')
from oadr_check import dataset, table
n, req_kw = int(sys.argv[1]), float(sys.argv[2])
s = json.load(open('sum.json'))
o = s['oadr']
bad = []
def want(cond, what):
    if not cond: bad.append(what)
want(o['enrolled'] == n, f"enrolled {o['enrolled']} != {n}")
want(o['events_applied'] >= n, f"events_applied {o['events_applied']} < {n}")
want(o['bad_payloads'] == 0, f"bad_payloads {o['bad_payloads']}")
# When the VTN published the event, on the VENs' clock: both runs start
# "now", so the VTN's publication time is within a second or two of it.
pub = table('vtn.h5', '/vtn/events', None)
print('VTN events:', pub)
time_s = dataset('ven.h5', '/fleet/time_s')
power = dataset('ven.h5', '/fleet/power_kw')
inbound = table('ven.h5', '/oadr/inbound', ['ven', 'kind', 't_s'])
t_in = sorted(float(r['t_s']) for r in inbound if r['kind'] == '0')
want(len(t_in) >= n, f"{len(t_in)} events taken, not {n}")
if t_in:
    t_ev = max(t_in)
    before = [p for t, p in zip(time_s, power) if 2 <= t < t_in[0] - 1]
    during = [p for t, p in zip(time_s, power) if t_ev + 2 <= t < t_ev + 8]
    mb, md = sum(before) / max(len(before), 1), sum(during) / max(len(during), 1)
    print(f'fleet power: {mb:.1f} kW before, {md:.1f} kW during the event '
          f'(requested {req_kw:.0f} kW)')
    want(len(before) > 0 and len(during) > 0, "no samples around the event")
    want(mb - md >= 0.5 * req_kw,
         f"shed {mb - md:.1f} kW < half of the {req_kw:.0f} kW requested")
if bad:
    print('\n'.join(bad))
    sys.exit(1)
EOF
echo "$NAME: ok"
