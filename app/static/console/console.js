// The operator console's signals and shortcuts.
// Signals: the tab's title counts the contacts waiting; a contact newly in line plays a short sound and shows a
// browser notification, each only when the operator turned it on here (kept in localStorage; the browser's
// permission is asked only when the notification box is ticked). The queue comes from the live stream
// (app/static/web/live.js announces each event).
// Shortcuts: N take the next contact, S save the case, C save and close, A available/away, ? this list. They
// do nothing while typing in a text field, unless Alt is held with them.
(function () {
  "use strict";
  var signals = document.querySelector(".signals");
  var baseTitle = document.title;
  var known = null;  // the entries in line at the last queue event; null until the first one
  var STORE = {sound: "qorgau-signal-sound", notify: "qorgau-signal-notify"};

  function stored(name) {
    try { return localStorage.getItem(STORE[name]) === "on"; } catch (error) { return false; }
  }

  function store(name, on) {
    try { localStorage.setItem(STORE[name], on ? "on" : "off"); } catch (error) { /* not kept: this page only */ }
  }

  function showWaiting(count) {
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
  }

  function signal(count) {
    if (!signals) return;
    if (stored("sound")) {
      var sound = new Audio(signals.dataset.sound);
      var played = sound.play();
      if (played && played.catch) played.catch(function () { /* the browser wants a click on the page first */ });
    }
    if (stored("notify") && window.Notification && Notification.permission === "granted") {
      var note = new Notification(signals.dataset.notifyTitle, {body: signals.dataset.notifyBody.replace("{count}", count),
                                                                tag: "qorgau-new-contact"});
      note.onclick = function () { window.focus(); note.close(); };
    }
  }

  function queueChanged(html) {
    var waiting = html.match(/data-waiting="(\d+)"/);
    var count = waiting ? Number(waiting[1]) : 0;
    showWaiting(count);
    var entries = {}, fresh = false;
    (html.match(/data-entry="\d+"/g) || []).forEach(function (attribute) {
      var id = attribute.replace(/\D/g, "");
      entries[id] = true;
      if (known !== null && !known[id]) fresh = true;
    });
    known = entries;
    if (fresh) signal(count);
  }

  document.addEventListener("qorgau:event", function (event) {
    if (event.detail.name === "queue") queueChanged(event.detail.html);
  });
  var first = document.querySelector("#queue .count[data-waiting]");
  if (first) showWaiting(Number(first.dataset.waiting));

  if (signals) {
    var sound = document.getElementById("signal-sound"), notify = document.getElementById("signal-notify");
    sound.checked = stored("sound");
    notify.checked = stored("notify") && window.Notification && Notification.permission === "granted";
    sound.addEventListener("change", function () {
      store("sound", sound.checked);
      if (sound.checked) signal(0);  // a sample; and the click lets the page play sounds from now on
    });
    notify.addEventListener("change", function () {
      if (!notify.checked || !window.Notification) {
        store("notify", false);
        notify.checked = false;
        return;
      }
      Notification.requestPermission().then(function (permission) {
        notify.checked = permission === "granted";
        store("notify", notify.checked);
      });
    });
  }

  // --- keyboard shortcuts ------------------------------------------------------------------------

  var help = document.getElementById("shortcuts");
  var opener = document.getElementById("shortcuts-open");
  if (opener && help) opener.addEventListener("click", function () { help.showModal(); });

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    var textual = tag === "input" && !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
    return textual || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function press(selector) {
    var button = document.querySelector(selector);
    if (!button) return false;
    button.click();  // as if clicked: the form's own checks (drafts.js) run
    return true;
  }

  function toggleAvailability() {
    var current = document.querySelector("#status [data-availability]");
    var next = current && current.dataset.availability === "available" ? "away" : "available";
    if (press('#availability button[name="availability"][value="' + next + '"]')) return true;
    var token = document.querySelector('input[name="csrf_token"]');
    if (!signals || !token) return false;
    // Elsewhere (the case page): change it without leaving the page; the live stream shows the result.
    fetch(signals.dataset.availabilityUrl, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      body: new URLSearchParams({csrf_token: token.value, availability: next}),
    });
    return true;
  }

  var ACTIONS = {
    KeyN: function () { return press("button.take-next"); },
    KeyS: function () { return press('form.case-form input[name="save"]'); },
    KeyC: function () { return press('form.case-form input[name="close"]'); },
    KeyA: function () { return signals ? toggleAvailability() : false; },
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.repeat || document.querySelector("dialog[open]:not(#shortcuts)")) return;
    if (typing(event.target) && !event.altKey) return;  // letters typed into a field are the operator's text
    if (event.key === "?" && help) {
      event.preventDefault();
      if (help.open) help.close(); else help.showModal();
      return;
    }
    var action = ACTIONS[event.code];  // the key's place, whatever the layout (Kazakh, Russian, English)
    if (action && !event.shiftKey && action()) event.preventDefault();
  });
})();
