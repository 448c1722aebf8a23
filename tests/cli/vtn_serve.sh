#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `gridsim serve-vtn` on a free loopback port, driven with curl as a VEN
# would: the token URL from /auth/server, a token, a bad token (401), the
# program, VEN registration, events with a targets filter, a webhook
# subscription that hears an event published two seconds in (a python
# receiver), a report, malformed JSON (400), an unknown path (404), a
# faulted path (503 + Retry-After), token expiry (401); then SIGINT (exit
# 130) and the report, enrollment and events in the HDF5 trace. Bad
# --config and --listen exit 2. Exits 77 without curl or python3.
#
# usage: bash vtn_serve.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: vtn_serve.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli vtn_serve"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "$NAME: SKIP: no $tool"; exit 77; }
done
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-vtn.XXXXXX") || exit 1
GS="" RECV=""
cleanup() {
  for p in $GS $RECV; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [[ -n "${GS_KEEP_TMP:-}" ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
cd "$TMP" || exit 1
FAILS=0
fail() { echo "$NAME: FAIL: $*"; FAILS=$((FAILS + 1)); }

cat >scn.json <<'EOF'
{
  "name": "vtn-cli",
  "start": "2026-07-15T17:00:00Z",
  "duration_s": 600,
  "seed": 7,
  "fleet": [
    {"name": "home", "count": 4, "loads": []},
    {"name": "shop", "count": 2, "loads": []}],
  "program": {"events": [
    {"id": "shed-all", "start_s": 60, "duration_s": 300, "notice_s": 60,
     "requested_kw": 12},
    {"id": "simple-home", "start_s": 120, "duration_s": 120,
     "notice_s": 120, "target": {"group": "home"},
     "signal": {"type": "SIMPLE", "level": 2}},
    {"id": "price-shop", "start_s": 90, "duration_s": 120,
     "notice_s": 88, "target": {"group": "shop"},
     "signal": {"type": "PRICE", "interval_s": 60, "prices": [0.2, 0.3]}}
  ]}
}
EOF
cat >cfg.json <<'EOF'
{"clients": [{"id": "ven", "secret": "s3cret", "role": "ven"}],
 "token_ttl_s": 4,
 "faults": {"unavailable": [{"from_s": 0, "to_s": 100000}],
            "paths": ["/resources"], "retry_after_s": 3}}
EOF

# A webhook receiver: each POST body becomes one line of hooks.log.
cat >recv.py <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n).decode()
        with open("hooks.log", "a") as f:
            f.write(self.headers.get("Authorization", "") + " " + body + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open("recv.port", "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
$PY recv.py & RECV=$!

# Bad input first: exit 2 with a message, nothing served.
echo '{"clients": []}' >bad.json
"$BIN" serve-vtn scn.json --config bad.json --no-out >/dev/null 2>err.txt
rc=$?
[[ $rc == 2 ]] || fail "bad --config: exit $rc, expected 2"
grep -q 'bad.json: \$.clients: expected a non-empty array' err.txt ||
  fail "bad --config message: $(cat err.txt)"
"$BIN" serve-vtn scn.json --listen nowhere --no-out >/dev/null 2>err.txt
rc=$?
[[ $rc == 2 ]] || fail "bad --listen: exit $rc, expected 2"

# A study that runs to its end: 2 s, then 0.5 s of lingering; exit 0 and a
# complete trace.
cat >short.json <<'EOF'
{"name": "short", "start": "2026-07-15T17:00:00Z", "duration_s": 2,
 "fleet": [{"name": "home", "count": 1, "loads": []}],
 "program": {"events": []}}
EOF
t0=$(date +%s.%N)
"$BIN" serve-vtn short.json --listen 127.0.0.1:0 --linger 0.5 \
  --out short.h5 </dev/null >short.out 2>&1
rc=$?
t=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
[[ $rc == 0 ]] || fail "study to its end: exit $rc: $(cat short.out)"
grep -q 'serving 0.5 s more for late reports' short.out ||
  fail "no linger line: $(cat short.out)"
python3 -c "import sys; sys.exit(not (2.4 <= $t <= 6))" ||
  fail "the 2 s study (+0.5 s) took $t s"
"$BIN" serve-vtn scn.json --linger -1 --no-out >/dev/null 2>&1
rc=$?
[[ $rc == 2 ]] || fail "--linger -1: exit $rc, expected 2"

"$BIN" serve-vtn scn.json --listen 127.0.0.1:0 --config cfg.json \
  --out trace.h5 </dev/null >gs.out 2>gs.err &
GS=$!
URL=""
for _ in $(seq 100); do
  URL=$(grep -o 'http://127.0.0.1:[0-9]*' gs.out 2>/dev/null | head -n 1)
  [[ -n "$URL" && -s recv.port ]] && break
  sleep 0.1
done
[[ -n "$URL" ]] || { echo "$NAME: FAIL: no URL line"; cat gs.out gs.err; exit 1; }
# The study starts at the next whole second: the first two events are
# published then (their notice covers their start).
for _ in $(seq 100); do
  grep -q 'published event event-1' gs.out && break
  sleep 0.1
done

# req METHOD PATH [TOKEN] [BODY]: prints "STATUS BODY" (one line).
req() {
  local auth=() data=()
  [[ -n "${3:-}" ]] && auth=(-H "Authorization: Bearer $3")
  [[ -n "${4:-}" ]] && data=(-H 'Content-Type: application/json' -d "$4")
  curl -s -o body.txt -w '%{http_code}' -X "$1" "${auth[@]}" "${data[@]}" \
    "$URL$2"
  printf ' %s\n' "$(cat body.txt)"
}
json() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

TOKEN_URL=$(curl -s "$URL/auth/server" | json 'd["tokenURL"]')
[[ "$TOKEN_URL" == "$URL/auth/token" ]] || fail "tokenURL '$TOKEN_URL'"
TOK=$(curl -s -d grant_type=client_credentials -d client_id=ven \
  -d client_secret=s3cret "$TOKEN_URL" | json 'd["access_token"]')
[[ ${#TOK} == 32 ]] || fail "token '$TOK'"
out=$(curl -s -o /dev/null -w '%{http_code}' -d grant_type=client_credentials \
  -d client_id=ven -d client_secret=wrong "$TOKEN_URL")
[[ $out == 401 ]] || fail "wrong secret: $out"

out=$(req GET /programs nosuchtoken)
[[ $out == "401 "*'"status":401'* ]] || fail "bad token: $out"
out=$(req GET /programs "$TOK")
[[ $out == '200 [{"programName":"vtn-cli"'* ]] || fail "programs: $out"
PID=$(cat body.txt | json 'd[0]["id"]')

out=$(req POST /vens "$TOK" '{"objectType":"VEN_VEN_REQUEST","venName":"home-0001"}')
[[ $out == "201 "* ]] || fail "register VEN: $out"

out=$(req GET "/events?targets=home-0001&targets=home" "$TOK")
names=$(cat body.txt | json '",".join(e["eventName"] for e in d)')
[[ $names == "shed-all,simple-home" ]] || fail "events for home: $out"
out=$(req GET "/events?targets=shop&programID=$PID" "$TOK")
names=$(cat body.txt | json '",".join(e["eventName"] for e in d)')
[[ $names == "shed-all" ]] || fail "events for shop before 2 s: $out"
out=$(req GET "/events?limit=1&skip=1" "$TOK")
names=$(cat body.txt | json '",".join(e["eventName"] for e in d)')
[[ $names == "simple-home" ]] || fail "paging: $out"
out=$(req GET "/events?limit=99" "$TOK")
[[ $out == "400 "*'"status":400'* ]] || fail "limit 99: $out"

# The price event is published 2 s in: the subscription hears it.
HOOK="http://127.0.0.1:$(cat recv.port)/hook"
out=$(req POST /subscriptions "$TOK" "{\"clientName\":\"home-0001\",\
\"objectOperations\":[{\"objects\":[\"EVENT\"],\"operations\":[\"CREATE\"],\
\"callbackUrl\":\"$HOOK\",\"bearerToken\":\"hooktok\"}]}")
[[ $out == "201 "* ]] || fail "subscribe: $out"

EID=$(req GET /events "$TOK" >/dev/null; cat body.txt | json 'd[0]["id"]')
out=$(req POST /reports "$TOK" "{\"eventID\":\"$EID\",\"clientName\":\"home-0001\",\
\"resources\":[{\"resourceName\":\"meter\",\"intervals\":[{\"id\":0,\
\"payloads\":[{\"type\":\"USAGE\",\"values\":[1.5]},\
{\"type\":\"DEMAND\",\"values\":[3.25]}]}]}]}")
[[ $out == "201 "*'"clientID":"ven"'* ]] || fail "report: $out"
out=$(req POST /reports "$TOK" '{"eventID": ')
[[ $out == "400 "*'"title":"Bad Request","status":400,"detail":"malformed JSON'* ]] ||
  fail "malformed JSON: $out"
out=$(req GET /no/such/path "$TOK")
[[ $out == "404 "*'"status":404'* ]] || fail "unknown path: $out"
hdr=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOK" "$URL/resources")
[[ $hdr == *" 503"* && $hdr == *"Retry-After: 3"* ]] || fail "503: $hdr"

for _ in $(seq 50); do
  grep -q price-shop hooks.log 2>/dev/null && break
  sleep 0.1
done
grep -q '^Bearer hooktok {"objectType":"EVENT","operation":"CREATE","object":{"programID":"'"$PID"'","eventName":"price-shop"' hooks.log ||
  fail "webhook: $(cat hooks.log 2>/dev/null)"
out=$(req GET "/events?targets=shop&programID=$PID" "$TOK")
names=$(cat body.txt | json '",".join(e["eventName"] for e in d)')
[[ $names == "shed-all,price-shop" ]] || fail "events for shop: $out"

sleep 2.5 # past the 4 s token lifetime
out=$(req GET /programs "$TOK")
[[ $out == "401 "*expired* ]] || fail "expired token: $out"

kill -INT "$GS"
wait "$GS"
rc=$?
GS=""
[[ $rc == 130 ]] || fail "SIGINT: exit $rc, expected 130"
grep -q '1 report(s) received' gs.out || fail "summary: $(cat gs.out)"
[[ -f trace.h5 && ! -e trace.h5.partial ]] || fail "no trace.h5"

if $PY -c 'import h5py' 2>/dev/null; then
  $PY - <<'EOF' || fail "trace contents"
import h5py, sys
f = h5py.File("trace.h5", "r")
r = f["/vtn/reports"][:]
rows = sorted((x["ven"].decode(), x["type"].decode(), float(x["value"]),
               int(x["scenario_event"])) for x in r)
want = [("home-0001", "DEMAND", 3.25, 0), ("home-0001", "USAGE", 1.5, 0)]
if rows != want:
    sys.exit(f"reports {rows} != {want}")
e = f["/vtn/enrollment"][:]
if e[-1]["vens"] != 1 or e[-1]["subscriptions"] != 1:
    sys.exit(f"enrollment {e}")
ch = [(x["object_type"].decode(), x["operation"].decode(), x["name"].decode())
      for x in f["/vtn/changes"][:]]
want = [("VEN", "CREATE", "home-0001"), ("SUBSCRIPTION", "CREATE", "home-0001"),
        ("REPORT", "CREATE", "home-0001")]
if ch != want:
    sys.exit(f"changes {ch} != {want}")
ev = sorted(int(x["scenario_event"]) for x in f["/vtn/events"][:])
if ev != [0, 1, 2]:
    sys.exit(f"events {ev}")
if f["/vtn"].attrs["complete"] != 0:
    sys.exit("an interrupted study's trace is marked complete")
if h5py.File("short.h5", "r")["/vtn"].attrs["complete"] != 1:
    sys.exit("a study run to its end is not marked complete")
if f["/vtn"].attrs["openadr_version"] != b"3.1.0" and \
   f["/vtn"].attrs["openadr_version"] != "3.1.0":
    sys.exit("version attribute")
EOF
elif command -v h5dump >/dev/null; then
  h5dump -d /vtn/reports trace.h5 | grep -q '"USAGE"' || fail "h5dump: no USAGE row"
else
  echo "$NAME: no h5py or h5dump: trace contents not checked"
fi

[[ $FAILS == 0 ]] || { echo "--- gs.out"; cat gs.out; echo "--- gs.err"; cat gs.err; exit 1; }
echo "$NAME: ok"
