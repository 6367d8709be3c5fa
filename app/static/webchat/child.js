// The child's page: quick exit, and the chat live (messages by server-sent events, sending by fetch).
// Without JavaScript everything still works: the exit is a plain link, the message box a plain form.
(function () {
  "use strict";

  // Quick exit: leave for a neutral site and replace this page in the history, so "Back" does not return here.
  function leave(event) {
    if (event) event.preventDefault();
    var exit = document.getElementById("quick-exit");
    window.location.replace(exit ? exit.href : "https://www.google.com/");
  }
  document.querySelectorAll("[data-quick-exit]").forEach(function (link) { link.addEventListener("click", leave); });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") leave(event); });

  var body = document.body;
  var list = document.getElementById("messages");
  if (!body.dataset.stream || !list) return;
  var form = document.getElementById("send");
  var place = document.getElementById("place");
  var closed = document.getElementById("closed");

  function randomId() {  // a sender's id for one message: a retry with it is stored once
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function show(message) {  // text only (textContent): nothing a message holds becomes markup
    if (list.querySelector('[data-id="' + message.id + '"]')) return;
    var item = document.createElement("li");
    item.className = "msg " + message.author;
    item.dataset.id = message.id;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = message.who;
    var at = document.createElement("time");
    at.textContent = message.at;
    var text = document.createElement("p");
    text.className = "text";
    text.textContent = message.text;
    item.append(who, " ", at, text);
    list.appendChild(item);
    item.scrollIntoView({block: "end"});
  }

  if (window.EventSource) {
    var source = new EventSource(body.dataset.stream);
    source.addEventListener("message", function (event) { show(JSON.parse(event.data)); });
    source.addEventListener("place", function (event) { if (place) place.textContent = event.data; });
    source.addEventListener("closed", function () {
      source.close();
      if (form) form.hidden = true;
      if (closed) closed.hidden = false;
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  if (!form || !window.fetch) return;
  var box = form.querySelector("textarea");
  var error = document.getElementById("send-error");
  var button = form.querySelector("button[type=submit]");
  var token = form.querySelector("input[name=csrf_token]").value;
  var clientId = form.querySelector("input[name=client_id]");

  function problem(text) {
    error.textContent = text || "";
    error.hidden = !text;
    if (text) box.setAttribute("aria-invalid", "true"); else box.removeAttribute("aria-invalid");
  }

  function post(data, tries) {
    return fetch(body.dataset.send, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (answer) { return {ok: response.ok, answer: answer}; });
    }).catch(function (failure) {  // the network: try again with the same id (stored once at most)
      if (tries <= 1) throw failure;
      return new Promise(function (resolve) { setTimeout(resolve, 1500); }).then(function () {
        return post(data, tries - 1);
      });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!box.value.trim()) return;
    button.disabled = true;
    var data = new FormData(form);
    post(data, 4).then(function (result) {
      // The page's token ran out (open for hours): the answer brings a fresh one; send once more with it.
      if (!result.ok && result.answer.csrf_token && result.answer.csrf_token !== token) {
        token = result.answer.csrf_token;
        form.querySelector("input[name=csrf_token]").value = token;
        return post(data, 4);
      }
      return result;
    }).then(function (result) {
      if (!result.ok) { problem(result.answer.error); return; }
      problem("");
      show(result.answer);
      box.value = "";
      clientId.value = randomId();  // the next message is a new one
    }).catch(function () { problem(body.dataset.notSent); })
      .finally(function () { button.disabled = false; box.focus(); });
  });
})();
