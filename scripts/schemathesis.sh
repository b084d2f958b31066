#!/usr/bin/env bash
# Runs schemathesis (pip) against a live `tagwire serve` on loopback with docs/openapi.json, as CI does.
# Needs a debug build (`swift build`) and `pip install schemathesis`.
# Fails on any server error (5xx) or any response that breaks the document.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${TAGWIRE_BIN:-.build/debug}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

sandbox_port=18190
serve_port=18180
"$bin/tagwire-graph-sandbox" --port "$sandbox_port" >"$work/sandbox.log" 2>&1 &
export META_ACCESS_TOKEN=sandbox-token TAGWIRE_META_GRAPH_URL="http://127.0.0.1:$sandbox_port" TAGWIRE_ADMIN_TOKEN=schemathesis-admin
# The example web library, hosted too, so that /libraries/... answers files as well as 404s.
"$bin/tagwire" build Properties/meta-quickstart-web --out "$work/libraries" >/dev/null 2>&1
"$bin/tagwire" serve Properties/meta-quickstart-edge --data-dir "$work/data" --port "$serve_port" \
  --libraries "$work/libraries" >"$work/serve.out" 2>"$work/serve.log" &
up() { python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" >/dev/null 2>&1; }
for _ in $(seq 1 300); do
  up "http://127.0.0.1:$serve_port/readyz" && break
  sleep 0.1
done

status=0
python3 scripts/schemathesis-cli.py run "http://127.0.0.1:$serve_port/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-60}" --workers 2 --request-timeout 10 \
  -H "Authorization: Bearer schemathesis-admin" || status=$?
# The server must still be up and must not have logged a secret.
up "http://127.0.0.1:$serve_port/healthz" || { echo "serve died during the run"; status=1; }
if grep -q -e sandbox-token -e schemathesis-admin "$work/serve.log"; then echo "a secret reached the logs"; status=1; fi
exit $status
