// Runs a built web library in Node against a scripted journey, for fast parity tests with the Swift engine.
// A page is a fresh context (window, document, location, cookies) whose lifecycle the script drives: loading
// the library raises Library Loaded; `pageBottom`, `domReady` and `windowLoaded` raise the others the way a
// browser would (`_tagwire.pageBottom()`, DOMContentLoaded, load). Visitor and session storage carry over
// between pages. Clicks and custom DOM events need a real DOM: the Chromium tests cover those.
//
// usage: node page.js LIBRARY.js JOURNEY.json  ->  one JSON line per step: {"rules": [...], "dispatches": [...]}
"use strict";
const fs = require("fs");
const vm = require("vm");

const [libraryPath, journeyPath] = process.argv.slice(2);
const library = fs.readFileSync(libraryPath, "utf8");
const journey = JSON.parse(fs.readFileSync(journeyPath, "utf8"));

function storage(map) {
  return {
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => map.set(k, String(v)),
    removeItem: (k) => map.delete(k),
  };
}
// Storage by visitor (localStorage) and by visitor and session (sessionStorage), as the Swift runner keys them.
const stores = new Map();
function store(key) {
  if (!stores.has(key)) stores.set(key, new Map());
  return stores.get(key);
}

let page = null;
let results = [];

function load(state, visitor, session) {
  const listeners = { document: {}, window: {} };
  const href = (state.location && state.location.href) || "https://page.invalid/";
  const url = new URL(href);
  const cookies = new Map();
  const initial = (state.document && state.document.cookie) || "";
  for (const part of initial.split(";")) {
    const at = part.indexOf("=");
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1));
  }
  const document = {
    readyState: "loading",
    title: (state.document && state.document.title) || "",
    referrer: (state.document && state.document.referrer) || "",
    get cookie() {
      return [...cookies].map(([k, v]) => k + "=" + v).join("; ");
    },
    set cookie(text) {
      const [pair] = text.split(";");
      const at = pair.indexOf("=");
      cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1));
    },
    addEventListener: (type, fn) => (listeners.document[type] = listeners.document[type] || []).push(fn),
    createElement: () => ({}),
    getElementsByTagName: () => [],
    head: { appendChild: () => {} },
  };
  const location = {
    href: url.href, hostname: url.hostname, pathname: url.pathname, protocol: url.protocol, search: url.search,
  };
  const window = {
    document, location,
    navigator: { userAgent: (state.navigator && state.navigator.userAgent) || "" },
    localStorage: storage(store("local " + visitor)),
    sessionStorage: storage(store("session " + visitor + " " + session)),
    crypto: { randomUUID: () => require("crypto").randomUUID() },
    addEventListener: (type, fn) => (listeners.window[type] = listeners.window[type] || []).push(fn),
    fetch: (endpoint, init) => Promise.resolve({ ok: true }),
    console: { log: () => {}, warn: () => {} },
  };
  window.window = window;
  window.Date = fixedDate();
  window.setTimeout = (fn) => fn();
  // The window is the context's global object; the page state is made in its realm, as a page's would be.
  const context = vm.createContext(window);
  const rest = {};
  for (const key of Object.keys(state)) if (!["location", "document", "navigator"].includes(key)) rest[key] = state[key];
  // Distinct draws, so that a value resolved twice where it should be memoised shows as two values.
  vm.runInContext("Math.random = (function () { var i = 0; return function () { i++; return (i * 0.6180339887) % 1; }; })();", context);
  vm.runInContext("(function (s) { for (var k in s) window[k] = s[k]; })(" + JSON.stringify(rest) + ")", context);
  vm.runInContext(
    "window._tagwire = { q: [], monitors: [{ ruleCompleted: report, ruleConditionFailed: report, " +
      "ruleActionFailed: report, ruleSkipped: report }] };",
    Object.assign(context, { report: (r) => results.push(JSON.parse(JSON.stringify(r))) })
  );
  page = { window, document, listeners, context };
  vm.runInContext(library, context, { filename: libraryPath });
}

// The Swift runner's clock: every event is received at the journey's `receivedAt`.
function fixedDate() {
  const now = journey.receivedAt * 1000;
  class D extends Date {
    constructor(...a) { super(...(a.length ? a : [now])); }
    static now() { return now; }
  }
  return D;
}

function fire(target, type) {
  for (const fn of page.listeners[target][type] || []) fn({ type });
}

function step(s) {
  if (s.consent) {
    page.window._tagwire.consent(s.consent);
    return;
  }
  results = [];
  if (s.load) load(s.load, s.visitor, s.session);
  else if (s.pageBottom) page.window._tagwire.pageBottom();
  else if (s.domReady) { page.document.readyState = "interactive"; fire("document", "DOMContentLoaded"); }
  else if (s.windowLoaded) { page.document.readyState = "complete"; fire("window", "load"); }
  else if (s.track) page.window._tagwire.track(s.track[0], s.track[1]);
  const rules = results.map((r) => {
    const o = { name: r.rule, status: r.status };
    if (r.reason) o.reason = r.reason;
    return o;
  });
  const dispatches = [].concat(...results.map((r) => r.dispatches || []));
  process.stdout.write(JSON.stringify({ rules, dispatches }) + "\n");
}

for (const s of journey.steps) step(s);
