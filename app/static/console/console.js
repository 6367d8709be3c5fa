// The operator console's live parts: fragments of HTML pushed by the server (server-sent events) are
// swapped into the elements of the same id, and timers count up from the timestamps they carry.
// Plain EventSource: the browser reconnects by itself when a stream ends (the server ends each one
// after a few minutes); no library is needed for that.
(function () {
  "use strict";
  var body = document.body;
  var url = body.dataset.stream;
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

  function state(name) {
    if (!live) return;
    live.dataset.state = name;
    live.textContent = name === "live" ? live.dataset.live : live.dataset.reconnecting;
  }

  function connect() {
    var source = new EventSource(url);
    ["queue", "status", "availability"].forEach(function (name) {
      source.addEventListener(name, function (event) {
        var target = document.getElementById(name);
        if (target) {
          target.innerHTML = event.data;
          tick();
        }
      });
    });
    source.onopen = function () { state("live"); };
    source.onerror = function () {
      state("reconnecting");
      // CLOSED: the server refused (signed out, say); reloading leads to the sign-in page.
      if (source.readyState === EventSource.CLOSED) setTimeout(function () { location.reload(); }, 5000);
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  tick();
  setInterval(tick, 1000);
  if (url && window.EventSource) connect();
})();
