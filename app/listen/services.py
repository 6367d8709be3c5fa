"""Supervisors listening in on live conversations through Twilio's conference participants.

Twilio is the truth about who is in a conference: joining looks the live conference up by its name (the
queue entry's), reads its participants (the operator's call SID is what a coach whispers to) and adds or
changes the supervisor's own participant, labelled ``supervisor-<user id>`` so that it can be changed or
removed by label. What each supervisor is doing is read back from the audit trail — ``call.listen``,
``call.coach`` and ``call.leave`` on the queue entry — which every change writes anyway: no table of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.audit import services as audit
from app.audit.models import AuditEvent
from app.auth.models import User
from app.core.ports import GatewayError, Participant, TelephonyGateway
from app.core.vocab import Channel, Priority
from app.db import db
from app.operators import services as operators
from app.operators.models import OperatorStatus
from app.queue import services as queue
from app.queue.models import EntryState, QueueEntry
from app.voice import services as voice

LABEL_PREFIX = "supervisor-"  # the label of a supervisor's participant: never mistaken for the operator's leg
ACTIONS = ("call.listen", "call.coach", "call.leave")
_ENDED = {"completed", "busy", "no-answer", "failed", "canceled"}  # the supervisor's leg is over


class Mode(StrEnum):
    """How a supervisor is in a conversation."""

    LISTEN = "listen"  # muted: hears caller and operator, heard by no one
    COACH = "coach"  # whispers: hears both, heard by the operator alone

    @property
    def action(self) -> str:
        return f"call.{self.value}"


class ListenError(RuntimeError):
    """Listening in did not happen (or leaving failed); ``key`` names the text shown to the supervisor."""

    def __init__(self, key: str, **values):
        super().__init__(f"{key} {values}" if values else key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class LiveCall:
    """A conversation in progress as a supervisor sees it: never the caller's number or hash."""

    entry_id: int
    operator: str | None  # the operator's username
    language: str | None
    category: str
    priority: Priority
    answered_at: datetime  # talk time counts up from here
    mode: Mode | None  # how this supervisor is in it, if at all


def label(supervisor_id: int) -> str:
    return f"{LABEL_PREFIX}{supervisor_id}"


def _gateway() -> TelephonyGateway:
    return current_app.extensions["qorgau.gateway"]


def endpoint(user_id: int) -> str | None:
    """Where Twilio rings this person (kept like an operator's), without creating a status row."""
    status = db.session.get(OperatorStatus, user_id)
    return status.endpoint if status is not None else None


def set_endpoint(user_id: int, value: str) -> str:
    """Keep the supervisor's phone number or client identity; ValueError if Twilio could not dial it."""
    return operators.set_endpoint(user_id, value).endpoint


def live_calls(supervisor_id: int) -> list[LiveCall]:
    """Conversations in progress (caller and operator talking), longest first."""
    entries = db.session.scalars(
        select(QueueEntry).where(QueueEntry.state == EntryState.CONNECTED, QueueEntry.channel == Channel.PHONE)
        .order_by(QueueEntry.answered_at, QueueEntry.id)).all()
    modes = current_modes(supervisor_id, [entry.id for entry in entries])
    names = dict(db.session.execute(
        select(User.id, User.username).where(User.id.in_({e.operator_id for e in entries if e.operator_id}))).all())
    return [LiveCall(entry.id, names.get(entry.operator_id), entry.language, entry.category, entry.priority,
                     entry.answered_at or entry.picked_at or entry.enqueued_at, modes.get(entry.id))
            for entry in entries]


def current_modes(supervisor_id: int, entry_ids: list[int]) -> dict[int, Mode]:
    """Entry id -> how the supervisor is in it now: the last of their listen/coach/leave events on it."""
    if not entry_ids:
        return {}
    events = db.session.execute(
        select(AuditEvent.target_id, AuditEvent.action).where(
            AuditEvent.actor_id == supervisor_id, AuditEvent.action.in_(ACTIONS),
            AuditEvent.target_type == "queue_entry", AuditEvent.target_id.in_([str(i) for i in entry_ids]))
        .order_by(AuditEvent.id)).all()
    last = {int(target): action for target, action in events}
    return {entry_id: Mode(action.removeprefix("call.")) for entry_id, action in last.items() if action != "call.leave"}


def _last_join(supervisor_id: int, entry_id: int) -> AuditEvent | None:
    """The supervisor's last listen/coach event on the entry, unless they left since."""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.actor_id == supervisor_id, AuditEvent.action.in_(ACTIONS),
                                 AuditEvent.target_type == "queue_entry", AuditEvent.target_id == str(entry_id))
        .order_by(AuditEvent.id.desc()).limit(1))
    return event if event is not None and event.action != "call.leave" else None


