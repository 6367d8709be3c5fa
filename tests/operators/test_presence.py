"""Operators' presence: availability (timestamped, audited) and where Twilio reaches them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import utcnow
from app.operators import services as operators
from app.operators.models import Availability, OperatorStatus
from tests.queue.helpers import add_operators


def availability_events(db_session) -> list[AuditEvent]:
    return list(db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "operator.availability").order_by(AuditEvent.id)))


@pytest.fixture
def operator(db_session) -> int:
    return add_operators(1)[0]


# --- availability ----------------------------------------------------------------------------------


def test_a_new_operator_is_away(db_session, operator):
    status = operators.status(operator)
    assert status.availability is Availability.AWAY
    assert status.endpoint is None
    assert operators.count_available() == 0


def test_availability_changes_are_timestamped_and_audited(db_session, operator):
    before = utcnow()
    status = operators.set_availability(operator, Availability.AVAILABLE, by="amina")
    assert status.availability is Availability.AVAILABLE
    assert before <= status.since <= utcnow()
    available_since = status.since
    assert operators.set_availability(operator, Availability.BUSY, by="bridge").since >= available_since
    events = availability_events(db_session)
    assert [(e.actor_label, e.target_type, e.target_id, e.details) for e in events] == [
        ("amina", "user", str(operator), {"availability": "available", "before": "away"}),
        ("bridge", "user", str(operator), {"availability": "busy", "before": "available"}),
    ]
    assert all(abs((e.at - before).total_seconds()) < 60 for e in events)


def test_setting_the_same_availability_again_is_no_change(db_session, operator):
    first = operators.set_availability(operator, Availability.AVAILABLE).since
    again = operators.set_availability(operator, Availability.AVAILABLE)
    assert again.since == first
    assert len(availability_events(db_session)) == 1


def test_the_actor_defaults_to_the_operator(db_session, operator):
    operators.set_availability(operator, Availability.WRAP_UP)
    assert availability_events(db_session)[0].actor_label == f"user:{operator}"


def test_operators_available_counts_only_available_ones(db_session):
    ids = add_operators(4)
    for user_id, availability in zip(ids, [Availability.AVAILABLE, Availability.AVAILABLE, Availability.BUSY,
                                           Availability.WRAP_UP], strict=True):
        operators.set_availability(user_id, availability)
    assert operators.count_available() == 2
    operators.set_availability(ids[0], Availability.AWAY)
    assert operators.count_available() == 1


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
    assert operators.set_endpoint(operator, given).endpoint == stored
    assert db_session.get(OperatorStatus, operator).endpoint == stored


@pytest.mark.parametrize("given", [
    "", "   ", "87011234567", "77011234567", "+07011234567", "+7 701 123 45 67", "+7-701-123-45-67",
    "+123456", "+1234567890123456", "client:", "client:has space", "client:" + "a" * 101, "client:a/b",
    "sip:op@pbx.example.org", "tel:+77011234567", "+77011234567;ext=1",
    "+7٠١٢٣٤٥٦٧٨",  # Arabic-Indic digits after the 7: \d matches them, Twilio does not
    "client:Әйгерім",  # Twilio Client identities are ASCII
])
def test_anything_else_is_refused_and_the_old_endpoint_kept(db_session, operator, given):
    operators.set_endpoint(operator, "client:amina")
    with pytest.raises(ValueError, match=r"\+<country><number> or client:<identity>"):
        operators.set_endpoint(operator, given)
    db_session.rollback()
    assert db_session.get(OperatorStatus, operator).endpoint == "client:amina"


def test_setting_an_endpoint_does_not_change_availability(db_session, operator):
    operators.set_availability(operator, Availability.AVAILABLE)
    assert operators.set_endpoint(operator, "+77011234567").availability is Availability.AVAILABLE


# --- presence: available needs an endpoint; a closed console or a sign-out means away ----------------


def test_an_operator_without_an_endpoint_cannot_choose_available(db_session, operator):
    with pytest.raises(operators.NoEndpoint):
        operators.choose_availability(operator, Availability.AVAILABLE)
    assert operators.status(operator).availability is Availability.AWAY
    operators.choose_availability(operator, Availability.BUSY)  # the others need no endpoint
    operators.set_endpoint(operator, "+77011234567")
    assert operators.choose_availability(operator, Availability.AVAILABLE).availability is Availability.AVAILABLE


def _available(user_id: int, seen_seconds_ago: float | None) -> None:
    operators.set_endpoint(user_id, "client:op")
    operators.set_availability(user_id, Availability.AVAILABLE)
    status = operators.status(user_id)
    status.console_seen_at = None if seen_seconds_ago is None else utcnow() - timedelta(seconds=seen_seconds_ago)
    operators.db.session.commit()


def test_available_operators_whose_console_is_closed_are_set_away(app, db_session):
    limit = app.config["CONSOLE_AWAY_SECONDS"]
    gone, never, here, busy = add_operators(4)
    _available(gone, limit + 5)
    _available(never, None)  # made available by the line (a call-back unanswered), no console since
    _available(here, limit - 10)
    _available(busy, limit + 5)
    operators.set_availability(busy, Availability.BUSY)  # on a call: the call ends it, not the console
    assert sorted(operators.away_without_console()) == sorted([gone, never])
    assert [operators.status(u).availability for u in (gone, never, here, busy)] == [
        Availability.AWAY, Availability.AWAY, Availability.AVAILABLE, Availability.BUSY]
    closed = [e for e in availability_events(db_session) if e.actor_label == "console-closed"]
    assert sorted(int(e.target_id) for e in closed) == sorted([gone, never])
    assert operators.away_without_console() == []


def test_a_console_seen_keeps_its_operator_available(app, db_session, operator):
    _available(operator, app.config["CONSOLE_AWAY_SECONDS"] + 5)
    operators.console_seen(operator)
    assert operators.away_without_console() == []
    assert operators.status(operator).availability is Availability.AVAILABLE


def test_choosing_on_the_console_counts_as_the_console_open(app, db_session, operator):
    operators.set_endpoint(operator, "+77011234567")
    operators.choose_availability(operator, Availability.AVAILABLE)
    assert operators.away_without_console() == []


def test_the_sweep_runs_every_minute_in_the_worker(app):
    task = app.extensions["qorgau.tasks"]["away_without_console"]
    assert task.name == "operators.away_without_console"
