// The Tagwire browser runtime. A built web library is this file, each used extension's script (each calls
// `tagwire.define`), and `tagwire.start(<the compiled rule graph>)`, all inside one function so nothing leaks into
// the page but `window._tagwire`. It follows the Swift engine's web semantics exactly: the same conformance
// cases run against both. It is one file (over 400 lines) because it is one closure: everything inside is private
// to the library, and the minifier can rename all of it.
var tagwire = (function (window, document) {
  "use strict";

  var delegates = {};
  var installers = [];
  var graph = null;
  var api = null;
  var monitors = [];
  var pageviewStore = {};
  var debugKey = "tagwire.debug";
  var storagePrefix = "tagwire.dataElements.";
  var pending = [];
  var running = false;
  var consentKey = "tagwire.consent";
  var consentListeners = [];

  // ---- Extensions -------------------------------------------------------------------------------------------

  // An extension registers its delegates by component type: `events` ({install?, matches}), `conditions`,
  // `dataElements` and `actions` (functions of the rendered settings and the rule context).
  function define(extension, parts) {
    ["events", "conditions", "dataElements", "actions"].forEach(function (kind) {
      var table = parts[kind] || {};
      Object.keys(table).forEach(function (name) {
        delegates[extension + "." + name] = { kind: kind, delegate: table[name] };
      });
    });
  }

  function delegateFor(type) {
    var entry = delegates[type];
    if (!entry) throw failure("type '" + type + "' is not available in this library");
    return entry.delegate;
  }

  // ---- Values -----------------------------------------------------------------------------------------------

  function failure(message) {
    var e = new Error(message);
    e.tagwire = true;
    return e;
  }

  // A plain object of any realm (a page's data layer may come from an iframe): its prototype is some realm's
  // Object.prototype, or none.
  function isPlainObject(v) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
    var proto = Object.getPrototypeOf(v);
    return proto === null || Object.getPrototypeOf(proto) === null;
  }

  function arrayIndex(segment) {
    return /^(0|[1-9][0-9]{0,8})$/.test(segment) ? Number(segment) : -1;
  }

  // One step of a path: a member of an object, an index of an array; nothing of a primitive. Page objects
  // (location, document) are read through their prototype too.
  function child(value, segment) {
    if (value === null || value === undefined) return undefined;
    if (Array.isArray(value)) {
      var i = arrayIndex(segment);
      return i >= 0 && i < value.length ? value[i] : undefined;
    }
    if (typeof value !== "object" && typeof value !== "function") return undefined;
    if (isPlainObject(value)) return Object.prototype.hasOwnProperty.call(value, segment) ? value[segment] : undefined;
    try {
      return value[segment];
    } catch (e) {
      return undefined;
    }
  }

  function readPath(value, segments) {
    for (var i = 0; i < segments.length; i++) {
      if (value === undefined) return undefined;
      value = child(value, segments[i]);
    }
    return value;
  }

  function isMissing(v) {
    return v === undefined || v === null;
  }

  function deepEqual(a, b) {
    if (a === b) return true;
    if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    var ka = Object.keys(a);
    var kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (var i = 0; i < ka.length; i++) {
      if (!Object.prototype.hasOwnProperty.call(b, ka[i]) || !deepEqual(a[ka[i]], b[ka[i]])) return false;
    }
    return true;
  }

  // JavaScript's `==`, except that two objects or two arrays compare by content.
  function looseEquals(a, b) {
    var oa = a !== null && typeof a === "object";
    var ob = b !== null && typeof b === "object";
    if (oa && ob) return Array.isArray(a) === Array.isArray(b) ? deepEqual(a, b) : String(a) === String(b);
    // eslint-disable-next-line eqeqeq
    return a == b;
  }

  // Text for a token inside longer text: missing is "", objects and arrays are JSON.
  function interpolationText(v) {
    if (isMissing(v)) return "";
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
  }

  // A cookie of the page, percent-decoded (as written when it is not valid percent-encoding); undefined when absent.
  function cookie(name) {
    var parts = String(document.cookie || "").split(";");
    for (var i = 0; i < parts.length; i++) {
      var at = parts[i].indexOf("=");
      if (at < 0) continue;
      if (parts[i].slice(0, at).trim() === name) {
        var raw = parts[i].slice(at + 1);
        try {
          return decodeURIComponent(raw);
        } catch (e) {
          return raw;
        }
      }
    }
    return undefined;
  }

  // ---- The rule context ------------------------------------------------------------------------------------

  function Context(event, rule) {
    this.event = event;
    this.rule = rule;
    this.memo = {};
    this.resolving = [];
  }

  Context.prototype.render = function (t) {
    if ("lit" in t) return t.lit;
    if ("ref" in t) return this.reference(t.ref);
    if ("text" in t) {
      var s = "";
      for (var i = 0; i < t.text.length; i++) {
        var p = t.text[i];
        s += typeof p === "string" ? p : interpolationText(this.reference(p.ref));
      }
      return s;
    }
    if ("arr" in t) {
      var out = [];
      for (var j = 0; j < t.arr.length; j++) {
        var item = this.render(t.arr[j]);
        out.push(item === undefined ? null : item);
      }
      return out;
    }
    var o = {};
    for (var k = 0; k < t.obj.length; k++) {
      var v = this.render(t.obj[k][1]);
      if (v !== undefined) o[t.obj[k][0]] = v;
    }
    return o;
  };

  // A component's settings: an object template rendered member by member, a failure naming its setting.
  Context.prototype.settings = function (t) {
    if ("lit" in t) return isPlainObject(t.lit) ? t.lit : {};
    if (!("obj" in t)) return {};
    var o = {};
    for (var k = 0; k < t.obj.length; k++) {
      var v;
      try {
        v = this.render(t.obj[k][1]);
      } catch (e) {
        throw failure("setting '" + t.obj[k][0] + "': " + e.message);
      }
      if (v !== undefined) o[t.obj[k][0]] = v;
    }
    return o;
  };

  Context.prototype.extensionSettings = function (name) {
    for (var i = 0; i < graph.extensions.length; i++) {
      if (graph.extensions[i].name === name) {
        try {
          return this.settings(graph.extensions[i].settings);
        } catch (e) {
          throw failure("extension '" + name + "' " + e.message);
        }
      }
    }
    throw failure("extension '" + name + "' is not in this library");
  };

  Context.prototype.reference = function (ref) {
    var v = this.resolve(ref[0]);
    for (var i = 1; i < ref.length; i++) {
      if (v === undefined) break;
      v = child(v, ref[i]);
    }
    return v;
  };

  // A data element's value: memoised for the rule run, then storage, default, cleanText and forceLowerCase.
  Context.prototype.resolve = function (index) {
    if (Object.prototype.hasOwnProperty.call(this.memo, index)) return this.memo[index];
    var node = graph.dataElements[index];
    if (this.resolving.indexOf(index) >= 0) throw failure("data element '" + node.name + "' depends on itself");
    this.resolving.push(index);
    var value;
    try {
      var settings = this.settings(node.settings);
      value = delegateFor(node.type)(settings, this);
    } catch (e) {
      throw failure("data element '" + node.name + "': " + e.message);
    } finally {
      this.resolving.pop();
    }
    if (node.storageDuration) value = stored(value, node.name, node.storageDuration);
    if (isMissing(value) && "default" in node) value = node["default"];
    if (typeof value === "string") {
      if (node.cleanText) value = value.split(/\s+/).filter(Boolean).join(" ");
      if (node.forceLowerCase) value = value.toLowerCase();
    }
    this.memo[index] = value;
    return value;
  };

  Context.prototype.readPath = function (path) {
    var segments = String(path).split(".");
    var root = segments.shift();
    if (root === "window") return readPath(window, segments);
    if (root === "event") return readPath(this.event, segments);
    return undefined;
  };

  // Writes `value` at a `window.` path of the page, creating objects on the way.
  Context.prototype.writePath = function (path, value) {
    var segments = String(path).split(".").filter(Boolean);
    if (segments[0] !== "window" || segments.length < 2) throw failure("'" + path + "' is not a page-state path");
    var target = window;
    for (var i = 1; i < segments.length - 1; i++) {
      var key = segments[i];
      var next = Array.isArray(target) ? target[arrayIndex(key)] : target[key];
      if (Array.isArray(target) && (arrayIndex(key) < 0 || arrayIndex(key) >= target.length)) return;
      if (next === null || typeof next !== "object") {
        next = {};
        target[key] = next;
      }
      target = next;
    }
    var last = segments[segments.length - 1];
    if (Array.isArray(target)) {
      var at = arrayIndex(last);
      if (at >= 0 && at < target.length) target[at] = value;
      return;
    }
    target[last] = value;
  };

  Context.prototype.requiresConsent = function () {
    return !!(graph.settings && graph.settings.requireConsent);
  };

  Context.prototype.uuid = function () {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    var b = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = "";
    for (var j = 0; j < 16; j++) {
      h += (b[j] + 0x100).toString(16).slice(1);
      if (j === 3 || j === 5 || j === 7 || j === 9) h += "-";
    }
    return h;
  };

  // ---- Storage ---------------------------------------------------------------------------------------------

  function storageFor(duration) {
    try {
      return duration === "session" ? window.sessionStorage : window.localStorage;
    } catch (e) {
      return null;
    }
  }

  // A stored data element: a value is kept; a missing one is read back.
  function stored(value, name, duration) {
    var key = storagePrefix + name;
    if (duration === "pageview") {
      if (!isMissing(value)) pageviewStore[key] = value;
      else value = pageviewStore[key];
      return value;
    }
    var store = storageFor(duration);
    if (!store) return value;
    try {
      if (!isMissing(value)) {
        store.setItem(key, JSON.stringify(value));
        return value;
      }
      var text = store.getItem(key);
      return text === null ? value : JSON.parse(text);
    } catch (e) {
      return value;
    }
  }

  // ---- Rules -----------------------------------------------------------------------------------------------

  function notify(hook, detail) {
    for (var i = 0; i < monitors.length; i++) {
      var m = monitors[i];
      if (m && typeof m[hook] === "function") {
        try {
          m[hook](detail);
        } catch (e) {
          // A monitor's error is the monitor's: the rules go on.
        }
      }
    }
  }

  function where(node) {
    return node.origin ? node.origin[0] + ":" + node.origin[2] + ":" + node.origin[3] : "";
  }

  function debugging() {
    try {
      return window.localStorage.getItem(debugKey) === "true";
    } catch (e) {
      return false;
    }
  }

  function log(rule, text, node) {
    if (!debugging() || !window.console) return;
    var at = node ? where(node) : where(rule);
    window.console.log("[tagwire] " + rule.name + ": " + text + (at ? " (" + at + ")" : ""));
  }

  function outcome(rule, status, reason, dispatches) {
    var o = { name: rule.name, status: status };
    if (reason) o.reason = reason;
    o.dispatches = dispatches;
    return o;
  }

  function evaluateCondition(context, node) {
    var met = !!delegateFor(node.type)(context.settings(node.settings), context);
    return met !== !!node.negate;
  }

  // Runs one rule for one page event: conditions in order, short-circuit, then actions in order; a failing
  // action stops its rule only.
  function runRule(rule, event) {
    var context = new Context(event, rule);
    var conditions = rule.conditions;
    for (var c = 0; c < conditions.length; c++) {
      var cn = conditions[c];
      var label = "condition " + (c + 1) + " (" + (cn.name || cn.type) + ")";
      var met;
      try {
        met = evaluateCondition(context, cn);
      } catch (e) {
        return outcome(rule, "failed", label + " failed: " + e.message, []);
      }
      if (!met) return outcome(rule, "conditionNotMet", label + " was not met", []);
    }
    var dispatches = [];
    for (var a = 0; a < rule.actions.length; a++) {
      var an = rule.actions[a];
      try {
        var settings = context.settings(an.settings);
        var dispatch = delegateFor(an.type)(settings, context, an);
        if (dispatch) dispatches.push(dispatch);
      } catch (e) {
        return outcome(rule, "failed", "action " + (a + 1) + " (" + (an.name || an.type) + ") failed: " + e.message, dispatches);
      }
      context.memo = {};
    }
    return outcome(rule, "fired", null, dispatches);
  }

  function matches(rule, event) {
    for (var i = 0; i < rule.events.length; i++) {
      var node = rule.events[i];
      var entry = delegates[node.type];
      if (entry && entry.delegate.matches(node.settings.lit || {}, event)) return true;
    }
    return false;
  }

  // Evaluates every rule, in order, against one page event. Events raised while rules run (a direct call from
  // an action, say) wait for the current one to finish, so rules always see events one at a time.
  function emit(event) {
    pending.push(event);
    if (running) return;
    running = true;
    try {
      while (pending.length) {
        var next = pending.shift();
        for (var r = 0; r < graph.rules.length; r++) {
          var rule = graph.rules[r];
          if (!matches(rule, next)) continue;
          var detail = { rule: rule.name, event: next };
          if (!rule.enabled) {
            notify("ruleSkipped", { rule: rule.name, event: next, status: "skipped", reason: "the rule is disabled" });
            continue;
          }
          notify("ruleTriggered", detail);
          log(rule, "triggered by " + next.type);
          var result;
          try {
            result = runRule(rule, next);
          } catch (e) {
            result = outcome(rule, "failed", String(e && e.message), []);
          }
          var report = { rule: rule.name, event: next, status: result.status, dispatches: result.dispatches };
          if (result.reason) report.reason = result.reason;
          if (result.status === "fired") {
            notify("ruleCompleted", report);
            log(rule, "completed, " + result.dispatches.length + " dispatch(es)");
          } else if (result.status === "conditionNotMet") {
            notify("ruleConditionFailed", report);
            log(rule, result.reason);
          } else {
            notify("ruleActionFailed", report);
            log(rule, result.reason);
          }
        }
      }
    } finally {
      running = false;
    }
  }

  // ---- Consent ---------------------------------------------------------------------------------------------

  // The visitor's choice, kept in localStorage: `granted`, `revoked`, or `pending` when the property requires
  // consent (`settings.requireConsent`) and no choice was made; without that setting, `granted`.
  function consent() {
    var stored = null;
    try {
      stored = window.localStorage.getItem(consentKey);
    } catch (e) {
      // Without storage the choice lasts for the page only.
      stored = memoryConsent;
    }
    if (stored === "granted" || stored === "revoked") return stored;
    return graph && graph.settings && graph.settings.requireConsent ? "pending" : "granted";
  }
  var memoryConsent = null;

  function setConsent(choice) {
    var state = choice === "grant" ? "granted" : choice === "revoke" ? "revoked" : null;
    if (!state) return;
    memoryConsent = state;
    try {
      window.localStorage.setItem(consentKey, state);
    } catch (e) {
      // Kept in memory above.
    }
    for (var i = 0; i < consentListeners.length; i++) {
      try {
        consentListeners[i](state);
      } catch (e) {
        // One extension's failure leaves the others informed.
      }
    }
  }

  // ---- Start -----------------------------------------------------------------------------------------------

  // The helpers an extension's event delegates get to raise page events and describe elements.
  var events = {
    emit: emit,
    describe: describe,
    window: window,
    document: document,
  };

  // An element as the Swift runner's events describe it: tag, id, classes, attributes, text.
  function describe(element) {
    var d = { tag: String(element.tagName || "").toLowerCase() };
    if (element.id) d.id = element.id;
    var classes = [];
    if (element.classList) for (var i = 0; i < element.classList.length; i++) classes.push(element.classList[i]);
    if (classes.length) d.classes = classes;
    var attributes = {};
    var any = false;
    if (element.attributes) {
      for (var j = 0; j < element.attributes.length; j++) {
        var a = element.attributes[j];
        if (a.name === "id" || a.name === "class") continue;
        attributes[a.name] = a.value;
        any = true;
      }
    }
    if (any) d.attributes = attributes;
    var text = element.textContent;
    if (text) d.text = text;
    return d;
  }

  function start(library) {
    var existing = window._tagwire;
    if (existing && existing.loaded) {
      if (window.console) window.console.warn("[tagwire] a second copy of the library was ignored");
      return;
    }
    graph = library;
    var queued = existing && existing.q ? existing.q : [];
    monitors = existing && existing.monitors ? existing.monitors : [];
    api = {
      loaded: true,
      property: graph.property,
      environment: { name: graph.environment, stage: graph.stage },
      monitors: monitors,
      consent: setConsent,
      track: function (identifier, detail) {
        api.emit({ type: "core.direct-call", identifier: String(identifier).trim(), detail: detail });
      },
      debug: function (on) {
        try {
          if (on) window.localStorage.setItem(debugKey, "true");
          else window.localStorage.removeItem(debugKey);
        } catch (e) {
          // Without storage, debugging stays off.
        }
      },
      emit: function (event) {
        try {
          emit(event);
        } catch (e) {
          // No error of a rule ever reaches the page.
        }
      },
    };
    window._tagwire = api;
    // Pages written for Adobe's runtime call `_satellite.track`; the alias is off unless the property asks.
    if (graph.settings && graph.settings.satelliteAlias) {
      window._satellite = window._satellite || {};
      window._satellite.track = api.track;
    }
    var used = {};
    graph.rules.forEach(function (rule) {
      rule.events.forEach(function (e) {
        used[e.type] = used[e.type] || [];
        used[e.type].push(e.settings.lit || {});
      });
    });
    Object.keys(used).forEach(function (type) {
      var entry = delegates[type];
      if (entry && entry.delegate.install) {
        try {
          entry.delegate.install(used[type], events);
        } catch (e) {
          // An event source that cannot start leaves the others running.
        }
      }
    });
    // A choice made before the library loaded applies before any rule runs; the other calls replay in order.
    function replay(consentCalls) {
      for (var q = 0; q < queued.length; q++) {
        var call = queued[q];
        if (!call || (call[0] === "consent") !== consentCalls || typeof api[call[0]] !== "function") continue;
        try {
          api[call[0]].apply(api, [].slice.call(call[1] || []));
        } catch (e) {
          // A malformed queued call is the page's: the rest still replay.
        }
      }
    }
    replay(true);
    // Extensions prepare the page first (Meta's cookies, say), so that Library Loaded rules already see it; the
    // page lifecycle, which raises Library Loaded, starts last.
    var ordered = installers.filter(function (x) {
      return !x.late;
    }).concat(
      installers.filter(function (x) {
        return x.late;
      })
    );
    for (var i = 0; i < ordered.length; i++) {
      try {
        ordered[i].fn(events);
      } catch (e) {
        // An extension that cannot start leaves the others running.
      }
    }
    replay(false);
  }

  // Code to run once the rules are installed; `late` for what raises page events (after every other start).
  function onStart(fn, late) {
    installers.push({ fn: fn, late: !!late });
  }

  return {
    define: define,
    start: start,
    onStart: onStart,
    consent: consent,
    cookie: cookie,
    onConsent: function (fn) {
      consentListeners.push(fn);
    },
    failure: failure,
    isMissing: isMissing,
    looseEquals: looseEquals,
  };
})(window, document);
