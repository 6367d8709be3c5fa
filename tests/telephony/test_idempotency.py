"""Twilio may deliver any webhook more than once: a repeat changes nothing and gets the same answer."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select

from app.db import db
from app.recordings.models import Recording
from tests.conftest import PUBLIC_BASE_URL

from .helpers import find_call, new_call_sid, sign, signed_post, snapshot, start_call, twilio_params


def test_a_repeated_incoming_call_creates_one_call_and_the_same_answer(app, client):
    params = twilio_params(new_call_sid(), CallStatus="ringing")
    first = signed_post(client, "/voice/incoming", params)
    before = snapshot(app)
    second = signed_post(client, "/voice/incoming", params)
    assert first.status_code == second.status_code == 200
    assert second.get_data() == first.get_data()
    assert snapshot(app) == before
    assert len(before["calls"]) == 1


def test_a_repeated_step_advances_once(app, client, started_call):
    params = twilio_params(started_call, Digits="2")
    first = signed_post(client, "/voice/step?s=1", params)
    before = snapshot(app)
    second = signed_post(client, "/voice/step?s=1", params)
    assert second.get_data() == first.get_data()
    assert snapshot(app) == before
    call = find_call(app, started_call)
    assert call.seq == 2
    assert [(step.seq, step.event, step.node) for step in call.steps] == [
        (0, "start", "choose_language"), (1, "keys:2", "main_menu")]


def test_a_stale_step_replays_the_last_answer(app, client, started_call):
    signed_post(client, "/voice/step?s=1", twilio_params(started_call, Digits="2"))
    last = signed_post(client, "/voice/step?s=2", twilio_params(started_call, Digits="3"))
    before = snapshot(app)
    stale = signed_post(client, "/voice/step?s=1", twilio_params(started_call, Digits="1"))
    assert stale.get_data() == last.get_data()
    assert snapshot(app) == before
    assert find_call(app, started_call).category == "family"


def _deliver_at_once(url: str, path: str, params: dict, copies: int = 2) -> list[requests.Response]:
    """Send the same signed request from several threads released together."""
    headers = {"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params)}
    barrier = threading.Barrier(copies)
    replies: list[requests.Response] = []

    def deliver():
        barrier.wait()
        replies.append(requests.post(url + path, data=params, headers=headers, timeout=15))

    threads = [threading.Thread(target=deliver) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return replies


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_step_delivered_twice_at_once_is_taken_once(app, client, live_server, attempt):
    call_sid = start_call(client)
    replies = _deliver_at_once(live_server, "/voice/step?s=1", twilio_params(call_sid, Digits="1"))
    assert [reply.status_code for reply in replies] == [200, 200]
    assert replies[0].content == replies[1].content
    call = find_call(app, call_sid)
    assert call.seq == 2
    assert [step.seq for step in call.steps] == [0, 1]


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_call_arriving_twice_at_once_is_one_call(app, live_server, attempt):
    call_sid = new_call_sid()
    replies = _deliver_at_once(live_server, "/voice/incoming", twilio_params(call_sid, CallStatus="ringing"))
    assert [reply.status_code for reply in replies] == [200, 200]
    assert replies[0].content == replies[1].content
    assert len(snapshot(app)["calls"]) == 1
    assert [step.seq for step in find_call(app, call_sid).steps] == [0]


def _recording_callback(call_sid: str) -> dict[str, str]:
    recording_sid = "RE" + "2" * 32
    return twilio_params(call_sid, RecordingSid=recording_sid, RecordingStatus="completed", RecordingDuration="9",
                         RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/{recording_sid}",
                         RecordingChannels="1")


def _recordings(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Recording))


def test_a_repeated_recording_callback_keeps_one_recording(app, client, started_call):
    for _ in range(2):
        assert signed_post(client, "/voice/recording", _recording_callback(started_call)).status_code == 200
    assert _recordings(app) == 1


def test_a_recording_callback_delivered_twice_at_once_keeps_one_recording(app, client, live_server):
    replies = _deliver_at_once(live_server, "/voice/recording", _recording_callback(start_call(client)))
    assert [reply.status_code for reply in replies] == [200, 200]
    assert _recordings(app) == 1


def test_status_callbacks_never_reopen_a_completed_call(app, client, started_call):
    signed_post(client, "/voice/status", twilio_params(started_call, CallStatus="completed", CallDuration="30"))
    completed = find_call(app, started_call)
    for late in ("in-progress", "ringing", "completed"):
        signed_post(client, "/voice/status", twilio_params(started_call, CallStatus=late, CallDuration="99"))
    signed_post(client, "/voice/step?s=1", twilio_params(started_call, Digits="2", CallStatus="in-progress"))
    call = find_call(app, started_call)
    assert call.status.value == "completed"
    assert (call.ended_at, call.duration_seconds) == (completed.ended_at, 30)
