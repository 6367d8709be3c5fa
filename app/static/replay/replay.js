// The replay page: the word being heard is highlighted as the audio runs, clicking a word plays from it,
// and the first play of each recording on the page is reported to the server (it is audited).
(function () {
  "use strict";
  var TOLERANCE = 0.01; // seconds: after a seek the player may report a hair before the word's start
  var token = document.querySelector('meta[name="csrf-token"]');

  // The last word started at or before `time` (words are in time order); -1 before the first.
  function wordAt(starts, time) {
    var low = 0, high = starts.length; // first index whose start is after `time`
    while (low < high) {
      var middle = (low + high) >> 1;
      if (starts[middle] <= time + TOLERANCE) low = middle + 1; else high = middle;
    }
    return low - 1;
  }

  function reportPlayed(audio) {
    fetch(audio.dataset.played, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: {"X-CSRFToken": token ? token.content : ""}
    }).catch(function () { /* the audio route still audits the stream */ });
  }

  // Scroll the transcript box (not the page) so the word stays in view, gently.
  function keepInView(box, word) {
    var top = word.offsetTop - box.offsetTop, bottom = top + word.offsetHeight;
    if (top < box.scrollTop || bottom > box.scrollTop + box.clientHeight) {
      box.scrollTo({top: Math.max(0, top - box.clientHeight / 3), behavior: "smooth"});
    }
  }

  function setUp(article) {
    var audio = article.querySelector("audio.player");
    var box = article.querySelector(".transcript");
    var words = box ? Array.prototype.slice.call(box.querySelectorAll(".w")) : [];
    var starts = words.map(function (word) { return Number(word.dataset.start); });
    var current = box ? box.querySelector('.w[aria-current="true"]') : null;
    var reported = false, frame = 0;

    function highlight(word) {
      if (word === current) return;
      if (current) current.removeAttribute("aria-current");
      current = word;
      if (word) {
        word.setAttribute("aria-current", "true");
        keepInView(box, word);
      }
    }

    function sync() {
      if (!words.length) return;
      var index = wordAt(starts, audio.currentTime);
      highlight(index >= 0 ? words[index] : null);
    }

    // timeupdate comes only ~4 times a second, too coarse for short words: follow every frame while playing.
    function follow() {
      sync();
      frame = audio.paused ? 0 : requestAnimationFrame(follow);
    }

    if (!audio) return; // no audio to play (missing or failed): the transcript is still there to read
    audio.addEventListener("play", function () {
      document.querySelectorAll("audio.player").forEach(function (other) { if (other !== audio) other.pause(); });
      if (!reported) {
        reported = true;
        reportPlayed(audio);
      }
      if (!frame) frame = requestAnimationFrame(follow);
    });
    ["timeupdate", "seeked"].forEach(function (name) { audio.addEventListener(name, sync); });
    if (box) {
      box.addEventListener("click", function (event) {
        var word = event.target.closest(".w");
        if (!word) return;
        audio.currentTime = Number(word.dataset.start);
        highlight(word);
        audio.play().catch(function () { /* refused (autoplay rules): the position is set */ });
      });
    }
    // ?t=: open at that time; the server has already marked the word. Playing is left to the person.
    if (article.dataset.startAt !== undefined) {
      audio.currentTime = Number(article.dataset.startAt);
      article.scrollIntoView({block: "start"});
      if (current) keepInView(box, current);
    }
  }

  document.querySelectorAll("article.recording").forEach(setUp);
})();
