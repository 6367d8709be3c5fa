"""The queue: entering it, where a caller stands and how long they will wait, picking callers atomically.

Picking is one conditional UPDATE (``… WHERE state = 'waiting'``), see ``pick``: two operators can never
get the same caller.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from app.audit import services as audit
from app.calls.models import Call
from app.cases.models import Case
from app.core import queue as rules
from app.core.flow import Flow
from app.core.ivr import Speak
from app.core.ports import GatewayError, TelephonyGateway
from app.core.vocab import Priority
from app.db import db, utcnow

from . import vault
from .models import Availability, CallbackRequest, CallbackState, EntryState, OperatorStatus, QueueEntry

log = logging.getLogger(__name__)

RECENT_CALLS = 20  # handling times the wait estimate averages


class PickError(RuntimeError):
    """The caller was taken by someone else, left the line, or nobody is waiting."""


def enter(call: Call, priority: Priority, category: str) -> QueueEntry:
    """Put a call in line (once: a repeated <Enqueue> keeps the original place)."""
    entry = db.session.scalar(select(QueueEntry).where(QueueEntry.call_id == call.id))
    if entry is None:
        entry = QueueEntry(call_id=call.id, priority=priority, priority_rank=priority.rank, category=category,
                           language=call.language, caller_hash=call.caller_hash)
        db.session.add(entry)
    return entry


def entry(entry_id: int | None) -> QueueEntry | None:
    return db.session.get(QueueEntry, entry_id) if entry_id is not None else None


def entry_for_call(call_sid: str) -> QueueEntry | None:
    return db.session.scalar(select(QueueEntry).join(Call).where(Call.call_sid == call_sid))


def waiting() -> list[QueueEntry]:
    """Everyone in line, in the order they will be answered."""
    return list(db.session.scalars(
        select(QueueEntry).where(QueueEntry.state.in_([EntryState.WAITING, EntryState.CALLBACK]))
        .order_by(QueueEntry.priority_rank, QueueEntry.enqueued_at, QueueEntry.id)
    ))


@dataclass(frozen=True)
class WaitInfo:
    """What a waiting caller is told: place in line and the expected wait."""

    entry: QueueEntry
    position: int
    wait: timedelta

    @property
    def band(self) -> int | None:
        return rules.wait_band(self.wait)


def wait_round(call_sid: str, queue_sid: str | None, operators_on_duty: int) -> WaitInfo | None:
    """One round of the wait loop: remember Twilio's queue, return the caller's place and wait."""
    entry = entry_for_call(call_sid)
    if entry is None or not entry.state.is_waiting:
        return None
    if queue_sid and entry.queue_sid != queue_sid:
        entry.queue_sid = queue_sid
        db.session.commit()
    line = [rules.Waiting(e.id, e.priority, e.enqueued_at) for e in waiting()]
    place = rules.position(line, entry.id) or len(line)
    return WaitInfo(entry, place, rules.estimate_wait(place, recent_handle_times(), operators_on_duty))


@dataclass(frozen=True)
class WaitPlan:
    """One round of the wait loop: what is said, then (every few rounds) the options offered."""

    announcements: tuple[Speak, ...] = ()
    options: Speak | None = None


def wait_plan(call: Call | None, flow: Flow, queue_sid: str | None) -> WaitPlan:
    """Place in line, expected wait and the waiting prompt in the caller's language, then the options.

    The options (call-back, voice message) come every few rounds, and every round once the wait is long.
    Queues whose node has no ``wait_prompt`` (callers who cannot talk freely) hear music only.
    """
    if call is None or not call.language:
        return WaitPlan()
    node = flow.nodes.get(call.ivr_state.get("node"))
    info = wait_round(call.call_sid, queue_sid, max(operators_available(), 1))
    if node is None or not node.wait_prompt or info is None:
        return WaitPlan()
    config = current_app.config
    entry = info.entry
    entry.wait_rounds += 1
    db.session.commit()
    long_wait = wait_seconds(entry) >= config["MAX_WAIT_SECONDS"]
    prompts = (rules.position_prompt(info.position), rules.wait_prompt(info.wait), node.wait_prompt)
    offer = long_wait or entry.wait_rounds % config["QUEUE_OPTIONS_EVERY"] == 0
    options = Speak("queue_long_wait" if long_wait else "queue_options", call.language) if offer else None
    return WaitPlan(tuple(Speak(prompt, call.language) for prompt in prompts), options)


class Choice(StrEnum):
    """What a waiting caller chose with a key, and so what they hear."""

    CALLBACK_CONFIRMED = "callback_confirmed"  # their number is kept (encrypted); they hang up
    CALLBACK_EXISTS = "callback_exists"  # they already have a pending call-back
    CALLBACK_UNAVAILABLE = "callback_unavailable"  # withheld number: nothing to call back
    VOICE_MESSAGE = "voice_message"  # they leave the line to record a message
    KEEP_WAITING = "keep_waiting"  # any other key


def choose(call_sid: str, digits: str, caller_number: str | None) -> tuple[Choice, QueueEntry | None]:
    """A key pressed in the wait loop: 1 call me back, 2 leave a voice message, anything else waits on."""
    entry = entry_for_call(call_sid)
    if entry is None or not entry.state.is_waiting:
        return Choice.KEEP_WAITING, entry
    if digits == "2":
        entry.state, entry.ended_at = EntryState.LEFT, utcnow()
        db.session.commit()
        return Choice.VOICE_MESSAGE, entry
    if digits != "1":
        return Choice.KEEP_WAITING, entry
    if entry.caller_hash is None or not caller_number:
        return Choice.CALLBACK_UNAVAILABLE, entry
    existing = db.session.scalar(select(CallbackRequest).where(
        CallbackRequest.caller_hash == entry.caller_hash, CallbackRequest.state == CallbackState.PENDING))
    if existing is not None and existing.entry_id != entry.id:
        return Choice.CALLBACK_EXISTS, entry
    db.session.add(CallbackRequest(
        entry_id=entry.id, caller_hash=entry.caller_hash, number_ciphertext=vault.seal(caller_number),
        expires_at=utcnow() + timedelta(hours=current_app.config["CALLBACK_HOURS"]),
    ))
    entry.state = EntryState.CALLBACK  # keeps enqueued_at: the same place in line
    audit.record("callback.request", actor_label="caller", target_type="queue_entry", target_id=entry.id)
    db.session.commit()
    return Choice.CALLBACK_CONFIRMED, entry


def pending_callback(entry: QueueEntry) -> CallbackRequest | None:
    return db.session.scalar(select(CallbackRequest).where(
        CallbackRequest.entry_id == entry.id,
        CallbackRequest.state.in_([CallbackState.PENDING, CallbackState.CALLING])))


def line_open() -> bool:
    """Whether operators answer now (OPERATING_HOURS, HOLIDAYS, TIMEZONE)."""
    config = current_app.config
    hours = rules.parse_hours(config["OPERATING_HOURS"], config["HOLIDAYS"])
    return hours.is_open(utcnow().astimezone(ZoneInfo(config["TIMEZONE"])))


def recent_handle_times() -> list[timedelta]:
    """How long the last answered conversations lasted, newest first."""
    rows = db.session.execute(
        select(QueueEntry.answered_at, QueueEntry.ended_at)
        .where(QueueEntry.answered_at.is_not(None), QueueEntry.ended_at.is_not(None))
        .order_by(QueueEntry.ended_at.desc()).limit(RECENT_CALLS)
    ).all()
    return [ended - answered for answered, ended in rows]


def left_queue(call_sid: str, result: str | None) -> QueueEntry | None:
    """Twilio's <Enqueue> action: a hang-up while waiting is recorded as abandoned, with its wait."""
    entry = entry_for_call(call_sid)
    if entry is not None and entry.state.is_waiting and result == "hangup":  # (a call-back keeps its place)
        entry.state = EntryState.ABANDONED
        entry.ended_at = utcnow()
        db.session.commit()
    return entry


