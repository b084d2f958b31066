#!/usr/bin/env bash
# Load test of `tagwire serve` with wrk on loopback (issue 6, point 8).
#
#   scripts/bench-serve.sh            # DURATION=10s CONNECTIONS=32 THREADS=2 ROUNDS=3 by default
#
# Builds release binaries into .build-release, installs wrk from Debian's packages when missing, then, in one run:
#   1. a bare Hummingbird 2 route that only reads the body (tagwire-benchmarks bare-server) — the baseline, with
#      Hummingbird's default scheduling (connection tasks on Swift's global executor) —, the same route storing each
#      body durably before its 202 (`--store`: the group committer and SQLite outbox of tagwire serve, connection
#      tasks on event loops as serve runs them; HTTP and storage without the engine), and tagwire serve on the
#      example edge property taking the same ~2 KB events without delivering (SQLite outbox), in ROUNDS alternating
#      rounds of DURATION each: bare, stored, serve, bare, stored, serve, ... This machine's speed drifts by ±10–20% from one
#      10 s stretch to the next, so a ratio of one bare run and one serve run says as much about the drift as about
#      serve; each round's ratio compares neighbours, and the aim is checked against the median round. (The servers
#      stay up across rounds; serve's outbox keeps growing.) The bare route with connection tasks on their event
#      loops, as tagwire serve runs them, is measured once beside;
#   2. the ingested outbox is then delivered to the loopback Graph API sandbox (`tagwire deliver --until-empty`);
#   3. tagwire serve delivering to the sandbox while the load runs (one round), against the median bare route.
# Prints req/s, p50/p99 latency and errors of each run, the ratios, and checks that every event the server accepted
# reached the sandbox (unique event ids at the sandbox = events the server counted as accepted).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}"
scratch=.build-release
bin="$scratch/release"

command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
TAGWIRE_BENCHMARKS=1 swift build -c release --scratch-path "$scratch" >/dev/null
sync # the build's writes reach the disk before the servers sync theirs to it

work="$(mktemp -d)"
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# A ~2 KB edge event, as the web property forwards it; each request gets its own event id (__ID__).
python3 - "$work/event.json" <<'PY'
import json, sys
items = [{"id": f"SKU-{i}", "quantity": 1, "item_price": 49.9} for i in range(1, 4)]
event = {
    "xdm": {"eventType": "Purchase",
            "web": {"webPageDetails": {"URL": "https://shop.example.com/checkout/confirmation?order=9001", "name": "Order confirmation"},
                    "webReferrer": {"URL": "https://shop.example.com/checkout/payment"}},
            "device": {"screenHeight": 1080, "screenWidth": 1920, "type": "desktop"},
            "environment": {"browserDetails": {"acceptLanguage": "en-US,en;q=0.9", "viewportHeight": 960, "viewportWidth": 1800}}},
    "data": {"eventName": "Purchase",
             "meta": {"userData": {"email": " Jane.Doe@Example.com ", "phone": "(650) 555-1212", "firstName": "Jane", "lastName": "Doe",
                                   "dateOfBirth": "1990-02-16", "gender": "Female", "city": "Menlo Park", "state": "California",
                                   "zip": "94025-1234", "country": "United States", "externalId": "cust-1001"},
                      "conversionData": {"customData": {"content_ids": [i["id"] for i in items], "content_type": "product", "value": 149.7,
                                                        "currency": "USD", "num_items": 3, "order_id": "order-9001", "contents": items},
                                         "value": 149.7, "eventId": "__ID__"}},
             "cookies": {"fbp": "fb.1.1596403881668.1116446470", "fbc": "fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890"},
             "cart": {"items": [{"sku": i["id"], "name": "Trail shoe", "size": "42", "colour": "blue", "description": "Light trail running shoe with a rock plate and a 6 mm drop"} for i in items],
                      "coupon": "AUTUMN", "shipping": "standard"}},
    "request": {"ip": "203.0.113.7", "headers": {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
                                                "accept-language": "en-US,en;q=0.9"}},
}
open(sys.argv[1], "w").write(json.dumps(event, separators=(",", ":")))
PY
cat >"$work/post.lua" <<LUA
local f = io.open("$work/event.json"); local body = f:read("*a"); f:close()
local head, tail = body:match("^(.-)__ID__(.*)$")
local counter = 0
local run = os.getenv("WRK_RUN") or "0"
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json"}, head .. run .. "-t" .. tid .. "-" .. counter .. tail)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
LUA

