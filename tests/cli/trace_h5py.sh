#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A trace read with h5py and pandas (Debian's python3-h5py, python3-pandas),
# as the README shows: every dataset has units, the tables become data
# frames, the state enum maps names to values, the log adds up to the DR
# results, the counterfactual twin is stored.
#
# usage: bash trace_h5py.sh GRIDSIM_BIN SOURCE_DIR   (run by ctest)
set -u

BIN=${1:?usage: trace_h5py.sh GRIDSIM_BIN SOURCE_DIR}
NAME="cli trace_h5py"
[[ -x "$BIN" ]] || { echo "$NAME: not executable: $BIN"; exit 1; }
PY=""
for p in python3 /usr/bin/python3; do
  "$p" -c 'import h5py, pandas' 2>/dev/null && { PY=$p; break; }
done
[[ -n "$PY" ]] || { echo "$NAME: SKIP: no python3 with h5py and pandas"; exit 77; }

"$BIN" info --help >/dev/null 2>&1 || {
  echo "$NAME: SKIP: needs the trace integration in sim/run.c, sim/cli.c"
  exit 77
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gs-cli-h5py.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1

timeout 300 "$BIN" run --vens 300 --seed 5 --quiet --out "$TMP/a.h5" \
  --set 'fleet[0].ven.opt_out_prob=0.2' --set 'fleet[0].ven.outages_per_day=2' \
  </dev/null >"$TMP/run.out" 2>&1 ||
  { echo "$NAME: FAIL: run: $(head -c 400 "$TMP/run.out")"; exit 1; }

"$PY" - "$TMP/a.h5" <<'PY'
import sys
import h5py
import numpy as np
import pandas as pd

failed = []
def check(what, cond, got=""):
    if not cond:
        failed.append(f"{what}: got {got}")

f = h5py.File(sys.argv[1], "r")
meta = f["meta"].attrs
check("format", meta["format"] == b"gridsim-trace" or meta["format"] == "gridsim-trace",
      meta["format"])
check("complete", int(meta["complete"]) == 1, meta["complete"])

def visit(name, obj):
    if isinstance(obj, h5py.Dataset):
        u = obj.attrs.get("units")
        check(f"/{name} has units", u is not None, None)
        if obj.dtype.names:
            check(f"/{name} units per field", len(u) == len(obj.dtype.names),
                  (len(u), obj.dtype.names))
f.visititems(visit)

# The README's recipes.
fleet = pd.DataFrame({k: f["fleet"][k][:] for k in f["fleet"]})
check("fleet rows", len(fleet) == 289, len(fleet))
check("fleet energy", abs(fleet.energy_kwh.iloc[-1] - f["fleet"].attrs["energy_kwh"]) < 1e-6,
      (fleet.energy_kwh.iloc[-1], f["fleet"].attrs["energy_kwh"]))
acks = pd.DataFrame(f["log/acks"][:])
outs = pd.DataFrame(f["log/opt_outs"][:])
perf = pd.DataFrame(f["dr/performance"][:])
check("acks accepted", (acks.status == 0).sum() == perf.acks[0], (acks.status == 0).sum())
check("opt-outs", len(outs) == perf.opt_outs[0] > 0, (len(outs), perf.opt_outs[0]))
states = h5py.check_enum_dtype(f["ven/state"].dtype)
check("state enum", states == {"normal": 0, "shedding": 1, "opted_out": 2, "offline": 3},
      states)
ids = [s.decode() for s in f["ven/ids"][:]]
power = pd.DataFrame(f["ven/power_kw"][:], columns=ids, index=fleet.time_s)
check("ven columns", power.shape == (289, 15) and ids[0] == "suburb-0000",
      (power.shape, ids[:2]))
ev = f["dr/events"][0]
cf = f["dr/counterfactual_power_kw"][:, 0]
inside = (fleet.time_s > ev["start_s"]) & (fleet.time_s <= ev["start_s"] + ev["duration_s"])
check("twin stored", not np.isnan(cf).any(), np.isnan(cf).sum())
check("twin above actual in the event",
      (cf[inside] - fleet.power_kw[inside]).mean() > 0,
      (cf[inside] - fleet.power_kw[inside]).mean())
check("twin equals actual before", np.array_equal(cf[fleet.time_s < ev["start_s"]],
      fleet.power_kw[fleet.time_s < ev["start_s"]].to_numpy()), "differs")
faults = pd.DataFrame(f["log/faults"][:])
off = (f["ven/state"][:] == 3).sum()
check("offline rows with faults", off == 0 or len(faults) > 0, (off, len(faults)))

if failed:
    print("\n".join("FAIL: " + x for x in failed))
    sys.exit(1)
print(f"cli trace_h5py: {len(fleet)} rows, {len(acks)} acks, {len(outs)} opt-outs read")
PY
