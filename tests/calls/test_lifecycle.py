"""A call's status follows Twilio's callbacks forwards only, and stale calls are closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.calls.models import Call
from app.calls.services import close_stale_calls
from app.db import utcnow
from tests.telephony.helpers import find_call, signed_post, start_call, twilio_params


def status(client, call_sid: str, value: str, **extra: str) -> None:
    response = signed_post(client, "/voice/status", twilio_params(call_sid, CallStatus=value, **extra))
    assert response.status_code == 200


def test_ringing_then_in_progress_then_completed(app, client):
    call_sid = start_call(client)
    assert find_call(app, call_sid).status.value == "ringing"
    status(client, call_sid, "in-progress")
    answered = find_call(app, call_sid)
    assert (answered.status.value, answered.ended_at, answered.duration_seconds) == ("in-progress", None, None)
    before = utcnow()
    status(client, call_sid, "completed", CallDuration="73")
    ended = find_call(app, call_sid)
    assert ended.status.value == "completed"
    assert ended.duration_seconds == 73
    assert before <= ended.ended_at <= utcnow()


def test_a_late_ringing_after_completed_changes_nothing(app, client):
    call_sid = start_call(client)
    status(client, call_sid, "completed", CallDuration="12")
    completed = find_call(app, call_sid)
    status(client, call_sid, "ringing")
    status(client, call_sid, "in-progress", CallDuration="40")
    status(client, call_sid, "busy")
    late = find_call(app, call_sid)
    assert (late.status, late.ended_at, late.duration_seconds, late.updated_at) == (
        completed.status, completed.ended_at, 12, completed.updated_at)


def test_an_unanswered_call_ends_canceled(app, client):
    call_sid = start_call(client)
    status(client, call_sid, "canceled")
    assert find_call(app, call_sid).status.value == "canceled"
    assert find_call(app, call_sid).ended_at is not None


def test_a_status_for_an_unknown_call_is_ignored(app, client):
    status(client, "CA" + "f" * 32, "completed")
    assert find_call(app, "CA" + "f" * 32) is None


@pytest.fixture
def calls_of_various_ages(db_session):
    """Open and finished calls, created some hours ago; returns {name: call_sid}."""
    now = utcnow()
    made = {}
    for name, hours, status_value in [("open, 5 h", 5, "in-progress"), ("ringing, 4 h 1 min", 4 + 1 / 60, "ringing"),
                                      ("open, 3 h 59 min", 4 - 1 / 60, "in-progress"), ("finished, 6 h", 6, "busy"),
                                      ("completed, 5 h", 5, "completed")]:
        call = Call(call_sid="CA" + name.replace(" ", "").replace(",", ""), flow_id="helpline-111", ivr_state={},
                    created_at=now - timedelta(hours=hours), status=status_value)
        if status_value in ("busy", "completed"):
            call.ended_at = now - timedelta(hours=hours - 1)
        db_session.add(call)
        made[name] = call.call_sid
    db_session.commit()
    return made


def test_close_stale_calls_closes_only_open_calls_older_than_four_hours(app, db_session, calls_of_various_ages):
    before = {name: find_call(app, sid) for name, sid in calls_of_various_ages.items()}
    assert close_stale_calls() == 2
    db_session.expire_all()
    after = {name: find_call(app, sid) for name, sid in calls_of_various_ages.items()}
    for name in ("open, 5 h", "ringing, 4 h 1 min"):
        assert after[name].status.value == "completed"
        assert after[name].ended_at is not None
    for name in ("open, 3 h 59 min", "finished, 6 h", "completed, 5 h"):
        assert (after[name].status, after[name].ended_at) == (before[name].status, before[name].ended_at)
    assert close_stale_calls() == 0  # nothing left to close
