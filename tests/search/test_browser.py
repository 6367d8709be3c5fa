"""In a real browser (Debian's chromium, driven by Playwright): a supervisor finds a call by a word said in it.

The word comes from a real transcript (a voice message through the real pipeline and the real Vosk model);
the supervisor types it into the search page, clicks the hit and lands on the replay page on that word.
Screenshots of the results and of the replay go to ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.browser import submit_sign_in
from tests.console.test_browser import ARTIFACTS, CHROMIUM, Served  # noqa: F401

from .conftest import add_call, add_pipeline_recording
from .test_search import transcript_words

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"),
]


def test_a_supervisor_searches_a_spoken_word_and_the_replay_opens_there(make_pipeline_app, twilio, test_audio,
                                                                         browser, people):  # noqa: F811
    app = make_pipeline_app()
    call_sid, _case = add_call(app, people, category="child_rights", contact_type="substantive",
                               notes="Бала үйде жалғыз қалды.")
    recording = add_pipeline_recording(app, twilio, call_sid, test_audio.message_8k)
    words = transcript_words(app, recording)
    # The longest word no earlier word starts with: the hit is that very word.
    candidates = [(i, w) for i, w in enumerate(words)
                  if not any(earlier.lower().startswith(w[0].lower()) for earlier, _ in words[:i])]
    _index, (word, start) = max(candidates, key=lambda item: len(item[1][0]))
    served = Served(app)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{served.url}/supervisor/search?lang=en")
        submit_sign_in(page, "saule")
        page.wait_for_url("**/supervisor/search**")

        page.fill("#q", word)
        page.click("form.search-form button[type=submit]")
        hit = page.locator('li.hit[data-kind="transcript"]')
        hit.wait_for()
        assert hit.get_attribute("data-call") == call_sid
        assert page.locator("li.hit mark").first.inner_text() == word
        page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)

        hit.locator("p.snippet a").click()
        page.wait_for_url(f"**/supervisor/calls/{call_sid}?**")
        current = page.locator('span.w[aria-current="true"]')
        current.wait_for()
        assert current.inner_text() == word
        assert float(current.get_attribute("data-start")) == pytest.approx(start, abs=0.01)
        assert page.locator(f'audio.player[data-recording="{recording}"]').count() == 1
        page.screenshot(path=str(ARTIFACTS / "search-replay.png"), full_page=True)
    finally:
        served.stop()
