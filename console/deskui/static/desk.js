// Officer desk pages: keyboard shortcuts, canned replies, live updates (server-sent events)
// and presence heartbeats. Plain JavaScript, no build step; the pages work without it.
(function () {
  'use strict';
  var body = document.body;
  var prefix = body.dataset.prefix;
  var ticket = body.dataset.ticket;
  var csrf = document.querySelector('meta[name=csrf]').content;
  var live = document.getElementById('live');

  function typingIn(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function banner(text) {
    live.textContent = text;
    live.hidden = false;
  }

  // Help dialog.
  var help = document.getElementById('help');
  document.getElementById('help-button').addEventListener('click', function () { help.showModal(); });

  // Inbox rows: j/k move, Enter opens (the row's link has the focus).
  function rows() { return Array.prototype.slice.call(document.querySelectorAll('#rows a.open')); }
  function move(step) {
    var links = rows();
    if (!links.length) return;
    var i = links.indexOf(document.activeElement);
    i = i < 0 ? 0 : Math.min(links.length - 1, Math.max(0, i + step));
    links[i].focus();
  }
  function click(id) { var el = document.getElementById(id); if (el) el.click(); return !!el; }
  function focus(id) { var el = document.getElementById(id); if (el) el.focus(); return !!el; }

  var pendingG = false;
  document.addEventListener('keydown', function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === 'Escape') {
      if (typingIn(document.activeElement)) document.activeElement.blur();
      document.querySelectorAll('details[open]').forEach(function (d) { d.open = false; });
      return;
    }
    if (typingIn(ev.target) || help.open) return;
    var handled = true;
    if (pendingG) {
      pendingG = false;
      if (ev.key === 'i') { location.href = prefix + '/'; ev.preventDefault(); }
      return;
    }
    switch (ev.key) {
      case 'j': move(1); break;
      case 'k': move(-1); break;
      case '/': handled = focus('search'); break;
      case 'c': handled = click('claim'); break;
      case 'r': handled = focus('reply-text'); break;
      case 'n': handled = focus('note-text'); break;
      case 'e':
        var d = document.getElementById('close');
        if (d) { d.open = true; d.querySelector('input[type=radio]').focus(); } else handled = false;
        break;
      case 'g': pendingG = true; break;
      case '?': help.showModal(); break;
      default: handled = false;
    }
    if (handled) ev.preventDefault();
  });

  // Canned replies: insert at the cursor of the reply box.
  var reply = document.getElementById('reply-text');
  document.querySelectorAll('.canned-insert').forEach(function (b) {
    b.addEventListener('click', function () {
      var t = b.dataset.text, s = reply.selectionStart, e = reply.selectionEnd;
      reply.value = reply.value.slice(0, s) + t + reply.value.slice(e);
      reply.focus();
      reply.selectionStart = reply.selectionEnd = s + t.length;
      typed();
    });
  });
  var edit = document.getElementById('guard-edit');
  if (edit) edit.addEventListener('click', function () {
    // Editing drops the confirmation: the edited reply is checked again.
    var c = document.querySelector('#reply-form input[name=confirm]');
    if (c) c.remove();
    reply.focus();
  });
  if (document.getElementById('error') && reply && reply.value) reply.focus();

  // Presence: "viewing" every 10 s, "typing" while keys fall in the reply box.
  var lastKey = 0;
  function beat(typing) {
    var f = new FormData();
    f.append('csrf', csrf);
    f.append('typing', typing ? '1' : '0');
    fetch(prefix + '/t/' + ticket + '/presence', { method: 'POST', body: f, credentials: 'same-origin' }).catch(function () {});
  }
  function typed() {
    var now = Date.now();
    if (now - lastKey > 4000) beat(true);
    lastKey = now;
  }
  if (ticket) {
    beat(false);
    setInterval(function () { beat(Date.now() - lastKey < 5000); }, 10000);
    if (reply) reply.addEventListener('input', typed);
  }

  // Live updates.
  if (!window.EventSource) return;
  var url = prefix + '/events?after=' + encodeURIComponent(body.dataset.seq) + (ticket ? '&ticket=' + ticket : '');
  var es = new EventSource(url);
  var refreshing = false;
  function refreshRows() {
    if (refreshing) return;
    refreshing = true;
    var u = new URL(location.href);
    u.searchParams.set('partial', 'rows');
    fetch(u, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var active = document.activeElement && document.activeElement.closest && document.activeElement.closest('tr');
      var activeID = active && active.dataset.id;
      document.getElementById('rows').innerHTML = doc.getElementById('live-rows').innerHTML;
      document.getElementById('total').textContent = doc.getElementById('live-total').textContent;
      doc.querySelectorAll('#live-views span').forEach(function (s) {
        var c = document.querySelector('#views a[data-view="' + s.dataset.view + '"] .count');
        if (c) c.textContent = s.textContent;
      });
      if (activeID) {
        var a = document.querySelector('#rows tr[data-id="' + activeID + '"] a.open');
        if (a) a.focus();
      }
    }).finally(function () { refreshing = false; });
  }
  es.addEventListener('change', function (ev) {
    var c = JSON.parse(ev.data);
    if (ticket) {
      banner(c.text);
      var a = document.createElement('a');
      a.href = location.pathname;
      a.textContent = ' ↻';
      live.appendChild(a);
    } else {
      banner(c.text);
      refreshRows();
    }
  });
  es.addEventListener('presence', function (ev) {
    var p = document.getElementById('presence');
    if (p) p.textContent = JSON.parse(ev.data).text;
  });
})();
