"""Signed webhooks with arbitrary fields: every /voice/* route answers, never with a server error.

Twilio retries a 5xx, so a malformed request must get a 400 (or a harmless 200/404), never a 500. Runs are
derandomized and bounded, so CI sees the same examples every time.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.conftest import ACCOUNT_SID

from .helpers import signed_post, start_call

FUZZ = settings(max_examples=40, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SID = st.builds(lambda prefix, digits: prefix + digits, st.sampled_from(["CA", "RE", "QU", "AC", "CF", "XX", ""]),
                st.text("0123456789abcdefABCDEF./", min_size=0, max_size=34))
NUMBER = st.one_of(st.integers(-2**70, 2**70).map(str), st.sampled_from(["", "-1", "0", "²", "١٢", "1e9", " 7",
                                                                            "+7", "1_000", "NaN", "0x10"]))
TEXT = st.text(max_size=40)
ANYTHING = st.one_of(SID, NUMBER, TEXT, st.sampled_from(["../../..", "completed", "in-progress", "leave", "hangup",
                                                        "RecordVerb", "https://api.twilio.com/x", "1", "2", "#"]))
FORM_FIELDS = ["AccountSid", "CallSid", "CallStatus", "CallDuration", "From", "Digits", "QueueSid", "QueueResult",
               "RecordingSid", "RecordingUrl", "RecordingStatus", "RecordingDuration", "RecordingChannels",
               "RecordingSource", "To", "Caller", "Direction"]
QUERY_FIELDS = ["s", "entry", "supervisor", "attempt", "silence", "lang"]


@pytest.fixture
def known(app, client) -> dict[str, str]:
    """A real call (so that many examples reach past the door) and its CallSid."""
    return {"CallSid": start_call(client), "AccountSid": ACCOUNT_SID}


def form_strategy(known: dict[str, str]):
    """Twilio's fields with arbitrary values, the real call's SID often among them, and stray fields."""
    value = st.one_of(ANYTHING, st.sampled_from(sorted(known.values())))
    return st.dictionaries(st.one_of(st.sampled_from(FORM_FIELDS), st.text(min_size=1, max_size=10)), value,
                           max_size=8).map(lambda form: {"CallSid": known["CallSid"], **form})


def fuzz(client, known: dict[str, str], route: str) -> None:
    @FUZZ
    @given(form=form_strategy(known), query=st.dictionaries(st.sampled_from(QUERY_FIELDS), ANYTHING, max_size=4))
    def post(form, query):
        path = f"{route}?{urlencode(query)}" if query else route
        response = signed_post(client, path, form)
        assert response.status_code < 500, (path, form, response.get_data(as_text=True))
        if response.status_code == 200:
            assert response.mimetype == "text/xml"
            etree.fromstring(response.get_data())
        else:
            assert response.status_code in (400, 404)
            assert response.mimetype == "text/plain"

    post()


def test_any_signed_form_to_any_webhook_gets_no_server_error(app, client, known):
    routes = sorted({rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/voice/")})
    assert len(routes) >= 13 and "/voice/recording" in routes
    for route in routes:
        fuzz(client, known, route)
