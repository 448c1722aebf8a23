#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compares two gridsim traces object by object: the same groups and
datasets, every dataset equal in type, shape and value (NaN equals NaN,
variable-length payloads byte for byte), every attribute equal, except the
attributes named with --allow (PATH@NAME), which may differ, and the
objects under --ignore PATH (in either file: the live MQTT bridge's
counts, /mqtt/counts, which a replay has no bridge to make). Prints each
difference and what it compared; exits 1 if any, 0 if none.

usage: h5_same.py A.h5 B.h5 [--allow /mqtt@mode ...] [--ignore PATH ...]
"""
import sys

import h5py
import numpy as np


def same_value(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype == object:  # vlen strings or byte arrays
            return all(same_value(x, y) for x, y in zip(a.ravel(), b.ravel()))
        if a.dtype.names:  # compound: field by field
            return all(same_value(a[n], b[n]) for n in a.dtype.names)
        if a.dtype.kind == "f":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    return a == b


def walk(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__("/" + name, obj))
    out["/"] = f
    return out


def main(argv):
    allow, ignore = set(), []
    files = []
    i = 1
    while i < len(argv):
        if argv[i] == "--allow":
            allow.add(argv[i + 1])
            i += 2
        elif argv[i] == "--ignore":
            ignore.append(argv[i + 1].rstrip("/"))
            i += 2
        else:
            files.append(argv[i])
            i += 1
    a, b = h5py.File(files[0], "r"), h5py.File(files[1], "r")
    oa, ob = walk(a), walk(b)
    for o in (oa, ob):
        for name in [n for n in o if any(n == p or n.startswith(p + "/")
                                         for p in ignore)]:
            del o[name]
    diffs, datasets, attrs = [], 0, 0
    for name in sorted(set(oa) ^ set(ob)):
        diffs.append(f"{name}: only in {'A' if name in oa else 'B'}")
    for name in sorted(set(oa) & set(ob)):
        x, y = oa[name], ob[name]
        if isinstance(x, h5py.Dataset) != isinstance(y, h5py.Dataset):
            diffs.append(f"{name}: a dataset in one file only")
            continue
        if isinstance(x, h5py.Dataset):
            datasets += 1
            if x.shape != y.shape or x.dtype != y.dtype:
                diffs.append(f"{name}: shape/type {x.shape} {x.dtype} vs "
                             f"{y.shape} {y.dtype}")
            elif not same_value(x[()], y[()]):
                diffs.append(f"{name}: values differ")
        ka, kb = set(x.attrs), set(y.attrs)
        for k in sorted(ka ^ kb):
            if f"{name}@{k}" not in allow:
                diffs.append(f"{name}@{k}: attribute in one file only")
        for k in sorted(ka & kb):
            attrs += 1
            if f"{name}@{k}" in allow:
                continue
            if not same_value(x.attrs[k], y.attrs[k]):
                diffs.append(f"{name}@{k}: attribute differs")
    for d in diffs:
        print("differs:", d)
    print(f"compared {datasets} datasets and {attrs} attributes; "
          f"{len(diffs)} differences; allowed to differ: "
          f"{', '.join(sorted(allow)) or 'none'}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