def wait_seconds(entry: QueueEntry) -> float:
    end = entry.picked_at or entry.ended_at or utcnow()
    return (end - entry.enqueued_at).total_seconds()


def pick(operator_id: int, entry_id: int | None = None) -> QueueEntry:
    """Give a waiting caller to an operator: a specific one, or the next in line. Atomic.

    "Next" is one statement: ``UPDATE … WHERE id = (SELECT … LIMIT 1 FOR UPDATE SKIP LOCKED) AND state is open``.
    On PostgreSQL operators racing for the head pass over a row another is taking instead of queueing
    behind its lock; SQLite ignores the lock clause and serialises writers. Either way the state condition
    makes a double assignment impossible. A statement that lost its row to a hang-up between the two
    checks claims nothing and is tried again while anyone is still waiting.
    """
    is_open = QueueEntry.state.in_([EntryState.WAITING, EntryState.CALLBACK])
    if entry_id is not None:
        target = entry_id
    else:
        target = (select(QueueEntry.id).where(is_open)
                  .order_by(QueueEntry.priority_rank, QueueEntry.enqueued_at, QueueEntry.id)
                  .limit(1).with_for_update(skip_locked=True).scalar_subquery())
    claim = (update(QueueEntry).where(QueueEntry.id == target, is_open)
             .values(state=EntryState.ASSIGNED, operator_id=operator_id, picked_at=utcnow(), twilio_error=None)
             .returning(QueueEntry.id).execution_options(synchronize_session=False))
    while True:
        taken = db.session.execute(claim).scalar()
        db.session.commit()
        if taken is not None:
            return db.session.get(QueueEntry, taken)  # the commit expired any stale copy: this reads it afresh
        if entry_id is not None:
            raise PickError("this caller is no longer waiting")
        if not db.session.scalar(select(select(QueueEntry.id).where(is_open).exists())):
            raise PickError("nobody is waiting")


