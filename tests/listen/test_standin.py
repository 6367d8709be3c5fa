"""The REST stand-in refuses what Twilio refuses about conference participants (requests made over HTTP)."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import ACCOUNT_SID, AUTH_TOKEN

from .conftest import wait_for

FROM = "+77001110111"


@pytest.fixture
def api(standin, conversation):
    """POST/GET/DELETE on the live conference's resources, as the account."""
    session = requests.Session()
    session.auth = (ACCOUNT_SID, AUTH_TOKEN)
    base = f"{standin.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Conferences"
    sid = standin.conference(conversation.conference)["sid"]

    def call(method: str, path: str, **form):
        return session.request(method, f"{base}/{path.format(sid=sid)}", data=form or None, timeout=10)

    yield call
    session.close()


@pytest.mark.parametrize(("form", "code"), [
    ({"Coaching": "true"}, 20001),  # coaching nobody
    ({"Coaching": "false", "CallSidToCoach": "{operator}"}, 20001),  # contradicts itself
    ({"CallSidToCoach": "CA" + "0" * 32}, 16028),  # someone not in the conference
    ({"Coaching": "true", "CallSidToCoach": "operator"}, 20001),  # not a call SID
    ({"Muted": "maybe"}, 20001),
])
def test_participants_twilio_would_refuse_are_refused(api, conversation, standin, form, code):
    form = {name: value.format(operator=conversation.operator_sid) for name, value in form.items()}
    response = api("POST", "{sid}/Participants.json", From=FROM, To="+77017654321", **form)
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert [p["to"] for p in standin.participants] == ["client:aigerim"]  # nobody was rung


def test_call_sid_to_coach_alone_means_coaching_as_twilio_documents(api, conversation, standin):
    response = api("POST", "{sid}/Participants.json", From=FROM, To="client:saule",
                   CallSidToCoach=conversation.operator_sid)
    assert response.status_code == 201
    assert (response.json()["coaching"], response.json()["call_sid_to_coach"]) == (True, conversation.operator_sid)
    coach = response.json()["call_sid"]
    wait_for(lambda: standin._state.get("participants", coach)["answered"], "the coach's phone to answer")
    assert standin.hearing(conversation.conference)[coach]["heard_by"] == [conversation.operator_sid]


def test_unknown_conferences_and_participants_are_not_found(api, conversation):
    unknown_conference = "CF" + "0" * 32
    assert api("POST", f"{unknown_conference}/Participants.json", From=FROM, To="client:x").status_code == 404
    assert api("GET", f"{conversation.conference}/Participants.json").status_code == 404  # a name is not a SID
    for method in ("POST", "DELETE"):
        assert api(method, "{sid}/Participants/CA" + "0" * 32 + ".json").status_code == 404
        assert api(method, "{sid}/Participants/supervisor-99.json").status_code == 404
    assert api("POST", "{sid}/Participants.json", From=FROM, To="07 01").status_code == 400  # not a number


def test_a_label_is_one_participants_only(api, standin):
    first = api("POST", "{sid}/Participants.json", From=FROM, To="client:saule", Label="supervisor-7")
    assert first.status_code == 201
    again = api("POST", "{sid}/Participants.json", From=FROM, To="client:saule", Label="supervisor-7")
    assert again.status_code == 400
    # Changed and removed by its label, as Twilio allows.
    wait_for(lambda: standin._state.get("participants", first.json()["call_sid"])["answered"], "the phone to answer")
    assert api("POST", "{sid}/Participants/supervisor-7.json", Muted="true").json()["muted"] is True
    assert api("DELETE", "{sid}/Participants/supervisor-7.json").status_code == 204
    assert api("DELETE", "{sid}/Participants/supervisor-7.json").status_code == 404


def test_a_completed_conference_takes_no_one_in(api, conversation, standin):
    standin.call_ended(conversation.caller_sid)
    assert api("POST", "{sid}/Participants.json", From=FROM, To="client:saule").status_code == 404
    listed = api("GET", "{sid}/Participants.json")
    assert listed.status_code == 200 and listed.json()["participants"] == []
