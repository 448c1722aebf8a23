#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerates the model-parameter parts of scenarios/schema.json from the
model registry (`gridsim models --json`): $defs.ven, $defs.params_<type>
and the per-type branches of $defs.load. Everything else is left as is.

usage: tests/tools/gen_schema.py GRIDSIM_BINARY [SCHEMA_PATH]
"""
import json
import subprocess
import sys


def fmt(x):
    return "%g" % x


def param_schema(p):
    unit = p["unit"]
    doc = p["doc"][:1].upper() + p["doc"][1:] if p["doc"] else p["name"]
    if p.get("choices"):
        names = p["choices"]
        return {
            "description": "%s. One of %s; default \"%s\"." % (
                doc, ", ".join('"%s"' % c for c in names),
                names[int(p["default"])]),
            "default": names[int(p["default"])],
            # anyOf: a name matches both branches (enum_param accepts any
            # string), which oneOf would reject.
            "anyOf": [{"enum": names}, {"$ref": "#/$defs/enum_param"}],
        }
    rng = "Valid range [%s, %s]" % (fmt(p["min"]), fmt(p["max"]))
    if unit and unit != "1":
        rng += " (%s)" % unit
    if p["integer"]:
        rng += ", whole numbers"
        tail = ("A constant, or a distribution whose draws are truncated to "
                "the range and rounded to the nearest whole number.")
    else:
        tail = ("A constant, or a distribution whose draws are truncated to "
                "the range.")
    default = int(p["default"]) if p["integer"] else p["default"]
    return {
        "description": "%s. Unit: %s. %s; default %s. %s" % (
            doc, unit, rng, fmt(p["default"]), tail),
        "default": default,
        "x-unit": unit,
        "oneOf": [
            {"type": "integer" if p["integer"] else "number",
             "minimum": p["min"], "maximum": p["max"]},
            {"$ref": "#/$defs/dist"},
        ],
    }


def params_object(description, params):
    return {
        "type": "object",
        "description": description,
        "properties": {p["name"]: param_schema(p) for p in params},
        "patternProperties": {"^_": {"$ref": "#/$defs/comment"}},
        "additionalProperties": False,
    }


def main():
    binary = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else "scenarios/schema.json"
    models = json.loads(subprocess.check_output([binary, "models", "--json"]))
    with open(path) as f:
        schema = json.load(f)
    defs = schema["$defs"]
    for k in [k for k in defs if k.startswith("params_")]:
        del defs[k]
    loads = []
    for m in models:
        if m["role"] == "ven":
            defs["ven"] = params_object(
                "Parameters of every VEN (home) of the group; each absent "
                "parameter takes its default.", m["params"])
        elif m["role"] == "load":
            loads.append(m["name"])
            defs["params_" + m["name"]] = params_object(
                "Parameters of a \"%s\" load (%s); each absent parameter "
                "takes its default." % (m["name"], m["doc"]), m["params"])
    load = defs["load"]
    # The per-type branches below validate "params" exactly (numbers,
    # distributions and enumeration names); the generic form only says it
    # is an object, so a name such as "heat_pump" is not refused by it.
    load["properties"]["params"] = {
        "type": "object",
        "description": "The load type's parameters (see $defs.params_<type>"
                       "): each a number, a distribution or, for an "
                       "enumeration, one of its names. Unknown keys are "
                       "errors; absent parameters take their defaults.",
    }
    load["properties"]["type"] = {
        "type": "string",
        "enum": loads,
        "description": "A registered load model type; `gridsim models` "
                       "lists them with their parameters.",
    }
    load["allOf"] = [
        {"if": {"properties": {"type": {"const": n}}, "required": ["type"]},
         "then": {"properties": {"params": {"$ref": "#/$defs/params_" + n}}}}
        for n in loads
    ]
    with open(path, "w") as f:
        json.dump(schema, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
