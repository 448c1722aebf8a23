#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draws a gridsim trace: fleet power against its counterfactual and the DR
target, events shaded, and what the sampled VENs were doing.

usage: gridsim-plot.py TRACE --png OUT [--title TEXT] [--hours FROM TO]

Needs h5py and matplotlib (Debian: python3-h5py python3-matplotlib).
Exit status: 0 written, 1 a runtime error, 2 TRACE is not a gridsim trace
or cannot be read, 3 h5py or matplotlib missing.
"""
import argparse
import datetime as dt
import sys

try:
    import h5py
    import numpy as np
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
except ImportError as e:  # pragma: no cover - depends on the host
    print(f"gridsim-plot: {e.name} is missing: install python3-h5py and "
          f"python3-matplotlib", file=sys.stderr)
    sys.exit(3)

STATES = ("normal", "shedding", "opted_out", "offline")
STATE_COLOURS = ("#c8c8c8", "#2b8cbe", "#fdae61", "#d7191c")


def text(v):
    """An HDF5 string (bytes or str) as str."""
    return v.decode() if isinstance(v, bytes) else str(v)


def load(path):
    """The parts of the trace the plot uses, as plain arrays."""
    f = h5py.File(path, "r")
    meta = f["meta"].attrs
    if text(meta.get("format", b"")) != "gridsim-trace":
        raise ValueError("not a gridsim trace (no /meta format "
                         "\"gridsim-trace\")")
    t = {
        "name": text(meta["scenario_name"]),
        "seed": int(meta["seed"]),
        "vens": int(meta["vens"]),
        "complete": bool(meta["complete"]),
        "t0": dt.datetime.fromtimestamp(int(meta["start_unix_s"]),
                                        dt.timezone.utc).replace(tzinfo=None)
        + dt.timedelta(hours=float(meta.get("utc_offset_h", 0.0))),
        "time_s": f["fleet/time_s"][:],
        "power_kw": f["fleet/power_kw"][:],
        "events": f["dr/events"][:] if "dr/events" in f else None,
        "perf": f["dr/performance"][:] if "dr/performance" in f else None,
        "cf": f["dr/counterfactual_power_kw"][:]
        if "dr/counterfactual_power_kw" in f else None,
        "state": f["ven/state"][:] if "ven/state" in f else None,
    }
    f.close()
    return t


def when(t, seconds):
    """Local clock times of offsets in seconds from the start."""
    return [t["t0"] + dt.timedelta(seconds=float(s)) for s in seconds]


def draw_power(ax, t):
    x = when(t, t["time_s"])
    ax.plot(x, t["power_kw"], color="black", lw=1.4, label="fleet (actual)")
    events, perf, cf = t["events"], t["perf"], t["cf"]
    if events is None:
        return
    n = len(t["time_s"])
    noticed = False
    for k, ev in enumerate(events):
        start, dur = float(ev["start_s"]), float(ev["duration_s"])
        ax.axvspan(*when(t, [start, start + dur]), color="#fdd49e",
                   alpha=0.45, lw=0,
                   label="DR event" if k == 0 else None)
        ax.annotate(text(ev["id"]), xy=(when(t, [start])[0], 1.0),
                    xycoords=("data", "axes fraction"), xytext=(3, -12),
                    textcoords="offset points", fontsize=8)
        if ev["notice_s"] > 0:
            ax.axvline(when(t, [start - float(ev["notice_s"])])[0],
                       color="#e6550d", lw=0.8, ls=":",
                       label=None if noticed else "notice")
            noticed = True
        req = float(ev["requested_kw"])
        inside = (t["time_s"] >= start) & (t["time_s"] <= start + dur)
        twin = cf[:n, k] if cf is not None and cf.shape[1] > k else None
        if twin is not None and not np.all(np.isnan(twin)):
            # Before its event the twin is the actual run: drawn from the
            # start on, where it differs (the event, then the rebound).
            twin = np.where(t["time_s"] >= start, twin, np.nan)
            ax.plot(x, twin, color="#3182bd", lw=1.0, ls="--",
                    label="counterfactual (no DR)" if k == 0 else None)
            target = np.where(inside, twin - req, np.nan)
        elif perf is not None and perf[k]["started"]:
            # Without a twin the VENs' own baselines stand in for it.
            target = np.where(inside, float(perf[k]["ven_baseline_kw"]) - req,
                              np.nan)
        else:
            continue
        ax.plot(x, target, color="#31a354", lw=1.6,
                label="target (counterfactual - requested)" if k == 0
                else None)
    ax.set_ylabel("power (kW)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)


def draw_states(ax, t):
    st = t["state"]
    counts = np.stack([(st == v).sum(axis=1) for v in range(len(STATES))])
    share = 100.0 * counts / max(st.shape[1], 1)
    ax.stackplot(when(t, t["time_s"]), share, labels=STATES,
                 colors=STATE_COLOURS, alpha=0.9)
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"VEN sample (%, n={st.shape[1]})")
    ax.legend(loc="upper left", fontsize=8, ncol=4)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("trace")
    p.add_argument("--png", required=True, help="PNG file to write")
    p.add_argument("--title", help="title (default: scenario, seed, VENs)")
    p.add_argument("--hours", nargs=2, type=float, metavar=("FROM", "TO"),
                   help="hours since the start to show")
    a = p.parse_args()
    try:
        t = load(a.trace)
    except (OSError, KeyError, ValueError) as e:
        print(f"gridsim-plot: {a.trace}: {e}", file=sys.stderr)
        return 2
    rows = 2 if t["state"] is not None and t["state"].size else 1
    fig, axes = plt.subplots(rows, 1, figsize=(11, 6.5 if rows == 2 else 4.5),
                             sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1][:rows]})
    draw_power(axes[0][0], t)
    if rows == 2:
        draw_states(axes[1][0], t)
    last = axes[-1][0]
    last.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    last.set_xlabel(f"local time from {t['t0']:%Y-%m-%d %H:%M}")
    if a.hours:
        last.set_xlim(*when(t, [a.hours[0] * 3600, a.hours[1] * 3600]))
    title = a.title or (f"{t['name']}: seed {t['seed']}, {t['vens']} VENs"
                        + ("" if t["complete"] else " (INCOMPLETE run)"))
    axes[0][0].set_title(title)
    fig.tight_layout()
    try:
        fig.savefig(a.png, dpi=110)
    except OSError as e:
        print(f"gridsim-plot: {a.png}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
