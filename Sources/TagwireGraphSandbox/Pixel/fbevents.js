// The sandbox's stand-in for Meta's fbevents.js (served at /en_US/fbevents.js): it takes over the page's `fbq`
// queue and sends each tracked event to the sandbox's /tr, as Meta's script sends its beacons to Meta, with the
// pixel id, event name, event id (`eid`) and custom data, so the sandbox's dedup model sees the browser copy.
(function () {
  "use strict";
  var fbq = window.fbq;
  if (!fbq) return;
  var script = document.currentScript && document.currentScript.src;
  var base = script ? script.replace(/\/en_US\/fbevents\.js.*$/, "") : "";
  var pixels = [];

  function beacon(pixel, name, params, options) {
    var q = "id=" + encodeURIComponent(pixel) + "&ev=" + encodeURIComponent(name);
    if (options && options.eventID) q += "&eid=" + encodeURIComponent(options.eventID);
    for (var k in params || {}) {
      var v = params[k];
      q += "&cd[" + encodeURIComponent(k) + "]=" + encodeURIComponent(typeof v === "object" ? JSON.stringify(v) : v);
    }
    var url = base + "/tr?" + q;
    // A beacon survives the page being left, as Meta's own does.
    if (!(navigator.sendBeacon && navigator.sendBeacon(url))) new Image().src = url;
  }

  function call(method) {
    var a = Array.prototype.slice.call(arguments, 1);
    switch (method) {
      case "init":
        if (pixels.indexOf(a[0]) < 0) pixels.push(a[0]);
        break;
      case "track":
      case "trackCustom":
        pixels.forEach(function (p) {
          beacon(p, a[0], a[1], a[2]);
        });
        break;
      case "trackSingle":
      case "trackSingleCustom":
        beacon(a[0], a[1], a[2], a[3]);
        break;
    }
  }

  fbq.callMethod = function () {
    call.apply(null, arguments);
  };
  var queued = fbq.queue || [];
  fbq.queue = [];
  for (var i = 0; i < queued.length; i++) call.apply(null, queued[i]);
})();
