// While a packet is being made, check its state every few seconds and reload once it changes.
(function () {
  "use strict";
  var items = document.querySelectorAll("[data-packet-status-url]");
  if (!items.length) { return; }
  var tries = 0;
  function poll() {
    tries += 1;
    var checks = Array.prototype.map.call(items, function (item) {
      return fetch(item.dataset.packetStatusUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { return data.status !== "queued" && data.status !== "rendering"; });
    });
    Promise.all(checks).then(function (done) {
      if (done.some(Boolean)) { window.location.reload(); }
      else if (tries < 120) { window.setTimeout(poll, 3000); }
    }).catch(function () { if (tries < 120) { window.setTimeout(poll, 5000); } });
  }
  window.setTimeout(poll, 2000);
})();
