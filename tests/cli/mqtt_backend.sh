#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The MQTT backend role and record/replay, against a real mosquitto on a
# free loopback port. One gridsim runs two simulated VENs (VEN role,
# --mqtt); another runs a simulated fleet of two with those two VENs and a
# third device "dev-1" listed as real_vens (--mqtt-backend), both paced at
# 10x. The test plays dev-1 (two telemetry messages, then silence) and a
# broken device (malformed telemetry and acks). It checks that the event
# reaches the real VENs as the platform's exact command, that their acks
# and telemetry enter the backend's DR figures, meters and trace, that the
# silent dev-1 is marked offline exactly offline_after_s after its last
# message and skipped by the dispatch, that malformed input is counted and
# logged, and that `gridsim replay` of both traces gives the same datasets.
# Exits 77 (skipped) without mosquitto or h5py.
#
# usage: bash mqtt_backend.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: mqtt_backend.sh GRIDSIM_BIN SOURCE_DIR}
SRC=${2:?usage: mqtt_backend.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli mqtt_backend"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
for tool in mosquitto mosquitto_sub mosquitto_pub; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] ||
    { echo "$NAME: SKIP: no $tool"; exit 77; }
done
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
PY=""
for p in python3 /usr/bin/python3; do
  "$p" -c 'import h5py, numpy' 2>/dev/null && { PY=$p; break; }
