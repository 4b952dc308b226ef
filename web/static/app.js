// Glue between htmx's WebSocket extension and the room protocol (docs/protocol.md):
// every command gets a nonce; commands not yet acknowledged are kept (also in this tab's
// sessionStorage, so a reload, the back button or a locked phone loses none) and sent again,
// with the same nonce, after a reconnect (the server applies each nonce once); the connection
// state is shown; a button waits for its answer so a double tap does not vote twice; a sentence
// is read out when the meeting moves on; a half-written text survives a reload or a locked phone.
(function () {
  "use strict";

  // After a long outage htmx would wait up to a minute between attempts; a phone back on the
  // Wi-Fi should be back in the meeting within seconds.
  if (window.htmx) htmx.config.ws = Object.assign(htmx.config.ws || {}, { reconnectMaxDelay: 4000 });

  // nonce -> {data, sent, button, form, draft}. `sent`: handed to a socket at least once, so it
  // is sent again after a reconnect; htmx itself keeps and sends what was tapped while offline.
  var unacknowledged = new Map();
  // Kept per socket address (room, role, person), so they go back to the one who sent them.
  var live = document.querySelector("[hx-ws\\:connect]");
  var UNSENT = "unacknowledged:" + (live ? live.getAttribute("hx-ws:connect") : location.pathname);
  var focused = null; // what had the focus before a new view replaced it (see restoreFocus)
  var ACK = /data-ack="([^"]*)"[^>]*data-result="(\w+)"/g;

  function newNonce() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  // Messages kept in this tab until answered: a page loaded again sends them on connecting.
  function keepUnacknowledged() {
    var kept = {};
    unacknowledged.forEach(function (entry, nonce) { kept[nonce] = entry.data; });
    try {
      if (unacknowledged.size) sessionStorage.setItem(UNSENT, JSON.stringify(kept));
      else sessionStorage.removeItem(UNSENT);
    } catch (e) { /* storage full or off: kept in this page only */ }
  }
  try {
    var kept = JSON.parse(sessionStorage.getItem(UNSENT) || "{}");
    Object.keys(kept).forEach(function (nonce) {
      unacknowledged.set(nonce, { data: kept[nonce], sent: true, button: null, form: null, draft: null });
    });
  } catch (e) { /* storage off or unreadable */ }

  function setConnection(state) {
    var el = document.getElementById("connection");
    if (!el) return;
    var text = "";
    if (state === "lost") text = unacknowledged.size ? el.dataset.textWaiting : el.dataset.textLost;
    el.dataset.state = state;
    if (el.textContent !== text) el.textContent = text;
  }

  document.addEventListener("htmx:ws:before:message:outgoing", function (event) {
    var message = event.detail.message;
    if (!message.values.nonce) message.values.nonce = newNonce();
    message.headers = undefined; // the server does not need htmx's request headers
    message.data = JSON.stringify(message.values); // what htmx sends, known now to keep it
    var form = event.target.closest("form");
    var button = form && form.querySelector("button[type=submit]");
    if (button) {
      if (form.contains(document.activeElement)) focused = focusKey(button);
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }
    var draft = form && form.querySelector("textarea[data-draft]");
    unacknowledged.set(message.values.nonce, { data: message.data, sent: false, button: button, form: form, draft: draft && draftKey(draft) });
    keepUnacknowledged();
    var connection = document.getElementById("connection");
    if (connection && connection.dataset.state === "lost") setConnection("lost"); // "…will be sent"
  });

  document.addEventListener("htmx:ws:after:message:outgoing", function (event) {
    var entry = unacknowledged.get(JSON.parse(event.detail.message.data).nonce);
    if (entry) entry.sent = true;
  });

  document.addEventListener("htmx:ws:after:message:incoming", function (event) {
    var data = event.detail.message.data;
    if (typeof data !== "string" || data.indexOf("data-ack=") < 0) return;
    var match;
    ACK.lastIndex = 0;
    while ((match = ACK.exec(data)) !== null) {
      var entry = unacknowledged.get(match[1]);
      if (!entry) continue;
      unacknowledged.delete(match[1]);
      keepUnacknowledged();
      if (entry.button && entry.button.isConnected) {
        entry.button.disabled = false;
        entry.button.removeAttribute("aria-busy");
      }
      if (match[2] === "ok" && entry.form && entry.form.hasAttribute("data-reset-on-ack")) {
        if (entry.form.isConnected) entry.form.reset();
        if (entry.draft) forgetDraft(entry.draft);
      }
    }
  });

  // Focus: a new view replaces the buttons, so the one just pressed (or the field being typed
  // in) would lose focus and a keyboard or screen-reader user would start again from the top.
  // Remember what had focus before a swap and focus its counterpart in the new view.
  function focusKey(el) {
    var view = document.getElementById("view");
    if (!el || !view || !view.contains(el)) return null;
    if (el.id) return "#" + el.id;
    var form = el.closest("form");
    if (!form) return null;
    return "form:" + Array.prototype.map.call(form.querySelectorAll("input[type=hidden]"), function (i) {
      return i.name + "=" + i.value;
    }).join("&");
  }
  function findByKey(key) {
    if (key.charAt(0) === "#") return document.getElementById(key.slice(1));
    var forms = document.querySelectorAll("#view form");
    for (var i = 0; i < forms.length; i++) {
      var control = forms[i].querySelector("button, textarea, select, input:not([type=hidden])");
      if (control && focusKey(control) === key) return control;
    }
    return null;
  }
  document.addEventListener("htmx:ws:before:message:incoming", function () {
    var key = focusKey(document.activeElement);
    if (key) focused = key;
  });
  function restoreFocus() {
    if (!focused || (document.activeElement && document.activeElement !== document.body)) return;
    var el = findByKey(focused);
    focused = null;
    if (el && !el.disabled) el.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:ws:after:message:incoming", function () {
    restoreDrafts();
    restoreFocus();
    announce(false);
  });

  document.addEventListener("htmx:ws:after:connection", function (event) {
    setConnection("open");
    var socket = event.detail.connection.socket;
    unacknowledged.forEach(function (entry) {
      if (entry.sent) socket.send(entry.data); // htmx sends the ones still in its own queue
    });
  });

  document.addEventListener("htmx:ws:close", function (event) {
    if (event.detail.reason !== "removed") setConnection("lost");
  });

  // Drafts: what someone is writing is kept in this tab's sessionStorage, per page and field,
  // until the server has it (the ack), so a reload, a lost connection or a locked phone loses
  // nothing. A textarea opts in with data-draft.
  function draftKey(el) {
    return "draft:" + location.pathname + ":" + el.id + ":" + el.dataset.draft;
  }
  function forgetDraft(key) {
    try { sessionStorage.removeItem(key); } catch (e) { /* storage off */ }
  }
  function restoreDrafts() {
    document.querySelectorAll("textarea[data-draft]").forEach(function (el) {
      var saved = null;
      try { saved = sessionStorage.getItem(draftKey(el)); } catch (e) { /* storage off */ }
      if (saved && !el.value) el.value = saved;
    });
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("textarea[data-draft]")) return;
    try {
      if (el.value) sessionStorage.setItem(draftKey(el), el.value);
      else sessionStorage.removeItem(draftKey(el));
    } catch (e) { /* storage full or off */ }
  });
  restoreDrafts();

  // Announcements: the view carries one sentence ([data-announce]) saying where the meeting
  // is; it is read out (the polite #announcer) only when it changes, so a view sent again after
  // a reconnect, or one that changed for other reasons, is not read out again.
  var lastAnnounced = null;
  function announce(initial) {
    var source = document.querySelector("#view [data-announce]");
    var out = document.getElementById("announcer");
    if (!source || !out) return;
    var text = source.textContent.trim();
    if (text === lastAnnounced) return;
    lastAnnounced = text;
    if (!initial && text) out.textContent = text;
  }
  announce(true);

  // Countdowns: the server sends the end time; every screen counts down on its own clock.
  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll("[data-ends-at]").forEach(function (el) {
      var left = Math.max(0, Math.round(Number(el.dataset.endsAt) - now));
      var out = el.querySelector(".timer-left");
      if (!out) return;
      var text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (out.textContent !== text) out.textContent = text;
      el.classList.toggle("timer-done", left === 0);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:after:swap", tick);

  // "Larger text": remembered on this device.
  var root = document.documentElement;
  function applyTextSize(larger) {
    root.classList.toggle("larger-text", larger);
    document.querySelectorAll("[data-text-size]").forEach(function (b) {
      b.setAttribute("aria-pressed", larger ? "true" : "false");
    });
  }
  var stored = false;
  try { stored = localStorage.getItem("larger-text") === "1"; } catch (e) { /* private mode */ }
  applyTextSize(stored);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-text-size]");
    if (!button) return;
    var larger = !root.classList.contains("larger-text");
    applyTextSize(larger);
    try { localStorage.setItem("larger-text", larger ? "1" : "0"); } catch (e) { /* ignore */ }
  });
})();
