"""The recordings pipeline with real parts: Twilio's REST stand-in over real HTTP, the call simulator, the queue.

Fixtures here are imported by the conftest of each test package that uses them.
"""

from __future__ import annotations

import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from werkzeug.serving import make_server

from app.db import db
from app.recordings import services
from app.recordings.models import Recording
from app.simulator.engine import AppTransport, CallResult, CallSimulator, ScriptedCaller
from app.simulator.twilio_api import TwilioStandIn
from app.telephony.gateway import TwilioGateway
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL
from tests.telephony.helpers import signed_post, twilio_params
from tests.transcription.speech import wav_info

FAST_RETRIES = (0.01, 0.02)  # the gateway's waits between tries, shortened for tests only
VOICE_MESSAGE_KEYS = {"kk": "1 5 speaks", "ru": "2 5 speaks"}  # language, "voice message" in the menu, speak


def new_recording_sid() -> str:
    return "RE" + secrets.token_hex(16)


def free_port() -> int:
    """A loopback port nothing listens on (for 'Twilio cannot be reached')."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StandInServer:
    """``TwilioStandIn`` served over real HTTP on a loopback port, in a thread."""

    def __init__(self, storage: Path):
        self.standin = TwilioStandIn(storage, ACCOUNT_SID, AUTH_TOKEN)
        self.server = make_server("127.0.0.1", 0, self.standin.app(), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop answering (Twilio unreachable); safe to call twice."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(timeout=5)
        self.server.server_close()

    def requests_for(self, recording_sid: str) -> list[dict]:
        return [r for r in self.standin.requests if recording_sid in r["path"]]

    def put(self, audio: Path | bytes, recording_sid: str | None = None) -> str:
        """Put a recording where Twilio keeps it; returns its RecordingSid."""
        recording_sid = recording_sid or new_recording_sid()
        self.standin.put_recording(recording_sid, audio if isinstance(audio, bytes) else audio.read_bytes())
        return recording_sid


@pytest.fixture
def twilio(tmp_path) -> StandInServer:
    """Twilio's REST API (the stand-in) on its own port."""
    server = StandInServer(tmp_path / "twilio")
    yield server
    server.stop()


def fast_gateway(app) -> None:
    """The app's Twilio gateway with short waits between retries (the only test-only change)."""
    config = app.config
    gateway = app.extensions["qorgau.gateway"]
    app.extensions["qorgau.gateway"] = TwilioGateway(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                                                     gateway.base_url, timeout=10, retry_delays=FAST_RETRIES)


@pytest.fixture
def make_pipeline_app(make_app, twilio, speech_models, tmp_path):
    """Build an app wired to the stand-in over HTTP, with its own job queue and recordings folder."""

    def factory(**overrides):
        settings = {
            "INSTANCE_DIR": str(tmp_path / "instance"),  # own huey.db and RECORDINGS_DIR
            "REDIS_URL": "",  # the test's own queue, even where the environment names a Redis
            "TWILIO_API_BASE_URL": twilio.url,
            "TWILIO_SIMULATOR": False,
            "VOSK_MODELS": dict(speech_models),
            **overrides,
        }
        app = make_app(**settings)
        fast_gateway(app)
        return app

    return factory


@pytest.fixture
def pipeline_app(make_pipeline_app):
    return make_pipeline_app()


# --- driving it ------------------------------------------------------------------------------------------


@dataclass
class Message:
    """A voice message left through the simulator."""

    call: CallResult
    recording_sid: str

    @property
    def call_sid(self) -> str:
        return self.call.call_sid


def leave_voice_message(app, twilio: StandInServer, audio: Path, language: str = "kk") -> Message:
    """Call 111, pick the voice message, speak ``audio``: Twilio keeps it and calls the recordingStatusCallback."""

    def record(recording_sid: str) -> float:  # the simulator's on_recording: the caller's voice, kept at Twilio
        twilio.put(audio, recording_sid)
        return wav_info(audio)[3]

    simulator = CallSimulator(AppTransport(app), PUBLIC_BASE_URL, AUTH_TOKEN, ACCOUNT_SID, api_base=twilio.url,
                              on_recording=record)
    result = simulator.call(ScriptedCaller(VOICE_MESSAGE_KEYS[language].split()))
    assert result.problems == []
    [recording_sid] = result.recordings
    return Message(result, recording_sid)


def recording_callback(client, call_sid: str, recording_sid: str, *, channels: int = 1, duration: int = 5,
                       source: str = "RecordVerb", status: str = "completed"):
    """Twilio's signed recordingStatusCallback for a recording of ``call_sid``."""
    url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}"
    params = twilio_params(call_sid, RecordingSid=recording_sid, RecordingUrl=url, RecordingStatus=status,
                           RecordingDuration=str(duration), RecordingChannels=str(channels),
                           RecordingSource=source, ErrorCode="0")
    return signed_post(client, "/voice/recording", params)


def recording_id(app, recording_sid: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Recording.id).where(Recording.recording_sid == recording_sid))


def load_recording(app, recording_sid: str) -> Recording | None:
    """The recording with its transcripts and words, detached for assertions."""
    with app.app_context():
        recording = db.session.scalar(select(Recording).where(Recording.recording_sid == recording_sid))
        if recording is not None:
            for transcript in recording.transcripts:
                _ = transcript.words
            db.session.expunge_all()
        db.session.remove()
    return recording


def queued_jobs(app) -> list:
    """The tasks waiting in the app's queue (without taking them)."""
    return list(app.extensions["qorgau.huey"].pending())


def run_queued_jobs(app) -> list:
    """Take every waiting task off the app's queue and run it, as one consumer would; returns their results."""
    huey = app.extensions["qorgau.huey"]
    results = []
    with app.app_context():
        while (task := huey.dequeue()) is not None:
            results.append(huey.execute(task))
        db.session.remove()
    return results


def process(app, recording_sid: str):
    """Run the recording's job in-process (``services.process``), returning the state reached."""
    identifier = recording_id(app, recording_sid)
    with app.app_context():
        try:
            return services.process(identifier)
        finally:
            db.session.remove()


def start_call(app, language: str = "kk") -> str:
    """A call that chose its language and waits in the queue (the caller hangs up after two rounds)."""
    simulator = CallSimulator(AppTransport(app), PUBLIC_BASE_URL, AUTH_TOKEN, ACCOUNT_SID)
    result = simulator.call(ScriptedCaller([{"kk": "1", "ru": "2"}[language], "1"]))
    assert result.problems == []
    return result.call_sid


def backdate(app, recording_sid: str, minutes: float, columns: tuple[str, ...] = ("created_at", "updated_at")) -> None:
    """Move a recording's timestamps into the past, as if it had been waiting that long."""
    with app.app_context():
        recording = db.session.scalar(select(Recording).where(Recording.recording_sid == recording_sid))
        earlier = {name: getattr(recording, name) - timedelta(minutes=minutes) for name in columns}
        # A Core update: the ORM would set updated_at to now on any change of the row.
        db.session.execute(update(Recording).where(Recording.id == recording.id).values(**earlier))
        db.session.commit()
        db.session.remove()
