#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every shipped scenario validates against scenarios/schema.json (JSON
# Schema 2020-12, checked with Debian's python3-jsonschema), and the schema
# itself is a valid schema: the documentation cannot drift from the files.
set -u
SRC=${2:?usage: schema_valid.sh GRIDSIM SOURCE_DIR}
PY=
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p; break; fi
done
[[ -n "$PY" ]] || { echo "schema_valid: SKIP: no python3 with jsonschema"; exit 77; }
"$PY" - "$SRC" <<'PYEOF'
import glob, json, sys
import jsonschema
src = sys.argv[1]
schema = json.load(open(f"{src}/scenarios/schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
files = [f for f in sorted(glob.glob(f"{src}/scenarios/*.json") +
                           glob.glob(f"{src}/tests/regression/*.json"))
         if not f.endswith(("schema.json", ".expect.json"))]
bad = 0
for f in files:
    errs = list(v.iter_errors(json.load(open(f))))
    for e in errs[:3]:
        print(f"{f}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
    bad += bool(errs)
# A scenario the schema must refuse: it proves the check can fail.
broken = json.load(open(f"{src}/scenarios/default.json"))
broken["fleet"][0]["count"] = "ten"
if not list(v.iter_errors(broken)):
    print("schema accepted a string count"); bad += 1
print(f"schema_valid: {len(files)} scenarios checked, {bad} failed")
sys.exit(1 if bad else 0)
PYEOF
