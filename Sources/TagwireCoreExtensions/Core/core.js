// `core` in the browser: the page lifecycle, clicks, direct calls and custom events; the data elements that read
// the page; the value comparison; the event id action. Semantics as the Swift engine's core extension.
tagwire.define("core", (function () {
  "use strict";
  var failure = tagwire.failure;

  // ---- Value comparison -------------------------------------------------------------------------------------

  function stringOperand(v, fold) {
    if (typeof v === "string") return fold ? v.toLowerCase() : v;
    if (typeof v === "number") return String(v);
    return null;
  }

  function numberOperand(v) {
    var n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
    return isFinite(n) ? n : null;
  }

  function compare(op, left, right, ci) {
    switch (op) {
      case "equals":
      case "doesNotEqual": {
        var l = ci && typeof left === "string" ? left.toLowerCase() : left;
        var r = ci && typeof right === "string" ? right.toLowerCase() : right;
        var eq = tagwire.looseEquals(l, r);
        return op === "equals" ? eq : !eq;
      }
      case "contains":
      case "doesNotContain":
      case "startsWith":
      case "doesNotStartWith":
      case "endsWith":
      case "doesNotEndWith": {
        var ls = stringOperand(left, ci);
        var rs = stringOperand(right, ci);
        var met = false;
        if (ls !== null && rs !== null) {
          if (op === "contains" || op === "doesNotContain") met = ls.indexOf(rs) >= 0;
          else if (op === "startsWith" || op === "doesNotStartWith") met = ls.slice(0, rs.length) === rs;
          else met = rs.length === 0 || ls.slice(-rs.length) === rs;
        }
        return op.indexOf("does") === 0 ? !met : met;
      }
      case "matchesRegex":
      case "doesNotMatchRegex": {
        var text = stringOperand(left, false);
        var found = false;
        if (text !== null) {
          var pattern = stringOperand(right, false);
          if (pattern === null) return op === "doesNotMatchRegex";
          var re;
          try {
            re = new RegExp(pattern, ci ? "i" : "");
          } catch (e) {
            throw failure("'" + pattern + "' is not a valid regular expression");
          }
          found = re.test(text);
        }
        return op === "matchesRegex" ? found : !found;
      }
      case "lessThan":
      case "lessThanOrEqual":
      case "greaterThan":
      case "greaterThanOrEqual": {
        var a = numberOperand(left);
        var b = numberOperand(right);
        if (a === null || b === null) return false;
        if (op === "lessThan") return a < b;
        if (op === "lessThanOrEqual") return a <= b;
        if (op === "greaterThan") return a > b;
        return a >= b;
      }
      case "isTrue":
        return left === true;
      case "isFalse":
        return left === false;
      case "isTruthy":
        return !!left;
      case "isFalsy":
        return !left;
      default:
        throw failure("unknown operator '" + op + "'");
    }
  }

  function comparison(settings) {
    var c = settings.comparison || {};
    return compare(
      typeof c.operator === "string" ? c.operator : "equals",
      settings.leftOperand,
      settings.rightOperand,
      c.caseInsensitive === true
    );
  }

  // ---- Page events ------------------------------------------------------------------------------------------

  // The four lifecycle events, in Adobe's fixed order whether the library loads sync or async: Library Loaded at
  // once, Page Bottom (at `_tagwire.pageBottom()` or with DOM Ready), DOM Ready, Window Loaded.
  var lifecycle = { started: false, bottom: false, ready: false, loaded: false };

  function startLifecycle(t) {
    if (lifecycle.started) return;
    lifecycle.started = true;
    var doc = t.document;
    var win = t.window;
    function bottom() {
      if (lifecycle.bottom) return;
      lifecycle.bottom = true;
      t.emit({ type: "core.page-bottom" });
    }
    function ready() {
      if (lifecycle.ready) return;
      bottom();
      lifecycle.ready = true;
      t.emit({ type: "core.dom-ready" });
      if (doc.readyState === "complete") setTimeout(loaded, 0);
    }
    function loaded() {
      if (lifecycle.loaded || !lifecycle.ready) return;
      lifecycle.loaded = true;
      t.emit({ type: "core.window-loaded" });
    }
    win._tagwire.pageBottom = bottom;
    t.emit({ type: "core.library-loaded" });
    if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", ready);
    else setTimeout(ready, 0);
    win.addEventListener("load", function () {
      if (!lifecycle.ready) ready();
      loaded();
    });
  }
  tagwire.onStart(startLifecycle, true);

  function sameType(type) {
    return {
      matches: function (settings, event) {
        return event.type === type;
      },
    };
  }

  // The event's element and its ancestors, target first.
  function chain(event) {
    var out = [];
    for (var el = event.element; el && el.nodeType === 1; el = el.parentElement) out.push(el);
    return out;
  }

  function matchesSelector(selector, event) {
    var elements = chain(event);
    for (var i = 0; i < elements.length; i++) {
      try {
        if (elements[i].matches(selector)) return true;
      } catch (e) {
        return false;
      }
    }
    return false;
  }

  // A page event for a DOM event: its element (kept out of JSON) and the target's description.
  function domEvent(t, type, dom, extra) {
    var event = { type: type };
    var target = dom.target && dom.target.nodeType === 1 ? dom.target : dom.target && dom.target.parentElement;
    if (target) {
      var described = t.describe(target);
      var ancestors = [];
      for (var el = target.parentElement; el && el.nodeType === 1; el = el.parentElement) {
        if (el === t.document.documentElement || el === t.document.body) break;
        ancestors.push(t.describe(el));
      }
      if (ancestors.length) described.ancestors = ancestors;
      event.target = described;
      Object.defineProperty(event, "element", { value: target, enumerable: false });
    }
    if (extra) for (var k in extra) event[k] = extra[k];
    return event;
  }

  // ---- Data elements ----------------------------------------------------------------------------------------

  function queryParameter(name, ci) {
    var query = window.location.search.replace(/^\?/, "");
    if (!query) return undefined;
    var pairs = query.split("&");
    for (var i = 0; i < pairs.length; i++) {
      var at = pairs[i].indexOf("=");
      var key = at < 0 ? pairs[i] : pairs[i].slice(0, at);
      var value = at < 0 ? "" : pairs[i].slice(at + 1);
      try {
        key = decodeURIComponent(key);
        value = decodeURIComponent(value);
      } catch (e) {
        // Kept as written.
      }
      if (ci ? key.toLowerCase() === String(name).toLowerCase() : key === name) return value;
    }
    return undefined;
  }

  function pageInfo(attribute) {
    switch (attribute || "url") {
      case "url":
        return window.location.href;
      case "hostname":
        return window.location.hostname;
      case "pathname":
        return window.location.pathname;
      case "protocol":
        return window.location.protocol;
      case "referrer":
        return document.referrer;
      case "title":
        return document.title;
      default:
        return undefined;
    }
  }

  return {
    events: {
      "library-loaded": sameType("core.library-loaded"),
      "page-bottom": sameType("core.page-bottom"),
      "dom-ready": sameType("core.dom-ready"),
      "window-loaded": sameType("core.window-loaded"),
      // One capture-phase listener for every click rule; each rule's selector is tested against the target and
      // its ancestors, as Adobe's bubbling defaults do.
      click: {
        install: function (uses, t) {
          t.document.addEventListener(
            "click",
            function (dom) {
              t.emit(domEvent(t, "core.click", dom));
            },
            true
          );
        },
        matches: function (settings, event) {
          return event.type === "core.click" && typeof settings.elementSelector === "string"
            ? matchesSelector(settings.elementSelector, event)
            : false;
        },
      },
      "direct-call": {
        matches: function (settings, event) {
          return (
            event.type === "core.direct-call" &&
            typeof settings.identifier === "string" &&
            typeof event.identifier === "string" &&
            event.identifier.trim() === settings.identifier.trim()
          );
        },
      },
      "custom-event": {
        install: function (uses, t) {
          var seen = {};
          uses.forEach(function (settings) {
            var type = settings.type;
            if (typeof type !== "string" || seen[type] || type.indexOf("core.") === 0) return;
            seen[type] = true;
            t.document.addEventListener(
              type,
              function (dom) {
                var extra = { eventType: type };
                if (dom.detail !== undefined && dom.detail !== null) extra.detail = dom.detail;
                t.emit(domEvent(t, "core.custom-event", dom, extra));
              },
              true
            );
          });
        },
        matches: function (settings, event) {
          if (typeof settings.type !== "string") return false;
          var name = event.type === "core.custom-event" ? event.eventType : event.type;
          if (name !== settings.type) return false;
          return typeof settings.elementSelector === "string" ? matchesSelector(settings.elementSelector, event) : true;
        },
      },
    },
    conditions: {
      "value-comparison": comparison,
    },
    dataElements: {
      path: function (settings, context) {
        return typeof settings.path === "string" ? context.readPath(settings.path) : undefined;
      },
      constant: function (settings) {
        return settings.value;
      },
      secret: function () {
        throw failure("secrets are not available in the browser");
      },
      cookie: function (settings) {
        return typeof settings.name === "string" ? tagwire.cookie(settings.name) : undefined;
      },
      "query-parameter": function (settings) {
        return typeof settings.name === "string" ? queryParameter(settings.name, settings.caseInsensitive === true) : undefined;
      },
      "page-info": function (settings) {
        return pageInfo(settings.attribute);
      },
      "random-number": function (settings) {
        var lo = typeof settings.min === "number" ? Math.trunc(settings.min) : 0;
        var hi = typeof settings.max === "number" ? Math.trunc(settings.max) : 1000000000;
        if (lo > hi) return NaN;
        return lo + Math.floor(Math.random() * (hi - lo + 1));
      },
      uuid: function (settings, context) {
        return context.uuid();
      },
      timestamp: function (settings) {
        var ms = Date.now();
        return settings.unit === "milliseconds" ? ms : Math.floor(ms / 1000);
      },
      "conditional-value": function (settings) {
        return comparison(settings) ? settings.conditionalValue : settings.fallbackValue;
      },
    },
    actions: {
      "generate-event-id": function (settings, context) {
        var path = typeof settings.path === "string" ? settings.path : "window.dataLayer.meta.conversionData.eventId";
        context.writePath(path, context.uuid());
        return null;
      },
    },
  };
})());
