// Balai console, FAQ pages: small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("submit", function (e) {
  // Forms with data-confirm (rollback, delete, reject) ask before they act.
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