wait_for() { for _ in $(seq 1 300); do python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "not up: port $1"; return 1; }
get() { python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())" "$1"; }
run_wrk() { WRK_RUN="$2" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s -s "$work/post.lua" "$1" | grep '^RESULT' | sed 's/^RESULT //'; }
serve() { # $1: port, $2: data directory (and log) name, then serve's flags; runs in the background
  local port="$1" data="$2"; shift 2
  "$bin/tagwire" serve Properties/meta-quickstart-edge --data-dir "$work/$data" --port "$port" --log-level warning "$@" >"$work/$data.log" 2>&1 &
}
bare_server() { # $1: port, then bare-server's flags; runs in the background
  local port="$1"; shift
  "$bin/tagwire-benchmarks" bare-server --port "$port" "$@" >"$work/bare-$port.log" 2>&1 &
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; } # SIGTERM: serve finishes and stores what it accepted

echo "event body: $(( $(wc -c < "$work/event.json") - 6 + 16 )) bytes; wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds, $(nproc) cores shared by wrk, the server and the sandbox"

accepted() { get "http://127.0.0.1:$1/metrics" | awk '$1=="tagwire_events_accepted_total"{print $2}'; }
unique() { get http://127.0.0.1:18290/__sandbox/dedup | python3 -c "import json,sys; print(json.load(sys.stdin)['unique'])"; }
reset_sandbox() { python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:18290/__sandbox/reset', method='POST'), timeout=10)"; }
drain() { # $1: accepted count; waits until the sandbox holds that many unique event ids
  local start=$(date +%s)
  while [ "$(unique)" -lt "$1" ] && [ $(( $(date +%s) - start )) -lt 300 ]; do sleep 1; done
  echo $(( $(date +%s) - start ))
}

# 1. Bare route, bare route storing, and serve (ingestion only, --no-deliver), alternating; serve's outbox is
#    delivered afterwards.
bare_server 18280
bare_pid=$!
bare_server 18283 --event-loops --store "$work/bare-store"
stored_pid=$!
"$bin/tagwire-graph-sandbox" --port 18290 >"$work/sandbox.log" 2>&1 &
export META_ACCESS_TOKEN=sandbox-token TAGWIRE_META_GRAPH_URL=http://127.0.0.1:18290
serve 18282 ingest --no-deliver
ingest_pid=$!
wait_for 18280; wait_for 18283; wait_for 18290; wait_for 18282
rounds="["
for round in $(seq 1 "$ROUNDS"); do
  bare="$(run_wrk http://127.0.0.1:18280 "bare$round")"
  stored="$(run_wrk http://127.0.0.1:18283 "stored$round")"
  ingest="$(run_wrk http://127.0.0.1:18282 "ingest$round")"
  echo "round $round: bare route $bare"
  echo "round $round: bare route storing $stored"
  echo "round $round: serve, ingestion only $ingest"
  rounds="$rounds{\"bare\": $bare, \"stored\": $stored, \"ingest\": $ingest},"
done
rounds="${rounds%,}]"
stop "$bare_pid"
stop "$stored_pid"
stored_rows="$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM outbox').fetchone()[0])" "$work/bare-store/outbox.sqlite")"
ingest_accepted="$(accepted 18282)"
stop "$ingest_pid"

# 2. The ingested outbox delivered to the sandbox; then the bare route on event loops, once, for comparison.
"$bin/tagwire" deliver Properties/meta-quickstart-edge --data-dir "$work/ingest" --until-empty >"$work/deliver.log" 2>&1
ingest_unique="$(unique)"

bare_server 18279 --event-loops
loops_pid=$!
wait_for 18279
bare_loops="$(run_wrk http://127.0.0.1:18279 loops)"
stop "$loops_pid"
echo "bare route, on event loops: $bare_loops"

# 3. tagwire serve delivering to the sandbox at the same time (everything on this machine's cores).
reset_sandbox
serve 18281 data
serve_pid=$!
wait_for 18281
served="$(run_wrk http://127.0.0.1:18281 delivering)"
echo "serve, delivering as well:  $served"
served_accepted="$(accepted 18281)"
drain_seconds="$(drain "$served_accepted")"
served_unique="$(unique)"
stop "$serve_pid"

python3 - "$rounds" "$served" "$ingest_accepted" "$ingest_unique" "$served_accepted" "$served_unique" "$drain_seconds" "$bare_loops" "$stored_rows" <<'PY'
import json, statistics, sys
rounds, served = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ia, iu, sa, su, drain = (int(float(a)) for a in sys.argv[3:8])
loops = json.loads(sys.argv[8])
stored_rows = int(sys.argv[9])
answered = sum(r["stored"]["requests"] for r in rounds)
def per_round(a, b): return [r[a]["rps"] / r[b]["rps"] for r in rounds]
def listed(xs): return ", ".join(f"{x:.2f}" for x in xs)
def delivered(accepted, unique): return "all delivered" if accepted == unique and accepted > 0 else "NOT all delivered"
ratios, stored_ratios, of_stored = per_round("ingest", "bare"), per_round("stored", "bare"), per_round("ingest", "stored")
median_bare = statistics.median(r["bare"]["rps"] for r in rounds)
for i, (r, ratio, stored_ratio, of_st) in enumerate(zip(rounds, ratios, stored_ratios, of_stored), 1):
    b, st, s = r["bare"], r["stored"], r["ingest"]
    print(f"round {i}: bare {b['rps']:.0f} req/s (p99 {b['p99_ms']:.2f} ms); bare storing {st['rps']:.0f} req/s = {stored_ratio:.2f} "
          f"(p99 {st['p99_ms']:.2f} ms, errors + non-2xx {st['errors'] + st['non2xx']}); serve {s['rps']:.0f} req/s = {ratio:.2f} "
          f"({of_st:.2f} of bare storing), p50 {s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms, errors {s['errors']}, non-2xx {s['non2xx']}")
median_serve = statistics.median(r["ingest"]["rps"] for r in rounds)
worst_p99 = max(r["ingest"]["p99_ms"] for r in rounds)
errors = sum(r["ingest"]["errors"] + r["ingest"]["non2xx"] for r in rounds)
print(f"ingestion only: median ratio {statistics.median(ratios):.2f} of the bare route over {len(rounds)} rounds "
      f"(aim >= 0.4; rounds {listed(ratios)}); serve {median_serve:.0f} "
      f"req/s median, {median_serve / loops['rps']:.2f} of the bare route on event loops; "
      f"worst p99 {worst_p99:.2f} ms (aim < 25 ms); errors + non-2xx {errors}; accepted {ia}, unique event ids at the sandbox {iu}: "
      + delivered(ia, iu))
print(f"bare route storing each body: median {statistics.median(stored_ratios):.2f} of the bare route "
      f"(rounds {listed(stored_ratios)}); serve: median {statistics.median(of_stored):.2f} of it "
      f"(rounds {listed(of_stored)}); {stored_rows} bodies stored for {answered} answered requests"
      + ("" if stored_rows >= answered else ": SOME ANSWERED BODIES NOT STORED"))
print(f"delivering as well: {served['rps']:.0f} req/s = {served['rps'] / median_bare:.2f} of the median bare route; "
      f"p50 {served['p50_ms']:.2f} ms, p99 {served['p99_ms']:.2f} ms (aim < 25 ms); errors {served['errors']}, non-2xx {served['non2xx']}; "
      f"accepted {sa}, unique event ids at the sandbox {su}: " + delivered(sa, su))
print(f"(the delivering server's outbox drained {drain} s after the load stopped)")
PY
