"""The live calls page: who may use it, the supervisor's endpoint, and refusals that leave nothing half-done."""

from __future__ import annotations

import pytest
from lxml import html

from app.core.vocab import Priority
from tests.auth.helpers import audit_events, csrf_token
from tests.console.test_stream import Events
from tests.queue.helpers import add_caller

from .conftest import CALLER_HASH, post_form, rest


@pytest.mark.parametrize("name", ["aigerim", "arman"])
def test_operators_and_admins_may_not_listen_in(signed_in, conversation, standin, name):
    client = signed_in(name)
    assert client.get("/supervisor/live").status_code == 403
    assert client.get("/supervisor/live/stream").status_code == 403
    token = csrf_token(client, "/login")
    for path, data in (("/supervisor/live/join", {"entry_id": conversation.entry_id, "mode": "listen"}),
                       ("/supervisor/live/leave", {"entry_id": conversation.entry_id}),
                       ("/supervisor/live/endpoint", {"endpoint": "+77010000000"})):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403
    assert not [p for p in standin.participants if p["to"] != "client:aigerim"]  # nobody else was rung


def test_strangers_are_sent_to_sign_in(client):
    response = client.get("/supervisor/live")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_supervisor_sees_the_conversations_in_progress_and_the_menu_leads_there(app, signed_in, conversation):
    client = signed_in("saule")
    page = html.fromstring(client.get("/supervisor/live").data)
    assert page.xpath('//nav[@class="menu"]//a[@href="/supervisor/live"]/text()') == ["Live calls"]
    [row] = page.xpath(f'//tr[@data-entry="{conversation.entry_id}"]')
    cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
    assert cells[:4] == ["aigerim", "Russian", "Child or teenager", "Child"]
    assert cells[4].startswith("since ")  # without JavaScript: since when; the browser counts it up
    assert row.xpath(".//time/@data-since")[0].isdigit()
    assert row.xpath('.//button[@name="mode"]/@value') == ["listen", "coach"]
    assert row.xpath('.//button[contains(@class, "leave")]') == []
    # The page's stream sends the same list.
    with client.get("/supervisor/live/stream", buffered=False) as response:
        fragment = html.fromstring(Events(response).until("calls"))
    assert fragment.xpath(f'//tr[@data-entry="{conversation.entry_id}"]')
    # Nothing that could identify the caller: not their hash, not their call.
    text = client.get("/supervisor/live").get_data(as_text=True)
    assert CALLER_HASH not in text and conversation.caller_sid not in text


def test_joining_without_an_endpoint_is_refused_with_a_reason(app, signed_in, conversation, standin):
    client = signed_in("saule")
    since = len(standin.requests)
    page = post_form(client, "/supervisor/live/join", entry_id=conversation.entry_id, mode="listen")
    assert "Add where calls reach you before you listen in." in page
    assert rest(standin, since) == [] and audit_events(app, "call.listen") == []


def test_the_endpoint_form_checks_what_it_keeps(signed_in):
    client = signed_in("saule")
    token = csrf_token(client, "/supervisor/live")
    bad = client.post("/supervisor/live/endpoint", data={"endpoint": "8 701 123", "csrf_token": token})
    assert bad.status_code == 400
    page = html.fromstring(bad.data)
    assert page.xpath('//p[@id="endpoint-error"]/text()')[0].startswith("Write a phone number with +")
    assert page.xpath('//input[@id="endpoint"]/@value') == ["8 701 123"]
    good = post_form(client, "/supervisor/live/endpoint", endpoint="client:saule")
    assert "Saved: listening in will ring client:saule." in good
    assert html.fromstring(good).xpath('//input[@id="endpoint"]/@value') == ["client:saule"]
    assert client.post("/supervisor/live/endpoint", data={"endpoint": "client:x"}).status_code == 400  # no CSRF


def test_a_call_not_in_conversation_cannot_be_listened_to(app, supervisor, standin):
    with app.app_context():
        waiting = add_caller(Priority.URGENT, "kk").id
    since = len(standin.requests)
    for mode in ("listen", "coach"):
        page = post_form(supervisor, "/supervisor/live/join", entry_id=waiting, mode=mode)
        assert "This conversation is not in progress any more." in page
    assert rest(standin, since) == []  # Twilio was not asked
    assert audit_events(app, "call.listen") == audit_events(app, "call.coach") == []
    assert supervisor.post("/supervisor/live/join", data={
        "entry_id": waiting, "mode": "barge", "csrf_token": csrf_token(supervisor, "/supervisor/live")}).status_code == 400


def test_a_twilio_error_is_shown_and_nothing_is_half_done(app, conversation, standin, supervisor):
    # Twilio refuses the app's credentials from now on (a rotated auth token, say).
    standin.auth_token, restore = "another-token", standin.auth_token
    try:
        page = post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="listen")
    finally:
        standin.auth_token = restore
    message = html.fromstring(page).xpath('//p[contains(@class, "flash-error")]/text()')[0]
    assert message.startswith("Twilio could not do it, nothing was changed: Twilio refused: Authenticate (HTTP 401")
    assert [p["to"] for p in standin.participants] == ["client:aigerim"]
    assert audit_events(app, "call.listen") == []
    row = html.fromstring(supervisor.get("/supervisor/live").data).xpath(
        f'//tr[@data-entry="{conversation.entry_id}"]')[0]
    assert row.get("data-mode") == ""


def test_a_conversation_that_ended_at_twilio_is_refused_and_leaving_it_still_works(app, conversation, standin,
                                                                                  supervisor):
    post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="listen")
    standin._end_conference(standin.conference(conversation.conference))  # over at Twilio, callbacks pending
    page = post_form(supervisor, "/supervisor/live/join", entry_id=conversation.entry_id, mode="coach")
    assert "This conversation is not in progress any more." in page
    assert audit_events(app, "call.coach") == []
    page = post_form(supervisor, "/supervisor/live/leave", entry_id=conversation.entry_id)
    assert "You left the conversation." in page
    assert [r["method"] for r in standin.requests[-1:]] == ["GET"]  # nothing left to remove


def test_twilios_callbacks_about_her_call_must_be_signed(client, people):
    response = client.post(f"/voice/listen/status?entry=1&supervisor={people['saule']}",
                           data={"CallSid": "CA" + "0" * 32, "CallStatus": "completed"})
    assert response.status_code == 403


@pytest.mark.parametrize(("lang", "title", "empty"), [
    ("kk", "Ағымдағы қоңыраулар", "Қазір әңгіме жоқ."),
    ("ru", "Текущие разговоры", "Сейчас нет разговоров."),
])
def test_the_page_speaks_kazakh_and_russian(signed_in, lang, title, empty):
    page = html.fromstring(signed_in("saule").get(f"/supervisor/live?lang={lang}").data)
    assert page.xpath("//h1/text()") == [title]
    assert page.xpath('//p[@class="empty"]/text()') == [empty]
    assert title in page.xpath('//nav[@class="menu"]//a/text()')
