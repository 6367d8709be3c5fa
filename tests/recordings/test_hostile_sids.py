"""A RecordingSid names a URL at Twilio and a file here: one that is a path never becomes either.

Twilio here answers audio at any address, so only the helpline's own checks keep a path out.
"""

from __future__ import annotations

import io
import threading
import wave
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.db import db
from app.recordings import services
from app.recordings.models import Recording, RecordingState

from .pipeline import recording_callback, run_queued_jobs, start_call

TRAVERSAL = "../../../escaped"  # from RECORDINGS_DIR/YYYY/MM, three folders up: the instance folder


def silence_wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000)
    return out.getvalue()


class AnyAddressTwilio:
    """An HTTP server that hands out a second of audio at every address, and notes each one asked for."""

    def __init__(self):
        self.paths: list[str] = []
        audio = silence_wav()

        @Request.application
        def answer(request: Request) -> Response:
            self.paths.append(request.path)
            return Response(audio, mimetype="audio/x-wav")

        self.server = make_server("127.0.0.1", 0, answer, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def any_address_twilio():
    server = AnyAddressTwilio()
    yield server
    server.stop()


@pytest.fixture
def app(make_pipeline_app, any_address_twilio, tmp_path):
    missing = str(tmp_path / "no-model")  # no transcription: the job ends once the audio is kept
    return make_pipeline_app(TWILIO_API_BASE_URL=any_address_twilio.url, VOSK_MODELS={"kk": missing, "ru": missing})


def escaped_files(root: Path) -> list[Path]:
    return sorted(root.rglob("escaped*"))


def test_a_signed_recording_sid_that_is_a_path_is_refused_and_never_becomes_a_file(app, any_address_twilio, tmp_path):
    response = recording_callback(app.test_client(), start_call(app), TRAVERSAL)
    run_queued_jobs(app)
    assert escaped_files(tmp_path) == []  # before the check, the audio landed at instance/escaped.wav
    assert any_address_twilio.paths == []
    assert response.status_code == 400
    with app.app_context():
        assert services.find(TRAVERSAL) is None


def test_a_stored_recording_whose_sid_is_not_a_sid_fails_without_fetching_or_writing(app, any_address_twilio,
                                                                                      tmp_path):
    """A row from before the webhooks checked SIDs: the pipeline refuses it on its own."""
    with app.app_context():
        recording = Recording(recording_sid=TRAVERSAL, call_sid="CA" + "1" * 32, media_url="https://api.twilio.com/x")
        db.session.add(recording)
        db.session.commit()
        assert services.process(recording.id) is RecordingState.FAILED
        assert "not a Twilio recording SID" in recording.failure
        assert recording.local_path is None
    assert any_address_twilio.paths == []
    assert escaped_files(tmp_path) == []
