#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The VTN's MQTT notifier against a real mosquitto on a free loopback port:
# /notifiers announces the broker, a VEN registers and asks for its topic
# names, and an event published two seconds in (targeted at the VEN's
# group) arrives on the all-events topic, the program's events topic and
# the VEN's own topic, while an event for another group does not reach the
# VEN's topic. Exits 77 without mosquitto, mosquitto_sub, curl or python3.
#
# usage: bash vtn_mqtt.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: vtn_mqtt.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli vtn_mqtt"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in mosquitto mosquitto_sub mosquitto_pub curl python3; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
    { echo "$NAME: SKIP: no $tool"; exit 77; }
done
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-vtn-mqtt.XXXXXX") || exit 1
BROKER="" SUB="" GS=""
cleanup() {
  for p in $GS $SUB $BROKER; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [[ -n "${GS_KEEP_TMP:-}" ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
cd "$TMP" || exit 1
FAILS=0
fail() { echo "$NAME: FAIL: $*"; FAILS=$((FAILS + 1)); }

PORT=$(python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' \
  "$PORT" >mosquitto.conf
"$MOSQUITTO" -c mosquitto.conf >broker.log 2>&1 &
BROKER=$!
for _ in $(seq 50); do
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -t gs/probe -m x 2>/dev/null && break
  sleep 0.1
done
mosquitto_sub -h 127.0.0.1 -p "$PORT" -v -t 'oa/#' -t gs/marker >sub.log 2>&1 &
SUB=$!
for _ in $(seq 50); do
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -t gs/marker -m ready
  grep -q '^gs/marker ready' sub.log && break
  sleep 0.1
done

cat >scn.json <<'EOF'
{
  "name": "vtn-mqtt",
  "start": "2026-07-15T17:00:00Z",
  "duration_s": 600,
  "fleet": [{"name": "home", "count": 2, "loads": []},
            {"name": "shop", "count": 1, "loads": []}],
  "program": {"events": [
    {"id": "for-home", "start_s": 60, "duration_s": 60, "notice_s": 57,
     "target": {"group": "home"}, "signal": {"type": "SIMPLE", "level": 1}},
    {"id": "for-shop", "start_s": 60, "duration_s": 60, "notice_s": 57,
     "target": {"group": "shop"}, "signal": {"type": "SIMPLE", "level": 2}}
  ]}
}
EOF
cat >cfg.json <<EOF
{"clients": [{"id": "ven", "secret": "s", "role": "ven"}],
 "mqtt": {"url": "mqtt://127.0.0.1:$PORT", "topic_prefix": "oa", "qos": 1}}
EOF
"$BIN" serve-vtn scn.json --listen 127.0.0.1:0 --config cfg.json --no-out \
  </dev/null >gs.out 2>gs.err &
GS=$!
URL=""
for _ in $(seq 100); do
  URL=$(grep -o 'http://127.0.0.1:[0-9]*' gs.out 2>/dev/null | head -n 1)
  [[ -n "$URL" ]] && break
  sleep 0.1
done
[[ -n "$URL" ]] || { echo "$NAME: FAIL: no URL line"; cat gs.err; exit 1; }
TOK=$(curl -s -d grant_type=client_credentials -d client_id=ven \
  -d client_secret=s "$URL/auth/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
H="Authorization: Bearer $TOK"

out=$(curl -s -H "$H" "$URL/notifiers")
[[ $out == '{"WEBHOOK":true,"MQTT":{"URIS":["mqtt://127.0.0.1:'$PORT'"],"serialization":"JSON","authentication":{"method":"ANONYMOUS"}}}' ]] ||
  fail "notifiers: $out"
VID=$(curl -s -H "$H" -H 'Content-Type: application/json' \
  -d '{"objectType":"VEN_VEN_REQUEST","venName":"home-0001"}' "$URL/vens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
out=$(curl -s -H "$H" "$URL/notifiers/mqtt/topics/vens/$VID/events")
[[ $out == '{"topics":{"CREATE":"oa/vens/'$VID'/events/create",'* ]] ||
  fail "VEN topics: $out"
out=$(curl -s -o /dev/null -w '%{http_code}' -H "$H" \
  "$URL/notifiers/mqtt/topics/events")
[[ $out == 403 ]] || fail "all-events topics for a VEN: $out"

for _ in $(seq 60); do
  grep -q "^oa/vens/$VID/events/create" sub.log && \
    grep -c '^oa/events/create' sub.log | grep -q 2 && break
  sleep 0.1
done
grep -q '^oa/events/create {"objectType":"EVENT","operation":"CREATE","object":{"programID":"program-0","eventName":"for-home"' sub.log ||
  fail "no all-events notification: $(cat sub.log)"
grep -q '^oa/programs/program-0/events/create .*"eventName":"for-shop"' sub.log ||
  fail "no program-events notification for for-shop"
n=$(grep -c "^oa/vens/$VID/events/create" sub.log)
[[ $n == 1 ]] || fail "$n notifications on the VEN's topic, expected 1"
grep "^oa/vens/$VID/events/create" sub.log | grep -q '"eventName":"for-home"' ||
  fail "the VEN's topic carries the wrong event"

kill -INT "$GS"
wait "$GS"
GS=""
grep -q 'mqtt notifier: [1-9][0-9]* published, 0 dropped, 1 connects' gs.out ||
  fail "summary: $(cat gs.out)"
[[ $FAILS == 0 ]] || { echo "--- gs.out"; cat gs.out; echo "--- sub.log"; cat sub.log; exit 1; }
echo "$NAME: ok"
