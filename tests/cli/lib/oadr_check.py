# SPDX-License-Identifier: MIT
"""Reads HDF5 datasets through h5dump (no h5py needed) for the OpenADR
CLI tests: a numeric 1-D dataset as floats, a compound table as dicts of
strings keyed by member name."""
import os
import re
import subprocess
import tempfile


def _dump(path, dset):
    fd, out = tempfile.mkstemp(suffix='.txt', dir='.')
    os.close(fd)
    try:
        subprocess.run(['h5dump', '-y', '-w', '0', '-d', dset, '-o', out,
                        path], check=True, stdout=subprocess.DEVNULL)
        with open(out, encoding='utf-8', errors='replace') as f:
            return f.read()
    finally:
        os.unlink(out)


def dataset(path, dset):
    """A numeric dataset as a list of floats."""
    text = _dump(path, dset)
    return [float(x) for x in re.split(r'[,\s]+', text.strip()) if x]


def _members(path, dset):
    head = subprocess.run(['h5dump', '-H', '-d', dset, path], check=True,
                          capture_output=True, text=True).stdout
    return re.findall(r'"(\w+)";\s*$', head, flags=re.M)


def table(path, dset, keep=None):
    """A compound dataset as a list of {member: text}; h5dump prints one
    member per line, so strings with braces or quotes cannot confuse it."""
    names = _members(path, dset)
    rows, cur = [], None
    for line in _dump(path, dset).splitlines():
        s = line.strip()
        if s in ('{', '}, {'):
            if cur is not None:
                rows.append(cur)
            cur = []
        elif s in ('}', '},'):
            if cur is not None:
                rows.append(cur)
            cur = None
        elif cur is not None and s:
            v = s[:-1] if s.endswith(',') else s
            if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
                v = v[1:-1]
            cur.append(v)
    if cur:
        rows.append(cur)
    out = []
    for r in rows:
        d = dict(zip(names, r))
        out.append({k: d.get(k) for k in keep} if keep else d)
    return out
