#!/usr/bin/env python3
"""Normalises and hashes customer information with Meta's official Python SDK (pip install facebook-business).

Reads JSON lines {"key": "em", "value": "..."} on stdin; writes one JSON line per input:
{"hash": "<sha256 hex>"} or {"error": "<exception type>"}. Used by the tests to compare Tagwire with the SDK.
"""
import json
import sys

from facebook_business.adobjects.serverside.normalize import Normalize

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    item = json.loads(line)
    try:
        out = {"hash": Normalize.normalize_field(item["key"], item["value"])}
    except Exception as e:  # the SDK raises TypeError/ValueError for values it rejects
        out = {"error": type(e).__name__}
    print(json.dumps(out), flush=True)
