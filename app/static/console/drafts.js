// The case form's safety net. While the operator types, the form is kept as a draft on the server (a second
// after the last keystroke, and every few seconds while it changes); when the server refuses it, in this
// browser's localStorage instead. When the sign-in has ended (the draft or the live stream answers 401, or
// the CSRF token is refused), a dialog asks to sign in again in a new window; the form stays on this page,
// and once signed in it gets a fresh CSRF token, its draft is saved, and a Save pressed meanwhile goes through.
(function () {
  "use strict";
  var form = document.querySelector("form.case-form[data-session]");
  if (!form) return;
  var DEBOUNCE_MS = 1000, EVERY_MS = 5000, CHECK_MS = 1500;
  var status = document.getElementById("draft-status");
  var dialog = document.getElementById("signin-again");
  var storeKey = form.dataset.key ? "qorgau-draft:" + form.dataset.key : null;
  var dirty = false, debounce = null, checking = null, popup = null, pending = null, verified = false;

  function say(state) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = status.dataset[state] || "";
  }

  function fields() {
    var values = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token") (values[name] = values[name] || []).push(value);
    });
    return values;
  }

  function keepHere() {
    if (!storeKey) return;
    try {
      localStorage.setItem(storeKey, JSON.stringify({at: Date.now(), fields: fields()}));
    } catch (error) { /* storage full or off: the server's draft is all there is */ }
  }

  function forgetHere() {
    if (!storeKey) return;
    try { localStorage.removeItem(storeKey); } catch (error) { /* nothing kept */ }
  }

  function fill(values) {
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || !(element.name in values) || element.type === "submit" || element.type === "hidden") return;
      var given = values[element.name];
      if (element.type === "checkbox" || element.type === "radio") element.checked = given.indexOf(element.value) >= 0;
      else element.value = given[0];
    });
  }

  // A draft kept in this browser after the server's last one (the server refused it) comes back first.
  function restoreHere() {
    if (!storeKey) return;
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (error) { kept = null; }
    if (kept && kept.at > Number(form.dataset.keptAt || 0)) {
      fill(kept.fields);
      dirty = true;
      say("restored");
    } else {
      forgetHere();
    }
  }

  function signedOut() {
    if (dialog && !dialog.open) dialog.showModal();
    if (checking === null) checking = setInterval(check, CHECK_MS);
  }

  // Signed in again (in the other window, or any other tab): a fresh token for every form of the page.
  function check() {
    fetch(form.dataset.session, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer) return;
        clearInterval(checking);
        checking = null;
        document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = answer.csrf_token; });
        if (popup && !popup.closed) popup.close();
        if (dialog && dialog.open) dialog.close();
        document.dispatchEvent(new CustomEvent("qorgau:signed-in"));
        send().then(function () { if (pending) submit(pending); });
      }, function () { /* offline: ask again at the next turn */ });
  }

  // Keep the draft on the server; resolves to true when it was taken.
  function send() {
    if (!form.dataset.draft) return Promise.resolve(true);
    dirty = false;
    return fetch(form.dataset.draft, {
      method: "POST", credentials: "same-origin", redirect: "error",
      headers: {Accept: "application/json"}, body: new URLSearchParams(new FormData(form)),
    }).then(function (response) {
      if (response.ok) {
        forgetHere();
        say("saved");
        return true;
      }
      keepHere();
      say("kept");
      if (response.status === 401 || response.status === 400) signedOut();  // 400: the CSRF token was refused
      return false;
    }, function () {
      keepHere();
      say("kept");
      dirty = true;
      return false;
    });
  }

  function submit(button) {
    pending = null;
    verified = true;
    if (form.requestSubmit) form.requestSubmit(button || undefined);
    else form.submit();
  }

  function changed() {
    dirty = true;
    clearTimeout(debounce);
    debounce = setTimeout(send, DEBOUNCE_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  setInterval(function () { if (dirty && checking === null) send(); }, EVERY_MS);

  // Before the form leaves the page, make sure the sign-in still holds: a refused POST would lose it.
  form.addEventListener("submit", function (event) {
    if (verified) return;
    event.preventDefault();
    var button = event.submitter || null;
    fetch(form.dataset.session, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (response.status === 401) {
          keepHere();
          send();  // refused too: says so, and opens the dialog
          pending = button || form.querySelector('[type="submit"]');
          signedOut();
        } else {
          submit(button);
        }
      }, function () { submit(button); });
  });

  if (dialog) {
    dialog.querySelector('[data-action="sign-in"]').addEventListener("click", function () {
      popup = window.open(dialog.dataset.login, "qorgau-sign-in", "width=520,height=640");
    });
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); });  // Esc would hide the way back
  }
  document.addEventListener("qorgau:signed-out", signedOut);
  restoreHere();
})();
