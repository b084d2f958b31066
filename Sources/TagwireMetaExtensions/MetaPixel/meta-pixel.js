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

  // Written on the widest domain that accepts it, as Meta's Parameter Builder does; `make` gets that domain's
  // subdomain index (its number of labels less one: 1 for example.com), the second part of Meta's formats.
  function writeCookie(name, make) {
    var host = window.location.hostname;
    // An address (or a name without a dot) takes no domain attribute.
    var labels = /^[0-9.]+$|^\[|^[^.]*$/.test(host) ? [host] : host.split(".");
    for (var i = labels.length - 2; i >= 0; i--) {
      var value = make(labels.length - 1 - i);
      document.cookie =
        name + "=" + value + "; max-age=" + ninetyDays + "; path=/; SameSite=Lax; domain=" + labels.slice(i).join(".");
      if (tagwire.cookie(name) === value) return;
    }
    document.cookie = name + "=" + make(labels.length - 1) + "; max-age=" + ninetyDays + "; path=/; SameSite=Lax";
  }

  // Calls made without consent wait here; they go to Meta (script, init, calls) only once consent is granted.
  var held = [];

  var ldu = false;

  function send(ext, call, limited) {
    var pixel = ext.pixelId;
    var fbq = queue(ext.scriptUrl);
    // Limited Data Use applies to what follows, so it is set (or cleared) before `init` and each call that changes it.
    if (limited !== ldu) {
      if (limited) fbq("dataProcessingOptions", ["LDU"], 0, 0);
      else fbq("dataProcessingOptions", []);
      ldu = limited;
    }
    if (!initialised[pixel]) {
      initialised[pixel] = true;
      fbq("init", pixel);
    }
    fbq.apply(null, [call[0] === "track" ? "trackSingle" : "trackSingleCustom", pixel].concat(call.slice(1)));
  }

  tagwire.onConsent(function (state) {
    if (window.fbq) window.fbq("consent", state === "granted" ? "grant" : "revoke");
    var waiting = held;
    held = [];
    if (state !== "granted") return;
    writeCookies();
    for (var i = 0; i < waiting.length; i++) send(waiting[i][0], waiting[i][1], waiting[i][2]);
  });

  tagwire.onStart(function () {
    if (tagwire.consent() === "granted") writeCookies();
  });

  // Meta's first-party cookies: `_fbc` (`fb.<index>.<ms>.<fbclid>`) when the URL carries a new `fbclid`, and
  // `_fbp` (`fb.<index>.<ms>.<random>`) when there is none.
  function writeCookies() {
    var now = Date.now();
    var match = /[?&]fbclid=([^&#]*)/.exec(window.location.search);
    if (match && match[1]) {
      var clickID = decodeURIComponent(match[1]);
      var current = tagwire.cookie("_fbc");
      if (!current || current.split(".").slice(3).join(".") !== clickID) {
        writeCookie("_fbc", function (index) {
          return "fb." + index + "." + now + "." + clickID;
        });
      }
    }
    if (!tagwire.cookie("_fbp")) {
      var random = Math.floor(Math.random() * 2147483647);
      writeCookie("_fbp", function (index) {
        return "fb." + index + "." + now + "." + random;
      });
    }
  }

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
        var dispatch = { destination: "meta-pixel", rule: context.rule.name, pixelId: ext.pixelId, call: call };
        var limited = settings.lduEnabled === true;
        if (limited) dispatch.dataProcessingOptions = ["LDU"];
        var state = tagwire.consent();
        if (state === "granted") send(ext, call, limited);
        else {
          if (state === "pending") held.push([ext, call, limited]);
          dispatch.heldForConsent = true;
        }
        return dispatch;
      },
    },
  };
})());