done
[[ -n "$PY" ]] || { echo "$NAME: SKIP: no python3 with h5py"; exit 77; }
SAME="$SRC/tests/tools/h5_same.py"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-mqttb.XXXXXX") || exit 1
BROKER="" SUB="" GSV="" GSB=""
cleanup() {
  for p in $GSV $GSB $SUB $BROKER; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [[ -n "${GS_KEEP_TMP:-}" ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
cd "$TMP" || exit 1
fail() { echo "$NAME: FAIL: $*"; exit 1; }

PORT=$($PY -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' \
  "$PORT" >mosquitto.conf
"$MOSQUITTO" -c mosquitto.conf >broker.log 2>&1 &
BROKER=$!
for _ in $(seq 50); do
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -t gs/probe -m x 2>/dev/null && break
  sleep 0.1
done
mosquitto_sub -h 127.0.0.1 -p "$PORT" -v -t 'ven/cmd/#' -t 'ven/ack/#' \
  -t gs/marker >sub.log 2>&1 &
SUB=$!
for _ in $(seq 50); do
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -t gs/marker -m ready
  grep -q '^gs/marker ready' sub.log && break
  sleep 0.1
done
pubm() { mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 "$@"; }

cat >vens.json <<'EOF'
{"name": "homes", "start": "2026-07-15T17:00:00Z", "duration_s": 240,
 "seed": 3, "output": {"interval_s": 10, "ven_sample": 1},
 "fleet": [{"name": "home", "count": 2,
   "ven": {"panel_amps": 200, "latency_s": 0.001, "telemetry_interval_s": 5,
           "snapshot_interval_s": 30},
   "loads": [{"type": "water_heater", "id": "heater1", "present": 1},
             {"type": "outlets", "id": "outlets1", "present": 1},
             {"type": "lighting", "id": "lights1", "present": 1}]}],
 "program": {"events": []}}
EOF
cat >backend.json <<'EOF'
{"name": "backend", "start": "2026-07-15T17:00:00Z", "duration_s": 240,
 "seed": 5, "output": {"interval_s": 10, "ven_sample": 1},
 "fleet": [{"name": "sim", "count": 2,
   "loads": [{"type": "water_heater", "id": "heater1", "present": 1},
             {"type": "lighting", "id": "lights1", "present": 1}]}],
 "real_vens": [{"ven_id": "home-0000", "transformer": "f0-t0000"},
               {"ven_id": "home-0001", "feeder": "f0", "capability_kw": 2},
               {"ven_id": "dev-1"}],
 "program": {"offline_after_s": 20,
   "events": [{"id": "42", "start_s": 60, "duration_s": 120,
               "requested_kw": 4}]}}
EOF

"$BIN" run backend.json --pace 10 --mqtt-backend "mqtt://127.0.0.1:$PORT" \
  --out backend.h5 --summary-json bsum.json </dev/null >gsb.out 2>gsb.err &
GSB=$!
"$BIN" run vens.json --pace 10 --mqtt "mqtt://127.0.0.1:$PORT" --no-twin \
  --out vens.h5 --summary-json vsum.json </dev/null >gsv.out 2>gsv.err &
GSV=$!
# The backend's session is up once the broker logs it (and subscribed
# right after its CONNACK).
for _ in $(seq 50); do
  grep -q 'as gridsim-backend-' broker.log && break
  sleep 0.1
done
sleep 0.3
# dev-1: two reports, then silence; a broken device: malformed input.
for i in 1 2; do
  pubm -t volttron/metering -m "{\"venId\":\"dev-1\",\"timestamp\":$i,\"usedPowerKw\":0.5,\"loads\":[{\"id\":\"a\",\"shedCapabilityKw\":0.5}]}"
  sleep 0.3
done
pubm -t volttron/metering -m '{not json'
pubm -t volttron/metering -m '{"venId":"home-0000"}'
pubm -t volttron/metering -m '{"venId":"home-0000","timestamp":1,"loads":[{"loadId":"x"}]}'
pubm -t volttron/metering -m '{"venId":"home-0000","timestamp":1,"usedPowerKw":"abc"}'
printf '\xff\xfe\x00' | pubm -t volttron/metering -s
pubm -t ven/ack/home-0000 -m 'garbage'
pubm -t volttron/metering -m '{"venId":"nobody","timestamp":1}'
# The VEN role's inbound side, recorded for its replay too: a malformed
# command (an error ack, which the backend takes as an ack) and a shadow
# delta.
pubm -t ven/cmd/home-0000 -m '{not json'
pubm -t '$aws/things/home-0001/shadow/update/delta' \
  -m '{"state":{"loads":[{"id":"lights1","enabled":false}]}}'

wait "$GSB"; RB=$?
wait "$GSV"; RV=$?
GSB="" GSV=""
[[ $RB == 0 ]] || { cat gsb.err; fail "backend run exited $RB"; }
[[ $RV == 0 ]] || { cat gsv.err; fail "VEN run exited $RV"; }
grep -q 'ignored' gsb.err || { cat gsb.err; fail "malformed input not logged"; }
grep -q 'real VENs: 3 listed' gsb.out || { cat gsb.out; fail "no real VEN line"; }
"$PY" - <<'EOF' || fail "VEN role did not take the command and delta"
import json, h5py
s = json.load(open("vsum.json"))["mqtt"]
assert s["received"] == 5 and s["shadow_deltas"] == 1, s  # 2 events, 2 restores, 1 bad
roles = h5py.File("vens.h5", "r")["mqtt/inbound/role"][:]
assert len(roles) == 6 and (roles == 0).all(), roles
EOF

# The platform's exact commands on the wire (the contract's form).
"$PY" - <<'EOF' || fail "commands on the wire"
import re
lines = open("sub.log").read().splitlines()
for ven in ("home-0000", "home-0001"):
    ev = [l for l in lines if l.startswith(f"ven/cmd/{ven} ") and '"op":"event"' in l]
    rs = [l for l in lines if l.startswith(f"ven/cmd/{ven} ") and '"op":"restore"' in l]
    assert len(ev) == 1 and len(rs) == 1, (ven, ev, rs)
    want = (r'^ven/cmd/%s \{"op":"event","correlationId":"evt-42-[0-9a-f]{8}",'
            r'"venId":"%s","event_id":"42","shed_kw":1\.0,"duration_sec":120,'
            r'"data":\{"event_id":"42","requestedReductionKw":1\.0,'
            r'"duration_s":120\}\}$') % (ven, ven)
    assert re.match(want, ev[0]), ev[0]
    want = (r'^ven/cmd/%s \{"op":"restore","correlationId":"restore-42-'
            r'[0-9a-f]{8}","venId":"%s","event_id":"42","data":\{'
            r'"event_id":"42"\}\}$') % (ven, ven)
    assert re.match(want, rs[0]), rs[0]
assert not any(l.startswith("ven/cmd/dev-1") for l in lines), "offline dev-1 was sent a command"
print("commands: contract form, one event and one restore per online real VEN")
EOF

# The backend's figures, meters and trace.
"$PY" - <<'EOF' || fail "backend results"
import json
import h5py
import numpy as np
s = json.load(open("bsum.json"))
d = s["dr_events"][0]
assert d["targeted_vens"] == 4, d          # 2 simulated + 2 real online
assert d["skipped_offline"] == 1, d        # dev-1, silent since ~sim 15 s
assert d["acks"] + d["opt_outs"] == 4 and d["lost"] == 0, d
rv = s["real_vens"]
assert rv["count"] == 3 and rv["errors"] == 6 and rv["unknown"] == 1, rv
assert rv["telemetry"] > 40 and rv["acks"] >= 4, rv   # 2 VENs x 48 + dev-1
f = h5py.File("backend.h5", "r")
assert [x.decode() for x in f["real_ven/ids"][:]] == ["home-0000", "home-0001", "dev-1"]
assert f["real_ven"].attrs["errors"] == 6
# Metered power: the fleet is the simulated VENs plus the real VENs' reports.
fleet = f["fleet/power_kw"][:]
sim = f["ven/power_kw"][:].sum(axis=1)
real = f["real_ven/power_kw"][:]
assert np.allclose(fleet, sim + real.sum(axis=1), atol=1e-9), (fleet, sim, real)
# ... each under its place: home-0000 on the transformer, home-0001 on the
# feeder, dev-1 (no place given) on the fleet only.
xf = f["transformer/power_kw"][:, 0]
fd = f["feeder/power_kw"][:, 0]
assert np.allclose(xf, sim + real[:, 0], atol=1e-9), (xf, sim, real)
assert np.allclose(fd, xf + real[:, 1], atol=1e-9), (fd, xf, real)
assert np.allclose(fleet, fd + real[:, 2], atol=1e-9), (fleet, fd, real)
assert (real[3:, 2] == 0.5).all(), real[:, 2]   # dev-1's report, held
assert (real[5:, 0] > 0).all() and (real[5:, 1] > 0).all(), real
# Every value held is one the VEN reported in telemetry.
inb = f["mqtt/inbound"]
rep = {}
for t, top, p, role in zip(inb["time_us"], inb["topic"], inb["payload"], inb["role"]):
    if role != 1 or top != b"volttron/metering":
        continue
    try:
        m = json.loads(bytes(p))
        rep.setdefault(m["venId"], []).append((int(t), float(m["usedPowerKw"])))
    except Exception:
        pass
for col, ven in ((0, "home-0000"), (1, "home-0001")):
    vals = {round(v, 9) for _, v in rep[ven]} | {0.0}
    assert all(round(x, 9) in vals for x in real[:, col]), (ven, real[:, col], vals)
# Acks in the log, from the real VENs (VEN index 2 + r), with their shed.
acks = f["log/acks"][:]
acks_real = acks[acks["ven"] >= 2]
assert sorted(acks_real["ven"].tolist()) == [2, 3], acks
cmds = f["log/commands"][:]
assert sorted(cmds[cmds["ven"] >= 2]["ven"].tolist()) == [2, 2, 3, 3], cmds
acked = sum(a["shed_kw"] for a in acks)
assert abs(acked - d["acked_shed_kw"]) < 1e-6, (acked, d)
# dev-1 (index 2): online at its first report, offline exactly 20 s after
# its last one.
st_t, st_v, st_on = (f["real_ven/" + k][:] for k in
                     ("status_time_us", "status_ven", "status_online"))
dev = [(int(t), int(o)) for t, v, o in zip(st_t, st_v, st_on) if v == 2]
assert [o for _, o in dev] == [1, 0], dev
last = max(t for t, _ in rep["dev-1"])
assert dev[1][0] - last == 20_000_000, (dev, last)
assert dev[0][0] == min(t for t, _ in rep["dev-1"]), dev
print("backend: dispatch, acks, meters, offline mark and errors as expected")
EOF

# Replay: offline, unpaced, the same datasets (only /mqtt mode may differ;
# the live bridge's counts, /mqtt/counts, have no bridge to come from).
for tr in backend vens; do
  T0=$(date +%s)
  "$BIN" replay "$tr.h5" --out "$tr-replay.h5" --quiet ||
    fail "replay of $tr.h5 exited $?"
  (( $(date +%s) - T0 < 20 )) || fail "replay of $tr.h5 was not unpaced"
  "$PY" "$SAME" "$tr.h5" "$tr-replay.h5" --allow /mqtt@mode \
    --ignore /mqtt/counts ||
    fail "replay of $tr.h5 differs"
done
# The replay of a replay is the same again, and a broken trace is an error.
"$BIN" replay backend-replay.h5 --out again.h5 --quiet || fail "replay twice"
"$PY" "$SAME" backend-replay.h5 again.h5 >/dev/null || fail "replay twice differs"
echo "not hdf5" >bad.h5
"$BIN" replay bad.h5 --out x.h5 2>bad.err; RC=$?
[[ $RC == 1 ]] && grep -q 'bad.h5' bad.err || fail "bad trace: exit $RC"
"$BIN" replay backend.h5 --mqtt mqtt://127.0.0.1:1 2>/dev/null; RC=$?
[[ $RC == 2 ]] || fail "replay --mqtt: exit $RC, expected 2"
echo "$NAME: ok"
