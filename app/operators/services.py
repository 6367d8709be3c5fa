"""Operator presence: availability (timestamped, audited), where Twilio reaches the operator, what they hold.

Capacity: an operator holds at most one call and, besides it, up to ``CHATS_PER_OPERATOR`` chats. They
hold a contact from taking it until its case is closed, as long as the contact is still theirs (a caller
who went back to the line after a failed bridge is not).
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.cases.models import Case
from app.core import queue as rules
from app.core.vocab import Channel
from app.db import db, utcnow
from app.queue.models import QueueEntry

from .models import Availability, OperatorStatus


def status(user_id: int) -> OperatorStatus:
    """An operator's status row (created as 'away' on first use)."""
    found = db.session.get(OperatorStatus, user_id)
    if found is None:
        found = OperatorStatus(user_id=user_id, availability=Availability.AWAY)
        db.session.add(found)
        db.session.flush()
    return found


def set_availability(user_id: int, availability: Availability, *, by: str | None = None) -> OperatorStatus:
    """Change an operator's availability (timestamped and audited)."""
    current = status(user_id)
    if current.availability is not availability:
        audit.record("operator.availability", actor_label=by or f"user:{user_id}", target_type="user",
                     target_id=user_id, availability=availability.value, before=current.availability.value)
        current.availability, current.since = availability, utcnow()
    db.session.commit()
    return current


class NoEndpoint(ValueError):
    """An operator without an endpoint chose 'available': Twilio would have nowhere to ring them."""


def choose_availability(user_id: int, availability: Availability) -> OperatorStatus:
    """The operator's own choice on the console: 'available' only with an endpoint (:class:`NoEndpoint`)."""
    current = status(user_id)
    if availability is Availability.AVAILABLE and not current.endpoint:
        raise NoEndpoint("set an endpoint before becoming available")
    current.console_seen_at = utcnow()  # chosen on the console: it is open now, even before its stream starts
    return set_availability(user_id, availability)


def console_seen(user_id: int) -> None:
    """A console page's live stream is open for the operator now (see :func:`away_without_console`)."""
    status(user_id).console_seen_at = utcnow()
    db.session.commit()


def away_without_console() -> list[int]:
    """Set away every available operator with no console open for ``CONSOLE_AWAY_SECONDS``; returns their ids.

    A closed tab, a crashed browser or an expired sign-in stops the console's stream, and contacts must not
    wait for someone who is not there.
    """
    limit = utcnow() - timedelta(seconds=current_app.config["CONSOLE_AWAY_SECONDS"])
    gone = list(db.session.scalars(select(OperatorStatus.user_id).where(
        OperatorStatus.availability == Availability.AVAILABLE,
        or_(OperatorStatus.console_seen_at.is_(None), OperatorStatus.console_seen_at < limit))))
    for user_id in gone:
        set_availability(user_id, Availability.AWAY, by="console-closed")
    return gone


def set_endpoint(user_id: int, endpoint: str) -> OperatorStatus:
    """Where Twilio dials the operator: +E.164 phone number or ``client:identity``."""
    endpoint = endpoint.strip()
    # ASCII: in a str pattern \d and \w also match other scripts' digits and letters, which Twilio refuses.
    if not (re.fullmatch(r"\+[1-9]\d{6,14}", endpoint, re.ASCII)
            or re.fullmatch(r"client:[\w.@-]{1,100}", endpoint, re.ASCII)):
        raise ValueError("an operator is reached at +<country><number> or client:<identity>")
    current = status(user_id)
    current.endpoint = endpoint
    db.session.commit()
    return current


def count_available() -> int:
    return db.session.scalar(
        select(func.count()).select_from(OperatorStatus).where(OperatorStatus.availability == Availability.AVAILABLE)
    ) or 0


# --- capacity ------------------------------------------------------------------------------------


def _held(user_id: int, *columns):
    """The contacts the operator holds: taken, still theirs, their case not closed."""
    return (select(*columns).select_from(QueueEntry).join(Case, Case.queue_entry_id == QueueEntry.id)
            .where(QueueEntry.operator_id == user_id, Case.operator_id == user_id, Case.closed_at.is_(None)))


def load(user_id: int) -> rules.Load:
    """How many contacts the operator holds now, by channel."""
    held = dict(db.session.execute(
        _held(user_id, QueueEntry.channel, func.count()).group_by(QueueEntry.channel)).all())
    return rules.Load(calls=held.get(Channel.PHONE, 0), chats=held.get(Channel.WEB, 0))


def held_case(user_id: int, channel: Channel) -> int | None:
    """The newest case of a contact of ``channel`` the operator holds (the one to close to take another)."""
    return db.session.scalar(_held(user_id, Case.id).where(QueueEntry.channel == channel)
                             .order_by(Case.opened_at.desc(), Case.id.desc()).limit(1))


def held_chats(user_id: int) -> list[tuple[int, int]]:
    """The chats the operator holds, oldest first, as (case id, conversation id): the console's chat tabs."""
    rows = db.session.execute(_held(user_id, Case.id, QueueEntry.conversation_id)
                              .where(QueueEntry.channel == Channel.WEB).order_by(Case.opened_at, Case.id))
    return [(case_id, conversation_id) for case_id, conversation_id in rows]


def channels_with_room(user_id: int) -> set[Channel]:
    """The channels the operator may take one more contact of now."""
    held, chats = load(user_id), current_app.config["CHATS_PER_OPERATOR"]
    return {channel for channel in Channel if rules.has_room(channel, held, chats)}


def take_turn(user_id: int) -> OperatorStatus:
    """Hold the operator's status row until the transaction ends: their own takes run one at a time.

    Without it, two takes at once (a double click, two tabs) could both find room for the last chat. The
    UPDATE takes the row's lock on PostgreSQL and the database's write lock on SQLite.
    """
    hold = (update(OperatorStatus).where(OperatorStatus.user_id == user_id).values(since=OperatorStatus.since)
            .execution_options(synchronize_session=False))
    if db.session.execute(hold).rowcount == 0:  # a first take: the new row is held until the commit
        try:
            return status(user_id)
        except IntegrityError:  # another take of theirs created it a moment ago: hold that one
            db.session.rollback()
            db.session.execute(hold)
    return status(user_id)
