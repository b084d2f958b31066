"""Runs built web libraries in headless Chromium (Debian's chromium and chromedriver, driven by Selenium) over
scripted journeys, and prints what the rules did, for the parity tests with the Swift engine.

Each page is a real page served on loopback under the host its journey names (Chromium maps every host name to
127.0.0.1): its cookies are real cookies, its storage real storage, its referrer a real navigation from the
referring URL, and its clicks and custom events real DOM events on elements built from the journey's descriptors.
The library loads as a page loads it; its monitor hooks record each rule's outcome and dispatches, and `fetch` and
Meta's `fbq` queue record what actually left the page.

usage: python3 journeys.py JOBS.json  ->  for each job, one JSON line:
  {"lines": [{"rules": [...], "dispatches": [...]}, ... one per page event], "fbq": [[...], ...], "posts": [...],
   "scripts": <fbevents.js script elements added, over all pages>, "probes": [<value of each probe step>]}
A job is {"library": "<path to the .js>", "steps": [...]}; a load may also give "queue" (calls waiting in
`_tagwire.q` before the library loads), "copies" (script tags loading the library) and "sync" (a blocking
script tag, and `_tagwire.pageBottom()` at the end of the body, as Adobe's synchronous embed code has it); the steps are those of Tests/TagwireWebTests/Node/page.js
plus {"click": <descriptor>} and {"custom": {"eventType", "detail", "target"}} ({"consent": ...} prints no line, as
in page.js; {"probe": "<JavaScript expression>"} records its value in "probes"), and a load always runs the page's
whole lifecycle (Library Loaded, Page Bottom, DOM Ready, Window Loaded: four lines).
"""

import html
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import chromium

LIFECYCLE = ["core.library-loaded", "core.page-bottom", "core.dom-ready", "core.window-loaded"]


class Site:
    """What the loopback server answers: the library, the page being visited and the page that refers to it."""

    def __init__(self):
        self.library = b""
        self.page = b""
        self.referrer = None  # (path and query, target URL)


SITE = Site()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/__tagwire/library.js":
            self.answer(200, "application/javascript; charset=utf-8", SITE.library)
        elif SITE.referrer and self.path == SITE.referrer[0]:
            target = json.dumps(SITE.referrer[1])
            body = f'<!doctype html><meta name="referrer" content="unsafe-url"><script>location.href = {target};</script>'
            self.answer(200, "text/html; charset=utf-8", body.encode())
        elif self.path.startswith("/en_US/fbevents.js"):
            # Meta's script is not fetched in tests: the queue stub keeps every call, which is what is checked.
            self.answer(404, "text/plain", b"")
        else:
            self.answer(200, "text/html; charset=utf-8", SITE.page)

    def answer(self, status, kind, body):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# Before the library: the page's state, its cookies, storage cleared for a new visitor or session, the monitor
# hooks, and a `fetch` that records the edge posts (answering 200) instead of sending them.
PRELUDE = """
<script>
(function (state, cookies, clear, queue) {
  if (clear.local) localStorage.clear();
  if (clear.session) sessionStorage.clear();
  for (var k in state) window[k] = state[k];
  cookies.forEach(function (c) { document.cookie = c + "; path=/"; });
  window.__reports = [];
  window.__posts = [];
  window.__types = [];
  function record(r) { window.__reports.push(JSON.parse(JSON.stringify(r))); window.__types.push(r.event.type); }
  window._tagwire = { q: queue, monitors: [{ ruleCompleted: record, ruleConditionFailed: record,
    ruleActionFailed: record, ruleSkipped: record }] };
  window.__logs = [];
  window.__errors = [];
  var log = console.log;
  console.log = function () { window.__logs.push(Array.prototype.join.call(arguments, " ")); log.apply(console, arguments); };
  window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
  window.addEventListener("unhandledrejection", function (e) { window.__errors.push(String(e.reason)); });
  window.fetch = function (url, init) {
    window.__posts.push({ url: String(url), body: JSON.parse(init.body), keepalive: !!init.keepalive });
    return Promise.resolve(new Response("{}", { status: 200 }));
  };
  document.addEventListener("submit", function (e) { e.preventDefault(); });
  document.addEventListener("click", function (e) { e.preventDefault(); });
})(%s, %s, %s, %s);
</script>
<style>#stage, #stage * { display: block; min-width: 40px; min-height: 20px; padding: 4px; }</style>
"""

# Builds the target element inside its ancestors (outermost first) and returns it.
BUILD = """
var target = arguments[0];
var stage = document.getElementById("stage");
stage.innerHTML = "";
var chain = (target.ancestors || []).slice().reverse().concat([target]);
var parent = stage, el = null;
chain.forEach(function (d) {
  el = document.createElement(d.tag || "div");
  if (d.id) el.id = d.id;
  (d.classes || []).forEach(function (c) { el.classList.add(c); });
  var attributes = d.attributes || {};
  for (var k in attributes) el.setAttribute(k, attributes[k]);
  if (d.text) el.appendChild(document.createTextNode(d.text));
  parent.appendChild(el);
  parent = el;
});
return el;
"""

