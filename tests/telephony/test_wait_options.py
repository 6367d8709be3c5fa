"""The wait loop's options and operating hours, as a caller meets them through the simulator."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.callbacks.models import CallbackRequest, CallbackState
from app.db import db
from app.queue.models import EntryState, QueueEntry
from app.recordings.models import Recording
from app.simulator.engine import AppTransport, ScriptedCaller
from tests.conftest import make_simulator

NUMBER = "+77015550101"


def entry_of(result) -> QueueEntry:
    from app.calls.models import Call

    return db.session.scalar(select(QueueEntry).join(Call).where(Call.call_sid == result.call_sid))


def test_pressing_1_while_waiting_keeps_the_place_and_only_an_encrypted_number(app, call, db_session):
    result = call("2 1 1", from_number=NUMBER)  # Russian, child, then "call me back" at the options
    assert result.problems == []
    assert result.queue_result == "leave" and result.ended_by == "hangup"
    assert any("Специалист перезвонит вам" in line for line in result.heard)
    entry = entry_of(result)
    assert entry.state is EntryState.CALLBACK
    request = db_session.scalar(select(CallbackRequest).where(CallbackRequest.entry_id == entry.id))
    assert request.state is CallbackState.PENDING
    assert NUMBER not in request.number_ciphertext and "7015550101" not in request.number_ciphertext
    from app.callbacks import vault

    assert vault.open_sealed(request.number_ciphertext) == NUMBER


def test_one_pending_callback_per_caller(app, call, db_session):
    call("2 1 1", from_number=NUMBER)
    second = call("2 1 1", from_number=NUMBER)
    assert any("уже принята" in line for line in second.heard)
    assert db_session.scalar(select(db.func.count()).select_from(CallbackRequest)) == 1


def test_a_withheld_number_cannot_ask_for_a_callback(app, call, db_session):
    result = call("2 1 1", from_number="anonymous")
    assert any("номер скрыт" in line for line in result.heard)
    assert db_session.scalar(select(db.func.count()).select_from(CallbackRequest)) == 0


def test_pressing_2_while_waiting_leads_to_a_voice_message(app, call, db_session):
    result = call("2 1 2 talk", from_number=NUMBER)
    assert result.problems == []
    assert result.queue_result == "leave"
    assert len(result.recordings) == 1
    assert entry_of(result).state is EntryState.MESSAGE  # left the line, and the message waits in the inbox
    assert db_session.scalar(select(Recording).where(Recording.recording_sid == result.recordings[0])) is not None


def test_outside_operating_hours_callers_hear_so_and_can_leave_a_message(make_app):
    today = datetime.now(ZoneInfo("Asia/Almaty")).date().isoformat()
    app = make_app(HOLIDAYS=today)
    simulator = make_simulator(AppTransport(app))
    result = simulator.call(ScriptedCaller(["1", "1", "talk"]))  # Kazakh, child: the line is closed today
    assert result.problems == []
    assert result.queue_result is None  # never queued
    assert any("/audio/prompts/kk/closed_hours.wav" in line for line in result.heard)
    assert len(result.recordings) == 1
