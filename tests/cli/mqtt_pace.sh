#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Paced runs and the bridge's failure modes from the command line: --pace
# follows the wall clock, bad --pace / --mqtt values exit 2, SIGINT ends a
# paced wait at once (130), a run whose broker refuses every connection
# still completes and counts what it dropped, and --set start=now stamps
# messages with the real time (that part only with mosquitto installed).
#
# usage: bash mqtt_pace.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: mqtt_pace.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli mqtt_pace"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
command -v python3 >/dev/null || { echo "$NAME: SKIP: no python3"; exit 77; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-pace.XXXXXX") || exit 1
BROKER="" PID=""
trap 'for p in $PID $BROKER; do kill -9 "$p" 2>/dev/null; done; wait \
  2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); }
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$3"
}
expect() { [[ "$2" == "$3" ]] && ok || fail "$1" "$2" "$3"; }
# within WHAT LO HI VALUE: LO <= VALUE <= HI (decimals allowed).
within() {
  python3 -c "import sys; sys.exit(0 if $2 <= $4 <= $3 else 1)" && ok ||
    fail "$1" "[$2, $3]" "$4"
}
jq_() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cat >scn.json <<'EOF'
{"name": "pace-test", "start": "2026-07-15T17:00:00Z", "duration_s": 30,
 "seed": 3, "output": {"interval_s": 10},
 "fleet": [{"name": "pv", "count": 2,
            "ven": {"telemetry_interval_s": 5, "snapshot_interval_s": 30},
            "loads": [{"type": "fridge", "id": "fridge1", "present": 1},
                      {"type": "lighting", "id": "lights1", "present": 1}]}],
 "program": {"events": []}}
EOF

# Bad values: exit 2 with a message naming the option.
for bad in 0 -1 abc 1e10 nan; do
  "$BIN" run scn.json --no-out --pace "$bad" >/dev/null 2>err.txt
  expect "--pace $bad: exit status" 2 $?
  grep -q -- "--pace: expected a number > 0" err.txt && ok ||
    fail "--pace $bad: message" "--pace: expected a number > 0" \
      "$(cat err.txt)"
done
for bad in tcp://h mqtts://h:0 mqtt://h:99999; do
  "$BIN" run scn.json --no-out --mqtt "$bad" >/dev/null 2>err.txt
  expect "--mqtt $bad: exit status" 2 $?
  grep -q -- "--mqtt" err.txt && ok || fail "--mqtt $bad: message" \
    "a message about --mqtt" "$(cat err.txt)"
done

# Batch runs are unchanged: no pace or mqtt in their summary.
"$BIN" run scn.json --no-out --no-twin -q --summary-json batch.json
expect "batch run: exit status" 0 $?
expect "batch summary has no pace/mqtt" "False False" \
  "$(jq_ batch.json "'pace' in d, 'mqtt' in d")"

# 30 simulated s at 10x: 3 s of wall time.
T0=$(date +%s.%N)
"$BIN" run scn.json --no-out --no-twin -q --pace 10 --summary-json paced.json
expect "paced run: exit status" 0 $?
T1=$(date +%s.%N)
within "30 simulated s at pace 10 (wall s)" 2.9 4.5 \
  "$(python3 -c "print($T1 - $T0)")"
expect "paced summary: factor" 10 "$(jq_ paced.json "d['pace']['factor']")"
expect "a paced run gives the batch run's events and energy" \
  "$(jq_ batch.json "d['event_digest'], d['events_processed'], d['fleet']")" \
  "$(jq_ paced.json "d['event_digest'], d['events_processed'], d['fleet']")"

# SIGINT during a long paced wait: out within a second, status 130.
"$BIN" run scn.json --no-out --no-twin -q --pace 0.001 &
PID=$!
sleep 1
T0=$(date +%s.%N)
kill -INT "$PID"
wait "$PID"
expect "SIGINT in a paced wait: exit status" 130 $?
PID=""
T1=$(date +%s.%N)
within "SIGINT: seconds to exit" 0 1 "$(python3 -c "print($T1 - $T0)")"

# A broker that refuses every connection: the run completes on time.
PORT=$(free_port)
T0=$(date +%s.%N)
"$BIN" run scn.json --no-out --no-twin -q --pace 10 \
  --mqtt "mqtt://127.0.0.1:$PORT" --summary-json refused.json
expect "no broker: exit status" 0 $?
T1=$(date +%s.%N)
within "no broker: wall s" 2.9 5 "$(python3 -c "print($T1 - $T0)")"
expect "no broker: nothing sent, all dropped, attempts failed" \
  "0 0 True True" \
  "$(jq_ refused.json "d['mqtt']['sent'], d['mqtt']['connects'], \
d['mqtt']['dropped'] >= 12, d['mqtt']['connect_failures'] >= 2")"

# --set start=now: at pace 1 the stamps are the real time.
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
if [[ -x "$MOSQUITTO" ]] && command -v mosquitto_sub >/dev/null; then
  PORT=$(free_port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$PORT" >m.conf
  "$MOSQUITTO" -c m.conf >broker.log 2>&1 &
  BROKER=$!
  for _ in $(seq 50); do
    mosquitto_pub -h 127.0.0.1 -p "$PORT" -t probe -m x 2>/dev/null && break
    sleep 0.1
  done
  timeout 20 mosquitto_sub -h 127.0.0.1 -p "$PORT" -t 'ven/telemetry/#' \
    -C 4 >now.log 2>&1 &
  SUB=$!
  sleep 0.5
  "$BIN" run scn.json --no-out --no-twin -q --set start=now \
    --set duration_s=12 --mqtt "mqtt://127.0.0.1:$PORT"
  expect "start=now: exit status" 0 $?
  wait "$SUB"
  python3 - <<'PYEOF' && ok || fail "start=now: telemetry stamped now" \
    "|timestamp - receipt| <= 2 s" "$(cat now.log)"
import json, sys, os, time
lines = open("now.log").read().split("\n")
msgs = [json.loads(l) for l in lines if l.startswith("{")]
receipt = os.path.getmtime("now.log")
sys.exit(0 if len(msgs) == 4 and
         all(abs(m["timestamp"] - receipt) <= 6 for m in msgs) and
         abs(msgs[-1]["timestamp"] - receipt) <= 2 else 1)
PYEOF
  kill "$BROKER" 2>/dev/null
  wait "$BROKER" 2>/dev/null
  BROKER=""
else
  echo "$NAME: no mosquitto: start=now part skipped"
fi

echo "$NAME: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
