// Balai web chat page. No framework and no external resources: the page runs under a strict
// Content-Security-Policy (default-src 'self', no inline scripts or styles).
//
// The conversation lives in a session: its token is an HttpOnly cookie the page never sees
// (nor puts in a URL); localStorage keeps only the conversation's id, which names the saved
// transcript. The session ends when the citizen ends it or after some idle time; the page
// then starts a new one. Citizens' messages
// are POSTed with a client-generated id, so a retried request is recorded once; the replies
// arrive as server-sent events numbered with increasing ids, which the page uses to skip
// replays it has already shown. The transcript (both sides) and the last event id are kept in
// localStorage, so a reload shows the conversation and continues it.
(function () {
  'use strict';

  var KEY_SESSION = 'balai.session';
  var KEY_STATE = 'balai.transcript';
  var MAX_TEXT = 2000; // bot/webchat.MaxText
  var NEAR_LIMIT = 1800; // show the counter from here
  var MAX_ITEMS = 200; // messages kept on the device
  var RETRY_DELAYS = [1000, 2000, 4000]; // a failed POST is retried up to 3 times
  var TYPING_TIMEOUT = 30000;
  var START_ID = 'start'; // the hidden greeting request: recorded once per session

  var TEXT = {
    id: {
      pageSubtitle: 'Asisten layanan',
      subtitle: 'Asisten layanan',
      logTitle: 'Percakapan',
      inputLabel: 'Pertanyaan Anda',
      placeholder: 'Tulis pertanyaan Anda…',
      send: 'Kirim',
      hint: 'Enter untuk mengirim, Shift+Enter untuk baris baru.',
      note: 'Asisten otomatis — jawaban dari daftar tanya-jawab resmi; petugas membalas pada jam layanan.',
      reset: 'Mulai percakapan baru',
      resetConfirm: 'Mulai percakapan baru? Riwayat percakapan ini akan dihapus dari perangkat ini.',
      end: 'Akhiri percakapan',
      endConfirm: 'Akhiri percakapan ini? Riwayatnya akan dihapus dari perangkat ini dan tidak dapat dibuka lagi.',
      ended: 'Percakapan telah diakhiri. Terima kasih. Pilih “Mulai percakapan baru” bila ada pertanyaan lain.',
      expired: 'Percakapan sebelumnya telah berakhir. Ini percakapan baru.',
      typing: 'Asisten sedang mengetik…',
      sending: 'Mengirim…',
      sent: 'Terkirim',
      failed: 'Belum terkirim',
      retry: 'Kirim ulang',
      you: 'Anda:',
      bot: 'Asisten:',
      newTab: '(membuka tab baru)',
      tooLong: 'terlalu panjang',
      errSend: 'Maaf, pesan Anda belum terkirim. Periksa koneksi internet Anda, lalu pilih “Kirim ulang”.',
      errBusy: 'Maaf, layanan sedang sibuk sehingga pesan Anda belum terkirim. Silakan pilih “Kirim ulang” beberapa saat lagi.',
      errTooLong: 'Maaf, pesan terlalu panjang. Paling banyak 2000 karakter.',
      errRejected: 'Maaf, pesan ini tidak dapat diproses. Silakan tulis ulang pertanyaan Anda.',
      errSession: 'Maaf, layanan obrolan belum dapat dihubungi. Kami mencoba lagi…',
      reconnecting: 'Koneksi terputus. Menyambungkan kembali…'
    },
    en: {
      pageSubtitle: 'Service assistant',
      subtitle: 'Service assistant',
      logTitle: 'Conversation',
      inputLabel: 'Your question',
      placeholder: 'Type your question…',
      send: 'Send',
      hint: 'Enter to send, Shift+Enter for a new line.',
      note: 'Automated assistant — answers from the official FAQ; officers reply during service hours.',
      reset: 'Start a new conversation',
      resetConfirm: 'Start a new conversation? This conversation will be removed from this device.',
      end: 'End conversation',
      endConfirm: 'End this conversation? It will be removed from this device and cannot be opened again.',
      ended: 'The conversation has ended. Thank you. Choose “Start a new conversation” if you have another question.',
      expired: 'The previous conversation has ended. This is a new conversation.',
      typing: 'The assistant is typing…',
      sending: 'Sending…',
      sent: 'Sent',
      failed: 'Not sent',
      retry: 'Send again',
      you: 'You:',
      bot: 'Assistant:',
      newTab: '(opens in a new tab)',
      tooLong: 'too long',
      errSend: 'Sorry, your message was not sent. Please check your internet connection, then choose “Send again”.',
      errBusy: 'Sorry, the service is busy and your message was not sent. Please choose “Send again” in a moment.',
      errTooLong: 'Sorry, the message is too long. At most 2000 characters.',
      errRejected: 'Sorry, this message could not be processed. Please write your question again.',
      errSession: 'Sorry, the chat service cannot be reached yet. Trying again…',
      reconnecting: 'Connection lost. Reconnecting…'
    }
  };

  var browserLang = String(navigator.language || 'id').slice(0, 2).toLowerCase();
  var ui = browserLang === 'en' ? 'en' : 'id';
  var lang = browserLang === 'en' || browserLang === 'id' ? browserLang : ''; // the API takes id, en or nothing
  var t = TEXT[ui];
  var embedded = new URLSearchParams(location.search).get('embed') === '1';
  var timeFormat = new Intl.DateTimeFormat(ui === 'en' ? 'en-GB' : 'id-ID', { hour: '2-digit', minute: '2-digit' });
  var dateFormat = new Intl.DateTimeFormat(ui === 'en' ? 'en-GB' : 'id-ID', { dateStyle: 'full', timeStyle: 'short' });

  // --- storage (localStorage may be unavailable: private mode, blocked third-party storage)

  var memory = {};
  var storage = {
    get: function (k) {
      try { return window.localStorage.getItem(k); } catch (e) { return memory[k] === undefined ? null : memory[k]; }
    },
    set: function (k, v) {
      memory[k] = v;
      try { window.localStorage.setItem(k, v); } catch (e) { /* kept in memory */ }
    },
    remove: function (k) {
      delete memory[k];
      try { window.localStorage.removeItem(k); } catch (e) { /* ignore */ }
    }
  };

  // --- state

  var state = { session: '', lastId: 0, items: [] };
  var es = null; // the EventSource
  var connected = false;
  var connectWaiters = [];
  var reconnectDelay = 1000;
  var reconnectTimer = 0;
  var connNoticeTimer = 0;
  var typingTimer = 0;
  var sendChain = Promise.resolve(); // POSTs go one after another, in order
  var started = false;
  var pinned = true; // the transcript follows new messages unless the citizen scrolled up

  var $ = function (id) { return document.getElementById(id); };
  var el = {};

  function validSession(s) { return typeof s === 'string' && /^[0-9a-f]{32}$/.test(s); }

  // serverMessage reads the citizen-facing text of an API refusal, if it has one.
  function serverMessage(res) {
    return res.json().then(function (b) { return b && typeof b.message === 'string' ? b.message : ''; }, function () { return ''; });
  }

  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') {
      return window.crypto.randomUUID();
    }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x < 16 ? '0' : '') + x.toString(16); }).join('');
  }

  function load() {
    var raw = storage.get(KEY_STATE);
    if (!raw) { return; }
    try {
      var s = JSON.parse(raw);
      if (s && s.session === state.session && Array.isArray(s.items)) {
        state.lastId = Number(s.lastId) || 0;
        state.items = s.items.filter(function (it) { return it && (it.k === 'bot' || it.k === 'me'); });
      }
    } catch (e) { /* a damaged transcript is dropped */ }
  }

  function save() {
    if (state.items.length > MAX_ITEMS) {
      state.items = state.items.slice(state.items.length - MAX_ITEMS);
    }
    var data = JSON.stringify({ session: state.session, lastId: state.lastId, items: state.items });
    try {
      storage.set(KEY_STATE, data);
    } catch (e) { /* quota: keep going in memory */ }
  }

  // --- labels

  function translate() {
    document.documentElement.lang = ui;
    if (ui === 'id') { return; } // the page is written in Indonesian
    document.title = document.title.replace('Asisten layanan', t.pageSubtitle);
    var nodes = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < nodes.length; i++) {
      var key = nodes[i].getAttribute('data-i18n');
      if (t[key]) { nodes[i].textContent = t[key]; }
    }
    nodes = document.querySelectorAll('[data-i18n-placeholder]');
    for (i = 0; i < nodes.length; i++) {
      nodes[i].setAttribute('placeholder', t[nodes[i].getAttribute('data-i18n-placeholder')]);
    }
  }

  // --- rendering

  // The server sends sanitised HTML already; this allow-list is a second line of defence
  // (the CSP is the third).
  var ALLOWED = {
    A: ['href', 'title'], P: [], BR: [], STRONG: [], B: [], EM: [], I: [], DEL: [], S: [],
    CODE: [], PRE: [], UL: [], OL: ['start'], LI: [], BLOCKQUOTE: [], HR: [], SPAN: [],
    H1: [], H2: [], H3: [], H4: [], H5: [], H6: [], TABLE: [], THEAD: [], TBODY: [], TR: [],
    TH: [], TD: []
  };
  var DROP = { SCRIPT: 1, STYLE: 1, IFRAME: 1, OBJECT: 1, EMBED: 1, TEMPLATE: 1, SVG: 1, MATH: 1, IMG: 1,
    FORM: 1, INPUT: 1, BUTTON: 1, TEXTAREA: 1, SELECT: 1, LINK: 1, META: 1, BASE: 1, NOSCRIPT: 1 };

  function safeHref(href) {
    try {
      var u = new URL(href, location.href);
      return /^(https?|mailto|tel|tg):$/.test(u.protocol) ? u.href : '';
    } catch (e) {
      return '';
    }
  }

  function clean(node) {
    var child = node.firstChild;
    while (child) {
      var next = child.nextSibling;
      if (child.nodeType === 1) {
        var tag = child.nodeName.toUpperCase();
        if (DROP[tag]) {
          node.removeChild(child);
        } else if (!ALLOWED[tag]) {
          clean(child);
          while (child.firstChild) { node.insertBefore(child.firstChild, child); }
          node.removeChild(child);
        } else {
          var keep = ALLOWED[tag];
          for (var i = child.attributes.length - 1; i >= 0; i--) {
            var name = child.attributes[i].name;
            if (keep.indexOf(name) < 0) { child.removeAttribute(name); }
          }
          if (tag === 'A') {
            var href = safeHref(child.getAttribute('href') || '');
            if (href) {
              child.setAttribute('href', href);
              child.setAttribute('target', '_blank');
              child.setAttribute('rel', 'noopener noreferrer');
            } else {
              child.removeAttribute('href');
            }
          }
          clean(child);
        }
      } else if (child.nodeType !== 3) {
        node.removeChild(child); // comments
      }
      child = next;
    }
  }

  function htmlFragment(html) {
    var tpl = document.createElement('template');
    tpl.innerHTML = String(html || ''); // a template's content is inert: nothing runs or loads
    clean(tpl.content);
    return tpl.content;
  }

  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function timeEl(ms) {
    var d = new Date(ms || Date.now());
    var e = make('time', 'meta', timeFormat.format(d));
    e.dateTime = d.toISOString();
    e.title = dateFormat.format(d);
    return e;
  }

  function renderBot(item) {
    var box = make('div', 'msg bot');
    box.setAttribute('data-id', String(item.id));
    box.appendChild(make('span', 'visually-hidden', t.bot + ' '));
    var bubble = make('div', 'bubble');
    bubble.appendChild(htmlFragment(item.html));
    box.appendChild(bubble);
    if (item.buttons && item.buttons.length) {
      box.appendChild(renderButtons(item));
    }
    box.appendChild(timeEl(item.time));
    return box;
  }

  function renderButtons(item) {
    var wrap = make('div', 'choices');
    item.buttons.forEach(function (row, r) {
      if (!Array.isArray(row) || !row.length) { return; }
      var line = make('div', 'row');
      row.forEach(function (b, c) {
        if (!b || !b.text) { return; }
        if (b.url) {
          var href = safeHref(b.url);
          if (!href) { return; }
          var a = make('a', 'choice', b.text);
          a.href = href;
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
          a.appendChild(make('span', 'visually-hidden', ' ' + t.newTab));
          line.appendChild(a);
          return;
        }
        if (!b.data) { return; }
        var btn = make('button', 'choice', b.text);
        btn.type = 'button';
        btn.setAttribute('data-pos', r + ',' + c);
        if (item.used) {
          btn.disabled = true;
          if (item.used === r + ',' + c) {
            btn.classList.add('chosen');
            btn.setAttribute('aria-pressed', 'true');
          }
        }
        btn.addEventListener('click', function (ev) { press(item, b, r + ',' + c, wrap, ev); });
        line.appendChild(btn);
      });
      if (line.firstChild) { wrap.appendChild(line); }
    });
    return wrap;
  }

  function renderMe(item) {
    var box = make('div', 'msg me');
    box.setAttribute('data-mid', item.mid);
    box.appendChild(make('span', 'visually-hidden', t.you + ' '));
    var bubble = make('div', 'bubble');
    bubble.appendChild(make('p', 'text', item.text)); // the citizen's text is text, never HTML
    box.appendChild(bubble);
    var meta = make('span', 'meta');
    box.appendChild(meta);
    updateMe(box, item);
    return box;
  }

  function updateMe(box, item) {
    var meta = box.querySelector('.meta');
    var old = box.querySelector('.retry');
    if (old) { old.remove(); }
    box.classList.toggle('failed', item.st === 'failed');
    var time = timeFormat.format(new Date(item.time || Date.now()));
    var status = item.st === 'sending' ? t.sending : item.st === 'failed' ? t.failed : t.sent;
    meta.textContent = time + ' · ' + status;
    if (item.st === 'failed') {
      var retry = make('button', 'retry', t.retry);
      retry.type = 'button';
      retry.addEventListener('click', function () {
        item.st = 'sending';
        save();
        updateMe(box, item);
        hideError();
        queueSend(item, box);
        el.input.focus();
      });
      box.appendChild(retry);
    }
  }

  function nearBottom() {
    return el.log.scrollHeight - el.log.scrollTop - el.log.clientHeight < 80;
  }

  function scrollDown() {
    el.log.scrollTop = el.log.scrollHeight;
    pinned = true;
  }

  function append(node, force) {
    el.log.appendChild(node);
    if (force || pinned) { scrollDown(); }
  }

  function renderAll() {
    el.log.textContent = '';
    state.items.forEach(function (it) {
      el.log.appendChild(it.k === 'bot' ? renderBot(it) : renderMe(it));
    });
    scrollDown();
    requestAnimationFrame(scrollDown); // once fonts and layout settled
  }

  // --- status line

  function showTyping() {
    el.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    el.typing.hidden = true;
  }

  function showError(msg) {
    el.error.textContent = msg;
    el.error.hidden = false;
  }

  function hideError() {
    el.error.hidden = true;
    el.error.textContent = '';
  }

  function showConn(msg) {
    el.conn.textContent = msg;
    el.conn.hidden = !msg;
  }

  // --- sending

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // whenConnected resolves once the event stream is open (so the reply is pushed live), or
  // after a short wait: the server replays missed replies anyway.
  function whenConnected() {
    if (connected) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var done = false;
      var finish = function () { if (!done) { done = true; resolve(); } };
      connectWaiters.push(finish);
      setTimeout(finish, 3000);
    });
  }

  // post sends one message, retrying transient failures with the same id. It resolves to
  // "ok" or an error kind.
  function post(payload) {
    var attempt = 0;
    function once() {
      return fetch('api/chat/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
        credentials: 'same-origin',
        cache: 'no-store'
      }).then(function (res) {
        if (res.ok) { return 'ok'; }
        if (res.status === 413) { return 'toolong'; }
        if (res.status === 401) { return 'expired'; }
        if (res.status === 429) {
          return serverMessage(res).then(function (m) { return { limited: m || t.errBusy }; });
        }
        if (res.status >= 400 && res.status < 500 && res.status !== 408) {
          return 'rejected';
        }
        return retry(res.status === 503 ? 'busy' : 'network');
      }, function () {
        return retry('network');
      });
    }
    function retry(kind) {
      if (attempt >= RETRY_DELAYS.length) { return kind; }
      var delay = RETRY_DELAYS[attempt++];
      return sleep(delay + Math.floor(Math.random() * 250)).then(once);
    }
    return once();
  }

  function queueSend(item, box) {
    var payload = { id: item.mid };
    if (lang) { payload.lang = lang; }
    if (item.btn) { payload.button = item.btn; } else { payload.text = item.text; }
    var seen = 0;
    sendChain = sendChain.then(whenConnected).then(function () {
      seen = state.lastId;
      return post(payload);
    }).then(function (result) {
      var current = box && box.isConnected ? box : el.log.querySelector('[data-mid="' + item.mid + '"]');
      if (result === 'ok') {
        item.st = 'sent';
        // The reply can come before the POST's response does.
        if (state.lastId === seen) { showTyping(); }
      } else if (result === 'expired') {
        sessionGone();
        return;
      } else {
        item.st = 'failed';
        showError(result.limited ? result.limited : result === 'toolong' ? t.errTooLong : result === 'busy' ? t.errBusy : result === 'rejected' ? t.errRejected : t.errSend);
      }
      save();
      if (current) { updateMe(current, item); }
    });
    return sendChain;
  }

  function sendCitizen(text, btn) {
    var item = { k: 'me', mid: newId(), text: text, time: Date.now(), st: 'sending' };
    if (btn) { item.btn = btn; }
    state.items.push(item);
    save();
    var box = renderMe(item);
    append(box, true);
    hideError();
    queueSend(item, box);
  }

  function greet() {
    // Hidden: the bot introduces itself. The fixed id makes a repeated greeting (a reload
    // before the reply came) count once.
    showTyping();
    sendChain = sendChain.then(whenConnected).then(function () {
      var payload = { id: START_ID, text: '/start' };
      if (lang) { payload.lang = lang; }
      return post(payload);
    }).then(function (result) {
      if (result === 'expired') {
        sessionGone();
      } else if (result !== 'ok') {
        hideTyping();
        showError(t.errSend);
      }
    });
  }

  function press(item, b, pos, wrap, ev) {
    if (item.used) { return; }
    item.used = pos;
    var buttons = wrap.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
      if (buttons[i].getAttribute('data-pos') === pos) {
        buttons[i].classList.add('chosen');
        buttons[i].setAttribute('aria-pressed', 'true');
      }
    }
    sendCitizen(b.text, b.data);
    // The pressed button is disabled now; keep keyboard users in the conversation.
    if (ev && ev.detail === 0) { el.input.focus(); }
  }

  function textLength(s) {
    return Array.from(s).length; // code points, as the server counts characters
  }

  function updateComposer() {
    var text = el.input.value.trim();
    var n = textLength(text);
    var over = n > MAX_TEXT;
    el.send.disabled = n === 0 || over;
    if (n >= NEAR_LIMIT) {
      el.counter.textContent = n + '/' + MAX_TEXT + (over ? ' — ' + t.tooLong : '');
    } else {
      el.counter.textContent = '';
    }
    el.counter.classList.toggle('over', over);
    if (over) {
      el.input.setAttribute('aria-invalid', 'true');
    } else {
      el.input.removeAttribute('aria-invalid');
    }
    resizeInput();
  }

  // resizeInput grows the input with its text up to the CSS max-height (setting a style
  // property through the CSSOM is allowed under the CSP).
  function resizeInput() {
    el.input.style.height = '';
    if (el.input.value) {
      el.input.style.height = el.input.scrollHeight + (el.input.offsetHeight - el.input.clientHeight) + 'px';
    }
  }

  function submit() {
    var text = el.input.value.trim();
    var n = textLength(text);
    if (n === 0 || !started) { return; }
    if (n > MAX_TEXT) {
      showError(t.errTooLong);
      return;
    }
    el.input.value = '';
    updateComposer();
    sendCitizen(text);
  }

  // --- receiving

  function onEvent(ev) {
    var data;
    try { data = JSON.parse(ev.data); } catch (e) { return; }
    var id = Number(data.id || ev.lastEventId);
    if (!id || id <= state.lastId) { return; } // replayed: shown already
    state.lastId = id;
    var item = { k: 'bot', id: id, html: String(data.html || ''), buttons: Array.isArray(data.buttons) ? data.buttons : [], time: data.time || Date.now() };
    state.items.push(item);
    save();
    hideTyping();
    append(renderBot(item));
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (es) { es.close(); }
    connected = false;
    var url = 'api/chat/events'; // the session travels in its cookie, never in the URL
    if (state.lastId > 0) { url += '?after=' + state.lastId; }
    var source = new EventSource(url);
    es = source;
    source.addEventListener('open', function () {
      if (es !== source) { return; }
      connected = true;
      reconnectDelay = 1000;
      clearTimeout(connNoticeTimer);
      showConn('');
      var waiters = connectWaiters;
      connectWaiters = [];
      waiters.forEach(function (f) { f(); });
    });
    source.addEventListener('message', onEvent);
    source.addEventListener('error', function () {
      if (es !== source) { return; }
      connected = false;
      // Say so only when the outage lasts: a brief reconnect is not worth a notice.
      clearTimeout(connNoticeTimer);
      connNoticeTimer = setTimeout(function () { if (!connected) { showConn(t.reconnecting); } }, 4000);
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (an HTTP error): the session may have ended (expired, or ended
        // in another tab); otherwise try again ourselves, with back-off.
        checkSession().then(function (live) {
          if (es !== source) { return; }
          if (live === false) { sessionGone(); return; }
          reconnectTimer = setTimeout(connect, reconnectDelay);
          reconnectDelay = Math.min(reconnectDelay * 2, 30000);
        });
      }
    });
  }

  function ensureConnected() {
    if (started && (!es || es.readyState === EventSource.CLOSED)) { connect(); }
  }

  // --- session

  function createSession() {
    var delay = 1000;
    function attempt() {
      return fetch('api/chat/session', { method: 'POST', credentials: 'same-origin', cache: 'no-store' })
        .then(function (res) {
          if (res.status === 429) {
            // Too many new conversations from this network: say so, and wait as told.
            var wait = Math.min(Math.max(Number(res.headers.get('Retry-After')) || 60, 5), 3600) * 1000;
            return serverMessage(res).then(function (m) {
              showError(m || t.errSession);
              return sleep(wait).then(attempt);
            });
          }
          if (!res.ok) { throw new Error('HTTP ' + res.status); }
          return res.json().then(function (body) {
            if (!validSession(body && body.conversation)) { throw new Error('bad session'); }
            hideError();
            return body.conversation;
          });
        })
        .catch(function () {
          showError(t.errSession);
          var d = delay;
          delay = Math.min(delay * 2, 30000);
          return sleep(d).then(attempt);
        });
    }
    return attempt();
  }

  // checkSession resolves to true when the session is live, false when it has ended or
  // expired, and null when the server cannot tell (offline, busy).
  function checkSession() {
    return fetch('api/chat/session', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        if (res.status === 401) { return false; }
        if (!res.ok) { return null; }
        return res.json().then(function (b) { return !!b && b.conversation === state.session; }, function () { return null; });
      }, function () { return null; });
  }

  // forget drops the conversation from this page and this device.
  function forget() {
    started = false;
    if (es) { es.close(); es = null; }
    clearTimeout(reconnectTimer);
    hideTyping();
    hideError();
    storage.remove(KEY_STATE);
    storage.remove(KEY_SESSION);
    el.log.textContent = '';
  }

  // sessionGone starts a new conversation after the session ended elsewhere or expired.
  function sessionGone() {
    if (!started) { return; }
    forget();
    createSession().then(function (s) {
      start(s);
      showConn('');
      showError(t.expired);
    });
  }

  // endConversation ends the session on the server (the token is dead from then on) and
  // forgets the conversation here.
  function endConversation() {
    forget();
    el.input.disabled = true;
    el.send.disabled = true;
    el.end.hidden = true;
    return fetch('api/chat/session', { method: 'DELETE', credentials: 'same-origin', cache: 'no-store' })
      .then(function () { return null; }, function () { return null; })
      .then(function () {
        showConn('');
        el.notice.textContent = t.ended;
        el.notice.hidden = false;
        el.reset.focus();
      });
  }

  function start(session) {
    el.notice.hidden = true;
    el.input.disabled = false;
    el.end.hidden = false;
    state = { session: session, lastId: 0, items: [] };
    storage.set(KEY_SESSION, session);
    load();
    renderAll();
    started = true;
    updateComposer();
    connect();
    // Messages a reload interrupted are sent again (same id: recorded once).
    state.items.forEach(function (it) {
      if (it.k === 'me' && it.st === 'sending') {
        queueSend(it, el.log.querySelector('[data-mid="' + it.mid + '"]'));
      }
    });
    if (state.items.length === 0) { greet(); }
  }

  function init() {
    el.log = $('log');
    el.input = $('input');
    el.send = $('send');
    el.form = $('composer');
    el.counter = $('counter');
    el.typing = $('typing');
    el.conn = $('conn');
    el.error = $('error');
    el.reset = $('reset');
    el.end = $('end');
    el.notice = $('notice');

    translate();
    if (embedded) { document.documentElement.classList.add('embed'); }

    el.form.addEventListener('submit', function (e) {
      e.preventDefault();
      submit();
    });
    el.input.addEventListener('input', updateComposer);
    el.input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      }
    });
    el.reset.addEventListener('click', function () {
      if (started && !window.confirm(t.resetConfirm)) { return; }
      var ending = started ? fetch('api/chat/session', { method: 'DELETE', credentials: 'same-origin', cache: 'no-store' })
        .then(function () { return null; }, function () { return null; }) : Promise.resolve();
      forget();
      ending.then(createSession).then(start);
    });
    el.end.addEventListener('click', function () {
      if (!started || !window.confirm(t.endConfirm)) { return; }
      endConversation();
    });

    window.addEventListener('online', ensureConnected);
    el.log.addEventListener('scroll', function () { pinned = nearBottom(); }, { passive: true });
    window.addEventListener('resize', function () {
      resizeInput();
      if (pinned) { scrollDown(); }
    });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') { ensureConnected(); }
    });
    window.addEventListener('pagehide', function () {
      if (es) { es.close(); }
    });
    window.addEventListener('pageshow', function (e) {
      if (e.persisted) { ensureConnected(); } // back/forward cache
    });
    // Another tab started a new conversation: follow it.
    window.addEventListener('storage', function (e) {
      if (e.key === KEY_SESSION && validSession(e.newValue) && e.newValue !== state.session) {
        if (es) { es.close(); }
        start(e.newValue);
      }
    });

    if (embedded && window.parent !== window) {
      // The embed snippet asks for focus when its panel opens; Escape asks it to close.
      window.addEventListener('message', function (e) {
        if (e.source === window.parent && e.data && e.data.type === 'balai:focus') {
          el.input.focus({ preventScroll: true });
        }
      });
      document.addEventListener('keydown', function (e) {
        if (e.key === 'Escape' && !e.defaultPrevented) {
          window.parent.postMessage({ type: 'balai:close' }, '*');
        }
      });
    }

    // A saved conversation continues only while its session (the cookie) is live; an ended
    // or expired one is dropped and a new one starts.
    var session = storage.get(KEY_SESSION);
    if (validSession(session)) {
      state.session = session;
      checkSession().then(function (live) {
        if (live === false) {
          storage.remove(KEY_STATE);
          storage.remove(KEY_SESSION);
          createSession().then(start);
        } else {
          start(session);
        }
      });
    } else {
      createSession().then(start);
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
