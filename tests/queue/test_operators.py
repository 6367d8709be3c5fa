"""Operators: availability (timestamped, audited), where Twilio reaches them, and a caller's earlier contacts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.calls.models import Call
from app.db import utcnow
from app.queue import services as line
from app.queue.models import Availability, OperatorStatus

from .helpers import add_operators


def availability_events(db_session) -> list[AuditEvent]:
    return list(db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "operator.availability").order_by(AuditEvent.id)))


@pytest.fixture
def operator(db_session) -> int:
    return add_operators(1)[0]


# --- availability ----------------------------------------------------------------------------------


def test_a_new_operator_is_away(db_session, operator):
    status = line.operator_status(operator)
    assert status.availability is Availability.AWAY
    assert status.endpoint is None
    assert line.operators_available() == 0


def test_availability_changes_are_timestamped_and_audited(db_session, operator):
    before = utcnow()
    status = line.set_availability(operator, Availability.AVAILABLE, by="amina")
    assert status.availability is Availability.AVAILABLE
    assert before <= status.since <= utcnow()
    available_since = status.since
    assert line.set_availability(operator, Availability.BUSY, by="bridge").since >= available_since
    events = availability_events(db_session)
    assert [(e.actor_label, e.target_type, e.target_id, e.details) for e in events] == [
        ("amina", "user", str(operator), {"availability": "available", "before": "away"}),
        ("bridge", "user", str(operator), {"availability": "busy", "before": "available"}),
    ]
    assert all(abs((e.at - before).total_seconds()) < 60 for e in events)


def test_setting_the_same_availability_again_is_no_change(db_session, operator):
    first = line.set_availability(operator, Availability.AVAILABLE).since
    again = line.set_availability(operator, Availability.AVAILABLE)
    assert again.since == first
    assert len(availability_events(db_session)) == 1


def test_the_actor_defaults_to_the_operator(db_session, operator):
    line.set_availability(operator, Availability.WRAP_UP)
    assert availability_events(db_session)[0].actor_label == f"user:{operator}"


def test_operators_available_counts_only_available_ones(db_session):
    ids = add_operators(4)
    for user_id, availability in zip(ids, [Availability.AVAILABLE, Availability.AVAILABLE, Availability.BUSY,
                                           Availability.WRAP_UP], strict=True):
        line.set_availability(user_id, availability)
    assert line.operators_available() == 2
    line.set_availability(ids[0], Availability.AWAY)
    assert line.operators_available() == 1


# --- endpoints -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "stored"), [
    ("+77011234567", "+77011234567"),
    ("  +77011234567\n", "+77011234567"),
    ("+4915112345678", "+4915112345678"),
    ("+1234567", "+1234567"),  # the shortest accepted: 7 digits
    ("+123456789012345", "+123456789012345"),  # E.164's longest: 15 digits
    ("client:amina", "client:amina"),
    ("client:op_7.desk-2@111", "client:op_7.desk-2@111"),
    ("client:" + "a" * 100, "client:" + "a" * 100),
])
def test_an_operator_is_reached_at_a_phone_number_or_a_client_identity(db_session, operator, given, stored):
    assert line.set_endpoint(operator, given).endpoint == stored
    assert db_session.get(OperatorStatus, operator).endpoint == stored


@pytest.mark.parametrize("given", [
    "", "   ", "87011234567", "77011234567", "+07011234567", "+7 701 123 45 67", "+7-701-123-45-67",
    "+123456", "+1234567890123456", "client:", "client:has space", "client:" + "a" * 101, "client:a/b",
    "sip:op@pbx.example.org", "tel:+77011234567", "+77011234567;ext=1",
    "+7٠١٢٣٤٥٦٧٨",  # Arabic-Indic digits after the 7: \d matches them, Twilio does not
    "client:Әйгерім",  # Twilio Client identities are ASCII
])
def test_anything_else_is_refused_and_the_old_endpoint_kept(db_session, operator, given):
    line.set_endpoint(operator, "client:amina")
    with pytest.raises(ValueError, match=r"\+<country><number> or client:<identity>"):
        line.set_endpoint(operator, given)
    db_session.rollback()
    assert db_session.get(OperatorStatus, operator).endpoint == "client:amina"


def test_setting_an_endpoint_does_not_change_availability(db_session, operator):
    line.set_availability(operator, Availability.AVAILABLE)
    assert line.set_endpoint(operator, "+77011234567").availability is Availability.AVAILABLE


# --- earlier contacts ------------------------------------------------------------------------------


def calls_of(app, results) -> list[Call]:
    with app.app_context():
        from app.db import db

        rows = [db.session.scalar(select(Call).where(Call.call_sid == r.call_sid)) for r in results]
        db.session.expunge_all()
    return rows


def test_earlier_contacts_count_the_same_caller_by_hash(app, call):
    mine = "+77015550101"
    results = [call("2 3", from_number=mine), call("1 1", from_number="+77015550202"),
               call("2 4", from_number=mine), call("2 0", from_number=mine)]
    rows = calls_of(app, results)
    assert rows[0].caller_hash == rows[2].caller_hash == rows[3].caller_hash != rows[1].caller_hash
    with app.app_context():
        assert [line.earlier_contacts(r.caller_hash, r.id) for r in rows] == [0, 0, 1, 2]
        assert line.earlier_contacts(rows[3].caller_hash, rows[3].id + 1000) == 3  # not limited to queued calls


@pytest.mark.parametrize("withheld", ["anonymous", "+266696687", "Restricted", ""])
def test_anonymous_callers_have_no_earlier_contacts(app, call, withheld):
    results = [call("2 3", from_number=withheld) for _ in range(3)]
    rows = calls_of(app, results)
    assert all(r.caller_hash is None for r in rows)
    with app.app_context():
        assert [line.earlier_contacts(r.caller_hash, r.id) for r in rows] == [0, 0, 0]
        entry = line.entry_for_call(rows[-1].call_sid)
        assert entry.caller_hash is None


def test_the_queue_entry_carries_the_callers_hash_never_the_number(app, call):
    result = call("2 3", from_number="+77015550101")
    with app.app_context():
        entry = line.entry_for_call(result.call_sid)
        assert entry.caller_hash == calls_of(app, [result])[0].caller_hash
        assert "7015550101" not in entry.caller_hash
