// actkit stall: small improvements on plain forms (the page works without this file).
(function () {
  "use strict";

  // "Print the letter" prints this page (its print stylesheet shows only the letter);
  // without JavaScript the button opens the letter's own A4 page instead.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  });

  // After a failed submit, move focus to the list of problems so it is read out first.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }

  // Kiosk mode: after a while with nobody using the page, warn, then go back to a blank
  // start, so the next visitor sees nothing of the last one's letter.
  var idle = parseInt(document.body.getAttribute("data-idle") || "0", 10);
  if (!idle) { return; }
  var resetUrl = document.body.getAttribute("data-reset");
  var warning = document.getElementById("idle-warning");
  var countdown = warning && warning.querySelector("[data-countdown]");
  var warnFor = Math.min(30, Math.floor(idle / 2));
  var lastActive = Date.now();
  var shown = false;

  function reset() {
    try { window.sessionStorage.clear(); window.localStorage.clear(); } catch (e) { /* blocked */ }
    document.querySelectorAll("form").forEach(function (form) { form.reset(); });
    window.location.replace(resetUrl);
  }

  function stillHere() {
    lastActive = Date.now();
    if (shown) {
      shown = false;
      warning.hidden = true;
    }
  }

  ["keydown", "pointerdown", "input", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () { if (!shown) { stillHere(); } }, { passive: true, capture: true });
  });
  if (warning) {
    warning.querySelector("[data-still-here]").addEventListener("click", stillHere);
  }

  window.setInterval(function () {
    var quiet = (Date.now() - lastActive) / 1000;
    if (quiet >= idle) { reset(); return; }
    if (warning && quiet >= idle - warnFor) {
      if (countdown) { countdown.textContent = String(Math.ceil(idle - quiet)); }
      if (!shown) {
        shown = true;
        warning.hidden = false;
        warning.querySelector("[data-still-here]").focus();
      }
    }
  }, 250);
})();
