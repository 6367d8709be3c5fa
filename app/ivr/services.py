"""Stepping calls through the IVR: load the flow, apply the event, persist the call.

IVR steps are the caller's own actions: they are kept as call steps, not audit events.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import Connection, Row, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.calls.models import Call, CallStep
from app.calls.services import parse_status, record_status, status_move
from app.core import ivr
from app.core.flow import Flow, FlowError, FlowInvalid, check_flow, parse_flow
from app.core.privacy import caller_key
from app.core.vocab import CallStatus, Channel
from app.db import db, utcnow
from app.queue import services as queue

from .prompts import PromptLibrary

Renderer = Callable[[Flow, ivr.Step, int], str]
"""Turns a step's actions into the reply for Twilio, whose callback URLs carry the given step number."""


# --- flows ---------------------------------------------------------------------------------------


def _read_flow(path: Path) -> Flow:
    """Parse one flow file; raise FlowInvalid naming the file."""
    source = f"{path.parent.name}/{path.name}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise FlowInvalid([FlowError(source, None, f"not valid YAML: {error}")]) from None
    return parse_flow(data, source)


def parse_flow_file(path: Path) -> Flow | None:
    """The flow in a file if its shape is right (prompts and graph unchecked), else None."""
    try:
        return _read_flow(path)
    except FlowInvalid:
        return None


def load_flow_file(path: Path, library: PromptLibrary, voiced_languages: set[str]) -> tuple[Flow | None, list[FlowError]]:
    """Parse and check one flow file; return the flow (None if unusable) and every error found."""
    try:
        flow = _read_flow(path)
    except FlowInvalid as invalid:
        return None, invalid.errors
    without_voice = set(flow.languages) - voiced_languages
    errors = check_flow(flow, library.has, without_voice)
    return (None if errors else flow), errors


def load_flows(flows_dir: Path, library: PromptLibrary, voiced_languages: set[str]) -> tuple[dict[str, Flow], list[FlowError]]:
    """Load every ``*.yaml`` flow in a folder; flows with errors are left out and reported."""
    flows: dict[str, Flow] = {}
    errors: list[FlowError] = []
    for path in sorted(flows_dir.glob("*.yaml")):
        flow, found = load_flow_file(path, library, voiced_languages)
        errors += found
        if flow is not None:
            if flow.id in flows:
                errors.append(FlowError(flow.source, None, f"flow id {flow.id!r} is used twice"))
            flows[flow.id] = flow
    return flows, errors


def init_app(app) -> None:
    """Load and check the flows once at start-up; refuse to start when the default flow is broken."""
    library = prompt_library(app)
    flows, errors = load_flows(Path(app.config["IVR_FLOWS_DIR"]), library, set(app.config["SAY_VOICES"]))
    default = app.config["IVR_FLOW"]
    if not errors and default not in flows:
        errors = [FlowError(app.config["IVR_FLOWS_DIR"], None, f"no flow with id {default!r} (IVR_FLOW)")]
    if errors:
        raise FlowInvalid(errors)
    app.extensions["qorgau.flows"] = flows


def prompt_library(app=None) -> PromptLibrary:
    """The app's prompt audio, looked up once per file (audio changes take a restart, as flows do)."""
    app = app or current_app
    library = app.extensions.get("qorgau.prompts")
    if library is None:
        library = app.extensions["qorgau.prompts"] = PromptLibrary(Path(app.config["AUDIO_DIR"]), cached=True)
    return library


def flow_for(call: Call | None = None) -> Flow:
    """The flow a call runs (the flow it started with), or the default flow for a new call."""
    return _flow(call.flow_id if call is not None else None)


def _flow(flow_id: str | None) -> Flow:
    flows = current_app.extensions["qorgau.flows"]
    return flows[flow_id] if flow_id in flows else flows[current_app.config["IVR_FLOW"]]


# --- calls ---------------------------------------------------------------------------------------
# IVR steps are most of the helpline's traffic. A step reads and writes its call with prebuilt statements
# on the session's connection: the ORM (objects, unit of work) cost about three times the SQL it ran.

_calls = Call.__table__
_READ = select(_calls.c.id, _calls.c.call_sid, _calls.c.seq, _calls.c.status, _calls.c.flow_id, _calls.c.ivr_state,
               _calls.c.last_twiml).where(_calls.c.call_sid == bindparam("call_sid"))
_ANSWER = select(_calls.c.last_twiml).where(_calls.c.call_sid == bindparam("call_sid"))
_NEW_CALL = insert(_calls)
_NEW_STEP = insert(CallStep.__table__)
# Only from the step the request answers: of two deliveries of one step, one writes and the other replays.
_STEP = update(_calls).where(_calls.c.id == bindparam("call_id"), _calls.c.seq == bindparam("step")).values(
    seq=bindparam("next_step"), ivr_state=bindparam("state"), language=bindparam("lang"),
    ivr_outcome=bindparam("outcome"), last_twiml=bindparam("twiml"))