def back_to_line(entry: QueueEntry, error: str | None = None) -> None:
    """The bridge failed: the caller waits again at their original place (head of their priority).

    Only while still assigned: a caller who hung up meanwhile (closed by another request, after this copy
    of the entry was read) must stay closed, or the line would keep a ghost at its head.
    """
    back = (update(QueueEntry).where(QueueEntry.id == entry.id, QueueEntry.state == EntryState.ASSIGNED)
            .values(state=EntryState.CALLBACK if pending_callback(entry) else EntryState.WAITING,
                    operator_id=None, picked_at=None, twilio_error=error)
            .execution_options(synchronize_session=False))
    if db.session.execute(back).rowcount == 0:
        entry.twilio_error = error  # still shown on the console
    db.session.commit()


def count_waiting() -> int:
    return db.session.scalar(select(func.count()).where(QueueEntry.state == EntryState.WAITING)) or 0


# --- operators -----------------------------------------------------------------------------------


def operator_status(user_id: int) -> OperatorStatus:
    """An operator's status row (created as 'away' on first use)."""
    status = db.session.get(OperatorStatus, user_id)
    if status is None:
        status = OperatorStatus(user_id=user_id, availability=Availability.AWAY)
        db.session.add(status)
        db.session.flush()
    return status


def set_availability(user_id: int, availability: Availability, *, by: str | None = None) -> OperatorStatus:
    """Change an operator's availability (timestamped and audited)."""
    status = operator_status(user_id)
    if status.availability is not availability:
        audit.record("operator.availability", actor_label=by or f"user:{user_id}", target_type="user",
                     target_id=user_id, availability=availability.value, before=status.availability.value)
        status.availability, status.since = availability, utcnow()
    db.session.commit()
    return status


def set_endpoint(user_id: int, endpoint: str) -> OperatorStatus:
    """Where Twilio dials the operator: +E.164 phone number or ``client:identity``."""
    endpoint = endpoint.strip()
    # ASCII: in a str pattern \d and \w also match other scripts' digits and letters, which Twilio refuses.
    if not (re.fullmatch(r"\+[1-9]\d{6,14}", endpoint, re.ASCII)
            or re.fullmatch(r"client:[\w.@-]{1,100}", endpoint, re.ASCII)):
        raise ValueError("an operator is reached at +<country><number> or client:<identity>")
    status = operator_status(user_id)
    status.endpoint = endpoint
    db.session.commit()
    return status


