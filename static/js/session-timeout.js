// Warns before an idle session ends, and sends the person to the login page when it has.
// The server ends the session after SESSION_COOKIE_AGE idle seconds; every request renews it.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.sessionIdleSeconds, 10);
  var warnBefore = parseInt(body.dataset.sessionWarningSeconds, 10);
  if (!idle) { return; }
  var box = document.getElementById("session-warning");
  var stay = document.getElementById("session-stay");
  var warnTimer, endTimer;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    box.classList.add("d-none");
    warnTimer = setTimeout(function () {
      box.classList.remove("d-none");
      stay.focus();
    }, Math.max(idle - warnBefore, 0) * 1000);
    endTimer = setTimeout(function () {
      var next = encodeURIComponent(window.location.pathname);
      window.location.href = body.dataset.loginUrl + "?next=" + next;
    }, idle * 1000);
  }

  stay.addEventListener("click", function () {
    fetch(body.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (response.ok) { schedule(); } else { window.location.reload(); }
    });
  });

  schedule();
})();