def begin_call(call_sid: str, caller_number: str | None, status: str | None, render: Renderer) -> str:
    """Answer a new call at the flow's start; a repeated delivery gets the same answer.

    A new call is the common case, so its row is written straight away: a repeat finds the CallSid taken
    (it is unique) and replays the answer stored with the first delivery.
    """
    flow = flow_for()
    first = ivr.start(flow)
    body = render(flow, first, 1)
    enqueue = _enqueue_action(first)
    connection = db.session.connection()
    try:
        call_id = connection.execute(_NEW_CALL, {
            "call_sid": call_sid, "caller_hash": caller_key(caller_number, current_app.config["CALLER_HASH_KEY"]),
            "flow_id": flow.id, "status": parse_status(status) or CallStatus.RINGING, "seq": 1, "last_twiml": body,
            "ivr_state": first.state.to_dict(), "language": first.state.language, "ivr_outcome": first.state.outcome,
            "priority": enqueue and enqueue.priority, "category": enqueue and enqueue.category,
        }).inserted_primary_key[0]
        _add_step(connection, call_id, 0, "start", first)
    except IntegrityError:  # a repeated delivery, or the same call arriving twice at once
        return _stored_answer(call_sid)
    db.session.commit()
    return body


def advance_call(call_sid: str, seq: int, event: ivr.Event, status: str | None, render: Renderer) -> str | None:
    """Apply the caller's event at step ``seq``; a repeat of an earlier step replays its answer.

    Returns None for an unknown call.
    """
    call = db.session.connection().execute(_READ, {"call_sid": call_sid}).one_or_none()
    if call is None:
        return None
    if seq != call.seq:  # Twilio retried a request we already answered
        record_status(call_sid, status, None)
        return call.last_twiml
    flow = _flow(call.flow_id)
    result = ivr.step(flow, ivr.IvrState.from_dict(call.ivr_state), event, line_open=queue.line_open())
    return _save_step(call, flow, result, _event_label(event), render, status_move(call.status, status))


def leave_voice_message(call_sid: str, render: Renderer) -> str:
    """A waiting caller chose to leave a message: continue their IVR at the flow's record node."""
    call = db.session.connection().execute(_READ, {"call_sid": call_sid}).one()
    flow = _flow(call.flow_id)
    state = ivr.IvrState.from_dict(call.ivr_state)
    if flow.voice_message is None:
        return render(flow, ivr.Step(state, (ivr.Hangup(),)), call.seq)
    return _save_step(call, flow, ivr.goto(flow, state, flow.voice_message), "queue:voice_message", render)


def _save_step(call: Row, flow: Flow, result: ivr.Step, event_label: str, render: Renderer,
               status: CallStatus | None = None) -> str:
    """Write one step of a call that stands at step ``call.seq``: the call row, its step row, its place in line."""
    body = render(flow, result, call.seq + 1)
    state = result.state
    statement = _STEP
    if status is not None and status != call.status:  # (the caller's status is written only when it moves)
        statement = statement.values(status=status)
        if status.is_final:
            statement = statement.values(ended_at=func.coalesce(_calls.c.ended_at, utcnow()))
    enqueue = _enqueue_action(result)
    if enqueue is not None:
        statement = statement.values(priority=enqueue.priority, category=enqueue.category)
    connection = db.session.connection()
    try:
        written = connection.execute(statement, {
            "call_id": call.id, "step": call.seq, "next_step": call.seq + 1, "state": state.to_dict(),
            "lang": state.language, "outcome": state.outcome, "twiml": body}).rowcount
        if written != 1:  # a concurrent duplicate took this step first
            return _stored_answer(call.call_sid)
        _add_step(connection, call.id, call.seq, event_label, result)
    except IntegrityError:  # the same, caught by the unique step number
        return _stored_answer(call.call_sid)
    db.session.commit()
    return body


def _add_step(connection: Connection, call_id: int, seq: int, event_label: str, result: ivr.Step) -> None:
    """The step's row (the call's IVR path) and, when the step queues the caller, their place in line."""
    connection.execute(_NEW_STEP, {"call_id": call_id, "seq": seq, "event": event_label, "node": result.state.node})
    enqueue = _enqueue_action(result)
    if enqueue is not None:  # once a call: the queue's rows are the queue's business (ORM)
        call = db.session.get(Call, call_id)
        queue.enter(Channel.PHONE, priority=enqueue.priority, category=enqueue.category, language=call.language,
                    call_id=call.id, caller_hash=call.caller_hash)


def _enqueue_action(result: ivr.Step) -> ivr.Enqueue | None:
    return next((action for action in result.actions if isinstance(action, ivr.Enqueue)), None)


def _stored_answer(call_sid: str) -> str:
    """After losing a race to another delivery of the same request: the answer it stored."""
    db.session.rollback()
    return db.session.connection().execute(_ANSWER, {"call_sid": call_sid}).scalar_one()


def _event_label(event: ivr.Event) -> str:
    if isinstance(event, ivr.Keys):
        return f"keys:{event.digits[:8]}" if event.digits else "silence"
    if isinstance(event, ivr.Recorded):
        return "recorded"
    return "silence" if isinstance(event, ivr.NoInput) else "start"
