// The chat pane of the console's case page: messages arrive live (a server-sent event per message, its id the
// message's, so a reconnecting EventSource sends Last-Event-ID and gets each message once), replies go by fetch
// with the form's CSRF token, and canned replies are put into the reply box to edit before sending.
// Without this script the pane's forms still work as plain forms.
(function () {
  "use strict";
  var pane = document.getElementById("chat");
  if (!pane) return;
  var list = pane.querySelector(".messages");
  var form = pane.querySelector(".reply-form");
  var controls = pane.querySelector(".chat-controls");
  var ended = pane.querySelector(".chat-ended");
  var source = null;

  function bottom() { list.scrollTop = list.scrollHeight; }

  function over() {
    pane.dataset.state = "closed";
    if (controls) controls.hidden = true;
    if (ended) ended.hidden = false;
    if (source) source.close();
  }

  // A message's HTML, from the stream or a reply's answer, put in order of id; one already shown is skipped.
  function place(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var item = holder.content.firstElementChild;
    if (!item) return;
    var id = Number(item.dataset.message);
    if (list.querySelector('[data-message="' + id + '"]')) return;
    var later = Array.prototype.find.call(list.children, function (shown) { return Number(shown.dataset.message) > id; });
    list.insertBefore(item, later || null);
    if (item.dataset.ends) over();
    bottom();
  }

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  if (pane.dataset.chatStream && window.EventSource) {
    source = new EventSource(pane.dataset.chatStream);
    source.addEventListener("message", function (event) { place(event.data); });
    source.onopen = function () { pane.dataset.live = "open"; };
    source.onerror = function () { pane.dataset.live = "reconnecting"; }; // it comes back with Last-Event-ID
    window.addEventListener("pagehide", function () { source.close(); });
  }
  bottom();
  if (!form) return;

  var box = form.querySelector("textarea");
  var send = form.querySelector("button.send");
  var error = form.querySelector("#reply-error");
  var pending = null; // the reply being sent: its id is kept for a retry of the same text, so it is stored once

  function problem(text) {
    error.textContent = text || "";
    error.hidden = !text;
    if (text) box.setAttribute("aria-invalid", "true"); else box.removeAttribute("aria-invalid");
  }

  function reply() {
    if (!pending || pending.text !== box.value) pending = { id: newId(), text: box.value };
    var sent = pending;
    var data = new FormData(form);
    data.set("client_id", sent.id);
    data.delete("canned");
    send.disabled = true;
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; },
                                    function () { return { ok: false, body: {} }; });
      })
      .then(function (answer) {
        if (!answer.ok) { problem(answer.body.error || pane.dataset.sendFailed); return; }
        place(answer.body.html);
        if (box.value === sent.text) box.value = "";
        pending = null;
        problem("");
        box.focus();
      })
      .catch(function () { problem(pane.dataset.sendFailed); }) // not known to be stored: a retry keeps its id
      .finally(function () { send.disabled = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    reply();
  });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      reply();
    }
  });
  // A canned reply goes into the box (at the cursor), to be read over and sent; no message leaves by itself.
  form.querySelectorAll("button.canned-reply").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var text = button.dataset.text, start = box.selectionStart, end = box.selectionEnd;
      var before = box.value.slice(0, start), after = box.value.slice(end);
      var gap = before && !/\s$/.test(before) ? " " : "";
      box.value = before + gap + text + after;
      box.focus();
      box.selectionStart = box.selectionEnd = (before + gap + text).length;
    });
  });
})();
