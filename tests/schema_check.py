#!/usr/bin/env python3
"""Validate mcpdiag's JSON against analyze/report.schema.json (or
another schema: probes/probe.schema.json).

Implements the part of JSON Schema the files use (type, enum, required,
properties, additionalProperties given as a schema, items, $ref to
$defs), so the tests need nothing outside the standard library.

usage: schema_check.py [--schema FILE] JSONFILE...   ('-' is stdin)
prints each problem and exits 1 when a document does not fit.
"""
import json
import os
import sys

_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "analyze", "report.schema.json")
_TYPES = {
    "object": dict, "array": list, "string": str, "boolean": bool,
    "null": type(None),
}


def _is(value, name):
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def _check(value, schema, root, path, errs):
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = root["$defs"][name]
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) \
            else [schema["type"]]
        if not any(_is(value, t) for t in types):
            errs.append("%s: %r is not %s" % (path, value, types))
            return
    if "enum" in schema and value not in schema["enum"]:
        errs.append("%s: %r not in %r" % (path, value, schema["enum"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errs.append("%s: missing %r" % (path, key))
        props = schema.get("properties", {})
        for key, sub in props.items():
            if key in value:
                _check(value[key], sub, root, path + "." + key, errs)
        # Only the schema form: extra keys are allowed everywhere (SPEC:
        # "add more as needed"), but a map's values can be typed.
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key in value:
                if key not in props:
                    _check(value[key], extra, root, path + "." + key, errs)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _check(item, schema["items"], root, "%s[%d]" % (path, i), errs)


def validate(doc, schema_path=_SCHEMA):
    """Return a list of problems (empty when doc fits the schema)."""
    with open(schema_path) as f:
        root = json.load(f)
    errs = []
    if doc.get("type") == "connection":
        _check(doc, root["$defs"]["connection"], root, "$", errs)
    else:
        _check(doc, root, root, "$", errs)
    return errs


def main(argv):
    schema = _SCHEMA
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--schema":
        schema, args = args[1], args[2:]
    if not args:
        print("usage: schema_check.py [--schema FILE] JSONFILE...",
              file=sys.stderr)
        return 2
    bad = 0
    for name in args:
        try:
            if name == "-":
                doc = json.load(sys.stdin)
            else:
                with open(name) as f:
                    doc = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: not JSON: %s" % (name, e))
            bad += 1
            continue
        errs = validate(doc, schema)
        for e in errs[:20]:
            print("%s: %s" % (name, e))
        bad += bool(errs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
