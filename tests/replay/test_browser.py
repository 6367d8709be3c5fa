"""In a real browser (Debian's chromium, driven by Playwright): the transcript follows the audio of a real call.

The recording and its words come from the real pipeline and the real Vosk model. The test plays it and
waits until the audio is inside a known word, which must then be the one highlighted; clicking a later
word seeks there; ``?t=`` opens the player at a word. A screenshot goes to ``test-artifacts/replay.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auth.helpers import audit_events
from tests.console.browser import CHROMIUM, CHROMIUM_ARGS, Served, submit_sign_in
from tests.console.test_browser import ARTIFACTS

from .test_replay import stored_words

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"),
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Headless chromium may refuse play() without a user gesture; the test presses play through script.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"])
        yield chromium
        chromium.close()


@pytest.fixture
def site(replayable):
    served = Served(replayable.app)
    yield served.url
    served.stop()


def word_selector(recording_id: int, start: float) -> str:
    return f'.transcript[data-recording="{recording_id}"] .w[data-start="{start}"]'


# Within the recording: the audio is inside [start, end) of the word, which is the one (and only) highlighted.
HEARD = """([recording, start, end]) => {
  const audio = document.querySelector(`audio.player[data-recording="${recording}"]`);
  const current = document.querySelectorAll(`.transcript[data-recording="${recording}"] .w[aria-current="true"]`);
  return !audio.paused && audio.currentTime >= start && audio.currentTime < end && current.length === 1
    && Number(current[0].dataset.start) === start;
}"""


def test_the_transcript_follows_the_audio_and_a_click_seeks(replayable, site, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    rec = replayable.message
    words = stored_words(replayable.app, rec)
    # A word long enough to catch while it plays, after the start; and a later one to click.
    text, start, end, _, _ = max((w for w in words if w[1] >= 1.0), key=lambda w: w[2] - w[1])
    later = next(w for w in reversed(words) if w[1] > end)
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    url = f"{site}/supervisor/calls/{replayable.call_sid}?lang=en"
    page.goto(url)
    assert "/login" in page.url
    submit_sign_in(page, "saule")
    page.wait_for_url(url)
    assert page.locator(f'.transcript[data-recording="{rec}"] .w[aria-current]').count() == 0

    # Play from the start: when the audio is inside the word, that word is highlighted. The first play is reported.
    player = f'audio.player[data-recording="{rec}"]'
    with page.expect_response(lambda r: r.url.endswith(f"/recordings/{rec}/played")) as report:
        page.evaluate(f"document.querySelector('{player}').play()")
    assert report.value.status == 204
    page.wait_for_function(HEARD, arg=[rec, start, end], polling="raf")
    assert page.inner_text(word_selector(rec, start)) == text
    page.evaluate(f"document.querySelector('{player}').pause()")
    page.screenshot(path=str(ARTIFACTS / "replay.png"), full_page=True)

    # Click a later word: the audio seeks to its start and plays on, that word highlighted.
    page.evaluate(f"""window.seeks = [];
      document.querySelector('{player}').addEventListener('seeked', (e) => seeks.push(e.target.currentTime))""")
    page.click(word_selector(rec, later[1]))
    page.wait_for_function("() => window.seeks.length > 0")
    assert page.evaluate("window.seeks[0]") == pytest.approx(later[1], abs=0.02)
    page.wait_for_function(HEARD, arg=[rec, later[1], later[2]], polling="raf")
    [play] = audit_events(replayable.app, "recording.play")  # the first play on the page only
    assert (play.actor_label, play.target_id) == ("saule", str(rec))

    # ?t= (as a search hit links it): the page opens with that word highlighted and the player there.
    page.goto(f"{url}&t={start}&recording={rec}")
    assert page.get_attribute(word_selector(rec, start), "aria-current") == "true"
    assert page.locator('.w[aria-current="true"]').count() == 1
    assert page.evaluate(f"document.querySelector('{player}').currentTime") == pytest.approx(start, abs=0.01)
    page.evaluate(f"""const audio = document.querySelector('{player}');
      audio.addEventListener('playing', () => window.startedAt = audio.currentTime, {{once: true}});
      audio.play()""")
    page.wait_for_function("() => window.startedAt !== undefined")
    assert page.evaluate("window.startedAt") == pytest.approx(start, abs=0.05)  # not from the beginning
    page.wait_for_function(HEARD, arg=[rec, start, end], polling="raf")
    assert errors == []
    page.close()
