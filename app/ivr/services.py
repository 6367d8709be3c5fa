"""Stepping calls through the IVR: load the flow, apply the event, persist the call.

IVR steps are the caller's own actions: they are kept as call steps, not audit events.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.calls.models import Call, CallStep
from app.calls.services import find_call, parse_status, update_status
from app.core import ivr
from app.core.flow import Flow, FlowError, FlowInvalid, check_flow, parse_flow
from app.core.privacy import caller_key
from app.core.vocab import CallStatus
from app.db import db
from app.queue import services as line

from .prompts import PromptLibrary

Renderer = Callable[[Call, ivr.Step], str]
"""Turns a step's actions into the reply for Twilio; the call carries the sequence number to echo."""


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
    flows = current_app.extensions["qorgau.flows"]
    if call is not None and call.flow_id in flows:
        return flows[call.flow_id]
    return flows[current_app.config["IVR_FLOW"]]


# --- calls ---------------------------------------------------------------------------------------


def begin_call(call_sid: str, caller_number: str | None, status: str | None, render: Renderer) -> str:
    """Answer a new call at the flow's start; a repeated delivery gets the same answer."""
    call = find_call(call_sid)
    if call is not None:
        return call.last_twiml
    flow = flow_for()
    first = ivr.start(flow)
    call = Call(
        call_sid=call_sid,
        caller_hash=caller_key(caller_number, current_app.config["CALLER_HASH_KEY"]),
        flow_id=flow.id,
        status=parse_status(status) or CallStatus.RINGING,
        ivr_state=first.state.to_dict(),
    )
    db.session.add(call)
    try:
        db.session.flush()
    except IntegrityError:  # the same call arrived twice at once; the other request answered it
        db.session.rollback()
        return find_call(call_sid).last_twiml
    return _save_step(call, first, "start", render)


def advance_call(call_sid: str, seq: int, event: ivr.Event, status: str | None, render: Renderer) -> str | None:
    """Apply the caller's event at step ``seq``; a repeat of an earlier step replays its answer.

    Returns None for an unknown call.
    """
    call = find_call(call_sid)
    if call is None:
        return None
    update_status(call, status)
    if seq != call.seq:  # Twilio retried a request we already answered
        db.session.commit()
        return call.last_twiml
    flow = flow_for(call)
    result = ivr.step(flow, ivr.IvrState.from_dict(call.ivr_state), event, line_open=line.line_open())
    try:
        return _save_step(call, result, _event_label(event), render)
    except IntegrityError:  # a concurrent duplicate won the race for this step
        db.session.rollback()
        return find_call(call_sid).last_twiml


def leave_voice_message(call_sid: str, render: Renderer) -> str:
    """A waiting caller chose to leave a message: continue their IVR at the flow's record node."""
    call = find_call(call_sid)
    flow = flow_for(call)
    if flow.voice_message is None:
        return render(call, ivr.Step(ivr.IvrState.from_dict(call.ivr_state), (ivr.Hangup(),)))
    result = ivr.goto(flow, ivr.IvrState.from_dict(call.ivr_state), flow.voice_message)
    return _save_step(call, result, "queue:voice_message", render)


def _save_step(call: Call, result: ivr.Step, event_label: str, render: Renderer) -> str:
    state = result.state
    call.ivr_state = state.to_dict()
    call.language = state.language
    call.ivr_outcome = state.outcome
    for action in result.actions:
        if isinstance(action, ivr.Enqueue):
            call.priority, call.category = action.priority, action.category
            db.session.flush()
            line.enter(call, action.priority, action.category)
    db.session.add(CallStep(call=call, seq=call.seq, event=event_label, node=state.node))
    call.seq += 1
    body = call.last_twiml = render(call, result)
    db.session.commit()  # expires the row: return the rendered text rather than reload it
    return body


def _event_label(event: ivr.Event) -> str:
    if isinstance(event, ivr.Keys):
        return f"keys:{event.digits[:8]}" if event.digits else "silence"
    if isinstance(event, ivr.Recorded):
        return "recorded"
    return "silence" if isinstance(event, ivr.NoInput) else "start"
