#!/usr/bin/env bash
# Load test of `tagwire serve` with wrk on loopback (issue 6, point 8).
#
#   scripts/bench-serve.sh            # DURATION=10s CONNECTIONS=32 by default
#
# Builds release binaries into .build-release, installs wrk from Debian's packages when missing, then, in one run:
#   1. a bare Hummingbird 2 route that only reads the body (tagwire-benchmarks bare-server): the baseline;
#   2. tagwire serve on the example edge property (SQLite outbox, delivery to the loopback Graph API sandbox
#      running at the same time), with the same ~2 KB events, connections and duration.
# Prints req/s, p50/p99 latency and errors of both, the ratio, and checks that every event the server accepted
# reached the sandbox (unique event ids at the sandbox = events the server counted as accepted).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
scratch=.build-release
bin="$scratch/release"

command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
TAGWIRE_BENCHMARKS=1 swift build -c release --scratch-path "$scratch" >/dev/null

work="$(mktemp -d)"
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# A ~2 KB edge event, as the web property forwards it; each request gets its own event id.
cat >"$work/post.lua" <<'LUA'
local counter = 0
local head = '{"xdm":{"eventType":"Purchase","web":{"webPageDetails":{"URL":"https://shop.example.com/checkout/confirmation?order=9001","name":"Order confirmation","siteSection":"checkout"},"webReferrer":{"URL":"https://shop.example.com/checkout/payment"}},"device":{"screenHeight":1080,"screenWidth":1920,"type":"desktop"},"environment":{"browserDetails":{"acceptLanguage":"en-US,en;q=0.9","viewportHeight":960,"viewportWidth":1800}}},"data":{"eventName":"Purchase","meta":{"userData":{"email":" Jane.Doe@Example.com ","phone":"(650) 555-1212","firstName":"Jane","lastName":"Doe","dateOfBirth":"1990-02-16","gender":"Female","city":"Menlo Park","state":"California","zip":"94025-1234","country":"United States","externalId":"cust-1001"},"conversionData":{"customData":{"content_ids":["SKU-1","SKU-2","SKU-3"],"content_type":"product","value":149.7,"currency":"USD","num_items":3,"order_id":"order-9001","contents":[{"id":"SKU-1","quantity":1,"item_price":49.9},{"id":"SKU-2","quantity":1,"item_price":49.9},{"id":"SKU-3","quantity":1,"item_price":49.9}]},"value":149.7,"eventId":"'
local tail = '"}},"cookies":{"fbp":"fb.1.1596403881668.1116446470","fbc":"fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890"},"cart":{"items":[{"sku":"SKU-1","name":"Trail shoe","size":"42","colour":"blue"},{"sku":"SKU-2","name":"Trail shoe","size":"43","colour":"red"},{"sku":"SKU-3","name":"Running sock","size":"M","colour":"white"}],"coupon":"AUTUMN","shipping":"standard"}},"request":{"ip":"203.0.113.7","headers":{"user-agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"}}}'
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json"}, head .. "t" .. tid .. "-" .. counter .. tail)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
LUA

wait_for() { for _ in $(seq 1 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1"; return 1; }
run_wrk() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s -s "$work/post.lua" "$1" | grep '^RESULT' | sed 's/^RESULT //'; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

echo "body: $(wc -c < <(printf '%s' "$(grep -o "local head = '.*'" "$work/post.lua")")) bytes of template; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"

# 1. Bare route.
"$bin/tagwire-benchmarks" bare-server --port 18280 >"$work/bare.log" 2>&1 &
bare_pid=$!
wait_for "http://127.0.0.1:18280/v1/events" || true
sleep 0.5
bare="$(run_wrk http://127.0.0.1:18280)"
kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true
echo "bare route:    $bare"

# 2. tagwire serve, delivering to the sandbox at the same time.
"$bin/tagwire-graph-sandbox" --port 18290 >"$work/sandbox.log" 2>&1 &
wait_for "http://127.0.0.1:18290/__sandbox/dedup"
export META_ACCESS_TOKEN=sandbox-token TAGWIRE_META_GRAPH_URL=http://127.0.0.1:18290 TAGWIRE_ADMIN_TOKEN=bench
"$bin/tagwire" serve Properties/meta-quickstart-edge --data-dir "$work/data" --port 18281 --log-level warning >"$work/serve.log" 2>&1 &
serve_pid=$!
wait_for "http://127.0.0.1:18281/readyz"
served="$(run_wrk http://127.0.0.1:18281)"
echo "tagwire serve: $served"

accepted() { curl -s http://127.0.0.1:18281/metrics | awk '$1=="tagwire_events_accepted_total"{print $2}'; }
delivered() { curl -s http://127.0.0.1:18290/__sandbox/dedup | python3 -c "import json,sys; print(json.load(sys.stdin)['unique'])"; }
start=$(date +%s)
while [ "$(delivered)" -lt "$(accepted)" ] && [ $(( $(date +%s) - start )) -lt 300 ]; do sleep 1; done
drain=$(( $(date +%s) - start ))
acc="$(accepted)"; del="$(delivered)"
kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null || true

python3 - "$bare" "$served" "$acc" "$del" "$drain" <<'PY'
import json, sys
bare, served = json.loads(sys.argv[1]), json.loads(sys.argv[2])
acc, dele, drain = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ratio = served["rps"] / bare["rps"]
print(f"ratio serve / bare: {ratio:.2f} (aim >= 0.4)")
print(f"serve p50 {served['p50_ms']:.2f} ms, p99 {served['p99_ms']:.2f} ms (aim p99 < 25 ms); errors {served['errors']}, non-2xx {served['non2xx']}")
print(f"accepted by the server: {acc}; unique event ids at the sandbox: {dele}; drained {drain} s after the load stopped")
print("every accepted event delivered: " + ("yes" if dele == acc and acc > 0 else "NO"))
PY
