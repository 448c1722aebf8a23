#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The OpenADR 3 VEN role through VTN faults, against gridsim serve-vtn on
# a free loopback port:
#  1. tokens live 3 s and /reports and /events answer 503 for 10 s just
#     when the reports fall due: the VENs re-authenticate as tokens expire,
#     retry with back-off, and lose no report (the VTN's trace has every
#     one; the VENs' summary counts the 503s and retries, no drop);
#  2. the VTN is killed mid-run and restarted on the same port: requests
#     are refused while it is down, then answered 401 (the new VTN knows
#     no old token); the VENs fetch a new token and go on polling.
#
# usage: bash oadr_faults.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
# GRIDSIM_VTN=BIN runs the VTN from another gridsim build.
set -u

BIN=${1:?usage: oadr_faults.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: oadr_faults.sh GRIDSIM_BIN SOURCE_DIR}
VTN_BIN=${GRIDSIM_VTN:-$BIN}
NAME="cli oadr_faults"
N=20
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in curl python3 h5dump h5ls; do
  command -v "$tool" >/dev/null || { echo "$NAME: SKIP: no $tool"; exit 77; }
done
source "$SRC/tests/cli/lib/oadr.sh"

oadr_setup "$NAME"
cat >scn.json <<EOF
{
  "name": "oadr-faults",
  "start": "2026-07-15T17:00:00Z",
  "duration_s": 36,
  "seed": 5,
  "output": {"interval_s": 1, "ven_sample": 0.1},
  "fleet": [{"name": "home", "count": $N,
             "loads": [{"type": "water_heater", "id": "wh1"},
                       {"type": "lighting", "id": "light1"}]}]
}
EOF
CLIENTS='"clients": [{"id": "ven", "secret": "ven-secret", "role": "ven"},
                     {"id": "bl", "secret": "bl-secret", "role": "bl"}]'
cat >faults.json <<EOF
{$CLIENTS, "token_ttl_s": 3,
 "faults": {"unavailable": [{"from_s": 8, "to_s": 18}],
            "paths": ["/reports", "/events"], "retry_after_s": 1}}
EOF

# ---- 1. 503s and short-lived tokens: no report lost ----------------------
# The reports fall due 14 s after the VTN starts, within its 503 window.
T0=$(python3 -c 'import time; print(int(time.time()) + 10)')
vtn_start scn.json --config faults.json
ven_start scn.json --set oadr_ven.poll_s=1 --set oadr_ven.backoff_max_s=4
bl_token
START=$(date -u -d "@$T0" +%Y-%m-%dT%H:%M:%SZ)
post_event "{
  \"programID\": \"$PROGRAM\", \"eventName\": \"through-503\",
  \"intervalPeriod\": {\"start\": \"$START\", \"duration\": \"PT2S\"},
  \"intervals\": [
    {\"id\": 0, \"payloads\": [{\"type\": \"SIMPLE\", \"values\": [1]}]},
    {\"id\": 1, \"payloads\": [{\"type\": \"SIMPLE\", \"values\": [3]}]}],
  \"reportDescriptors\": [{\"payloadType\": \"USAGE\"},
                          {\"payloadType\": \"DEMAND\"},
                          {\"payloadType\": \"BASELINE\"},
                          {\"payloadType\": \"LOAD_SHED_DELTA_AVAILABLE\"}]}"
ven_wait
vtn_stop
python3 - "$N" <<'EOF' || fail "503 / token checks failed"
import json, sys
from oadr_check import table
n = int(sys.argv[1])
o = json.load(open('sum.json'))['oadr']
print('oadr:', json.dumps(o))
bad = []
def want(cond, what):
    if not cond: bad.append(what)
want(o['enrolled'] == n, f"enrolled {o['enrolled']}")
want(o['status_5xx'] > 0, "the VTN's 503s were not seen")
want(o['retries'] > 0, "nothing was retried")
want(o['token_fetches'] >= 6, f"{o['token_fetches']} tokens in 36 s of 3 s tokens")
want(o['reports_sent'] == n, f"reports_sent {o['reports_sent']} != {n}")
want(o['reports_dropped'] == 0, f"reports_dropped {o['reports_dropped']}")
rows = table('vtn.h5', '/vtn/reports', ['ven', 'type'])
want(len({r['ven'] for r in rows}) == n, "the VTN lacks some VENs' reports")
want(len(rows) == n * 2 * 4, f"{len(rows)} report values at the VTN, not {n * 8}")
rep = table('ven.h5', '/oadr/reports', ['ven', 'attempts', 'status'])
want(len(rep) == n, f"{len(rep)} reports in the VENs' trace")
want(all(r['status'] in ('200', '201') for r in rep), "a report not accepted")
want(max(int(r['attempts']) for r in rep) > 1, "no report needed a retry")
if bad:
    print('\n'.join(bad)); sys.exit(1)
EOF

# ---- 2. the VTN restarts: refused, then 401, then a new token -------------
rm -f vtn.h5 sum.json ven.h5
cat >plain.json <<EOF
{$CLIENTS}
EOF
vtn_start scn.json --config plain.json
ven_start scn.json --set oadr_ven.poll_s=1 --set oadr_ven.backoff_max_s=1 \
  --set duration_s=16
sleep 5
kill -9 "$VTN_PID"
wait "$VTN_PID" 2>/dev/null
VTN_PID=""
sleep 2
vtn_start scn.json --config plain.json
ven_wait
vtn_stop
python3 - <<'EOF' || fail "restart checks failed"
import json, sys
o = json.load(open('sum.json'))['oadr']
print('oadr:', json.dumps(o))
bad = []
if o['transport_errors'] == 0: bad.append('no refused request while down')
if o['unauthorized'] == 0: bad.append('no 401 after the restart')
if o['token_fetches'] < 2: bad.append('no new token after the 401')
if o['status_2xx'] < o['requests'] // 2: bad.append('polling did not resume')
if bad:
    print('\n'.join(bad)); sys.exit(1)
EOF
echo "$NAME: ok"
