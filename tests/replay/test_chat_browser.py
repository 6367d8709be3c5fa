"""In a real browser (Debian's chromium, driven by Playwright): a supervisor finds a chat by a child's words.

The supervisor types words of the child's message into the search page, opens the hit and reads the whole
chat, the message marked, beside its place and case. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auth.helpers import audit_events
from tests.console.browser import submit_sign_in
from tests.console.test_browser import ARTIFACTS, CHROMIUM, Served  # noqa: F401

from .chats import chat_case, place

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"),
]


def test_a_supervisor_searches_a_chat_message_and_reads_the_chat(app, people, browser):  # noqa: F811
    with app.app_context():
        place("sch-45", "School No. 45", "Shymkent", "Abay")
        record = chat_case(people["aigerim"], ["Здравствуйте", "Старший брат бьёт меня дома"],
                           ["Ты сейчас в безопасности?"], place_code="sch-45", close=True,
                           case={"category": "child_rights", "contact_type": "substantive", "outcome": "advice_given",
                                 "notes": "Брат, побои; совет и номер 102."})
    served = Served(app)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{served.url}/supervisor/search?lang=en")
        submit_sign_in(page, "saule")
        page.wait_for_url("**/supervisor/search**")

        page.fill("#q", "брат бьёт")
        page.click("form.search-form button[type=submit]")
        hit = page.locator('li.hit[data-kind="chat"]')
        hit.wait_for()
        assert hit.get_attribute("data-chat") == str(record.conversation_id)
        assert hit.locator(".place").inner_text() == "School No. 45, Shymkent"
        assert hit.locator("mark").all_inner_texts() == ["брат", "бьёт"]
        page.screenshot(path=str(ARTIFACTS / "search-chat.png"), full_page=True)

        hit.locator("p.snippet a").click()
        page.wait_for_url(f"**/supervisor/chats/{record.conversation_id}#m-{record.message_ids[1]}")
        messages = page.locator("li.message")
        assert messages.count() == 5  # two of the child's, the operator joining, a reply, the end
        assert page.locator("li.message:target .text").inner_text() == "Старший брат бьёт меня дома"
        assert page.locator('li.message[data-author="operator"] .text').inner_text() == "Ты сейчас в безопасности?"
        assert page.locator('dd[data-fact="place"]').inner_text() == "School No. 45"
        assert page.locator("section[data-case] p.notes").inner_text() == "Брат, побои; совет и номер 102."
        page.screenshot(path=str(ARTIFACTS / "replay-chat.png"), full_page=True)
    finally:
        served.stop()
    assert [e.actor_label for e in audit_events(app, "chat.read") if e.details.get("via") == "replay"] == ["saule"]
