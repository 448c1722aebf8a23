#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The MQTT bridge over TLS and with passwords, against real mosquitto
# brokers on free loopback ports. Key material is made here with openssl
# (nothing committed): a CA, the broker's certificate, one certificate per
# simulated VEN (CN = venId) and one for the backend. Broker 1 requires a
# client certificate, takes its CN as the user name and applies an ACL by
# identity (pattern lines with %u). Checked:
#  - two simulated VENs connect with their own certificates (cert_pattern
#    relative to the scenario's directory), get a command from the backend
#    and ack it; the trace's /mqtt/counts agree with the summary;
#  - VEN A's certificate cannot publish on VEN B's topics nor read B's
#    commands (the backend sees A's own ack, never the forged one);
#  - a wrong CA: every attempt fails, the reason is printed, the attempts
#    and the dropped messages are counted, and the run completes;
#  - a VEN whose key file is missing: exit 2 naming the VEN and the path,
#    before the run (no trace written);
#  - broker 2 with a password file: right password from an environment
#    variable (and from the scenario, which the trace stores without it)
#    connects; a wrong one is refused, said and counted; while it is
#    stopped (SIGSTOP) publications beyond mqtt.max_pending_total are
#    dropped and counted, and the rest acknowledged once it resumes.
# Exits 77 (skipped) without mosquitto, openssl or a python3 with h5py.
#
# usage: bash mqtt_tls.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: mqtt_tls.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli mqtt_tls"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd openssl; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
    { echo "$NAME: SKIP: no $tool"; exit 77; }
done
# The first Python that has h5py (Debian's /usr/bin/python3 with
# python3-h5py; another python3 may come first on PATH without it): the
# trace checks below must run, not pass for want of it.
PY=""
for p in python3 /usr/bin/python3; do
  "$p" -c 'import h5py' 2>/dev/null && { PY=$p; break; }
