// `edge` in the browser: forwards a page event to the event-forwarding endpoint, where an edge property runs it
// (`POST <endpoint>` with `{"xdm", "data"}`; the server reads the visitor's address and user agent from the
// request). `fetch` with `keepalive` survives the page being left; `sendBeacon` is the fallback.
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
        var dispatch = { destination: "edge", rule: context.rule.name, endpoint: ext.endpoint, xdm: xdm, data: data };
        var ua = window.navigator && window.navigator.userAgent;
        if (ua) dispatch.request = { headers: { "user-agent": ua } };
        if (typeof ext.endpoint === "string" && ext.endpoint) post(ext.endpoint, { xdm: xdm, data: data });
        return dispatch;
      },
    },
  };
})());
