// Small helpers for forms, all optional: the pages work without JavaScript.
(function () {
  "use strict";
  // A form is sent once: later clicks on its buttons do nothing while the page loads.
  // (The server also ignores a repeated form by its one-time token.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent === "1") { event.preventDefault(); return; }
    form.dataset.sent = "1";
    // Keep the clicked button's name/value, then disable the buttons.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  // Buttons that remove something ask first.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  // Groups of fields that belong to one kind of thing (a medication's dose, a therapy's
  // sessions) show only while that kind is chosen. The server ignores the hidden ones.
  document.querySelectorAll("form").forEach(function (form) {
    var kind = form.querySelector("select[name=kind]");
    var groups = form.querySelectorAll("fieldset[data-shown-for]");
    if (!kind || !groups.length) { return; }
    function show() {
      groups.forEach(function (group) {
        group.hidden = group.dataset.shownFor.split(" ").indexOf(kind.value) === -1;
      });
    }
    kind.addEventListener("change", show);
    show();
  });
  // The crisis resources after PHQ-9 item 9: shown as soon as an answer above zero is chosen,
  // and read out by screen readers then; hidden again if the answer goes back to zero.
  document.querySelectorAll("[data-reveal-for]").forEach(function (message) {
    var name = message.dataset.revealFor;
    document.querySelectorAll("input[type=radio][name='" + name + "']").forEach(function (radio) {
      radio.addEventListener("change", function () {
        var above = Number(radio.value) > 0;
        if (above && message.hidden) { message.setAttribute("role", "alert"); }
        message.hidden = !above;
      });
    });
  });
  // After a refused form, take keyboard and screen-reader users straight to the first problem.
  var invalid = document.querySelector(".is-invalid");
  if (invalid) { invalid.focus(); }
})();
