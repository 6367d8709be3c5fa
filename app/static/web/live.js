// The live pages (operator console, supervisors' board, live calls). Fragments of HTML pushed by
// server-sent events (body data-stream; data-parts names the events) replace the elements of the same id,
// and timers count up each second from the timestamps the fragments carry, on the server's clock. Plain EventSource reconnects by itself when the
// server ends a stream (it ends each one after a few minutes); no library is needed.
(function () {
  "use strict";
  var body = document.body;
  // The browser's clock may be off; count from the server's clock as it was when the page was made.
  var skew = Number(body.dataset.serverNow || Date.now()) - Date.now();
  var live = document.getElementById("live");

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600), minutes = Math.floor((seconds % 3600) / 60), rest = seconds % 60;
    var mm = hours ? String(minutes).padStart(2, "0") : String(minutes);
    return (hours ? hours + ":" : "") + mm + ":" + String(rest).padStart(2, "0");
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll(".ticker[data-since]").forEach(function (timer) {
      timer.textContent = duration((now - Number(timer.dataset.since)) / 1000);
    });
  }

  function swap(id, html) {
    var target = document.getElementById(id);
    if (target) {
      target.innerHTML = html;
      tick();
    }
  }

  function state(name) {
    if (!live) return;
    live.dataset.state = name;
    live.textContent = name === "live" ? live.dataset.live : live.dataset.reconnecting;
  }

  function stream(url, parts) {
    var source = new EventSource(url);
    parts.forEach(function (name) {
      source.addEventListener(name, function (event) {
        swap(name, event.data);
        // Other scripts of the page listen too (the console's new-contact signals read the queue).
        document.dispatchEvent(new CustomEvent("qorgau:event", {detail: {name: name, html: event.data}}));
      });
    });
    source.onopen = function () { state("live"); };
    source.onerror = function () {
      state("reconnecting");
      if (source.readyState !== EventSource.CLOSED) return;
      // The server refused (signed out, say). A page holding a form asks to sign in again without leaving
      // (app/static/console/drafts.js) and says when that is done; any other reloads into the sign-in page.
      if (document.querySelector("form[data-session]")) {
        document.dispatchEvent(new CustomEvent("qorgau:signed-out"));
        document.addEventListener("qorgau:signed-in", function () { stream(url, parts); }, {once: true});
      } else {
        setTimeout(function () { location.reload(); }, 5000);
      }
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  tick();
  setInterval(tick, 1000);
  if (body.dataset.stream && window.EventSource) stream(body.dataset.stream, (body.dataset.parts || "").split(" "));
})();
