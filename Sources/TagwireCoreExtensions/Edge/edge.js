// `edge` in the browser: forwards a page event to the event-forwarding endpoint, where an edge property runs it
// (`POST <endpoint>` with `{"xdm", "data"}`, with the page's URL, referrer and Meta's cookies where the rule did not
// map them; the server reads the visitor's address and user agent from the request). `fetch` with `keepalive`
// survives the page being left; `sendBeacon` is the fallback.
tagwire.define("edge", (function () {
  "use strict";

  function post(endpoint, body) {
    var text = JSON.stringify(body);
    try {
      if (typeof window.fetch === "function") {
        window
          .fetch(endpoint, {
            method: "POST",
            body: text,
            headers: { "Content-Type": "application/json" },
            keepalive: true,
            credentials: "omit",
            mode: "cors",
          })
          .catch(function () {
            beacon(endpoint, text);
          });
        return;
      }
    } catch (e) {
      // Falls back to the beacon below.
    }
    beacon(endpoint, text);
  }

  function beacon(endpoint, text) {
    if (window.navigator && typeof window.navigator.sendBeacon === "function") {
      window.navigator.sendBeacon(endpoint, text);
    }
  }

  function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  // A copy of `value` with `text` at `path` when nothing is there (and every step on the way is an object or
  // missing); `value` itself when there is, or when `text` is empty.
  function filled(value, path, text) {
    if (!text || !isObject(value)) return value;
    var copy = {};
    for (var k in value) copy[k] = value[k];
    var key = path[0];
    if (path.length === 1) {
      if (copy[key] === undefined) copy[key] = text;
      return copy;
    }
    var inner = copy[key] === undefined ? {} : copy[key];
    if (!isObject(inner)) return value;
    copy[key] = filled(inner, path.slice(1), text);
    return copy;
  }

  return {
    actions: {
      "send-event": function (settings, context) {
        var ext = context.extensionSettings("edge");
        var xdm = settings.xdm === undefined ? {} : settings.xdm;
        var data = settings.data === undefined ? {} : settings.data;
        // Where the property requires consent, the edge property's rules read the visitor's choice here.
        // (A copy: the rendered settings may be the library's own literal, shared by every run.)
        if (context.requiresConsent() && data && typeof data === "object" && !Array.isArray(data) && !("consent" in data)) {
          var copy = {};
          for (var k in data) copy[k] = data[k];
          copy.consent = tagwire.consent();
          data = copy;
        }
        // What the Conversions API copy needs from the page, where the rule did not map it itself: the page's URL
        // and referrer, and Meta's browser and click ids.
        xdm = filled(xdm, ["web", "webPageDetails", "URL"], window.location.href);
        xdm = filled(xdm, ["web", "webReferrer", "URL"], document.referrer);
        data = filled(data, ["cookies", "fbp"], tagwire.cookie("_fbp"));
        data = filled(data, ["cookies", "fbc"], tagwire.cookie("_fbc"));
        var dispatch = { destination: "edge", rule: context.rule.name, endpoint: ext.endpoint, xdm: xdm, data: data };
        var ua = window.navigator && window.navigator.userAgent;
        if (ua) dispatch.request = { headers: { "user-agent": ua } };
        if (typeof ext.endpoint === "string" && ext.endpoint) post(ext.endpoint, { xdm: xdm, data: data });
        return dispatch;
      },
    },
  };
})());
