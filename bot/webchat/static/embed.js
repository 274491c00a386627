/*
 * Balai web chat — embed snippet for the agency's website:
 *
 *   <script src="https://balai.example.go.id/embed.js" async></script>
 *
 * Adds a round button at the bottom right that opens the chat in a panel (an iframe of
 * <origin>/?embed=1). Everything lives in one element, #balai-chat-widget, inside a shadow
 * root, so the page's styles do not leak in and ours do not leak out; no globals are
 * defined. Optional attributes on the script tag: data-lang="id|en" (default: the browser's
 * language), data-title="…" (the panel's title).
 */
(function () {
  'use strict';

  var HOST_ID = 'balai-chat-widget';
  var script = document.currentScript;
  if (!script) {
    // Old browsers: the last script whose source ends with embed.js.
    var all = document.getElementsByTagName('script');
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/embed\.js(\?|#|$)/.test(all[i].src)) { script = all[i]; break; }
    }
  }
  if (!script || !script.src) { return; }

  var base;
  try {
    base = new URL('./', script.src); // the chat's origin (and path prefix, if any)
  } catch (e) {
    return;
  }
  var chatURL = new URL('?embed=1', base).href;
  var chatOrigin = base.origin;

  var lang = String(script.getAttribute('data-lang') || navigator.language || 'id').slice(0, 2).toLowerCase();
  var text = lang === 'en'
    ? { open: 'Open service chat', close: 'Close service chat', title: 'Service chat', frame: 'Service chat' }
    : { open: 'Buka obrolan layanan', close: 'Tutup obrolan layanan', title: 'Obrolan layanan', frame: 'Obrolan layanan' };
  var title = script.getAttribute('data-title') || text.title;

  var CSS = [
    ':host { all: initial; }',
    '*, *::before, *::after { box-sizing: border-box; }',
    '.launcher {',
    '  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;',
    '  width: 60px; height: 60px; margin: 0; padding: 0; border: 0; border-radius: 50%;',
    '  background: #0b5c4a; color: #fff; cursor: pointer;',
    '  display: flex; align-items: center; justify-content: center;',
    '  box-shadow: 0 4px 14px rgba(0,0,0,.28);',
    '  transition: transform .15s ease-out, background-color .15s;',
    '  -webkit-tap-highlight-color: transparent;',
    '}',
    '.launcher:hover { background: #08473a; transform: scale(1.05); }',
    '.launcher:focus { outline: none; }',
    '.launcher:focus-visible { outline: 3px solid #1a56db; outline-offset: 3px; box-shadow: 0 0 0 6px #fff; }',
    '.launcher svg { width: 30px; height: 30px; display: block; fill: currentColor; }',
    '.launcher .icon-close { display: none; }',
    '.launcher[aria-expanded="true"] .icon-open { display: none; }',
    '.launcher[aria-expanded="true"] .icon-close { display: block; }',
    '.panel {',
    '  position: fixed; right: 20px; bottom: 92px; z-index: 2147483000;',
    '  width: 380px; height: min(620px, calc(100vh - 112px)); height: min(620px, calc(100dvh - 112px));',
    '  max-width: calc(100vw - 40px);',
    '  display: flex; flex-direction: column; overflow: hidden;',
    '  border-radius: 16px; background: #fff;',
    '  box-shadow: 0 10px 40px rgba(0,0,0,.3);',
    '  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;',
    '  animation: balai-in .18s ease-out;',
    '}',
    '.panel[hidden] { display: none; }',
    '.bar {',
    '  flex: none; display: flex; align-items: center; justify-content: space-between; gap: 8px;',
    '  padding: 6px 6px 6px 14px; background: #0b5c4a; color: #fff;',
    '}',
    '.bar h2 { margin: 0; font-family: inherit; font-size: 15px; font-weight: 600; line-height: 1.3; color: inherit; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }',
    '.close {',
    '  flex: none; width: 44px; height: 44px; margin: 0; padding: 0; border: 0; border-radius: 50%;',
    '  background: transparent; color: #fff; cursor: pointer; display: flex; align-items: center; justify-content: center;',
    '}',
    '.close:hover { background: rgba(255,255,255,.15); }',
    '.close:focus { outline: none; }',
    '.close:focus-visible { outline: 3px solid #fff; outline-offset: -3px; }',
    '.close svg { width: 22px; height: 22px; fill: currentColor; }',
    'iframe { flex: 1 1 auto; width: 100%; min-height: 0; border: 0; display: block; background: #fff; }',
    '@media (prefers-color-scheme: dark) {',
    '  .panel, iframe { background: #171c1a; }',
    '  .launcher:focus-visible { outline-color: #ffbf47; box-shadow: 0 0 0 6px #000; }',
    '}',
    '@media (max-width: 480px), (max-height: 500px) {',
    '  .panel { inset: 0; width: 100%; height: 100%; max-width: none; border-radius: 0; }',
    '  .launcher[aria-expanded="true"] { display: none; }',
    '}',
    '@media (prefers-reduced-motion: reduce) {',
    '  .launcher, .panel { transition: none; animation: none; }',
    '  .launcher:hover { transform: none; }',
    '}',
    '@keyframes balai-in { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }'
  ].join('\n');

  var SVG_NS = 'http://www.w3.org/2000/svg';
  function icon(cls, d) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    if (cls) { svg.setAttribute('class', cls); }
    var path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
    return svg;
  }
  var CHAT = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 7.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z';
  var CROSS = 'M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 1 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z';

  function mount() {
    if (document.getElementById(HOST_ID)) { return; } // included twice
    var host = document.createElement('div');
    host.id = HOST_ID;
    var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;

    // Constructed style sheets are not inline styles: they work under a strict CSP too.
    var sheetDone = false;
    if (root !== host && 'adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function') {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
        sheetDone = true;
      } catch (e) { /* fall back to a style element */ }
    }
    if (!sheetDone) {
      var style = document.createElement('style');
      style.textContent = CSS;
      root.appendChild(style);
    }

    var panelId = HOST_ID + '-panel';
    var launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.className = 'launcher';
    launcher.setAttribute('aria-label', text.open);
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-controls', panelId);
    launcher.appendChild(icon('icon-open', CHAT));
    launcher.appendChild(icon('icon-close', CROSS));

    var panel = document.createElement('div');
    panel.className = 'panel';
    panel.id = panelId;
    panel.hidden = true;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', title);

    var bar = document.createElement('div');
    bar.className = 'bar';
    var h = document.createElement('h2');
    h.textContent = title;
    var close = document.createElement('button');
    close.type = 'button';
    close.className = 'close';
    close.setAttribute('aria-label', text.close);
    close.appendChild(icon('', CROSS));
    bar.appendChild(h);
    bar.appendChild(close);
    panel.appendChild(bar);

    root.appendChild(panel);
    root.appendChild(launcher);

    var frame = null; // created on first open: no session until the citizen wants to chat
    var loaded = false;

    function isOpen() { return !panel.hidden; }

    function open() {
      if (isOpen()) { return; }
      if (!frame) {
        frame = document.createElement('iframe');
        frame.src = chatURL;
        frame.title = text.frame;
        frame.setAttribute('allow', 'clipboard-write');
        frame.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
        frame.addEventListener('load', function () {
          loaded = true;
          focusChat();
        });
        panel.appendChild(frame);
      }
      panel.hidden = false;
      launcher.setAttribute('aria-expanded', 'true');
      launcher.setAttribute('aria-label', text.close);
      focusChat();
    }

    function focusChat() {
      if (!frame || !isOpen()) { return; }
      frame.focus();
      if (loaded) { // before, the frame holds about:blank; its load event comes back here
        frame.contentWindow.postMessage({ type: 'balai:focus' }, chatOrigin);
      }
    }

    function closePanel(restoreFocus) {
      if (!isOpen()) { return; }
      panel.hidden = true;
      launcher.setAttribute('aria-expanded', 'false');
      launcher.setAttribute('aria-label', text.open);
      if (restoreFocus) { launcher.focus(); }
    }

    launcher.addEventListener('click', function () {
      if (isOpen()) { closePanel(true); } else { open(); }
    });
    close.addEventListener('click', function () { closePanel(true); });
    // Escape closes: in the panel's bar here, inside the chat via a message from the frame.
    host.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && isOpen()) {
        e.stopPropagation();
        closePanel(true);
      }
    });
    window.addEventListener('message', function (e) {
      if (frame && e.source === frame.contentWindow && e.origin === chatOrigin &&
          e.data && e.data.type === 'balai:close') {
        closePanel(true);
      }
    });

    document.body.appendChild(host);
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener('DOMContentLoaded', mount);
  }
}());
