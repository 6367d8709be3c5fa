"""Call-backs: asked for in the wait loop, rung when an operator takes the caller, deleted when done or expired.

The number is kept only encrypted (``vault``), opened only to ring the caller, and deleted as soon as
the call-back is answered, or after ``CALLBACK_HOURS`` or ``ATTEMPTS`` unanswered tries.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import select

from app.audit import services as audit
from app.db import db, utcnow
from app.queue import services as queue
from app.queue.models import EntryState, QueueEntry

from . import vault
from .models import CallbackRequest, CallbackState

ATTEMPTS = 3  # unanswered call-backs before the request expires


class Asked(StrEnum):
    """What became of a caller's request to be called back (the prompt they hear has the same name)."""

    CONFIRMED = "callback_confirmed"  # their number is kept (encrypted); they keep their place and hang up
    EXISTS = "callback_exists"  # they already have a pending call-back
    UNAVAILABLE = "callback_unavailable"  # withheld number: nothing to call back


def request(entry: QueueEntry, number: str | None) -> Asked:
    """A waiting caller asks to be called back at ``number``: one pending request per caller. Commits."""
    if entry.caller_hash is None or not number:
        return Asked.UNAVAILABLE
    existing = db.session.scalar(select(CallbackRequest).where(
        CallbackRequest.caller_hash == entry.caller_hash, CallbackRequest.state == CallbackState.PENDING))
    if existing is not None and existing.entry_id != entry.id:
        return Asked.EXISTS
    db.session.add(CallbackRequest(
        entry_id=entry.id, caller_hash=entry.caller_hash, number_ciphertext=vault.seal(number),
        expires_at=utcnow() + timedelta(hours=current_app.config["CALLBACK_HOURS"]),
    ))
    entry.state = EntryState.CALLBACK  # keeps enqueued_at: the same place in line
    audit.record("callback.request", actor_label="caller", target_type="queue_entry", target_id=entry.id)
    db.session.commit()
    return Asked.CONFIRMED


def pending(entry_id: int) -> CallbackRequest | None:
    """The entry's call-back still to be done (waiting, or ringing now)."""
    return db.session.scalar(select(CallbackRequest).where(
        CallbackRequest.entry_id == entry_id,
        CallbackRequest.state.in_([CallbackState.PENDING, CallbackState.CALLING])))


def ring(callback: CallbackRequest) -> str:
    """An operator took the caller: the call-back is ringing; returns the number, for Twilio alone. Commits.

    ValueError if the number cannot be decrypted (CALLBACK_KEY changed).
    """
    callback.state, callback.attempts = CallbackState.CALLING, callback.attempts + 1
    db.session.commit()
    return vault.open_sealed(callback.number_ciphertext)


def answered(entry_id: int) -> None:
    """The caller picked up the call-back: it is done, and the number is deleted at once. Commits."""
    callback = pending(entry_id)
    if callback is None:
        return
    callback.state, callback.closed_at, callback.number_ciphertext = CallbackState.DONE, utcnow(), None
    audit.record("callback.done", actor_label="twilio", target_type="queue_entry", target_id=entry_id)
    db.session.commit()


def expire_due() -> int:
    """Delete the numbers of call-backs past their time; returns how many expired."""
    stale = db.session.scalars(select(CallbackRequest).where(
        CallbackRequest.state == CallbackState.PENDING, CallbackRequest.expires_at < utcnow())).all()
    for callback in stale:
        expire(callback)
    return len(stale)


def expire(callback: CallbackRequest) -> None:
    """Give up on a call-back: the number is deleted and the caller leaves the line. Commits."""
    callback.state, callback.closed_at, callback.number_ciphertext = CallbackState.EXPIRED, utcnow(), None
    entry = callback.entry
    if entry.state.in_line or entry.state is EntryState.ASSIGNED:
        queue.end(entry, EntryState.ABANDONED)
        entry.operator_id = None
    audit.record("callback.expired", actor_label="system", target_type="queue_entry", target_id=entry.id)
    db.session.commit()