def _operator_leg(participants: list[Participant], caller_sid: str) -> str | None:
    """The operator's call in the conference: neither the caller nor a supervisor."""
    for participant in participants:
        if participant.call_sid != caller_sid and not (participant.label or "").startswith(LABEL_PREFIX):
            return participant.call_sid
    return None


def join(supervisor: User, entry_id: int, mode: Mode) -> str:
    """Put the supervisor into a live conversation, listening or coaching; switches mode if already in.

    Audited (``call.listen`` / ``call.coach``). Nothing is left half-done: a Twilio refusal changes nothing
    here, and a supervisor who is in the call but could not be audited is taken out again. Returns the
    supervisor's call SID.
    """
    entry = queue.entry(entry_id)
    if entry is None or entry.state is not EntryState.CONNECTED or entry.call_id is None:
        raise ListenError("listen_error_not_live")
    to = endpoint(supervisor.id)
    if not to:
        raise ListenError("listen_error_no_endpoint")
    gateway, config = _gateway(), current_app.config
    try:
        conference_sid = gateway.find_conference(voice.conference_name(entry.id))
        if conference_sid is None:
            raise ListenError("listen_error_not_live")
        participants = gateway.conference_participants(conference_sid)
        coach = _operator_leg(participants, voice.call_of(entry).call_sid) if mode is Mode.COACH else None
        if mode is Mode.COACH and coach is None:
            raise ListenError("listen_error_no_operator")
        mine = next((p for p in participants if p.label == label(supervisor.id)), None)
        if mine is not None:
            before = Mode.COACH if mine.coaching else Mode.LISTEN
            gateway.update_participant(conference_sid, mine.call_sid, muted=mode is Mode.LISTEN, coach=coach)
            call_sid = mine.call_sid
        else:
            before = None
            callback = f"{config['PUBLIC_BASE_URL']}/voice/listen/status?entry={entry.id}&supervisor={supervisor.id}"
            call_sid = gateway.add_participant(conference_sid, to, config["TWILIO_CALLER_ID"],
                                               label=label(supervisor.id), muted=mode is Mode.LISTEN, coach=coach,
                                               status_callback=callback, timeout=config["OPERATOR_ANSWER_SECONDS"])
    except GatewayError as error:
        raise ListenError("listen_error_twilio", error=str(error)) from None
    audit.record(mode.action, actor=supervisor, target_type="queue_entry", target_id=entry.id, mode=mode.value,
                 conference=voice.conference_name(entry.id), conference_sid=conference_sid, call_sid=call_sid,
                 coached_call_sid=coach, before=before.value if before else None, endpoint=to)
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        if before is None:  # never in a conversation unaudited
            gateway.remove_participant(conference_sid, call_sid)
        raise
    return call_sid


def leave(supervisor: User, entry_id: int) -> None:
    """Take the supervisor out of the conversation (their call is hung up); audited as ``call.leave``.

    The leave is committed before Twilio is asked: removing her sets off her call's own "completed"
    callback, which must find her gone (else it would record a second leave, as if she had hung up). If
    Twilio then refuses, she is still in the call, and the trail says so again with the error.
    """
    entry = queue.entry(entry_id)
    if entry is None:
        raise ListenError("listen_error_not_live")
    gateway = _gateway()
    try:
        conference_sid = gateway.find_conference(voice.conference_name(entry.id))
    except GatewayError as error:
        raise ListenError("listen_error_twilio", error=str(error)) from None
    joined = _last_join(supervisor.id, entry.id)
    audit.record("call.leave", actor=supervisor, target_type="queue_entry", target_id=entry.id, via="web",
                 conference=voice.conference_name(entry.id), conference_sid=conference_sid)
    db.session.commit()
    if conference_sid is None:  # the conversation ended and took everyone with it
        return
    try:
        gateway.remove_participant(conference_sid, label(supervisor.id))
    except GatewayError as error:
        if joined is not None:
            audit.record(joined.action, actor=supervisor, target_type="queue_entry", target_id=entry.id,
                         **{**joined.details, "leave_failed": str(error)})
            db.session.commit()
        raise ListenError("listen_error_twilio", error=str(error)) from None


def leg_progress(entry_id: int | None, supervisor_id: int | None, call_sid: str, status: str) -> None:
    """Twilio's status callback of a supervisor's call: hung up, or never answered, means they left."""
    if supervisor_id is None or entry_id is None or status not in _ENDED:  # most callbacks: nothing to do
        return
    joined = _last_join(supervisor_id, entry_id)
    if joined is None or joined.details.get("call_sid") != call_sid:  # left already, or an older call's news
        return
    supervisor = db.session.get(User, supervisor_id)
    audit.record("call.leave", actor=supervisor, actor_label="twilio", target_type="queue_entry", target_id=entry_id,
                 via="phone", status=status, call_sid=call_sid)
    db.session.commit()
