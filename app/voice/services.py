"""A call around the line: the wait loop's plan and keys, bridging over Twilio's REST API, the legs' progress.

What a failure leaves for the console is a message key of our own and Twilio's error code, never Twilio's
text: its refusals repeat the number dialled, which for a call-back is the caller's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from sqlalchemy import select

from app.audit import services as audit
from app.callbacks import services as callbacks
from app.callbacks.models import CallbackState
from app.calls.models import Call
from app.cases.models import Case
from app.core import queue as rules
from app.core.flow import Flow
from app.core.ivr import Speak
from app.core.ports import GatewayError, TelephonyGateway
from app.db import db
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.queue.models import EntryState, QueueEntry

log = logging.getLogger(__name__)

# Why connecting a caller failed (message keys of app/translations, shown on the console).
NO_ENDPOINT = "line_error_no_endpoint"  # the operator has no number or client identity
TWILIO_REFUSED = "line_error_twilio_refused"
TWILIO_UNREACHABLE = "line_error_twilio_unreachable"
NO_ANSWER = "line_error_no_answer"  # the operator's phone rang out
CALLBACK_NO_ANSWER = "line_error_callback_no_answer"  # the caller did not answer the call-back
CALLBACK_NUMBER = "line_error_callback_number"  # the call-back number cannot be decrypted
RECORDING = "line_error_recording"  # the conversation goes on unrecorded
REQUEUE = "line_error_requeue"  # the caller could not be sent back into Twilio's queue

_UNANSWERED = {"busy", "no-answer", "failed", "canceled"}


class BridgeError(RuntimeError):
    """Twilio could not connect the caller and the operator; the caller is waiting again.

    ``key`` says why (a message key), ``code`` is Twilio's error code when it gave one.
    """

    def __init__(self, key: str, code: int | None = None):
        super().__init__(key if code is None else f"{key} (Twilio {code})")
        self.key, self.code = key, code


def _reason(error: GatewayError) -> tuple[str, int | None]:
    return (TWILIO_UNREACHABLE if error.unreachable else TWILIO_REFUSED), error.code


def call_of(entry: QueueEntry | None) -> Call | None:
    return db.session.get(Call, entry.call_id) if entry is not None and entry.call_id is not None else None


def entry_for_call(call_sid: str) -> QueueEntry | None:
    """The entry of a call, by its CallSid (one statement: webhooks run it often)."""
    return db.session.scalar(select(QueueEntry).join(Call, Call.id == QueueEntry.call_id).where(Call.call_sid == call_sid))


def conference_name(entry_id: int) -> str:
    """One conference per entry: caller, operator and a listening supervisor meet there."""
    return f"qorgau-{entry_id}"


# --- the wait loop ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitPlan:
    """One round of the wait loop: what is said, then (every few rounds) the options offered."""

    announcements: tuple[Speak, ...] = ()
    options: Speak | None = None


def wait_plan(call: Call | None, flow: Flow, queue_sid: str | None) -> WaitPlan:
    """Place in line, expected wait and the waiting prompt in the caller's language, then the options.

    Remembers Twilio's queue (``queue_sid``), where bridging takes the caller from. The options (call-back,
    voice message) come every few rounds, and every round once the wait is long. Queues whose node has no
    ``wait_prompt`` (callers who cannot talk freely) hear music only.
    """
    if call is None or not call.language:
        return WaitPlan()
    node = flow.nodes.get(call.ivr_state.get("node"))
    entry = queue.entry_for_call(call.id)
    if entry is None or not entry.state.is_waiting:
        return WaitPlan()
    if queue_sid and call.queue_sid != queue_sid:
        call.queue_sid = queue_sid
        db.session.commit()
    if node is None or not node.wait_prompt:
        return WaitPlan()
    info = queue.wait_info(entry, max(operators.count_available(), 1))
    config = current_app.config
    call.wait_rounds += 1
    db.session.commit()
    long_wait = queue.wait_seconds(entry) >= config["MAX_WAIT_SECONDS"]
    prompts = (rules.position_prompt(info.position), rules.wait_prompt(info.wait), node.wait_prompt)
    offer = long_wait or call.wait_rounds % config["QUEUE_OPTIONS_EVERY"] == 0
    options = Speak("queue_long_wait" if long_wait else "queue_options", call.language) if offer else None
    return WaitPlan(tuple(Speak(prompt, call.language) for prompt in prompts), options)


class Choice(StrEnum):
    """What a waiting caller chose with a key, and so what they hear."""

    CALLBACK_CONFIRMED = callbacks.Asked.CONFIRMED.value  # their number is kept (encrypted); they hang up
    CALLBACK_EXISTS = callbacks.Asked.EXISTS.value  # they already have a pending call-back
    CALLBACK_UNAVAILABLE = callbacks.Asked.UNAVAILABLE.value  # withheld number: nothing to call back
    VOICE_MESSAGE = "voice_message"  # they leave the line to record a message
    KEEP_WAITING = "keep_waiting"  # any other key


def choose(call_sid: str, digits: str, caller_number: str | None) -> tuple[Choice, QueueEntry | None]:
    """A key pressed in the wait loop: 1 call me back, 2 leave a voice message, anything else waits on."""
    entry = entry_for_call(call_sid)
    if entry is None or not entry.state.is_waiting:
        return Choice.KEEP_WAITING, entry
    if digits == "2":
        queue.end(entry, EntryState.LEFT)
        db.session.commit()
        return Choice.VOICE_MESSAGE, entry
    if digits != "1":
        return Choice.KEEP_WAITING, entry
    return Choice(callbacks.request(entry, caller_number).value), entry


def left_queue(call_sid: str, result: str | None) -> QueueEntry | None:
    """Twilio's <Enqueue> action: a hang-up while waiting is recorded as abandoned, with its wait."""
    entry = entry_for_call(call_sid)
    if entry is not None and entry.state.is_waiting and result == "hangup":  # (a call-back keeps its place)
        queue.end(entry, EntryState.ABANDONED)
        db.session.commit()
    return entry


