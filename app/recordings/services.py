"""The recordings pipeline: register, download, keep, delete at Twilio, transcribe.

Every stage is idempotent and skipped when already done, so a job can be re-sent at any time;
a recording is never lost: the local copy is verified before Twilio's is deleted, and a failure
keeps whatever was downloaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.calls.services import find_call
from app.core import sids
from app.core.ports import GatewayError, TelephonyGateway
from app.core.vocab import Priority, RecordingSource
from app.db import db, utcnow
from app.queue import services as queue
from app.transcription import audio
from app.transcription import services as transcription
from app.transcription.engine import ModelMissingError
from app.transcription.vosk_models import install_command, installed

from .models import Recording, RecordingState

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # after this many tries at a network failure, the recording is marked failed
SEND_GRACE_SECONDS = 60  # a row whose job was never sent is left to its sender this long before the sweep sends it


def register(call_sid: str, recording_sid: str, media_url: str, status: str, duration: int | None,
             channels: int | None, source: str | None = None) -> Recording | None:
    """Keep a completed recording once and send its job after the commit; repeats change nothing."""
    if status and status != "completed":
        return None
    existing = find(recording_sid)
    if existing is not None:
        return existing
    call = find_call(call_sid)
    channel_count = channels or 1
    if source:
        kind = RecordingSource.VOICE_MESSAGE if source == "RecordVerb" else RecordingSource.CONVERSATION
    else:  # not told: <Record> (a voice message) only ever records one channel
        kind = RecordingSource.CONVERSATION if channel_count > 1 else RecordingSource.VOICE_MESSAGE
    recording = Recording(
        recording_sid=recording_sid,
        call_id=call.id if call else None,
        call_sid=call_sid,
        source=kind,
        language=call.language if call else None,
        media_url=media_url,
        duration_seconds=duration,
        channels=channel_count,
    )
    db.session.add(recording)
    try:
        if kind is RecordingSource.VOICE_MESSAGE and call is not None:  # the message waits in the inbox
            queue.message_left(call.id, priority=call.priority or Priority.STANDARD, category=call.category or "general",
                               language=call.language, caller_hash=call.caller_hash)
        db.session.commit()
    except IntegrityError:  # the same callback arrived twice at once
        db.session.rollback()
        return find(recording_sid)
    send(recording)
    return recording


def find(recording_sid: str) -> Recording | None:
    return db.session.scalar(select(Recording).where(Recording.recording_sid == recording_sid))


def send(recording: Recording) -> None:
    """Queue the recording's job (after its row is committed). A queue outage is left to the sweep."""
    try:
        current_app.extensions["qorgau.tasks"]["process_recording"](recording.id)
    except Exception:  # the row is committed: the sweep will send it again
        log.exception("could not queue recording %s; the sweep will retry", recording.recording_sid)
        return
    recording.job_sent_at = utcnow()
    db.session.commit()


# --- the job ---------------------------------------------------------------------------------------


def process(recording_id: int, progress: Callable[[int, int], None] | None = None) -> RecordingState:
    """Run every stage not yet done; returns the state reached. ``progress`` follows transcription."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.state is RecordingState.FAILED:
        return recording.state if recording else RecordingState.FAILED
    recording.attempts += 1
    db.session.commit()
    if not _local_copy_ok(recording) and (recording.state is RecordingState.FAILED or not _download(recording)):
        return recording.state
    if recording.deleted_at_twilio is None and not _audio_ok(recording):
        return recording.state  # Twilio's copy stays: ours may be a bad download of a good recording
    _delete_at_twilio(recording)
    if recording.state is not RecordingState.TRANSCRIBED:
        _transcribe(recording, progress)
    return recording.state


def _gateway() -> TelephonyGateway:
    return current_app.extensions["qorgau.gateway"]


def recordings_dir() -> Path:
    return Path(current_app.config["RECORDINGS_DIR"])


def local_file(recording: Recording) -> Path | None:
    return recordings_dir() / recording.local_path if recording.local_path else None


def _local_copy_ok(recording: Recording) -> bool:
    """True when the local file exists and still matches its checksum."""
    path = local_file(recording)
    if path is None:
        return False
    if path.is_file() and _sha256(path.read_bytes()) == recording.sha256:
        return True
    log.error("local copy of %s is missing or damaged", recording.recording_sid)
    if recording.deleted_at_twilio is not None:
        _fail(recording, f"the local copy {recording.local_path} is missing or damaged and Twilio's is deleted")
    return False


def _download(recording: Recording) -> bool:
    """Fetch the audio from Twilio and keep it (0600, checksummed); False if it could not be done."""
    if not sids.is_sid(recording.recording_sid, sids.RECORDING):  # it names the URL and the file: never a path
        _fail(recording, "not a Twilio recording SID: nothing fetched, nothing written")
        return False
    try:
        data = _gateway().fetch_recording(recording.recording_sid, channels=recording.channels)
    except GatewayError as error:
        if error.not_found:
            _fail(recording, f"Twilio has no recording {recording.recording_sid} (404)")
            return False
        recording.failure = str(error)
        if recording.attempts >= MAX_ATTEMPTS:
            _fail(recording, f"gave up after {recording.attempts} attempts: {error}")
            return False
        db.session.commit()
        raise  # the job queue retries with a delay
    relative = Path(recording.created_at.strftime("%Y/%m")) / f"{recording.recording_sid}.wav"
    _write_private(recordings_dir() / relative, data)
    recording.local_path = str(relative)
    recording.sha256 = _sha256(data)
    recording.size_bytes = len(data)
    recording.stored_at = utcnow()
    recording.failure = None
    recording.state = RecordingState.STORED
    db.session.commit()
    return True


def _audio_ok(recording: Recording) -> bool:
    """Whether the local copy decodes as audio (recording its duration); if not, fail and keep both copies."""
    try:
        recording.duration_seconds = audio.duration(local_file(recording))
    except audio.AudioError as error:
        _fail(recording, f"not usable audio: {error} (file kept at {recording.local_path}; Twilio's copy kept)")
        return False
    db.session.commit()
    return True


def _delete_at_twilio(recording: Recording) -> None:
    """Delete Twilio's copy once ours is verified (setting DELETE_AT_TWILIO, on by default)."""
    if not current_app.config["DELETE_AT_TWILIO"] or recording.deleted_at_twilio is not None:
        return
    try:
        _gateway().delete_recording(recording.recording_sid)
    except GatewayError as error:  # not fatal: transcription goes on, the sweep tries again
        log.warning("could not delete %s at Twilio: %s", recording.recording_sid, error)
        return
    recording.deleted_at_twilio = utcnow()
    db.session.commit()


