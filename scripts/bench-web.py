#!/usr/bin/env python3
"""The browser runtime's budgets, measured (docs/BENCHMARKS.md, `scripts/bench-web.py`):

1. Sizes, gzipped (level 6, zlib's default, what `tagwire serve --libraries` sends): the runtime with core alone,
   the runtime with every built-in web extension, and the example property's whole library, against the budgets
   (8 KB and 12 KB) and beside peers' published figures.
2. In headless Chromium (Debian's chromium and chromedriver, through Selenium), median of RUNS page loads (after 3
   to warm the caches): the time from the library's script tag to its first `fbq` call (the example property's
   PageView) and to the end of the library, and, as the baseline in the same run, the time to the end of a script
   of the same bytes that does nothing (the library's own text inside a comment), so the ratio is what running the
   rules adds to fetching and parsing.
3. The cost of one click with 100 click rules (each `button.b<n>`, one of which matches): 2,000 clicks dispatched
   in the page, timed together (a browser's clock is coarse), median of 5 pages, against the same page and a
   library with no click rule.

usage: scripts/bench-web.py [--tagwire .build-release/release/tagwire] [--runs 20]
Builds nothing itself: `swift build -c release --scratch-path .build-release --product tagwire` first. Needs the
Python test tools (selenium), as scripts/test.sh installs them into .build/test-venv.
"""

import argparse
import glob
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "Tests/TagwireWebTests/Browser"))
import chromium  # noqa: E402  (the browser tests' way of starting Chromium)
parser = argparse.ArgumentParser()
parser.add_argument("--tagwire", default=os.path.join(root, ".build-release/release/tagwire"))
parser.add_argument("--runs", type=int, default=20)
args = parser.parse_args()
work = tempfile.mkdtemp(prefix="bench-web-")


def write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f)


def property_dir(name, extensions, rules):
    d = os.path.join(work, name)
    write(os.path.join(d, "property.json"), {"name": name, "platform": "web", "domains": ["shop.example.com"]})
    for e in extensions:
        write(os.path.join(d, "extensions", e["name"] + ".json"), e)
    for i, r in enumerate(rules):
        write(os.path.join(d, "rules", f"r{i:03}.json"), r)
    return d


def build(d):
    out = subprocess.run([args.tagwire, "build", d, "--out", os.path.join(work, "out")], check=True,
                         capture_output=True, text=True).stdout.strip()
    return glob.glob(os.path.join(out, "tagwire-*.min.js"))[0]


def gz(path):
    with open(path, "rb") as f:
        return len(gzip.compress(f.read(), 6)), os.path.getsize(path)


pixel = {"name": "meta-pixel", "settings": {"pixelId": "111"}}
edge = {"name": "edge", "settings": {"endpoint": "https://collect.shop.example.com/v1/events"}}
core_only = build(property_dir("core-only", [], []))
all_extensions = build(property_dir("all-extensions", [pixel, edge], []))
example = build(os.path.join(root, "Properties/meta-quickstart-web"))
click = lambda n: {"name": f"click-{n:03}", "events": [{"type": "core.click", "settings": {"elementSelector": f"button.b{n}"}}],
                   "actions": [{"type": "meta-pixel.send-event", "settings": {"eventName": f"Click{n}"}}]}
clicks_100 = build(property_dir("clicks-100", [pixel], [click(n) for n in range(100)]))
clicks_0 = build(property_dir("clicks-0", [pixel], [{"name": "other", "events": [{"type": "core.direct-call", "settings": {"identifier": "x"}}],
                                                     "actions": [{"type": "meta-pixel.send-event", "settings": {"eventName": "X"}}]}]))

print("sizes (gzip level 6 / minified bytes):")
for label, path, budget in [("runtime + core", core_only, 8192), ("runtime + core, meta-pixel, edge", all_extensions, 8192),
                            ("example property's library", example, 12288)]:
    z, raw = gz(path)
    print(f"  {label:36} {z:6} B gzipped ({raw} B minified)   budget {budget} B: {z / budget:.2f} of it, {'met' if z <= budget else 'NOT met'}")

# Pages: the library loaded synchronously after a marker, with a recording fbq (so no Meta script is fetched).
files = {}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        body, kind = files.get(self.path.split("?")[0], (b"", "text/plain"))
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def page(script, buttons=0):
    marks = "<script>window.fbq=function(){if(!window.__t1)window.__t1=performance.now();};window.__t0=performance.now();</script>"
    body = "".join(f'<button class="b{n}">b{n}</button>' for n in range(buttons))
    return (f"<!doctype html><html><head>{marks}<script src=\"{script}\"></script>"
            f"<script>window.__t2=performance.now();</script></head><body>{body}</body></html>").encode()


def serve(name, data, kind):
    files[name] = (data, kind)


for name, path in [("example", example), ("clicks100", clicks_100), ("clicks0", clicks_0)]:
    with open(path, "rb") as f:
        serve(f"/{name}.js", f.read(), "application/javascript")
with open(example, "rb") as f:
    text = f.read()
serve("/inert.js", b"/*" + text.replace(b"*/", b"* /") + b"*/", "application/javascript")
serve("/example.html", page("/example.js"), "text/html")
serve("/inert.html", page("/inert.js"), "text/html")
serve("/clicks100.html", page("/clicks100.js", 100), "text/html")
serve("/clicks0.html", page("/clicks0.js", 100), "text/html")

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"
driver = chromium.start(map_hosts=False)
try:
    first, whole, inert = [], [], []
    for n in range(args.runs + 3):  # alternated, so drift hits both alike; the first 3 of each warm the caches
        driver.get(base + "/example.html")
        t = driver.execute_script("return [window.__t1 - window.__t0, window.__t2 - window.__t0]")
        driver.get(base + "/inert.html")
        u = driver.execute_script("return window.__t2 - window.__t0")
        if n >= 3:
            first.append(t[0])
            whole.append(t[1])
            inert.append(u)
    f, w, i = statistics.median(first), statistics.median(whole), statistics.median(inert)
    print(f"first fbq call: median {f:.2f} ms from the script tag over {args.runs} loads (the whole library "
          f"{w:.2f} ms); the same bytes as an inert script take {i:.2f} ms: ratio {w / i:.2f}, running the rules "
          f"adds {w - i:.2f} ms")

    measure = """
      var b = document.querySelector('button.b57');
      var t = performance.now();
      for (var k = 0; k < 2000; k++) b.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
      return (performance.now() - t) / 2000;
    """
    results = {}
    for name in ["clicks0", "clicks100"] * 5:
        driver.get(base + f"/{name}.html")
        results.setdefault(name, []).append(driver.execute_script(measure))
    c100, c0 = statistics.median(results["clicks100"]), statistics.median(results["clicks0"])
    print(f"one click with 100 click rules: {c100 * 1000:.1f} µs (median of 5 pages, 2,000 clicks each; "
          f"baseline, no click rule: {c0 * 1000:.1f} µs; ratio {c100 / c0:.1f}, the rules add {(c100 - c0) * 1000:.1f} µs)")
finally:
    driver.quit()
    server.shutdown()
