// While a packet is being made, check its state and reload once it changes. A packet usually
// takes seconds; after two minutes the page says so and when to come back (the text is in the
// page, so it is translated), and keeps checking, less often, for as long as the page is open.
(function () {
  "use strict";
  var items = document.querySelectorAll("[data-packet-status-url]");
  if (!items.length) { return; }
  var started = Date.now();
  var SLOW_AFTER_MS = 2 * 60 * 1000;
  function delay() { return Date.now() - started < SLOW_AFTER_MS ? 3000 : 30000; }
  function sayItIsSlow() {
    if (Date.now() - started < SLOW_AFTER_MS) { return; }
    document.querySelectorAll("[data-packet-slow]").forEach(function (note) { note.hidden = false; });
  }
  function poll() {
    var checks = Array.prototype.map.call(items, function (item) {
      return fetch(item.dataset.packetStatusUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { return data.status !== "queued" && data.status !== "rendering"; });
    });
    Promise.all(checks).then(function (done) {
      if (done.some(Boolean)) { window.location.reload(); return; }
      sayItIsSlow();
      window.setTimeout(poll, delay());
    }).catch(function () {
      sayItIsSlow();
      window.setTimeout(poll, delay());
    });
  }
  window.setTimeout(poll, 2000);
})();