def operators_available() -> int:
    return db.session.scalar(
        select(func.count()).select_from(OperatorStatus).where(OperatorStatus.availability == Availability.AVAILABLE)
    ) or 0


def earlier_contacts(caller_hash: str | None, before_call_id: int) -> int:
    """How many times this caller reached the line before (by keyed hash; anonymous callers: 0)."""
    if caller_hash is None:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(Call).where(Call.caller_hash == caller_hash, Call.id < before_call_id)
    ) or 0


# --- bridging over Twilio's REST API -------------------------------------------------------------


class BridgeError(RuntimeError):
    """Twilio could not connect the caller and the operator; the caller is waiting again."""


def _public(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


def _gateway() -> TelephonyGateway:
    return current_app.extensions["qorgau.gateway"]


def bridge(entry_id: int) -> QueueEntry:
    """Move a picked caller from the Twilio queue into the entry's conference and ring the operator there.

    Any Twilio error puts the caller back at their place in line, with the error kept for the console.
    """
    entry = db.session.get(QueueEntry, entry_id)
    status = operator_status(entry.operator_id)
    if not status.endpoint:
        back_to_line(entry, "the operator has no phone number or client identity in their profile")
        raise BridgeError(entry.twilio_error)
    gateway, call_sid = _gateway(), entry.call.call_sid
    callback = pending_callback(entry)
    try:
        if callback is not None:  # the caller hung up asking to be called back: ring them
            callback.state, callback.attempts = CallbackState.CALLING, callback.attempts + 1
            db.session.commit()
            gateway.call_out(vault.open_sealed(callback.number_ciphertext), current_app.config["TWILIO_CALLER_ID"],
                             _public(f"/voice/bridge?entry={entry.id}"), _public(f"/voice/callback?entry={entry.id}"),
                             current_app.config["OPERATOR_ANSWER_SECONDS"] * 2)
            audit.record("callback.call", actor_label=f"user:{entry.operator_id}", target_type="queue_entry",
                         target_id=entry.id, attempt=callback.attempts)
        elif entry.queue_sid:
            gateway.redirect_queue_member(entry.queue_sid, call_sid, _public(f"/voice/bridge?entry={entry.id}"))
        else:  # the caller has not reached the wait loop yet: redirecting the call also dequeues it
            gateway.redirect_call(call_sid, _public(f"/voice/bridge?entry={entry.id}"))
    except (GatewayError, ValueError) as error:
        if callback is not None:
            callback.state = CallbackState.PENDING
        back_to_line(entry, str(error))
        raise BridgeError(str(error)) from None
    try:
        gateway.dial_into_conference(entry.conference_name, status.endpoint, current_app.config["TWILIO_CALLER_ID"],
                                     _public(f"/voice/operator?entry={entry.id}&attempt={attempt(entry)}"),
                                     current_app.config["OPERATOR_ANSWER_SECONDS"])
    except GatewayError as error:
        requeue(entry, str(error))
        raise BridgeError(str(error)) from None
    set_availability(entry.operator_id, Availability.BUSY, by="bridge")
    return entry


def requeue(entry: QueueEntry, reason: str) -> None:
    """Send a caller who left the Twilio queue back into it, at their original place."""
    operator_id = entry.operator_id
    back_to_line(entry, reason)
    try:
        _gateway().redirect_call(entry.call.call_sid, _public(f"/voice/requeue?entry={entry.id}"))
    except GatewayError as error:
        log.error("could not send caller of entry %s back to the queue: %s", entry.id, error)
        entry.twilio_error = f"{reason}; and could not requeue: {error}"
        db.session.commit()
    if operator_id is not None:
        set_availability(operator_id, Availability.AWAY, by="no-answer")


_UNANSWERED = {"busy", "no-answer", "failed", "canceled"}


def attempt(entry: QueueEntry) -> str:
    """Names one pick of the caller (who, and when), so news of an earlier operator's leg changes nothing."""
    return f"{entry.operator_id}-{entry.picked_at:%Y%m%d%H%M%S%f}" if entry.picked_at else ""


def operator_leg(entry_id: int, status: str, leg_attempt: str | None = None) -> None:
    """The operator's call progressed: answered -> talking (and recorded); unanswered -> caller requeued.

    ``leg_attempt`` is the ``attempt`` the leg was dialled for; callbacks of an earlier attempt (Twilio
    retries, a slow no-answer) are ignored. None: a leg dialled before callbacks named their attempt.
    """
    entry = db.session.get(QueueEntry, entry_id)
    if entry is None or (leg_attempt is not None and leg_attempt != attempt(entry)):
        return
    if status == "in-progress" and entry.state is EntryState.ASSIGNED:
        entry.state, entry.answered_at = EntryState.CONNECTED, utcnow()
        db.session.commit()
        try:
            _gateway().record_call(entry.call.call_sid, _public("/voice/recording"))
        except GatewayError as error:  # the conversation goes on unrecorded; say so on the console
            entry.twilio_error = f"recording did not start: {error}"
            db.session.commit()
    elif status in _UNANSWERED and entry.state is EntryState.ASSIGNED:
        requeue(entry, f"the operator did not answer ({status})")
    elif status == "completed" and entry.state is EntryState.CONNECTED:
        finish(entry)


def finish(entry: QueueEntry) -> None:
    """The conversation ended: the operator goes to wrap-up until the case is closed (unless it already is)."""
    entry.state, entry.ended_at = EntryState.DONE, utcnow()
    db.session.commit()
    if entry.operator_id is not None:
        closed = db.session.scalar(select(
            select(Case.id).where(Case.queue_entry_id == entry.id, Case.closed_at.is_not(None)).exists()))
        set_availability(entry.operator_id, Availability.AVAILABLE if closed else Availability.WRAP_UP,
                         by="call-ended")


def call_ended(call_sid: str) -> None:
    """The caller's call is over: close whatever the queue still held open for it."""
    entry = entry_for_call(call_sid)
    if entry is None:
        return
    if entry.state is EntryState.CONNECTED:
        finish(entry)
    elif entry.state is EntryState.WAITING or (entry.state is EntryState.ASSIGNED and not pending_callback(entry)):
        entry.state, entry.ended_at = EntryState.ABANDONED, utcnow()
        db.session.commit()


# --- call-backs ----------------------------------------------------------------------------------

CALLBACK_ATTEMPTS = 3  # unanswered call-backs before the request expires


def callback_answered(entry: QueueEntry) -> None:
    """The caller picked up the call-back: it is done, and the number is deleted at once."""
    callback = pending_callback(entry)
    if callback is None:
        return
    callback.state, callback.closed_at, callback.number_ciphertext = CallbackState.DONE, utcnow(), None
    audit.record("callback.done", actor_label="twilio", target_type="queue_entry", target_id=entry.id)
    db.session.commit()


def callback_progress(entry_id: int, status: str) -> None:
    """The call-back's own call progressed; unanswered ones go back in line, expiring after a few tries."""
    entry = db.session.get(QueueEntry, entry_id)
    callback = pending_callback(entry) if entry is not None else None
    if callback is None or status not in _UNANSWERED:
        return
    if callback.attempts >= CALLBACK_ATTEMPTS:
        _expire(callback)
    else:
        callback.state = CallbackState.PENDING
        back_to_line(entry, f"the caller did not answer the call-back ({status})")
    if entry.operator_id is not None:
        set_availability(entry.operator_id, Availability.AVAILABLE, by="callback-unanswered")


def expire_callbacks() -> int:
    """Delete the numbers of call-backs past their time; returns how many expired."""
    stale = db.session.scalars(select(CallbackRequest).where(
        CallbackRequest.state == CallbackState.PENDING, CallbackRequest.expires_at < utcnow())).all()
    for callback in stale:
        _expire(callback)
    return len(stale)


def _expire(callback: CallbackRequest) -> None:
    callback.state, callback.closed_at, callback.number_ciphertext = CallbackState.EXPIRED, utcnow(), None
    entry = callback.entry
    if entry.state.in_line or entry.state is EntryState.ASSIGNED:
        entry.state, entry.ended_at, entry.operator_id = EntryState.ABANDONED, utcnow(), None
    audit.record("callback.expired", actor_label="system", target_type="queue_entry", target_id=entry.id)
    db.session.commit()
