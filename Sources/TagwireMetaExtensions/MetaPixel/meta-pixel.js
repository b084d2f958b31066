// `meta-pixel` in the browser: Meta's `fbq` queue, fbevents.js loaded once, `init` once per pixel, and one
// `trackSingle` (or `trackSingleCustom`) call per action with `eventID` for deduplication against the
// Conversions API copy. It also keeps Meta's first-party cookies: `_fbc` from a `fbclid` query parameter and
// `_fbp` when absent, in Meta's documented formats, so forwarded events carry them even when fbevents.js is
// blocked.
tagwire.define("meta-pixel", (function () {
  "use strict";
  var failure = tagwire.failure;
  var standard = {
    AddPaymentInfo: 1, AddToCart: 1, AddToWishlist: 1, CompleteRegistration: 1, Contact: 1, CustomizeProduct: 1,
    Donate: 1, FindLocation: 1, InitiateCheckout: 1, Lead: 1, PageView: 1, Purchase: 1, Schedule: 1, Search: 1,
    StartTrial: 1, SubmitApplication: 1, Subscribe: 1, ViewContent: 1,
  };
  var initialised = {};
  var defaultScript = "https://connect.facebook.net/en_US/fbevents.js";
  var ninetyDays = 90 * 24 * 60 * 60;

  // Meta's standard queueing stub: calls made before fbevents.js arrives are queued and replayed by it.
  function queue(scriptUrl) {
    var w = window;
    if (w.fbq) return w.fbq;
    var q = function () {
      if (q.callMethod) q.callMethod.apply(q, arguments);
      else q.queue.push(arguments);
    };
    if (!w._fbq) w._fbq = q;
    q.push = q;
    q.loaded = true;
    q.version = "2.0";
    q.queue = [];
    w.fbq = q;
    var s = document.createElement("script");
    s.async = true;
    s.src = scriptUrl || defaultScript;
    var first = document.getElementsByTagName("script")[0];
    if (first && first.parentNode) first.parentNode.insertBefore(s, first);
    else (document.head || document.documentElement).appendChild(s);
    return q;
  }

  function readCookie(name) {
    var parts = String(document.cookie || "").split(";");
    for (var i = 0; i < parts.length; i++) {
      var kv = parts[i].split("=");
      if (kv[0].trim() === name) return kv.slice(1).join("=");
    }
    return null;
  }

  // Written on the widest domain that accepts it, as Meta's Parameter Builder does.
  function writeCookie(name, value) {
    var host = window.location.hostname;
    var labels = host.split(".");
    for (var i = labels.length - 2; i >= 0; i--) {
      var domain = labels.slice(i).join(".");
      var attempt = name + "=" + value + "; max-age=" + ninetyDays + "; path=/; SameSite=Lax; domain=" + domain;
      document.cookie = attempt;
      if (readCookie(name) === value) return;
    }
    document.cookie = name + "=" + value + "; max-age=" + ninetyDays + "; path=/; SameSite=Lax";
  }

  function subdomainIndex() {
    return Math.max(0, window.location.hostname.split(".").length - 1);
  }

  tagwire.onStart(function () {
    var now = Date.now();
    var match = /[?&]fbclid=([^&#]*)/.exec(window.location.search);
    if (match && match[1]) {
      var clickID = decodeURIComponent(match[1]);
      var current = readCookie("_fbc");
      if (!current || current.split(".").slice(3).join(".") !== clickID) {
        writeCookie("_fbc", "fb." + subdomainIndex() + "." + now + "." + clickID);
      }
    }
    if (!readCookie("_fbp")) {
      writeCookie("_fbp", "fb." + subdomainIndex() + "." + now + "." + Math.floor(Math.random() * 2147483647));
    }
  });

  return {
    actions: {
      "send-event": function (settings, context) {
        var ext = context.extensionSettings("meta-pixel");
        var name = settings.eventName;
        if (typeof name === "number") name = String(name);
        if (typeof name !== "string" || name === "") throw failure("'eventName' resolved to nothing");
        var parameters = settings.parameters;
        if (parameters === undefined || parameters === null) parameters = {};
        else if (typeof parameters !== "object" || Array.isArray(parameters)) {
          throw failure("'parameters' must be an object, not " + (Array.isArray(parameters) ? "an array" : typeof parameters));
        }
        var call = [standard[name] === 1 ? "track" : "trackCustom", name, parameters];
        var id = settings.eventId;
        if (typeof id === "number") id = String(id);
        if (typeof id === "string" && id !== "") call.push({ eventID: id });
        var pixel = ext.pixelId;
        var fbq = queue(ext.scriptUrl);
        if (!initialised[pixel]) {
          initialised[pixel] = true;
          fbq("init", pixel);
        }
        fbq.apply(null, [call[0] === "track" ? "trackSingle" : "trackSingleCustom", pixel].concat(call.slice(1)));
        return { destination: "meta-pixel", rule: context.rule.name, pixelId: pixel, call: call };
      },
    },
  };
})());
