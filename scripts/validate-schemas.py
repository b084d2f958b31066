#!/usr/bin/env python3
"""Validates property files against Schemas/ with a real JSON Schema validator (pip install jsonschema).

usage: validate-schemas.py [--expect-invalid] PROPERTY_DIR...

Without --expect-invalid every file must be valid; with it, every property directory must have at least one
file the schemas reject. Exit 0 when the expectation holds, 1 otherwise.
"""
import json
import os
import sys

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = {"extensions": "extension", "data-elements": "data-element", "rules": "rule",
         "libraries": "library", "environments": "environment"}


def schema(kind):
    with open(os.path.join(ROOT, "Schemas", kind + ".schema.json")) as f:
        s = json.load(f)
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s)


def files(prop):
    yield "property", os.path.join(prop, "property.json")
    for sub, kind in KINDS.items():
        d = os.path.join(prop, sub)
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                if name.endswith(".json"):
                    yield kind, os.path.join(d, name)
    fixtures = os.path.join(prop, "fixtures")
    for base, _, names in sorted(os.walk(fixtures)):
        for name in sorted(names):
            if name.endswith(".json"):
                yield "fixture", os.path.join(base, name)
    yield "journey", os.path.join(prop, "site", "journey.json")


def problems(prop):
    found = []
    for kind, path in files(prop):
        if not os.path.exists(path):
            continue
        try:
            with open(path) as f:
                doc = json.load(f)
        except ValueError as e:
            found.append(f"{path}: not JSON: {e}")
            continue
        for err in schema(kind).iter_errors(doc):
            found.append(f"{path}: /{'/'.join(map(str, err.absolute_path))}: {err.message}")
    return found


def main(argv):
    expect_invalid = "--expect-invalid" in argv
    dirs = [a for a in argv if a != "--expect-invalid"]
    ok = True
    for prop in dirs:
        found = problems(prop)
        if expect_invalid and not found:
            print(f"{prop}: expected the schemas to reject a file, but all files are valid")
            ok = False
        elif not expect_invalid and found:
            print("\n".join(found))
            ok = False
    print(f"checked {len(dirs)} properties: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
