#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Conformance of the OpenADR 3 VEN role: `gridsim run --vtn` talks to
# gridsim serve-vtn through Prism (`prism proxy SPEC VTN`), which checks
# every request the VENs make (token, VEN_VEN_REQUEST, programs,
# notifiers, subscriptions, events with targets and paging, reports) and
# every answer against the OpenADR 3.1.0 OpenAPI document and logs each
# violation. The test fails on any violation but one defect of the 3.1.0
# document itself (a `ven` object must be objectMetadata, objectType
# PROGRAM..RESOURCE, and BlVenRequest, objectType BL_VEN_REQUEST: nothing
# satisfies both; the VTN answers "VEN" as the Definition shows).
#
# The spec is looked for at SOURCE_DIR/../shared/openadr3/3.1.0/ (or
# $GS_OPENADR_SPEC); without it the test exits 77 saying so, and likewise
# without Prism ($GS_PRISM, or the copy .ci/prism.sh installs into
# ${XDG_CACHE_HOME:-~/.cache}/gridsim/prism) and npm to install it.
#
# usage: bash oadr_prism.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: oadr_prism.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: oadr_prism.sh GRIDSIM_BIN SOURCE_DIR}
VTN_BIN=${GRIDSIM_VTN:-$BIN}
NAME="cli oadr_prism"
N=20
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
SPEC=${GS_OPENADR_SPEC:-$SRC/../shared/openadr3/3.1.0/openadr3.yaml}
if [[ ! -f "$SPEC" ]]; then
  echo "$NAME: SKIP: the OpenADR 3.1.0 spec is absent ($SPEC)"
  exit 77
fi
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "$NAME: SKIP: no $tool"; exit 77; }
done
PRISM_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/gridsim/prism"
PRISM=${GS_PRISM:-$PRISM_DIR/node_modules/.bin/prism}
if [[ ! -x "$PRISM" ]]; then
  if ! command -v npm >/dev/null || [[ ! -f "$SRC/.ci/prism.sh" ]]; then
    echo "$NAME: SKIP: no Prism (@stoplight/prism-cli) and no way to" \
         "install it (npm, .ci/prism.sh)"
    exit 77
  fi
  bash "$SRC/.ci/prism.sh" "$PRISM_DIR" ||
    { echo "$NAME: FAIL: cannot install Prism"; exit 1; }
fi
source "$SRC/tests/cli/lib/oadr.sh"
oadr_setup "$NAME"
PRISM_PID=""
trap 'kill -9 $PRISM_PID 2>/dev/null; oadr_cleanup' EXIT

cat >scn.json <<EOF
{"name": "oadr-prism", "start": "2026-07-15T17:00:00Z", "duration_s": 30,
 "seed": 2, "fleet": [{"name": "home", "count": $N,
   "loads": [{"type": "water_heater", "id": "wh1"},
             {"type": "ev", "id": "ev1"}]}]}
EOF
vtn_start scn.json
VTN_URL=$URL
PP=$(free_port)
"$PRISM" proxy "$SPEC" "$VTN_URL" -p "$PP" -h 127.0.0.1 >prism.log 2>&1 &
PRISM_PID=$!
for _ in $(seq 300); do
  grep -q 'Prism is listening' prism.log && break
  kill -0 "$PRISM_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q 'Prism is listening' prism.log || fail "Prism did not start"

# The VENs go through Prism; the business logic straight to the VTN.
URL="http://127.0.0.1:$PP"
ven_start scn.json --set oadr_ven.poll_s=1 --set oadr_ven.page_limit=5
URL=$VTN_URL
bl_token
T0=$(python3 -c 'import time; print(int(time.time()) + 8)')
START=$(date -u -d "@$T0" +%Y-%m-%dT%H:%M:%SZ)
post_event "{
  \"programID\": \"$PROGRAM\", \"targets\": [\"home\"],
  \"intervalPeriod\": {\"start\": \"$START\", \"duration\": \"PT4S\",
                       \"randomizeStart\": \"PT1S\"},
  \"payloadDescriptors\": [{\"objectType\": \"EVENT_PAYLOAD_DESCRIPTOR\",
     \"payloadType\": \"PRICE\", \"units\": \"KWH\", \"currency\": \"USD\"}],
  \"intervals\": [
    {\"id\": 0, \"payloads\": [{\"type\": \"PRICE\", \"values\": [0.7]},
                              {\"type\": \"SIMPLE\", \"values\": [1]}]},
    {\"id\": 1, \"payloads\": [{\"type\": \"PRICE\", \"values\": [0.2]},
                              {\"type\": \"SIMPLE\", \"values\": [0]}]}],
  \"reportDescriptors\": [
    {\"payloadType\": \"USAGE\", \"readingType\": \"DIRECT_READ\",
     \"units\": \"KWH\", \"frequency\": 1},
    {\"payloadType\": \"DEMAND\", \"readingType\": \"MEAN\", \"units\": \"KW\",
     \"frequency\": 1},
    {\"payloadType\": \"BASELINE\"},
    {\"payloadType\": \"LOAD_SHED_DELTA_AVAILABLE\"}]}"
ven_wait
vtn_stop
kill "$PRISM_PID" 2>/dev/null
wait "$PRISM_PID" 2>/dev/null
PRISM_PID=""

python3 - "$N" <<'EOF' || fail "conformance"
import json, re, sys
n = int(sys.argv[1])
o = json.load(open('sum.json'))['oadr']
print('oadr:', json.dumps(o))
log = re.sub(r'\x1b\[[0-9;]*m', '', open('prism.log', errors='replace').read())
viol = [l for l in log.splitlines() if 'Violation:' in l]
known = [l for l in viol if 'response.body.objectType' in l and
         l.rstrip().endswith('allowed values: BL_VEN_REQUEST')]
other = [l for l in viol if l not in known]
print(f'Prism: {len(viol)} violations, {len(known)} of them the spec\'s '
      f'own ven objectType contradiction')
for l in other[:10]:
    print('  ', l.strip())
bad = []
if other: bad.append(f'{len(other)} violations')
# Prism saw the VENs' traffic of every kind.
# (POST /auth/token goes where /auth/server says: the VTN's own host.)
for what in ('get /auth/server', 'get /vens', 'post /vens', 'get /programs',
             'get /notifiers', 'post /subscriptions', 'get /events',
             'post /reports'):
    if what not in log.lower(): bad.append(f'Prism saw no {what}')
if o['enrolled'] != n: bad.append(f"enrolled {o['enrolled']}")
# Two reports per VEN (frequency 1 for USAGE and DEMAND), one more for
# the descriptors without a frequency.
if o['reports_sent'] != 3 * n: bad.append(f"reports_sent {o['reports_sent']}")
if o['status_4xx'] or o['status_5xx'] or o['bad_payloads']:
    bad.append('errors seen by the VENs')
if bad:
    print('\n'.join(bad)); sys.exit(1)
EOF
echo "$NAME: ok"
