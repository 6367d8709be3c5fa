"""Twilio's webhooks.

Each one: signature checked, form turned into an event, service called, TwiML answered.
Repeats are idempotent (see ``app.ivr.services``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_from_directory

from app.calls import services as calls
from app.core import ivr
from app.ivr import services as ivr_service
from app.listen import services as listening
from app.queue import services as line
from app.queue.models import EntryState
from app.recordings import services as recordings

from . import twiml
from .signature import twilio_signed

voice = Blueprint("voice", __name__, url_prefix="/voice")
audio = Blueprint("audio", __name__, url_prefix="/audio")


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _render(call, result: ivr.Step) -> str:
    return twiml.render(ivr_service.flow_for(call), result.actions, call.seq)


def _event_from_form() -> ivr.Event:
    form = request.form
    if form.get("RecordingSid"):
        return ivr.Recorded(form["RecordingSid"])
    if request.args.get("silence"):
        return ivr.NoInput()
    return ivr.Keys(form.get("Digits", ""))


@voice.post("/incoming")
@twilio_signed
def incoming():
    """'A call comes in': start the flow (or replay the answer to a repeated delivery)."""
    form = request.form
    call_sid = form.get("CallSid") or abort(400, "CallSid missing")
    return _xml(ivr_service.begin_call(call_sid, form.get("From"), form.get("CallStatus"), _render))


@voice.post("/step")
@twilio_signed
def step():
    """The caller answered a <Gather> or finished a <Record>."""
    seq = request.args.get("s", type=int)
    call_sid = request.form.get("CallSid")
    if seq is None or not call_sid:
        abort(400, "s and CallSid are required")
    body = ivr_service.advance_call(call_sid, seq, _event_from_form(), request.form.get("CallStatus"), _render)
    if body is None:  # we never saw this call start: begin it rather than hang up on the caller
        body = ivr_service.begin_call(call_sid, request.form.get("From"), request.form.get("CallStatus"), _render)
    return _xml(body)


@voice.post("/wait")
@twilio_signed
def wait():
    """The queue's wait loop: place in line, expected wait and the waiting prompt, then hold music."""
    call = calls.find_call(request.form.get("CallSid", ""))
    flow = ivr_service.flow_for(call)
    plan = line.wait_plan(call, flow, request.form.get("QueueSid"))
    return _xml(twiml.render_wait(flow, plan.announcements, plan.options))


@voice.post("/wait-choice")
@twilio_signed
def wait_choice():
    """A key pressed in the wait loop: 1 call me back (then hang up), 2 leave a voice message, else wait."""
    form = request.form
    choice, entry = line.choose(form.get("CallSid", ""), form.get("Digits", ""), form.get("From"))
    language = entry.language if entry is not None else None
    flow = ivr_service.flow_for(entry.call if entry is not None else None)
    said = ivr.Speak(choice.value, language) if language and choice.value in flow.prompts else None
    leave = choice in (line.Choice.CALLBACK_CONFIRMED, line.Choice.VOICE_MESSAGE)
    return _xml(twiml.render_choice(flow, said, leave))


@voice.post("/queue-exit")
@twilio_signed
def queue_exit():
    """<Enqueue action>: the caller left the queue (bridged, hung up, or an error)."""
    call_sid, result = request.form.get("CallSid", ""), request.form.get("QueueResult")
    calls.record_queue_exit(call_sid, result)
    entry = line.left_queue(call_sid, result)
    if result == "leave" and entry is not None and entry.state is EntryState.LEFT:
        return _xml(ivr_service.leave_voice_message(call_sid, _render))
    if result == "leave" and entry is not None and entry.state is EntryState.CALLBACK:
        return _xml(twiml.hangup())
    return _xml(twiml.empty())


@voice.post("/status")
@twilio_signed
def status():
    """'Call status changes': move the call along its lifecycle."""
    form = request.form
    calls.record_status(form.get("CallSid", ""), form.get("CallStatus"), form.get("CallDuration"))
    if form.get("CallStatus") in ("completed", "busy", "failed", "no-answer", "canceled"):
        line.call_ended(form.get("CallSid", ""))
    return _xml(twiml.empty())


@voice.post("/bridge")
@twilio_signed
def bridge():
    """The picked caller, taken out of the queue over REST, joins the case's conference."""
    entry = line.entry(request.args.get("entry", type=int)) or abort(404)
    line.callback_answered(entry)  # a called-back caller just answered: their number is no longer kept
    flow = ivr_service.flow_for(entry.call)
    connecting = ivr.Speak("connecting", entry.language) if entry.language and "connecting" in flow.prompts else None
    return _xml(twiml.render_conference(flow, entry.conference_name, connecting, entry.id))


@voice.post("/requeue")
@twilio_signed
def requeue():
    """The operator did not answer: the caller goes back into the queue (their place is kept)."""
    entry = line.entry(request.args.get("entry", type=int)) or abort(404)
    return _xml(twiml.render_enqueue(ivr_service.flow_for(entry.call).queue))


@voice.post("/bridge-end")
@twilio_signed
def bridge_end():
    """<Dial> ended: the conversation is over for the caller."""
    return _xml(twiml.hangup())


@voice.post("/callback")
@twilio_signed
def callback():
    """Progress of a call-back's call to the caller."""
    line.callback_progress(request.args.get("entry", type=int), request.form.get("CallStatus", ""))
    return _xml(twiml.empty())


@voice.post("/operator")
@twilio_signed
def operator():
    """Progress of the operator's leg (statusCallback of the conference participant)."""
    line.operator_leg(request.args.get("entry", type=int), request.form.get("CallStatus", ""),
                      request.args.get("attempt"))
    return _xml(twiml.empty())


@voice.post("/listen/status")
@twilio_signed
def listen_status():
    """Progress of a supervisor's leg when they listen in or coach (statusCallback of their participant)."""
    listening.leg_progress(request.args.get("entry", type=int), request.args.get("supervisor", type=int),
                           request.form.get("CallSid", ""), request.form.get("CallStatus", ""))
    return _xml(twiml.empty())


@voice.post("/recording")
@twilio_signed
def recording():
    """recordingStatusCallback: a voice message or conversation recording is ready at Twilio."""
    form = request.form
    recordings.register(
        call_sid=form.get("CallSid", ""),
        recording_sid=form.get("RecordingSid") or abort(400, "RecordingSid missing"),
        media_url=form.get("RecordingUrl", ""),
        status=form.get("RecordingStatus", ""),
        duration=form.get("RecordingDuration"),
        channels=form.get("RecordingChannels"),
        source=form.get("RecordingSource"),
    )
    return _xml(twiml.empty())


@audio.get("/<any(prompts, hold):kind>/<path:filename>")
def audio_file(kind: str, filename: str):
    """Prompt audio and hold music for Twilio's <Play> (public content: no caller data here)."""
    if not filename.endswith((".wav", ".mp3")):
        abort(404)
    return send_from_directory(Path(current_app.config["AUDIO_DIR"]) / kind, filename, max_age=3600)
