"""Twilio's webhooks.

Each one: signature checked, then its fields (``forms.webhook``), service called, TwiML answered.
Repeats are idempotent (see ``app.ivr.services``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory

from app.callbacks import services as callbacks
from app.calls import services as calls
from app.core import ivr
from app.ivr import services as ivr_service
from app.listen import services as listening
from app.queue import services as queue
from app.queue.models import EntryState
from app.recordings import services as recordings
from app.voice import services as voice_service

from . import twiml
from .forms import Webhook, webhook

voice = Blueprint("voice", __name__, url_prefix="/voice")
audio = Blueprint("audio", __name__, url_prefix="/audio")


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _render(flow, result: ivr.Step, seq: int) -> str:
    return twiml.render(flow, result.actions, seq)


def _event(hook: Webhook) -> ivr.Event:
    if hook.recording_sid:
        return ivr.Recorded(hook.recording_sid)
    if hook.silence:
        return ivr.NoInput()
    return ivr.Keys(hook.digits or "")


@voice.post("/incoming")
@webhook("CallSid")
def incoming(hook: Webhook):
    """'A call comes in': start the flow (or replay the answer to a repeated delivery)."""
    return _xml(ivr_service.begin_call(hook.call_sid, hook.caller, hook.call_status, _render))


@voice.post("/step")
@webhook("CallSid", "s")
def step(hook: Webhook):
    """The caller answered a <Gather> or finished a <Record>."""
    body = ivr_service.advance_call(hook.call_sid, hook.seq, _event(hook), hook.call_status, _render)
    if body is None:  # we never saw this call start: begin it rather than hang up on the caller
        body = ivr_service.begin_call(hook.call_sid, hook.caller, hook.call_status, _render)
    return _xml(body)


@voice.post("/wait")
@webhook("CallSid")
def wait(hook: Webhook):
    """The queue's wait loop: place in line, expected wait and the waiting prompt, then hold music."""
    call = calls.find_call(hook.call_sid)
    flow = ivr_service.flow_for(call)
    plan = voice_service.wait_plan(call, flow, hook.queue_sid)
    return _xml(twiml.render_wait(flow, plan.announcements, plan.options))


@voice.post("/wait-choice")
@webhook("CallSid")
def wait_choice(hook: Webhook):
    """A key pressed in the wait loop: 1 call me back (then hang up), 2 leave a voice message, else wait."""
    choice, entry = voice_service.choose(hook.call_sid, hook.digits or "", hook.caller)
    language = entry.language if entry is not None else None
    flow = ivr_service.flow_for(voice_service.call_of(entry))
    said = ivr.Speak(choice.value, language) if language and choice.value in flow.prompts else None
    leave = choice in (voice_service.Choice.CALLBACK_CONFIRMED, voice_service.Choice.VOICE_MESSAGE)
    return _xml(twiml.render_choice(flow, said, leave))


@voice.post("/queue-exit")
@webhook("CallSid")
def queue_exit(hook: Webhook):
    """<Enqueue action>: the caller left the queue (bridged, hung up, or an error)."""
    call_sid, result = hook.call_sid, hook.queue_result
    calls.record_queue_exit(call_sid, result)
    entry = voice_service.left_queue(call_sid, result)
    if result == "leave" and entry is not None and entry.state is EntryState.LEFT:
        return _xml(ivr_service.leave_voice_message(call_sid, _render))
    if result == "leave" and entry is not None and entry.state is EntryState.CALLBACK:
        return _xml(twiml.hangup())
    return _xml(twiml.empty())


@voice.post("/status")
@webhook("CallSid")
def status(hook: Webhook):
    """'Call status changes': move the call along its lifecycle."""
    calls.record_status(hook.call_sid, hook.call_status, hook.call_duration)
    if hook.call_status in ("completed", "busy", "failed", "no-answer", "canceled"):
        voice_service.call_ended(hook.call_sid)
    return _xml(twiml.empty())


@voice.post("/bridge")
@webhook("entry")
def bridge(hook: Webhook):
    """The picked caller, taken out of the queue over REST, joins the case's conference."""
    entry = queue.entry(hook.entry) or abort(404)
    callbacks.answered(entry.id)  # a called-back caller just answered: their number is no longer kept
    flow = ivr_service.flow_for(voice_service.call_of(entry))
    connecting = ivr.Speak("connecting", entry.language) if entry.language and "connecting" in flow.prompts else None
    return _xml(twiml.render_conference(flow, voice_service.conference_name(entry.id), connecting, entry.id))


@voice.post("/requeue")
@webhook("entry")
def requeue(hook: Webhook):
    """The operator did not answer: the caller goes back into the queue (their place is kept)."""
    entry = queue.entry(hook.entry) or abort(404)
    return _xml(twiml.render_enqueue(ivr_service.flow_for(voice_service.call_of(entry)).queue))


@voice.post("/bridge-end")
@webhook()
def bridge_end(hook: Webhook):
    """<Dial> ended: the conversation is over for the caller."""
    return _xml(twiml.hangup())


@voice.post("/callback")
@webhook("entry")
def callback(hook: Webhook):
    """Progress of a call-back's call to the caller."""
    voice_service.callback_progress(hook.entry, hook.call_status or "")
    return _xml(twiml.empty())


@voice.post("/operator")
@webhook("entry")
def operator(hook: Webhook):
    """Progress of the operator's leg (statusCallback of the conference participant)."""
    voice_service.operator_leg(hook.entry, hook.call_status or "", hook.attempt)
    return _xml(twiml.empty())


@voice.post("/listen/status")
@webhook("entry", "supervisor", "CallSid")
def listen_status(hook: Webhook):
    """Progress of a supervisor's leg when they listen in or coach (statusCallback of their participant)."""
    listening.leg_progress(hook.entry, hook.supervisor, hook.call_sid, hook.call_status or "")
    return _xml(twiml.empty())


@voice.post("/recording")
@webhook("CallSid", "RecordingSid")
def recording(hook: Webhook):
    """recordingStatusCallback: a voice message or conversation recording is ready at Twilio."""
    recordings.register(
        call_sid=hook.call_sid,
        recording_sid=hook.recording_sid,
        media_url=hook.recording_url or "",
        status=hook.recording_status or "",
        duration=hook.recording_duration,
        channels=hook.recording_channels,
        source=hook.recording_source,
    )
    return _xml(twiml.empty())


@audio.get("/<any(prompts, hold):kind>/<path:filename>")
def audio_file(kind: str, filename: str):
    """Prompt audio and hold music for Twilio's <Play> (public content: no caller data here)."""
    if not filename.endswith((".wav", ".mp3")):
        abort(404)
    return send_from_directory(Path(current_app.config["AUDIO_DIR"]) / kind, filename, max_age=3600)
