// Balai officer console: small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("submit", function (e) {
  // Forms with data-confirm ask before destructive actions (disabling, signing out everywhere).
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
