"""A call-back Twilio refuses leaves the caller's number nowhere: not in the database, the console or the logs.

Twilio's refusal of a call (21215, "Account not authorized to call +49…") repeats the number it was asked
to ring. The REST stand-in refuses that way; the app must keep Twilio's error code and words of its own.
"""

from __future__ import annotations

import logging

import pytest

from app.callbacks.models import CallbackRequest, CallbackState
from app.db import db
from app.operators import services as operators
from app.operators.models import Availability
from app.queue.models import EntryState
from app.voice import services as voice
from tests.console.helpers import messages, page, post
from tests.console.test_browser import standin  # noqa: F401 (fixture)
from tests.database import database_text

NUMBER = "+4915112345678"  # a German mobile: outside the geo permissions the stand-in is given
DIGITS = NUMBER.removeprefix("+")
NATIONAL = DIGITS.removeprefix("49")


@pytest.fixture
def app(make_app, standin):  # noqa: F811 (the fixture imported above)
    standin.geo_permissions = ("+7",)  # as an account allowed to call Kazakhstan only
    return make_app(TWILIO_API_BASE_URL=standin.url, TWILIO_SIMULATOR=False)


def leaks(haystack: str) -> list[str]:
    return [needle for needle in (NUMBER, DIGITS, NATIONAL) if needle in haystack]


def test_a_refused_call_back_keeps_twilios_code_and_our_words_only(app, call, signed_in, people, standin,  # noqa: F811
                                                                   caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    result = call("2 1 1", from_number=NUMBER)  # Russian, child, then "call me back" at the options
    assert result.queue_result == "leave"
    with app.app_context():
        entry = voice.entry_for_call(result.call_sid)
        assert entry.state is EntryState.CALLBACK
        operators.set_endpoint(people["aigerim"], "+77011234567")
        operators.set_availability(people["aigerim"], Availability.AVAILABLE)
        entry_id = entry.id

    operator = signed_in("aigerim")
    response = post(operator, "/console/pick", {"entry_id": str(entry_id)}, follow_redirects=True)

    refusals = [r for r in standin.requests if r["path"].endswith("/Calls.json")]
    assert [(r["form"]["To"], r["status"]) for r in refusals] == [(NUMBER, 400)]  # Twilio was asked, and refused
    shown = "The call could not be connected: Twilio refused the request (Twilio error 21215)."
    assert any(m.startswith(shown) for m in messages(response))
    row = page(response).xpath(f'//tr[@data-entry="{entry_id}"]//*[@class="row-error"]')[0].text_content()
    assert " ".join(row.split()) == "The last attempt to connect failed: Twilio refused the request (Twilio error 21215)"
    with app.app_context():
        again = db.session.get(type(entry), entry_id)
        assert (again.state, again.error_key, again.error_code) == (
            EntryState.CALLBACK, "line_error_twilio_refused", 21215)  # their place in line, still to call back
        callback = db.session.query(CallbackRequest).filter_by(entry_id=entry_id).one()
        assert callback.state is CallbackState.PENDING and callback.number_ciphertext  # kept, encrypted only

    assert leaks(operator.get("/console/").get_data(as_text=True)) == []  # the live queue every operator sees
    assert leaks(database_text(app)) == []
    logged = "\n".join([caplog.text, *(str(record.args) for record in caplog.records)])
    assert leaks(logged) == []