def _transcribe(recording: Recording, progress: Callable[[int, int], None] | None) -> None:
    language = recording.language or current_app.config["DEFAULT_LANGUAGE"]
    try:
        engine = transcription.engine_for(language)
    except ModelMissingError:
        recording.state = RecordingState.NEEDS_MODEL
        recording.failure = f"needs the {language} speech model: run `{install_command(language)}`"
        db.session.commit()
        return
    try:
        recognitions = transcription.transcribe_file(local_file(recording), language, engine, progress)
    except audio.AudioError as error:
        _fail(recording, f"not usable audio: {error} (file kept at {recording.local_path})")
        return
    recording.channels = len(recognitions)
    transcription.save_transcripts(recording.id, language, recording.source, recognitions,
                                   f"vosk:{engine.model_path.name}")
    recording.state = RecordingState.TRANSCRIBED
    recording.transcribed_at = utcnow()
    recording.failure = None
    db.session.commit()


def _fail(recording: Recording, reason: str) -> None:
    log.error("recording %s failed: %s", recording.recording_sid, reason)
    recording.state = RecordingState.FAILED
    recording.failure = reason
    db.session.commit()


def _write_private(path: Path, data: bytes) -> None:
    """Write atomically, readable by the service's user only, and on disk before we go on."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- keeping jobs moving -------------------------------------------------------------------------


def unfinished() -> list[Recording]:
    """Recordings whose job should run again: never sent, stale, or waiting for a model now installed."""
    lease = current_app.config["RECORDING_JOB_LEASE_SECONDS"]
    now = utcnow()
    # A row is committed a moment before its job is sent: give the sender that moment, or a sweep running
    # just then would send the job a second time.
    never_sent = and_(Recording.job_sent_at.is_(None),
                      Recording.created_at < now - timedelta(seconds=min(lease, SEND_GRACE_SECONDS)))
    stale = or_(never_sent, Recording.updated_at < now - timedelta(seconds=lease))
    in_flight = Recording.state.in_([RecordingState.AT_TWILIO, RecordingState.STORED])
    rows = list(db.session.scalars(select(Recording).where(in_flight, stale)))
    if current_app.config["DELETE_AT_TWILIO"]:
        rows += db.session.scalars(select(Recording).where(
            Recording.state == RecordingState.TRANSCRIBED, Recording.deleted_at_twilio.is_(None), stale))
    waiting = db.session.scalars(select(Recording).where(Recording.state == RecordingState.NEEDS_MODEL))
    rows += [r for r in waiting if installed(current_app.config, r.language or current_app.config["DEFAULT_LANGUAGE"])]
    return rows


def sweep() -> int:
    """Re-send every unfinished recording's job; returns how many were sent."""
    sent = 0
    for recording in unfinished():
        # Claim the row first: sweeps run in every worker at start-up and in every consumer each minute, and
        # only the one whose update finds the row unchanged sends its job.
        values = {"updated_at": utcnow()}
        if recording.state is RecordingState.NEEDS_MODEL:
            values["state"] = RecordingState.STORED
        claim = (update(Recording).where(Recording.id == recording.id, Recording.updated_at == recording.updated_at)
                 .values(**values).execution_options(synchronize_session=False))
        if db.session.execute(claim).rowcount != 1:
            db.session.rollback()
            continue
        db.session.commit()
        db.session.refresh(recording)
        send(recording)
        sent += 1
    return sent


def rerun(recording_id: int, progress: Callable[[int, int], None] | None = None) -> RecordingState:
    """Run a recording's job again now, from wherever it stands (a failed one starts over)."""
    recording = db.session.get(Recording, recording_id)
    if recording.state in (RecordingState.FAILED, RecordingState.NEEDS_MODEL, RecordingState.TRANSCRIBED):
        recording.state = RecordingState.STORED if recording.local_path else RecordingState.AT_TWILIO
        recording.attempts = 0
        db.session.commit()
    return process(recording_id, progress)
