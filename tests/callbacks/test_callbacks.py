"""Call-backs: asked for once per caller, rung when an operator takes the caller, the number deleted when done.

Unanswered call-backs go back in line, and expire (number deleted, caller out of the line) after
``ATTEMPTS`` tries or ``CALLBACK_HOURS``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.callbacks import services as callbacks
from app.callbacks import vault
from app.callbacks.models import CallbackState
from app.core.vocab import Priority
from app.db import utcnow
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as line
from app.queue.models import EntryState
from app.voice import services as voice
from tests.queue.helpers import add_caller, add_operators
from tests.voice.helpers import BASE, FakeGateway

NUMBER = "+77015550101"


@pytest.fixture
def gateway(app) -> FakeGateway:
    fake = app.extensions["qorgau.gateway"] = FakeGateway()
    return fake


@pytest.fixture
def operator(db_session) -> int:
    operator = add_operators(1)[0]
    operators.set_endpoint(operator, "+77011234567")
    return operator


def asked(caller_hash: str = "a" * 64):
    """A caller in line who asked to be called back; their entry."""
    entry = add_caller(Priority.CHILD, caller_hash=caller_hash, ago=60)
    assert callbacks.request(entry, NUMBER) is callbacks.Asked.CONFIRMED
    return entry


def test_asking_keeps_the_place_and_only_the_encrypted_number(db_session):
    ahead, entry = add_caller(Priority.CHILD, ago=120), asked()
    request = callbacks.pending(entry.id)
    assert entry.state is EntryState.CALLBACK and [e.id for e in line.waiting()] == [ahead.id, entry.id]
    assert NUMBER not in request.number_ciphertext and vault.open_sealed(request.number_ciphertext) == NUMBER
    assert request.expires_at == pytest.approx(utcnow() + timedelta(hours=24), abs=timedelta(minutes=1))


def test_one_pending_call_back_per_caller_and_none_without_a_number(db_session):
    asked("b" * 64)
    again = add_caller(Priority.CHILD, caller_hash="b" * 64)
    assert callbacks.request(again, "+77015550101") is callbacks.Asked.EXISTS
    assert callbacks.request(add_caller(Priority.CHILD), NUMBER) is callbacks.Asked.UNAVAILABLE  # withheld
    assert callbacks.request(add_caller(Priority.CHILD, caller_hash="c" * 64), None) is callbacks.Asked.UNAVAILABLE


def test_taking_the_caller_rings_them_back_and_answering_deletes_the_number(db_session, gateway, operator):
    entry = line.pick(operator, asked().id)
    voice.bridge(entry.id)
    assert gateway.requests[0] == ("call_out", NUMBER, "+77001110111", f"{BASE}/voice/bridge?entry={entry.id}",
                                   f"{BASE}/voice/callback?entry={entry.id}", 40)
    request = callbacks.pending(entry.id)
    assert (request.state, request.attempts) == (CallbackState.CALLING, 1)
    callbacks.answered(entry.id)
    db_session.refresh(request)
    assert (request.state, request.number_ciphertext) == (CallbackState.DONE, None)
    assert callbacks.pending(entry.id) is None


def test_an_unanswered_call_back_waits_again_then_expires(db_session, gateway, operator):
    entry_id = asked().id
    for attempt in range(1, callbacks.ATTEMPTS + 1):
        voice.bridge(line.pick(operator, entry_id).id)
        voice.callback_progress(entry_id, "no-answer")
        assert operators.status(operator).availability is Availability.AVAILABLE  # free for the next caller
        entry = line.entry(entry_id)
        if attempt < callbacks.ATTEMPTS:
            assert (entry.state, entry.error_key) == (EntryState.CALLBACK, "line_error_callback_no_answer")
            assert callbacks.pending(entry_id).state is CallbackState.PENDING
    assert entry.state is EntryState.ABANDONED and line.waiting() == []
    assert callbacks.pending(entry_id) is None
    assert [r[0] for r in gateway.requests].count("call_out") == callbacks.ATTEMPTS


def test_call_backs_past_their_time_expire_and_lose_the_number(db_session):
    old, fresh = asked("d" * 64), asked("e" * 64)
    callbacks.pending(old.id).expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    assert callbacks.expire_due() == 1
    assert line.entry(old.id).state is EntryState.ABANDONED
    assert callbacks.pending(old.id) is None and callbacks.pending(fresh.id) is not None
    assert callbacks.expire_due() == 0


def test_the_worker_expires_call_backs_every_few_minutes(app):
    assert "expire_callbacks" in app.extensions["qorgau.tasks"]