# --- bridging over Twilio's REST API -------------------------------------------------------------


def _public(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


def _gateway() -> TelephonyGateway:
    return current_app.extensions["qorgau.gateway"]


def _back_to_line(entry: QueueEntry, key: str, code: int | None = None) -> None:
    """The caller waits again: on the phone, or for their call-back."""
    state = EntryState.CALLBACK if callbacks.pending(entry.id) else EntryState.WAITING
    queue.back_to_line(entry, state, error_key=key, error_code=code)


def bridge(entry_id: int) -> QueueEntry:
    """Move a taken caller from the Twilio queue into the entry's conference and ring the operator there.

    Any Twilio error puts the caller back at their place in line, with why kept for the console.
    """
    entry = queue.entry(entry_id)
    endpoint = operators.status(entry.operator_id).endpoint
    if not endpoint:
        _back_to_line(entry, NO_ENDPOINT)
        raise BridgeError(NO_ENDPOINT)
    gateway, call = _gateway(), call_of(entry)
    config = current_app.config
    callback = callbacks.pending(entry.id)
    try:
        if callback is not None:  # the caller hung up asking to be called back: ring them
            gateway.call_out(callbacks.ring(callback), config["TWILIO_CALLER_ID"],
                             _public(f"/voice/bridge?entry={entry.id}"), _public(f"/voice/callback?entry={entry.id}"),
                             config["OPERATOR_ANSWER_SECONDS"] * 2)
            audit.record("callback.call", actor_label=f"user:{entry.operator_id}", target_type="queue_entry",
                         target_id=entry.id, attempt=callback.attempts)
        elif call.queue_sid:
            gateway.redirect_queue_member(call.queue_sid, call.call_sid, _public(f"/voice/bridge?entry={entry.id}"))
        else:  # the caller has not reached the wait loop yet: redirecting the call also dequeues it
            gateway.redirect_call(call.call_sid, _public(f"/voice/bridge?entry={entry.id}"))
    except (GatewayError, ValueError) as error:
        if callback is not None:
            callback.state = CallbackState.PENDING
        key, code = _reason(error) if isinstance(error, GatewayError) else (CALLBACK_NUMBER, None)
        _back_to_line(entry, key, code)
        raise BridgeError(key, code) from None
    try:
        gateway.dial_into_conference(conference_name(entry.id), endpoint, config["TWILIO_CALLER_ID"],
                                     _public(f"/voice/operator?entry={entry.id}&attempt={attempt(entry)}"),
                                     config["OPERATOR_ANSWER_SECONDS"])
    except GatewayError as error:
        requeue(entry, *_reason(error))
        raise BridgeError(*_reason(error)) from None
    operators.set_availability(entry.operator_id, Availability.BUSY, by="bridge")
    return entry


def requeue(entry: QueueEntry, key: str, code: int | None = None) -> None:
    """Send a caller who left the Twilio queue back into it, at their original place."""
    operator_id = entry.operator_id
    _back_to_line(entry, key, code)
    try:
        _gateway().redirect_call(call_of(entry).call_sid, _public(f"/voice/requeue?entry={entry.id}"))
    except GatewayError as error:
        log.error("could not send the caller of entry %s back to the queue (HTTP %s, Twilio code %s)",
                  entry.id, error.status, error.code)
        queue.note_error(entry, REQUEUE, error.code)
    if operator_id is not None:
        operators.set_availability(operator_id, Availability.AWAY, by="no-answer")


def attempt(entry: QueueEntry) -> str:
    """Names one pick of the caller (who, and when), so news of an earlier operator's leg changes nothing."""
    return f"{entry.operator_id}-{entry.picked_at:%Y%m%d%H%M%S%f}" if entry.picked_at else ""


def operator_leg(entry_id: int, status: str, leg_attempt: str | None = None) -> None:
    """The operator's call progressed: answered -> talking (and recorded); unanswered -> caller requeued.

    ``leg_attempt`` is the ``attempt`` the leg was dialled for; callbacks of an earlier attempt (Twilio
    retries, a slow no-answer) are ignored. None: a leg dialled before callbacks named their attempt.
    """
    entry = queue.entry(entry_id)
    if entry is None or (leg_attempt is not None and leg_attempt != attempt(entry)):
        return
    if status == "in-progress" and entry.state is EntryState.ASSIGNED:
        queue.answered(entry)
        db.session.commit()
        try:
            _gateway().record_call(call_of(entry).call_sid, _public("/voice/recording"))
        except GatewayError as error:  # the conversation goes on unrecorded; say so on the console
            queue.note_error(entry, RECORDING, error.code)
    elif status in _UNANSWERED and entry.state is EntryState.ASSIGNED:
        requeue(entry, NO_ANSWER)
    elif status == "completed" and entry.state is EntryState.CONNECTED:
        finish(entry)


def finish(entry: QueueEntry) -> None:
    """The conversation ended: the operator goes to wrap-up until the case is closed (unless it already is)."""
    queue.end(entry, EntryState.DONE)
    db.session.commit()
    if entry.operator_id is not None:
        closed = db.session.scalar(select(
            select(Case.id).where(Case.queue_entry_id == entry.id, Case.closed_at.is_not(None)).exists()))
        operators.set_availability(entry.operator_id, Availability.AVAILABLE if closed else Availability.WRAP_UP,
                                   by="call-ended")


def call_ended(call_sid: str) -> None:
    """The caller's call is over: close whatever the line still held open for it."""
    entry = entry_for_call(call_sid)
    if entry is None:
        return
    if entry.state is EntryState.CONNECTED:
        finish(entry)
    elif entry.state is EntryState.WAITING or (entry.state is EntryState.ASSIGNED
                                               and not callbacks.pending(entry.id)):
        queue.end(entry, EntryState.ABANDONED)
        db.session.commit()


def callback_progress(entry_id: int, status: str) -> None:
    """The call-back's own call progressed; unanswered ones go back in line, expiring after a few tries."""
    entry = queue.entry(entry_id)
    callback = callbacks.pending(entry.id) if entry is not None else None
    if callback is None or status not in _UNANSWERED:
        return
    operator_id = entry.operator_id  # read before the entry goes back in line without them
    if callback.attempts >= callbacks.ATTEMPTS:
        callbacks.expire(callback)
    else:
        callback.state = CallbackState.PENDING
        _back_to_line(entry, CALLBACK_NO_ANSWER)
    if operator_id is not None:
        operators.set_availability(operator_id, Availability.AVAILABLE, by="callback-unanswered")
