// Glue between htmx's WebSocket extension and the room protocol (docs/protocol.md):
// every command gets a nonce; commands sent but not yet acknowledged are sent again, with the
// same nonce, after a reconnect (the server applies each nonce once); the connection state is
// shown; a button waits for its answer so a double tap does not vote twice.
(function () {
  "use strict";

  var unacknowledged = new Map(); // nonce -> {data, button}
  var ACK = /data-ack="([^"]*)"[^>]*data-result="(\w+)"/g;

  function newNonce() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  function setConnection(state) {
    var el = document.getElementById("connection");
    if (!el || el.dataset.state === state) return;
    el.dataset.state = state;
    el.textContent = state === "lost" ? el.dataset.textLost : "";
  }

  document.addEventListener("htmx:ws:before:message:outgoing", function (event) {
    var message = event.detail.message;
    if (!message.values.nonce) message.values.nonce = newNonce();
    message.headers = undefined; // the server does not need htmx's request headers
    var form = event.target.closest("form");
    var button = form && form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }
    unacknowledged.set(message.values.nonce, { data: null, button: button, form: form });
  });

  document.addEventListener("htmx:ws:after:message:outgoing", function (event) {
    var data = event.detail.message.data;
    var nonce = JSON.parse(data).nonce;
    var entry = unacknowledged.get(nonce);
    if (entry) entry.data = data;
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
      if (entry.button && entry.button.isConnected) {
        entry.button.disabled = false;
        entry.button.removeAttribute("aria-busy");
      }
      if (match[2] === "ok" && entry.form && entry.form.isConnected && entry.form.hasAttribute("data-reset-on-ack")) {
        entry.form.reset();
      }
    }
  });

  document.addEventListener("htmx:ws:after:connection", function (event) {
    setConnection("open");
    var socket = event.detail.connection.socket;
    unacknowledged.forEach(function (entry) {
      if (entry.data) socket.send(entry.data);
    });
  });

  document.addEventListener("htmx:ws:close", function (event) {
    if (event.detail.reason !== "removed") setConnection("lost");
  });

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