done
[[ -n "$PY" ]] || { echo "$NAME: SKIP: no python3 with h5py"; exit 77; }
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-mqtt-tls.XXXXXX") || exit 1
PIDS=""
cleanup() {
  for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [[ -n "${GS_KEEP_TMP:-}" ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
cd "$TMP" || exit 1
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { # fail WHAT EXPECTED GOT
  failed=$((failed + 1))
  printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$3"
}
expect() { [[ "$2" == "$3" ]] && ok || fail "$1" "$2" "$3"; }
has() { # has WHAT FILE TEXT
  grep -qF -- "$3" "$2" && ok || fail "$1" "text '$3'" "$(head -c 600 "$2")"
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- Key material ------------------------------------------------------
mkdir -p scn/pki scn/certs wrong
SSL() { openssl "$@" >>openssl.log 2>&1 || { echo "$NAME: openssl $1 failed";
  cat openssl.log; exit 1; }; }
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
# make_ca DIR: a self-signed CA in DIR/ca.crt, DIR/ca.key.
make_ca() {
  SSL req -x509 "${EC[@]}" -keyout "$1/ca.key" -out "$1/ca.crt" -days 2 \
    -subj "/CN=gridsim test CA ${1//\//-}"
}
# make_cert NAME CN [SAN]: NAME.crt/.key signed by scn/pki's CA.
make_cert() {
  SSL req "${EC[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
  if [[ -n "${3:-}" ]]; then echo "subjectAltName=$3" >"$1.ext"
  else : >"$1.ext"; fi
  SSL x509 -req -in "$1.csr" -CA scn/pki/ca.crt -CAkey scn/pki/ca.key \
    -CAcreateserial -out "$1.crt" -days 2 -extfile "$1.ext"
}
make_ca scn/pki
make_ca wrong
make_cert server 127.0.0.1 "IP:127.0.0.1"
make_cert backend backend
for v in tls-0000 tls-0001; do make_cert "scn/certs/$v" "$v"; done

# ---- Broker 1: mutual TLS, identity = CN, ACL by identity ---------------
PORT1=$(free_port)
cat >acl <<'EOF'
pattern read ven/cmd/%u
pattern write ven/ack/%u
pattern write ven/telemetry/%u
pattern write ven/loads/%u
pattern readwrite $aws/things/%u/#
pattern write volttron/metering
pattern write volttron/dev
user backend
topic readwrite #
EOF
# mosquitto started as root drops to user "mosquitto", which could not
# read the files in this private directory: stay who we are.
ME=$(id -un)
cat >b1.conf <<EOF
user $ME
listener $PORT1 127.0.0.1
cafile $TMP/scn/pki/ca.crt
certfile $TMP/server.crt
keyfile $TMP/server.key
require_certificate true
use_identity_as_username true
acl_file $TMP/acl
persistence false
set_tcp_nodelay true
log_type error
log_type warning
log_type notice
log_type information
log_type debug
log_dest stderr
EOF
# As the backend: its own certificate, every right.
BK=(-h 127.0.0.1 -p "$PORT1" --cafile scn/pki/ca.crt --cert backend.crt
    --key backend.key)
A=(-h 127.0.0.1 -p "$PORT1" --cafile scn/pki/ca.crt -i attacker-a
   --cert scn/certs/tls-0000.crt --key scn/certs/tls-0000.key)

# start_broker CONF LOG PROBE...: runs mosquitto, waits until PROBE works.
start_broker() {
  local conf=$1 log=$2
  shift 2
  "$MOSQUITTO" -c "$conf" >>"$log" 2>&1 &
  PIDS="$PIDS $!"
  for _ in $(seq 50); do
    mosquitto_pub "$@" -t gs/probe -m x 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$NAME: mosquitto did not start ($conf)"; cat "$log"; exit 1
}
start_broker b1.conf b1.log "${BK[@]}"

# The backend's monitor, ready once a marker comes back.
mosquitto_sub "${BK[@]}" -v -t 'ven/#' -t gs/marker >sub.log 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do
  mosquitto_pub "${BK[@]}" -t gs/marker -m ready
  grep -q '^gs/marker ready' sub.log && break
  sleep 0.1
done

cat >scn/tls.json <<'EOF'
{
  "name": "mqtt-tls-test",
  "start": "2026-07-15T17:00:00Z",
  "duration_s": 200,
  "seed": 3,
  "output": {"interval_s": 10},
  "fleet": [{
    "name": "tls", "count": 2,
    "ven": {"latency_s": 0.001, "telemetry_interval_s": 5,
            "snapshot_interval_s": 30},
    "loads": [{"type": "lighting", "id": "lights1", "present": 1}]
  }],
  "program": {"events": []},
  "mqtt": {"tls": {"ca_file": "pki/ca.crt",
                   "cert_pattern": "certs/{venId}.crt",
                   "key_pattern": "certs/{venId}.key"}}
}
EOF

# Run 1: both VENs on their own certificates, paced at 10 (20 s): long
# enough for the handshakes, the pings and the ACL checks below to finish
# while the sessions are up, on a loaded machine under ASan too.
mkdir -p run1
(cd run1 && exec "$BIN" run ../scn/tls.json --no-twin --pace 10 \
   --mqtt "mqtts://127.0.0.1:$PORT1" --out out.h5 \
   --summary-json summary.json </dev/null >gs.out 2>gs.err) &
GS=$!
PIDS="$PIDS $GS"
# Commands once the sessions are up (their acks say so).
for i in $(seq 40); do
  for v in tls-0000 tls-0001; do
    mosquitto_pub "${BK[@]}" -q 1 -t "ven/cmd/$v" \
      -m "{\"op\":\"ping\",\"correlationId\":\"p-$v-$i\"}"
  done
  [[ $(grep -c '"op":"ping"' sub.log) -ge 2 ]] &&
    grep -q '^ven/ack/tls-0000 ' sub.log &&
    grep -q '^ven/ack/tls-0001 ' sub.log && break
  sleep 0.25
done
# VEN A's certificate: its own ack topic works, B's topics do not.
mosquitto_pub "${A[@]}" -q 1 -t ven/ack/tls-0000 -m legit-from-a 2>>a.err
mosquitto_pub "${A[@]}" -q 1 -t ven/ack/tls-0001 -m forged-by-a 2>>a.err
mosquitto_pub "${A[@]}" -q 1 -t ven/telemetry/tls-0001 -m forged-by-a \
  2>>a.err
mosquitto_pub "${A[@]}" -q 1 -t ven/cmd/tls-0001 \
  -m '{"op":"ping","correlationId":"forged-cmd"}' 2>>a.err
# ... nor read B's commands.
mosquitto_sub "${A[@]}" -t ven/cmd/tls-0001 -C 1 -W 3 >a_sub.log 2>&1 &
ASUB=$!
sleep 0.5
mosquitto_pub "${BK[@]}" -q 1 -t ven/cmd/tls-0001 \
  -m '{"op":"ping","correlationId":"for-b-only"}'
wait "$ASUB" 2>/dev/null
wait "$GS"
expect "mTLS run: exit status" 0 $?
sleep 0.3
has "ack of tls-0000 on its topic" sub.log '"correlationId":"p-tls-0000-'
has "ack of tls-0001 on its topic" sub.log '"correlationId":"p-tls-0001-'
has "telemetry of tls-0001" sub.log 'ven/telemetry/tls-0001 {'
has "A may publish on its own ack topic (the check below can fail)" \
  sub.log 'ven/ack/tls-0000 legit-from-a'
grep -q 'forged-by-a' sub.log &&
  fail "A's certificate cannot publish on B's topics" "no forged-by-a" \
    "$(grep forged sub.log)" || ok
grep -q 'forged-cmd' sub.log &&
  fail "A cannot command B" "no forged-cmd" "$(grep forged-cmd sub.log)" || ok
has "B got its command" sub.log '"correlationId":"for-b-only"'
grep -q 'for-b-only' a_sub.log &&
  fail "A's certificate cannot read B's commands" "nothing" \
    "$(cat a_sub.log)" || ok
has "A's client is user tls-0000 (its certificate's CN)" b1.log \
  "as attacker-a (p2, c1, k60, u'tls-0000')"
has "the broker denied A's publish on B's topic" b1.log \
  "Denied PUBLISH from attacker-a (d0, q1, r0, m1, 'ven/ack/tls-0001'"

"$PY" - run1/summary.json run1/out.h5 <<'PYEOF' || failed=$((failed + 1))
import json, sys
s = json.load(open(sys.argv[1]))["mqtt"]
bad = []
def check(what, ok):
    if not ok: bad.append(what)
check(f"tls true: {s.get('tls')}", s.get("tls") is True)
check(f"two sessions connected once: {s}", s["connects"] == 2 and
      s["connect_failures"] == 0 and s["reconnects"] == 0)
check(f"pings received: {s['received']}", s["received"] >= 2)
check(f"acked = sent, none dropped: {s}", s["acked"] == s["sent"] > 0 and
      s["dropped"] == 0)
import h5py
with h5py.File(sys.argv[2], "r") as f:
    g = f["mqtt/counts"]
    t = g["time_s"][:]
    check(f"/mqtt/counts/time_s every 10 s: {t[:4]}",
          len(t) >= 20 and list(t[:3]) == [0.0, 10.0, 20.0])
    check("/mqtt/counts rows = /fleet rows",
          len(t) == len(f["fleet/time_s"]))
    sent = g["sent"][:]
    check(f"/mqtt/counts/sent counts up: {sent}",
          all(b >= a for a, b in zip(sent, sent[1:])) and sent[-1] > 0)
    check("/mqtt/counts/sent is a count", g["sent"].attrs["units"] in
          (b"count", "count"))
    for k in ("sent", "acked", "dropped", "received", "connects",
              "connect_failures"):
        check(f"/mqtt/counts attribute {k} = summary "
              f"({g.attrs[k]} vs {s[k]})", int(g.attrs[k]) == s[k])
    check(f"/mqtt/counts/connected reaches 2: {g['connected'][:]}",
          max(g["connected"][:]) == 2)
for b in bad: print("FAIL (run 1):", b)
sys.exit(1 if bad else 0)
PYEOF
ok

# Run 2: a CA that did not sign the broker's certificate.
mkdir -p run2
(cd run2 && exec "$BIN" run ../scn/tls.json --no-out --no-twin --pace 20 \
   --set duration_s=60 --mqtt "mqtts://127.0.0.1:$PORT1" \
   --mqtt-ca ../wrong/ca.crt --summary-json summary.json \
   </dev/null >gs.out 2>gs.err)
expect "wrong CA: the run completes" 0 $?
has "wrong CA: the reason is printed" run2/gs.err "certificate verify failed"
has "wrong CA: the VEN is named" run2/gs.err "VEN tls-000"
"$PY" - run2/summary.json <<'PYEOF' || failed=$((failed + 1))
import json, sys
s = json.load(open(sys.argv[1]))["mqtt"]
ok = (s["connects"] == 0 and s["connect_failures"] >= 4 and
      s["dropped"] > 0 and s["sent"] == 0 and
      "certificate verify failed" in s.get("last_error", ""))
if not ok: print("FAIL (wrong CA): summary", s)
sys.exit(0 if ok else 1)
PYEOF
ok

# Run 3: a VEN without its key file: refused before the run.
mkdir -p run3/scn/certs
cp -r scn/pki run3/scn/
cp scn/tls.json scn/certs/tls-0000.* scn/certs/tls-0001.crt run3/scn/certs/ 2>/dev/null
mv run3/scn/certs/tls.json run3/scn/
(cd run3 && exec "$BIN" run scn/tls.json --no-twin --out out.h5 \
   --mqtt "mqtts://127.0.0.1:$PORT1" </dev/null >gs.out 2>gs.err)
expect "missing key: exit status 2" 2 $?
has "missing key: VEN and path named" run3/gs.err \
  "mqtt.tls.key_pattern: VEN tls-0001: cannot read scn/certs/tls-0001.key: No such file or directory"
[[ -e run3/out.h5 || -e run3/out.h5.partial ]] &&
  fail "missing key: no trace" "no out.h5" "$(ls run3)" || ok

# Malformed options.
"$BIN" run scn/tls.json --no-out --mqtt "mqtts://127.0.0.1:$PORT1" \
  --mqtt-cert backend.crt </dev/null >/dev/null 2>err4.txt
expect "--mqtt-cert without --mqtt-key: exit status" 2 $?
has "--mqtt-cert without --mqtt-key: message" err4.txt \
  "--mqtt-cert/--mqtt-key: expected a certificate and its key"
"$BIN" run scn/tls.json --no-out --mqtt "mqtts://127.0.0.1:$PORT1" \
  --mqtt-ca nowhere.crt </dev/null >/dev/null 2>err5.txt
expect "--mqtt-ca missing file: exit status" 2 $?
has "--mqtt-ca missing file: message" err5.txt \
  "mqtt.tls: cannot read nowhere.crt: No such file or directory"

# ---- Broker 2: user name and password --------------------------------
PORT2=$(free_port)
mosquitto_passwd -b -c pw.txt sim 'pw-1 x' >/dev/null 2>&1
mosquitto_passwd -b pw.txt backend bk >/dev/null 2>&1
chmod 600 pw.txt
printf 'user %s\nlistener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\npersistence false\nset_tcp_nodelay true\n' \
  "$ME" "$PORT2" "$TMP/pw.txt" >b2.conf
start_broker b2.conf b2.log -h 127.0.0.1 -p "$PORT2" -u backend -P bk
cat >pw.json <<'EOF'
{
  "name": "mqtt-pw-test", "start": "2026-07-15T17:00:00Z",
  "duration_s": 60, "seed": 3,
  "fleet": [{"name": "pw", "count": 2, "ven": {"latency_s": 0.001},
             "loads": [{"type": "lighting", "id": "lights1", "present": 1}]}],
  "program": {"events": []},
  "mqtt": {"username": "sim", "password_env": "GS_TEST_MQTT_PW"}
}
EOF
GS_TEST_MQTT_PW='pw-1 x' "$BIN" run pw.json --no-out --no-twin --pace 20 \
  --mqtt "mqtt://127.0.0.1:$PORT2" --summary-json pw_ok.json \
  </dev/null >pw_ok.out 2>pw_ok.err
expect "password from the environment: exit status" 0 $?
GS_TEST_MQTT_PW='wrong' "$BIN" run pw.json --no-out --no-twin --pace 20 \
  --mqtt "mqtt://127.0.0.1:$PORT2" --summary-json pw_bad.json \
  </dev/null >pw_bad.out 2>pw_bad.err
expect "wrong password: the run completes" 0 $?
has "wrong password: refusal printed" pw_bad.err "not authorised"
"$BIN" run pw.json --no-out --no-twin --pace 20 \
  --mqtt "mqtt://127.0.0.1:$PORT2" </dev/null >/dev/null 2>pw_unset.err
expect "password variable unset: exit status" 2 $?
has "password variable unset: message" pw_unset.err \
  "mqtt.password_env: environment variable GS_TEST_MQTT_PW is not set"
sed 's/"password_env": "GS_TEST_MQTT_PW"/"password": "pw-1 x"/' pw.json \
  >pw_file.json
"$BIN" run pw_file.json --out pw_file.h5 --no-twin --pace 20 \
  --mqtt "mqtt://127.0.0.1:$PORT2" --summary-json pw_file_ok.json \
  </dev/null >/dev/null 2>pw_file.err
expect "password from the scenario: exit status" 0 $?
"$PY" - pw_file.h5 <<'PYEOF' 2>/dev/null
import sys
import h5py
j = h5py.File(sys.argv[1], "r")["meta"].attrs["scenario_json"]
j = j.decode() if isinstance(j, bytes) else j
sys.exit(0 if "pw-1 x" not in j and '"(redacted)"' in j else 1)
PYEOF
expect "the trace's scenario_json holds no password" 0 $?
# A broker that stops answering (SIGSTOP) for 1.5 s: publications pile up
# unacknowledged until mqtt.max_pending_total, the rest are dropped, and
# all is acknowledged once it resumes; no session is lost.
B2=${PIDS##* }
GS_TEST_MQTT_PW='pw-1 x' "$BIN" run pw.json --no-out --no-twin --pace 20 \
  --set mqtt.max_pending_total=8 --set duration_s=80 \
  --mqtt "mqtt://127.0.0.1:$PORT2" --summary-json slow.json \
  </dev/null >slow.out 2>slow.err &
GSS=$!
sleep 1
kill -STOP "$B2"
sleep 1.5
kill -CONT "$B2"
wait "$GSS"
expect "stopped broker: the run completes" 0 $?
"$PY" - slow.json <<'PYEOF' || failed=$((failed + 1))
import json, sys
s = json.load(open(sys.argv[1]))["mqtt"]
ok = (s["dropped"] > 0 and s["connects"] == 2 and s["disconnects"] == 0 and
      s["sent"] == s["acked"] + s["unacked"] and s["acked"] > 8)
if not ok: print("FAIL (stopped broker): bounded, dropped, all acked:", s)
sys.exit(0 if ok else 1)
PYEOF
ok

"$PY" - pw_ok.json pw_bad.json pw_file_ok.json <<'PYEOF' ||
import json, sys
good, bad, file_ = (json.load(open(p))["mqtt"] for p in sys.argv[1:4])
fails = []
if not (good["connects"] == 2 and good["connect_failures"] == 0):
    fails.append(f"right password: 2 connects, no failures: {good}")
if not (file_["connects"] == 2 and file_["connect_failures"] == 0):
    fails.append(f"password in the scenario: 2 connects: {file_}")
if not (bad["connects"] == 0 and bad["connect_failures"] >= 4 and
        bad["dropped"] > 0 and "not authorised" in bad["last_error"]):
    fails.append(f"wrong password: refused, counted: {bad}")
for f in fails: print("FAIL:", f)
sys.exit(1 if fails else 0)
PYEOF
  failed=$((failed + 1))
ok

echo "$NAME: $passed passed, $failed failed"
if [[ $failed -ne 0 ]]; then
  for f in run1/gs.err run2/gs.err b1.log; do echo "--- $f"; tail -20 "$f"; done
  exit 1
fi
exit 0
