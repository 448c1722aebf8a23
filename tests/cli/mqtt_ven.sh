#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The MQTT bridge, VEN role, against a real mosquitto on a free loopback
# port: two simulated VENs paced at 20x for 10 simulated minutes. As the
# platform's backend would, the test subscribes to telemetry and acks and
# publishes commands (the contract's event, ping, restore, malformed JSON,
# an unknown op, a wrong type); it checks telemetry every 5 simulated s
# per VEN with the contract's fields, acks field by field, error acks;
# then kills the broker mid-run (SIGKILL), restarts it, and checks that
# gridsim keeps running, reconnects, resubscribes, and counts the dropped
# messages in its summary. Exits 77 (skipped) without mosquitto.
#
# usage: bash mqtt_ven.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: mqtt_ven.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: mqtt_ven.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli mqtt_ven"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in mosquitto mosquitto_sub mosquitto_pub python3; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
    { echo "$NAME: SKIP: no $tool"; exit 77; }
done
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-mqtt.XXXXXX") || exit 1
BROKER="" SUB="" GS=""
cleanup() {
  for p in $GS $SUB $BROKER; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  # GS_KEEP_TMP=1 keeps the logs (broker, subscriptions, gridsim) to look at.
  if [[ -n "${GS_KEEP_TMP:-}" ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
cd "$TMP" || exit 1

PORT=$(python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' \
  "$PORT" >mosquitto.conf
[[ -n "${GS_KEEP_TMP:-}" ]] && echo 'log_type all' >>mosquitto.conf

# start_broker: runs mosquitto and waits until it accepts connections.
start_broker() {
  "$MOSQUITTO" -c mosquitto.conf >>broker.log 2>&1 &
  BROKER=$!
  for _ in $(seq 50); do
    mosquitto_pub -h 127.0.0.1 -p "$PORT" -t gs/probe -m x 2>/dev/null &&
      return 0
    sleep 0.1
  done
  echo "$NAME: mosquitto did not start on port $PORT"; cat broker.log
  exit 1
}

# start_sub FILE: subscribes as the backend and monitoring would, and
# waits until a marker published afterwards shows up in FILE.
start_sub() {
  mosquitto_sub -h 127.0.0.1 -p "$PORT" -v -t 'ven/#' -t volttron/metering \
    -t volttron/dev -t '$aws/things/+/shadow/update' -t gs/marker \
    >"$1" 2>&1 &
  SUB=$!
  for _ in $(seq 50); do
    mosquitto_pub -h 127.0.0.1 -p "$PORT" -t gs/marker -m ready
    grep -q '^gs/marker ready' "$1" && return 0
    sleep 0.1
  done
  echo "$NAME: mosquitto_sub did not start"; exit 1
}

pub() { # pub VEN PAYLOAD
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t "ven/cmd/$1" -m "$2"
}

cat >scn.json <<'EOF'
{
  "name": "mqtt-test",
  "start": "2026-07-15T17:00:00Z",
  "duration_s": 600,
  "seed": 7,
  "output": {"interval_s": 60},
  "fleet": [{
    "name": "tv", "count": 2,
    "ven": {"panel_amps": 200, "latency_s": 0.001,
            "telemetry_interval_s": 5, "snapshot_interval_s": 30},
    "loads": [
      {"type": "hvac", "id": "hvac1", "present": 1},
      {"type": "water_heater", "id": "heater1", "present": 1},
      {"type": "ev", "id": "ev1", "present": 1},
      {"type": "lighting", "id": "lights1", "present": 1},
      {"type": "fridge", "id": "fridge1", "present": 1}
    ]
  }],
  "program": {"events": []},
  "mqtt": {"max_pending": 100, "qos": 1}
}
EOF

start_broker
start_sub sub1.log
T0=$(date +%s.%N)
"$BIN" run scn.json --no-out --no-twin --pace 20 \
  --mqtt "mqtt://127.0.0.1:$PORT" --summary-json summary.json \
  </dev/null >gs.out 2>gs.err &
GS=$!
sleep 2
# The contract's command file, addressed to tv-0000.
EVENT=$(sed 's/ven-alpha/tv-0000/' \
  "$SRC/../shared/contract/samples/cmd_event.json" 2>/dev/null)
[[ -n "$EVENT" ]] || EVENT='{"op":"event","correlationId":"evt-1-abcd1234","venId":"tv-0000","event_id":"1","shed_kw":3.0,"duration_sec":120,"data":{"event_id":"1","requestedReductionKw":3.0,"duration_s":120}}'
pub tv-0000 '{"op":"ping","correlationId":"ping-1"}'
pub tv-0000 "$EVENT"
pub tv-0001 '{not json'
pub tv-0001 '{"op":"fly","correlationId":"unk-1","venId":"tv-0001"}'
pub tv-0001 '{"op":"event","correlationId":"type-1","shed_kw":"abc"}'
# More bad input: not an object, empty, not UTF-8, no op, op of the wrong
# type, data of the wrong type or with a wrong field; then a ping, which
# must still be answered.
pub tv-0001 '[1,2]'
mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t ven/cmd/tv-0001 -n
pub tv-0001 "$(printf '{"op":"ping","correlationId":"\xff\xfe"}')"
pub tv-0001 '{"correlationId":"noop-1","venId":"tv-0001"}'
pub tv-0001 '{"op":5,"correlationId":"optype-1"}'
pub tv-0001 '{"op":"setLoad","correlationId":"data-1","data":"ev1"}'
pub tv-0001 '{"op":"shedLoad","correlationId":"data-2","data":{"loadId":"ev1","reduceKw":"lots","durationS":60}}'
pub tv-0001 '{"op":"ping","correlationId":"alive-1"}'
sleep 1
pub tv-0000 '{"op":"restore","correlationId":"restore-1-x","venId":"tv-0000","event_id":"1","data":{"event_id":"1"}}'
sleep 3

# The broker dies mid-run and comes back two seconds later.
kill -9 "$BROKER" "$SUB" 2>/dev/null
wait "$BROKER" "$SUB" 2>/dev/null
BROKER="" SUB=""
sleep 2
kill -0 "$GS" 2>/dev/null && GS_ALIVE=1 || GS_ALIVE=0
start_broker
start_sub sub2.log
# Commands reach a VEN again once its session has resubscribed.
for i in $(seq 40); do
  pub tv-0001 "{\"op\":\"ping\",\"correlationId\":\"ping-after-$i\"}"
  grep -q '^ven/ack/tv-0001 .*"correlationId":"ping-after-' sub2.log &&
    break
  sleep 0.5
done
wait "$GS"
RC=$?
GS=""
T1=$(date +%s.%N)
sleep 0.3
kill "$SUB" 2>/dev/null

python3 - "$RC" "$GS_ALIVE" "$T0" "$T1" "$SRC" <<'PYEOF'
import json, os, sys
rc, alive, t0, t1, src = int(sys.argv[1]), int(sys.argv[2]), \
    float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
passed = failed = 0
def check(what, want, got):
    global passed, failed
    if want == got:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}\n  expected: {want!r}\n  got:      {got!r}")

def read(path):
    msgs = []
    for line in open(path, errors="replace"):
        topic, _, payload = line.rstrip("\n").partition(" ")
        msgs.append((topic, payload))
    return msgs

check("gridsim exit status", 0, rc)
check("gridsim alive while the broker was down", 1, alive)
wall = t1 - t0
check("600 simulated s at pace 20 take 30 s of wall time (+-20 %)",
      True, 24 <= wall <= 36)
before, after = read("sub1.log"), read("sub2.log")

# Telemetry: every 5 simulated seconds per VEN, on both topics, same text.
tel = {v: [json.loads(p) for t, p in before if t == f"ven/telemetry/{v}"]
       for v in ("tv-0000", "tv-0001")}
met = [p for t, p in before if t == "volttron/metering"]
per_ven = [p for t, p in before if t.startswith("ven/telemetry/")]
check("metering and per-VEN telemetry carry the same payloads",
      sorted(per_ven), sorted(met))
for v, msgs in tel.items():
    check(f"{v}: at least 10 telemetry messages before the kill", True,
          len(msgs) >= 10)
    gaps = {b["timestamp"] - a["timestamp"] for a, b in zip(msgs, msgs[1:])}
    check(f"{v}: telemetry every 5 simulated s", {5}, gaps)
    check(f"{v}: venId", {v}, {m["venId"] for m in msgs})
    nums = [m["message_num"] for m in msgs]
    check(f"{v}: message_num counts up by one", list(range(nums[0],
          nums[0] + len(nums))), nums)

# Field names against the platform's captured telemetry (shared/contract
# when present beside the checkout, else the contract's list).
sample_path = os.path.join(src, "..", "shared", "contract", "samples",
                           "telemetry_metering.json")
if os.path.exists(sample_path):
    sample = json.load(open(sample_path))
    top_keys, load_keys = set(sample), set(sample["loads"][0])
else:
    top_keys = {"venId", "timestamp", "usedPowerKw", "shedPowerKw",
                "requestedReductionKw", "eventId", "baselinePowerKw",
                "message_num", "panelAmperageRating", "panelVoltage",
                "panelMaxKw", "currentAmps", "panelUtilizationPercent",
                "loads", "power_kw", "shed_kw", "base_power_kw", "ts",
                "active_event"}
    load_keys = {"id", "name", "type", "capacityKw", "currentPowerKw",
                 "shedCapabilityKw", "enabled", "priority"}
top_keys.discard("batterySoc")  # only with a battery
m = tel["tv-0000"][0]
check("telemetry keys equal the contract's", sorted(top_keys),
      sorted(set(m) - {"batterySoc"}))
check("every load has the contract's keys (id, not loadId)",
      [sorted(load_keys)] * len(m["loads"]),
      [sorted(l) for l in m["loads"]])
check("telemetry timestamp is the simulated clock (start + whole s)", True,
      1784134800 <= m["timestamp"] <= 1784134800 + 600)

# Acks, field by field.
acks = {}
for t, p in before + after:
    if t.startswith("ven/ack/"):
        a = json.loads(p)
        acks.setdefault(a.get("correlationId"), []).append((t, a))
def ack(corr):
    got = acks.get(corr, [])
    check(f"one ack for {corr}", 1, len(got))
    return got[0] if got else ("", {})
t, a = ack("ping-1")
check("ping ack topic", "ven/ack/tv-0000", t)
check("ping ack", {"op": "ping", "status": "success", "pong": True,
                   "correlationId": "ping-1"},
      {k: a.get(k) for k in ("op", "status", "pong", "correlationId")})
t, a = ack("evt-1-abcd1234")
check("event ack topic", "ven/ack/tv-0000", t)
check("event ack fields", ["actual_shed_kw", "circuits_curtailed",
      "correlationId", "event_id", "op", "requested_shed_kw", "status",
      "ts"], sorted(a))
check("event ack op/status/event_id/requested",
      ("event", True, "1", 3.0),
      (a.get("op"), a.get("status") in ("accepted", "rejected"),
       a.get("event_id"), a.get("requested_shed_kw")))
check("event ack sheds at most the request", True,
      0 <= a.get("actual_shed_kw", -1) <= 3.0 + 1e-9)
t, a = ack("restore-1-x")
check("restore ack", ("restore", "success"), (a.get("op"), a.get("status")))
errs = [a for t, a in acks.get(None, []) if t == "ven/ack/tv-0001"]
check("four error acks without correlationId (not JSON, an array, empty, "
      "not UTF-8)", 4, len(errs))
for e in errs:
    check("uncorrelated bad input: op null, status error, a message",
          (None, "error", True), (e.get("op"), e.get("status"),
                                  bool(e.get("message"))))
for corr in ("noop-1", "optype-1", "data-1", "data-2"):
    t, a = ack(corr)
    check(f"{corr}: error ack on tv-0001 with a message",
          ("ven/ack/tv-0001", "error", True),
          (t, a.get("status"), bool(a.get("message"))))
t, a = ack("alive-1")
check("a ping after the bad input is answered: the VEN keeps running",
      ("ven/ack/tv-0001", "ping", "success"),
      (t, a.get("op"), a.get("status")))
t, a = ack("unk-1")
check("unknown op: error ack", ("error", True),
      (a.get("status"), bool(a.get("message"))))
t, a = ack("type-1")
check("non-numeric shed_kw: error ack", ("error", True),
      (a.get("status"), bool(a.get("message"))))

# After the restart: sessions back, resubscribed, telemetry flowing.
pongs = [p for t, p in after if t == "ven/ack/tv-0001" and
         '"correlationId":"ping-after-' in p]
check("a ping after the restart is answered (resubscribed)", True,
      len(pongs) >= 1)
for v in ("tv-0000", "tv-0001"):
    check(f"{v}: telemetry after the restart", True,
          any(t == f"ven/telemetry/{v}" for t, p in after))

s = json.load(open("summary.json"))
mq = s.get("mqtt", {})
check("summary: 2 sessions", 2, mq.get("sessions"))
check("summary: both sessions were lost and came back", True,
      mq.get("disconnects", 0) >= 2 and mq.get("connects", 0) >= 4)
check("summary: messages dropped while the broker was down", True,
      mq.get("dropped", 0) > 0)
check("summary: commands received", True, mq.get("received", 0) >= 15)
check("summary: acked <= sent", True, 0 < mq.get("acked", 0) <= mq.get("sent", 0))
check("summary: pace factor", 20, s.get("pace", {}).get("factor"))
for k in ("sent", "acked", "dropped", "late", "unacked", "connect_failures"):
    check(f"summary: mqtt.{k} is a count", True,
          isinstance(mq.get(k), (int, float)) and mq.get(k) >= 0)
print(f"cli mqtt_ven: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PYEOF
STATUS=$?
if [[ $STATUS -ne 0 ]]; then
  echo "--- gridsim stdout"; cat gs.out; echo "--- gridsim stderr"; cat gs.err
fi
exit $STATUS
