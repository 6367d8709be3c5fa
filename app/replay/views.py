"""The replay pages (a call with the audio it plays, a chat's transcript); the work is in ``services``."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, render_template, request, send_file, session
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.cases.taxonomy import taxonomy
from app.clock import helpline_time
from app.i18n import current_language, translate

from . import services

bp = Blueprint("replay", __name__, url_prefix="/supervisor")

REPLAYERS = (Role.SUPERVISOR, Role.OPERATOR)  # operators: their own cases' calls and chats only (see services)
STREAMED_KEY = "replay_streamed"  # recordings whose stream this sign-in session has been audited for


def _or_abort(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except services.NotFound:
        abort(404)
    except services.NotAllowed:
        abort(403)


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return helpline_time(moment).strftime("%Y-%m-%d %H:%M:%S")


def _clock(seconds: float | None) -> str:
    """``m:ss`` of a position in a recording."""
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def _code_label(prefix: str, code: str | None) -> str:
    """A vocabulary value's label, or the code itself where no text exists (a code added later)."""
    if not code:
        return "—"
    key = f"{prefix}{code}"
    text = translate(key)
    return code if text == key else text


def _category(code: str | None) -> str:
    """A taxonomy category, or one of the IVR's own (child, cannot_talk…), labelled as the console does."""
    if code and taxonomy().category(code) is not None:
        return taxonomy().label(code, current_language())
    return _code_label("console_category_", code)


@bp.context_processor
def helpers():
    lang = current_language()

    def term_list(values) -> str:
        return ", ".join(taxonomy().term(value, lang) for value in values)

    return {"local": _local, "clock": _clock, "label": _code_label, "category_label": _category,
            "terms": taxonomy(), "term_list": term_list, "lang": lang}


@bp.get("/calls/<call_sid>")
@roles_required(*REPLAYERS)
def call(call_sid: str):
    """A call's recordings, each with its player and its transcript; ``?t=`` (and ``?recording=``) open at a word."""
    chosen = request.args.get("recording", type=int)
    page = _or_abort(services.replay, call_sid, current_user, at=services.start_time(request.args.get("t")),
                     recording_id=chosen)
    return render_template("replay/call.html", page=page, low=services.low_confidence())


@bp.get("/chats/<int:conversation_id>")
@roles_required(*REPLAYERS)
def chat(conversation_id: int):
    """A chat's whole transcript with its facts and case; reading it is audited (``chat.read``, ``case.read``)."""
    page = _or_abort(services.chat_replay, conversation_id, current_user)
    return render_template("replay/chat.html", page=page)


@bp.get("/recordings/<int:recording_id>/audio")
@roles_required(*REPLAYERS)
def audio(recording_id: int):
    """The recording's audio, with Range support (the player seeks); ``?download=1`` saves it as a file."""
    recording = _or_abort(services.recording_for, recording_id, current_user)
    try:
        path = services.audio_file(recording)
    except services.AudioUnavailable as unavailable:
        text = translate(unavailable.reason)
        if unavailable.detail:
            text = f"{text} ({unavailable.detail})"
        return Response(text, status=404, mimetype="text/plain")
    download = request.args.get("download") == "1"
    key = f"{STREAMED_KEY}_{current_user.id}"  # per person: signing out keeps the session's other keys
    streamed = session.get(key, [])
    now_streamed = services.audio_served(recording, current_user, download=download, streamed=streamed)
    if now_streamed != streamed:
        session[key] = now_streamed
    response = send_file(path, mimetype="audio/wav", conditional=True, as_attachment=download,
                         download_name=f"{recording.recording_sid}.wav", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"  # a confidential call stays off shared disks
    return response


@bp.post("/recordings/<int:recording_id>/played")
@roles_required(*REPLAYERS)
def played(recording_id: int):
    """The page's player started the recording (sent once per recording per page, with the CSRF token)."""
    _or_abort(services.played, recording_id, current_user)
    return "", 204
