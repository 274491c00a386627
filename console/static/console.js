// Balai officer console: small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("submit", function (e) {
  // Forms with data-confirm ask before destructive actions (disabling, signing out everywhere).
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});
(function () {
  // Pages with data-poll (the WhatsApp page) reload when the state behind them changes:
  // a new QR code, a pairing code, connected, logged out.
  var el = document.querySelector("[data-poll]");
  if (!el || !window.fetch) {
    return;
  }
  var url = el.getAttribute("data-poll"), version = el.getAttribute("data-version");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (s && s.version && s.version !== version) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
