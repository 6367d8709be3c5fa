"""Failures lose nothing: Twilio missing the file, Twilio erring, Twilio unreachable, audio that is not audio."""

from __future__ import annotations

import hashlib

import pytest

from app.core.ports import GatewayError
from app.recordings import services
from app.recordings.models import RecordingState
from app.telephony.gateway import TwilioGateway
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN

from .pipeline import (
    FAST_RETRIES,
    free_port,
    load_recording,
    process,
    queued_jobs,
    recording_callback,
    run_queued_jobs,
    start_call,
)


@pytest.fixture
def no_model_app(make_pipeline_app, tmp_path):
    """Download, keep and delete without the cost of transcription (the job stops at 'needs model')."""
    missing = str(tmp_path / "no-model")
    return make_pipeline_app(VOSK_MODELS={"kk": missing, "ru": missing})


def announce(app, twilio, audio=None) -> str:
    """Twilio announces a recording of a new call (holding ``audio``, or nothing at all); returns its SID."""
    recording_sid = twilio.put(audio) if audio is not None else "RE" + "4" * 32
    response = recording_callback(app.test_client(), start_call(app), recording_sid)
    assert response.status_code == 200
    return recording_sid


def test_a_recording_twilio_does_not_have_fails_clearly(no_model_app, twilio):
    recording_sid = announce(no_model_app, twilio)
    assert run_queued_jobs(no_model_app) == ["failed"]
    recording = load_recording(no_model_app, recording_sid)
    assert recording.state is RecordingState.FAILED
    assert "404" in recording.failure and recording_sid in recording.failure
    assert recording.local_path is None
    assert [(r["method"], r["status"]) for r in twilio.requests_for(recording_sid)] == [("GET", 404)]
    assert no_model_app.extensions["qorgau.huey"].scheduled() == []  # not retried: retrying cannot help


def test_twilio_erring_twice_then_answering_is_retried_to_success(no_model_app, twilio, test_audio):
    recording_sid = announce(no_model_app, twilio, test_audio.yes_no_8k)
    twilio.standin.faults = [500, 503]
    assert run_queued_jobs(no_model_app) == ["needs_model"]  # downloaded, kept, deleted at Twilio
    recording = load_recording(no_model_app, recording_sid)
    assert recording.attempts == 1 and recording.sha256 is not None
    assert [(r["method"], r["status"]) for r in twilio.requests_for(recording_sid)] == [
        ("GET", 500), ("GET", 503), ("GET", 200), ("DELETE", 204)]


def test_twilio_erring_on_every_try_leaves_the_job_to_the_queues_retry(no_model_app, twilio, test_audio):
    recording_sid = announce(no_model_app, twilio, test_audio.yes_no_8k)
    twilio.standin.faults = [502, 502, 502]
    with pytest.raises(GatewayError, match="502"):
        process(no_model_app, recording_sid)
    recording = load_recording(no_model_app, recording_sid)
    assert recording.state is RecordingState.AT_TWILIO
    assert "502" in recording.failure and "after 3 tries" in recording.failure
    assert twilio.standin.has_recording(recording_sid)
    assert process(no_model_app, recording_sid) is RecordingState.NEEDS_MODEL  # Twilio is back
    assert load_recording(no_model_app, recording_sid).failure.startswith("needs the kk speech model")


def test_twilio_unreachable_is_retried_by_the_queue_then_given_up_without_losing_anything(
        make_pipeline_app, twilio, test_audio, tmp_path):
    missing = str(tmp_path / "no-model")
    app = make_pipeline_app(TWILIO_API_BASE_URL=f"http://127.0.0.1:{free_port()}",  # nothing listens there
                            VOSK_MODELS={"kk": missing, "ru": missing})
    recording_sid = announce(app, twilio, test_audio.yes_no_8k)

    # Through the queue: the job raises, and Huey schedules it again (retries=3, with a delay).
    [job] = queued_jobs(app)
    assert run_queued_jobs(app) == [None]
    [retry] = app.extensions["qorgau.huey"].scheduled()
    assert (retry.id, retry.retries) == (job.id, job.retries - 1)
    recording = load_recording(app, recording_sid)
    assert recording.state is RecordingState.AT_TWILIO
    assert recording.attempts == 1
    assert "cannot reach Twilio" in recording.failure and "after 3 tries" in recording.failure

    # Every later try fails the same way, until the last one marks it failed; Twilio's copy is untouched.
    for _ in range(2, services.MAX_ATTEMPTS):
        with pytest.raises(GatewayError, match="cannot reach Twilio"):
            process(app, recording_sid)
        assert load_recording(app, recording_sid).state is RecordingState.AT_TWILIO
    assert process(app, recording_sid) is RecordingState.FAILED
    recording = load_recording(app, recording_sid)
    assert recording.attempts == services.MAX_ATTEMPTS
    assert f"gave up after {services.MAX_ATTEMPTS} attempts" in recording.failure
    assert "cannot reach Twilio" in recording.failure
    assert twilio.standin.has_recording(recording_sid) and twilio.requests_for(recording_sid) == []

    # The sweep leaves a failed recording alone; a person re-runs it once Twilio is reachable again.
    with app.app_context():
        assert services.sweep() == 0
    app.extensions["qorgau.gateway"] = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, twilio.url, retry_delays=FAST_RETRIES)
    with app.app_context():
        assert services.rerun(recording.id) is RecordingState.NEEDS_MODEL
    assert [r["method"] for r in twilio.requests_for(recording_sid)] == ["GET", "DELETE"]


BAD_FILES = {
    "empty": ("empty", "the file is empty"),
    "truncated WAV": ("truncated", "cut short: its header announces"),
    "WAV cut in its header": ("cut_header", "cut short inside its header"),
    "text named .wav": ("text", "not an audio file"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_file_that_is_not_usable_audio_fails_and_loses_nothing(no_model_app, twilio, test_audio, name):
    attribute, reason = BAD_FILES[name]
    data = getattr(test_audio, attribute).read_bytes()
    recording_sid = announce(no_model_app, twilio, data)
    assert run_queued_jobs(no_model_app) == ["failed"]  # the job ends normally: the worker goes on
    recording = load_recording(no_model_app, recording_sid)
    assert recording.state is RecordingState.FAILED
    assert reason in recording.failure and "not usable audio" in recording.failure
    # Kept: the file as Twilio served it, with its checksum, named in the reason...
    with no_model_app.app_context():
        local = services.local_file(recording)
    assert local.read_bytes() == data
    assert recording.sha256 == hashlib.sha256(data).hexdigest() and recording.size_bytes == len(data)
    assert recording.local_path in recording.failure
    # ...and Twilio's copy too: ours may be a bad download of a good recording.
    assert twilio.standin.has_recording(recording_sid)
    assert [r["method"] for r in twilio.requests_for(recording_sid)] == ["GET"]
    assert recording.deleted_at_twilio is None
    assert no_model_app.extensions["qorgau.huey"].scheduled() == []
    with no_model_app.app_context():
        assert services.sweep() == 0  # nothing to re-send: it waits for a person
