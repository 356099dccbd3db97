#!/usr/bin/env python3
"""Validate mcpdiag's JSON against analyze/report.schema.json.

Implements the part of JSON Schema the file uses (type, enum, required,
properties, items, $ref to $defs), so the tests need nothing outside the
standard library.
"""
import json
import os

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
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                _check(value[key], sub, root, path + "." + key, errs)
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
