"""Every webhook refuses requests that Twilio did not sign for our public URL with our token."""

from __future__ import annotations

import pytest
import requests
from flask import Flask
from twilio.request_validator import RequestValidator

from app.extensions import csrf
from app.telephony.signature import signature_is_valid, twilio_signed
from tests.conftest import PUBLIC_BASE_URL

from .helpers import find_call, new_call_sid, sign, signed_post, snapshot, twilio_params

# Twilio's published example (https://www.twilio.com/docs/usage/security#validating-requests).
VECTOR_TOKEN = "12345"
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
                 "From": "+14158675309", "To": "+18005551212"}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_validator_reproduces_twilios_example():
    assert RequestValidator(VECTOR_TOKEN).compute_signature(VECTOR_URL, VECTOR_PARAMS) == VECTOR_SIGNATURE


@pytest.fixture
def vector_app(make_app) -> Flask:
    """An app deployed at https://mycompany.com, with the example's token and route."""
    app = make_app(PUBLIC_BASE_URL="https://mycompany.com", TWILIO_AUTH_TOKEN=VECTOR_TOKEN)

    @twilio_signed
    def vector_view():
        return "signed by Twilio"

    app.add_url_rule("/myapp.php", view_func=csrf.exempt(vector_view), methods=["POST"])
    return app


ONE_CHARACTER_CHANGES = {
    "signature": ("/myapp.php?foo=1&bar=2", VECTOR_PARAMS, VECTOR_SIGNATURE.replace("R", "S", 1)),
    "query": ("/myapp.php?foo=1&bar=3", VECTOR_PARAMS, VECTOR_SIGNATURE),
    "path": ("/myapp.phq?foo=1&bar=2", VECTOR_PARAMS, VECTOR_SIGNATURE),
    "param value": ("/myapp.php?foo=1&bar=2", {**VECTOR_PARAMS, "Digits": "1235"}, VECTOR_SIGNATURE),
    "param name": ("/myapp.php?foo=1&bar=2", {**{k: v for k, v in VECTOR_PARAMS.items() if k != "To"},
                                               "Tp": "+18005551212"}, VECTOR_SIGNATURE),
}


def test_the_app_accepts_twilios_example(vector_app):
    with vector_app.test_request_context("/myapp.php?foo=1&bar=2", method="POST", data=VECTOR_PARAMS,
                                         headers={"X-Twilio-Signature": VECTOR_SIGNATURE}):
        assert signature_is_valid()
    response = vector_app.test_client().post("/myapp.php?foo=1&bar=2", data=VECTOR_PARAMS,
                                             headers={"X-Twilio-Signature": VECTOR_SIGNATURE})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "signed by Twilio"


@pytest.mark.parametrize("path, params, signature", ONE_CHARACTER_CHANGES.values(), ids=ONE_CHARACTER_CHANGES)
def test_the_app_rejects_a_one_character_change(vector_app, path, params, signature):
    with vector_app.test_request_context(path, method="POST", data=params,
                                         headers={"X-Twilio-Signature": signature}):
        assert not signature_is_valid()
    response = vector_app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == (404 if path.startswith("/myapp.phq") else 403)  # that path is no route


# Each webhook with a request that changes the database when it is properly signed ("changes").
def _route_requests(call_sid: str) -> dict[str, tuple[str, dict, bool]]:
    return {
        "incoming": ("/voice/incoming", twilio_params(new_call_sid(), CallStatus="ringing"), True),
        "step": ("/voice/step?s=0", twilio_params(new_call_sid(), Digits="2"), True),
        "wait": ("/voice/wait", twilio_params(call_sid, QueuePosition="1", QueueTime="30"), False),
        "queue-exit": ("/voice/queue-exit", twilio_params(call_sid, QueueResult="bridged"), True),
        "status": ("/voice/status", twilio_params(call_sid, CallStatus="completed", CallDuration="12"), True),
        "recording": ("/voice/recording", twilio_params(
            call_sid, RecordingSid="RE" + "1" * 32, RecordingStatus="completed", RecordingDuration="7",
            RecordingUrl="https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE" + "1" * 32), True),
    }


ROUTES = list(_route_requests(""))
FORGERIES = {
    "unsigned": lambda path, params: None,
    "forged": lambda path, params: "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
    "wrong token": lambda path, params: sign(PUBLIC_BASE_URL + path, params, token="not-our-token"),
    "other host": lambda path, params: sign("https://evil.example.net" + path, params),
    "plain http": lambda path, params: sign(PUBLIC_BASE_URL.replace("https:", "http:") + path, params),
    "other params": lambda path, params: sign(PUBLIC_BASE_URL + path, {**params, "CallStatus": "busy"}),
}


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("route", ROUTES)
def test_a_webhook_refuses_an_unsigned_or_forged_request_and_changes_nothing(app, client, started_call, route,
                                                                              forgery):
    path, params, _ = _route_requests(started_call)[route]
    signature = FORGERIES[forgery](path, params)
    before = snapshot(app)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = client.post(path, data=params, headers=headers)
    assert response.status_code == 403
    assert snapshot(app) == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_webhook_accepts_a_signed_request(app, client, started_call, route):
    """The control for the test above: the same requests, properly signed, do their work."""
    path, params, changes = _route_requests(started_call)[route]
    before = snapshot(app)
    response = signed_post(client, path, params)
    assert response.status_code == 200
    assert (snapshot(app) != before) is changes


def test_the_signature_is_checked_against_the_public_url_behind_a_tls_proxy(app, live_server):
    """Twilio signs https://public/...; the request reaches us as http://127.0.0.1:port/... ."""
    call_sid = new_call_sid()
    params = twilio_params(call_sid, CallStatus="ringing")
    signed_for_public = sign(PUBLIC_BASE_URL + "/voice/incoming", params)
    signed_as_received = sign(live_server + "/voice/incoming", params)

    refused = requests.post(live_server + "/voice/incoming", data=params, timeout=10,
                            headers={"X-Twilio-Signature": signed_as_received})
    assert refused.status_code == 403
    assert find_call(app, call_sid) is None

    accepted = requests.post(live_server + "/voice/incoming", data=params, timeout=10,
                             headers={"X-Twilio-Signature": signed_for_public})
    assert accepted.status_code == 200
    assert find_call(app, call_sid) is not None


def test_the_query_string_is_part_of_what_is_signed(app, client, started_call):
    response = signed_post(client, "/voice/step?s=1", twilio_params(started_call, Digits="2"),
                           signed_url=PUBLIC_BASE_URL + "/voice/step?s=2")
    assert response.status_code == 403
    assert find_call(app, started_call).seq == 1  # still at the language menu: no step taken