DRAIN = """
var reports = window.__reports || []; window.__reports = [];
var posts = window.__posts || []; window.__posts = [];
var q = window.fbq && window.fbq.queue ? window.fbq.queue : [];
var calls = q.map(function (a) { return JSON.parse(JSON.stringify(Array.prototype.slice.call(a))); });
if (window.fbq && window.fbq.queue) window.fbq.queue = [];
var scripts = document.querySelectorAll('script[src*="fbevents.js"]').length;
return {reports: reports, posts: posts, calls: calls, scripts: scripts};
"""


def line(reports):
    rules, dispatches = [], []
    for r in reports:
        o = {"name": r["rule"], "status": r["status"]}
        if r.get("reason"):
            o["reason"] = r["reason"]
        rules.append(o)
        dispatches.extend(r.get("dispatches") or [])
    return {"rules": rules, "dispatches": dispatches}


def run(driver, port, job):
    with open(job["library"], "rb") as f:
        SITE.library = f.read()
    out = {"lines": [], "fbq": [], "posts": [], "scripts": 0, "probes": []}
    visitor = session = None
    page_scripts = [0]

    def drain():
        got = driver.execute_script(DRAIN)
        out["fbq"].extend(got["calls"])
        out["posts"].extend(got["posts"])
        page_scripts[0] = max(page_scripts[0], got["scripts"])
        return got["reports"]

    def leave():
        drain()
        out["scripts"] += page_scripts[0]
        page_scripts[0] = 0

    loaded = False
    for step in job["steps"]:
        if "load" in step:
            if loaded:
                leave()
            state = dict(step["load"])
            location = state.pop("location", {}) or {}
            document = state.pop("document", {}) or {}
            state.pop("navigator", None)
            href = location.get("href") or "http://page.example/"
            parts = urllib.parse.urlsplit(href)
            url = urllib.parse.urlunsplit(("http", f"{parts.hostname}:{port}", parts.path or "/", parts.query, parts.fragment))
            cookies = [c.strip() for c in (document.get("cookie") or "").split(";") if "=" in c]
            clear = {"local": step.get("visitor") != visitor, "session": (step.get("visitor"), step.get("session")) != (visitor, session)}
            visitor, session = step.get("visitor"), step.get("session")
            title = html.escape(document.get("title") or "")
            queue = step.get("queue") or []
            prelude = PRELUDE % (json.dumps(state), json.dumps(cookies), json.dumps(clear), json.dumps(queue))
            tag = '<script src="/__tagwire/library.js"></script>' if step.get("sync") else '<script async src="/__tagwire/library.js"></script>'
            tags = tag * int(step.get("copies") or 1)
            # Adobe's synchronous embed calls pageBottom() at the end of the body.
            bottom = "<script>_tagwire.pageBottom();</script>" if step.get("sync") else ""
            SITE.page = (
                f"<!doctype html><html><head><title>{title}</title>{prelude}{tags}</head>"
                f'<body><div id="stage"></div>{bottom}</body></html>'
            ).encode()
            # From a blank page: a URL equal to the current one but for its fragment would not load anew.
            driver.get("about:blank")
            driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
            referrer = document.get("referrer")
            if referrer:
                r = urllib.parse.urlsplit(referrer)
                ref_url = urllib.parse.urlunsplit(("http", f"{r.hostname}:{port}", r.path or "/", r.query, ""))
                SITE.referrer = ((r.path or "/") + ("?" + r.query if r.query else ""), url)
                driver.get(ref_url)
            else:
                SITE.referrer = None
                driver.get(url)
            chromium.wait_for_library(driver)
            loaded = True
            reports = drain()
            for t in LIFECYCLE:
                out["lines"].append(line([r for r in reports if r["event"]["type"] == t]))
        elif "probe" in step:
            out["probes"].append(driver.execute_script("return (" + step["probe"] + ");"))
        elif "consent" in step:
            driver.execute_script("window._tagwire.consent(arguments[0]);", step["consent"])
        elif "track" in step:
            identifier, detail = step["track"]
            driver.execute_script("window._tagwire.track(arguments[0], arguments[1]);", identifier, detail)
            out["lines"].append(line(drain()))
        elif "click" in step:
            element = driver.execute_script(BUILD, step["click"])
            element.click()
            out["lines"].append(line(drain()))
        elif "custom" in step:
            c = step["custom"]
            element = driver.execute_script(BUILD, c["target"]) if c.get("target") else None
            driver.execute_script(
                "var e = new CustomEvent(arguments[0], {detail: arguments[1], bubbles: true});"
                " (arguments[2] || document).dispatchEvent(e);",
                c["eventType"], c.get("detail"), element,
            )
            out["lines"].append(line(drain()))
    if loaded:
        leave()
    return out


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = chromium.start()
    try:
        print(json.dumps({"userAgent": driver.execute_script("return navigator.userAgent"), "port": port}), flush=True)
        for job in jobs:
            try:
                print(json.dumps(run(driver, port, job)), flush=True)
            except Exception as e:  # one job's failure is reported on its line; the others still run
                print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    main()
