#!/usr/bin/env bash
# Replay speed of whole processes: `tagwire run` (JSON output) and `tagwire diff` over N edge Purchase events of
# about 1.8 KB, against CPython's json.dumps(json.loads(line)) over the same lines, measured in the same run (best of
# three each, output written to a file). Prints events per second and the ratio to CPython; the aim is 1.5x or more.
#
# usage: scripts/bench-replay.sh [EVENTS]    (default 200000; builds tagwire in release mode first)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-200000}
swift build -c release --product tagwire >/dev/null
tagwire=.build/release/tagwire
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$events" >"$work/events.ndjson" <<'EOF'
import json, sys
n = int(sys.argv[1])
for i in range(n):
    event = {
        "xdm": {
            "eventType": "commerce.purchases", "timestamp": "2026-11-29T00:00:00Z", "_id": f"evt-{i}",
            "web": {
                "webPageDetails": {"URL": f"https://shop.example.com/checkout/thank-you?order={i}&utm_source=newsletter", "name": "Thank you"},
                "webReferrer": {"URL": "https://shop.example.com/checkout/payment"},
            },
            "device": {"screenHeight": 1080, "screenWidth": 1920, "type": "desktop"},
            "commerce": {"order": {"purchaseID": f"order-{i}", "currencyCode": "USD", "priceTotal": 129.5}},
            "placeContext": {"localTime": "2026-11-29T01:00:00+01:00", "geo": {"countryCode": "US", "stateProvince": "CA", "city": "Menlo Park", "postalCode": "94025"}},
            "environment": {"browserDetails": {"userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"}},
        },
        "data": {
            "eventName": "Purchase",
            "cookies": {"fbp": "fb.1.1596403881668.1116446470", "fbc": "fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz"},
            "meta": {
                "userData": {
                    "email": f"Customer.{i % 10000}@Example.com", "phone": "(650) 555-1212", "firstName": "Jane",
                    "lastName": "Doe", "dateOfBirth": "1990-02-16", "gender": "female", "city": "Menlo Park",
                    "state": "CA", "zip": "94025", "country": "US", "externalId": f"cust-{i % 10000}",
                },
                "conversionData": {
                    "eventId": f"order-{i}", "value": 129.5,
                    "customData": {
                        "currency": "USD", "value": 129.5, "order_id": f"order-{i}", "content_type": "product",
                        "content_ids": [f"SKU-{i % 1000}-{k}" for k in range(3)],
                        "contents": [{"id": f"SKU-{i % 1000}-{k}", "quantity": k + 1, "item_price": 10.99 + k, "title": f"Trail shoe model {k} in a longer descriptive title"} for k in range(3)],
                    },
                },
            },
        },
        "request": {"ip": "203.0.113.7", "headers": {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"}},
    }
    print(json.dumps(event, separators=(",", ":")))
EOF
bytes=$(wc -c <"$work/events.ndjson")

# The second version for `tagwire diff`: the Purchase rule sends its value in another currency field name, so every
# event's dispatch changes in one field.
cp -r Properties/meta-quickstart-edge "$work/new"
python3 - "$work/new/rules/metacapi-purchase.json" <<'EOF'
import json, sys
path = sys.argv[1]
rule = json.load(open(path))
rule["actions"][0]["settings"]["customData"] = {"currency": "EUR", "value": "{{Meta Data Layer.conversionData.value}}"}
json.dump(rule, open(path, "w"), indent=2)
EOF

export META_ACCESS_TOKEN=bench-token
python3 - "$work" "$tagwire" "$events" "$bytes" <<'EOF'
import subprocess, sys, time
work, tagwire, events, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
source = f"{work}/events.ndjson"

def best(command, stdin=None):
    """Best wall time of three runs of a whole process, standard output written to a file; and its line count."""
    times = []
    for _ in range(3):
        with open(f"{work}/out", "wb") as out, open(stdin or "/dev/null", "rb") as inp:
            start = time.perf_counter()
            code = subprocess.run(command, stdin=inp, stdout=out, stderr=subprocess.DEVNULL).returncode
            times.append(time.perf_counter() - start)
        if code not in (0, 1):
            sys.exit(f"{command[0]} exited {code}")
    with open(f"{work}/out", "rb") as f:
        lines = sum(1 for _ in f)
    return min(times), lines

roundtrip = "import json, sys\nw = sys.stdout.write\nfor line in sys.stdin:\n    w(json.dumps(json.loads(line)) + '\\n')\n"
python, _ = best([sys.executable, "-c", roundtrip], stdin=source)
common = ["--events", source, "--now", "1765000000"]
run, run_lines = best([tagwire, "run", "Properties/meta-quickstart-edge", "--format", "json"] + common)
same, _ = best([tagwire, "diff", "Properties/meta-quickstart-edge", "Properties/meta-quickstart-edge"] + common)
changed, diff_lines = best([tagwire, "diff", "Properties/meta-quickstart-edge", f"{work}/new"] + common)

print(f"events: {events} Purchase events, {size // events} bytes each on average")
print(f"CPython json round trip     {python:8.3f} s  {events / python:9.0f} events/s")
for name, t, note in [
    ("tagwire run (JSON)", run, f"{run_lines} lines"),
    ("tagwire diff (no change)", same, ""),
    ("tagwire diff (every event)", changed, f"{diff_lines} lines of report"),
]:
    print(f"{name:27} {t:8.3f} s  {events / t:9.0f} events/s  {python / t:5.2f}x CPython  {note}")
EOF
