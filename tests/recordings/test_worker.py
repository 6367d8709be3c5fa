"""The real worker: ``huey_consumer app.worker.huey`` in its own process, as the Procfile runs it.

The test app (the web side) and the consumer share the database, the job queue (the same ``huey.db``, or
Redis) and the recordings folder; Twilio is the stand-in over HTTP. Waits are bounded; every consumer
started here is killed in teardown.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.recordings.models import RecordingState
from tests.auth.helpers import create_user, issue_token
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL
from tests.transcription.speech import assert_well_formed

from .pipeline import leave_voice_message, load_recording, queued_jobs

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
CONSUMER = Path(sys.executable).parent / "huey_consumer"  # the one installed beside this Python (the venv's)
if not CONSUMER.exists():
    CONSUMER = Path(shutil.which("huey_consumer") or CONSUMER)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")  # nothing else leaks in (DATABASE_URL...)


class Worker:
    """One ``huey_consumer`` process group (the consumer and its worker process)."""

    def __init__(self, env: dict[str, str], log: Path, *options: str):
        self.env, self.log, self.options = env, log, options
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with self.log.open("ab") as out:
            out.write(f"--- starting consumer {' '.join(self.options)}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [str(CONSUMER), "app.worker.huey", *self.options], cwd=REPOSITORY, env=self.env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)  # its own group: its worker dies with it
        return self

    def kill(self) -> None:
        """SIGKILL the whole group at once, like a machine losing power: no clean-up runs."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # the group is gone already
            os.killpg(self.process.pid, signal.SIGKILL)  # the consumer and the worker process it forked
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def workers(tmp_path):
    """Start consumers with ``workers(env, *options)``; all of them are killed afterwards."""
    started: list[Worker] = []

    def start(env: dict[str, str], *options: str) -> Worker:
        worker = Worker(env, tmp_path / "worker.log", *options).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def worker_env(app, twilio, base_config, vosk_model, **extra: str) -> dict[str, str]:
    """The consumer's environment: the test app's database, queue and folders; Twilio's stand-in."""
    env = {key: os.environ[key] for key in PASSED_ON if key in os.environ}
    env.update({
        "QORGAU_ENV": "testing",
        "DATABASE_URL": base_config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_DIR": app.config["INSTANCE_DIR"],  # the same huey.db as the test app
        "RECORDINGS_DIR": app.config["RECORDINGS_DIR"],
        "REDIS_URL": app.config["REDIS_URL"],
        "TWILIO_API_BASE_URL": twilio.url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "SECRET_KEY": base_config["SECRET_KEY"],
        "CALLER_HASH_KEY": base_config["CALLER_HASH_KEY"],
        "VOSK_MODEL_KK": str(vosk_model),
        "VOSK_MODEL_RU": str(vosk_model),
        **extra,
    })
    return {key: value for key, value in env.items() if value}


# Fast polling of the queue (the default backs off to 10 s); one worker process, as in the Procfile.
CONSUMER_OPTIONS = ("--workers", "1", "--worker-type", "process", "--delay", "0.1", "--max-delay", "0.5")


def wait_for(check: Callable[[], object], seconds: float, worker: Worker, what: str):
    """Poll ``check`` until it returns something true, at most ``seconds``; fail with the worker's log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}) before {what}:\n{worker.output()[-4000:]}")
        time.sleep(0.1)
    pytest.fail(f"timed out after {seconds} s waiting for {what}:\n{worker.output()[-4000:]}")


def finished(app, recording_sid: str):
    recording = load_recording(app, recording_sid)
    return recording if recording is not None and recording.state.is_final else None


def assert_readable_through_the_api(app, call_sid: str, recording) -> None:
    create_user(app, "saule", "supervisor")
    response = app.test_client().get(f"/api/calls/{call_sid}",
                                     headers={"Authorization": f"Bearer {issue_token(app, 'saule')}"})
    assert response.status_code == 200
    [shown] = response.get_json()["recordings"]
    assert (shown["state"], shown["sha256"]) == ("transcribed", recording.sha256)
    [transcript] = shown["transcripts"]
    assert transcript["speaker"] == "voice_message"
    assert_well_formed(transcript["words"], shown["duration_seconds"])


def end_to_end(app, twilio, test_audio, base_config, vosk_model, workers) -> None:
    """A voice message left through the simulator ends, with only the worker running, readable through the API."""
    worker = workers(worker_env(app, twilio, base_config, vosk_model), *CONSUMER_OPTIONS)
    message = leave_voice_message(app, twilio, test_audio.yes_no_8k)
    recording = wait_for(lambda: finished(app, message.recording_sid), 90, worker, "the job to finish")
    assert recording.state is RecordingState.TRANSCRIBED, recording.failure
    with app.app_context():
        from app.recordings.services import local_file

        data = local_file(recording).read_bytes()
    assert recording.sha256 == hashlib.sha256(data).hexdigest()
    assert not twilio.standin.has_recording(message.recording_sid)
    assert [r["method"] for r in twilio.requests_for(message.recording_sid)] == ["GET", "DELETE"]
    assert_readable_through_the_api(app, message.call_sid, recording)
    assert "recordings.process" in worker.output()  # it was the consumer that ran it


def test_a_voice_message_is_transcribed_by_the_worker_alone(make_pipeline_app, twilio, test_audio, base_config,
                                                            vosk_model, workers):
    app = make_pipeline_app(REDIS_URL="")  # the embedded queue: a SQLite file both processes open
    assert app.extensions["qorgau.huey"].storage.filename == str(Path(app.config["INSTANCE_DIR"]) / "huey.db")
    end_to_end(app, twilio, test_audio, base_config, vosk_model, workers)


@pytest.mark.skipif(not TEST_REDIS_URL, reason="set TEST_REDIS_URL (CI: redis://127.0.0.1:6379/15) to run the worker "
                                               "on a real Redis")
def test_a_voice_message_is_transcribed_by_the_worker_through_redis(make_pipeline_app, twilio, test_audio,
                                                                    base_config, vosk_model, workers):
    from huey import RedisHuey

    app = make_pipeline_app(REDIS_URL=TEST_REDIS_URL)
    huey = app.extensions["qorgau.huey"]
    assert isinstance(huey, RedisHuey)
    huey.flush()  # a test database: leftovers of an interrupted run would come first
    try:
        end_to_end(app, twilio, test_audio, base_config, vosk_model, workers)
    finally:
        huey.flush()


def test_a_worker_killed_in_the_middle_of_a_job_is_replaced_and_the_job_finishes_once(
        make_pipeline_app, twilio, test_audio, base_config, vosk_model, workers):
    app = make_pipeline_app()
    options = (*CONSUMER_OPTIONS, "--no-periodic")  # only the start-up sweep may re-send the job
    first = workers(worker_env(app, twilio, base_config, vosk_model), *options)  # the usual lease (30 min)
    message = leave_voice_message(app, twilio, test_audio.long_8k)

    def transcribing():  # stored, Twilio's copy deleted: the worker is now loading the model or recognising
        recording = load_recording(app, message.recording_sid)
        return recording if recording.deleted_at_twilio is not None else None

    stored = wait_for(transcribing, 60, first, "the download")
    time.sleep(2.5)  # into the transcription (the model loads in ≈ 2 s; recognising 22 s of speech takes ≈ 6 s)
    first.kill()
    killed = load_recording(app, message.recording_sid)
    assert killed.state is RecordingState.STORED and killed.transcripts == []
    assert killed.sha256 == stored.sha256

    assert queued_jobs(app) == []  # the job died with its worker: nothing is waiting in the queue

    # The replacement counts a job untouched for a second as lost (short, so the test need not wait 30 min).
    lease = 1
    time.sleep(max(0.0, (killed.updated_at.timestamp() + lease + 0.2) - time.time()))
    second = workers(worker_env(app, twilio, base_config, vosk_model, RECORDING_JOB_LEASE_SECONDS=str(lease)),
                     *options)
    recording = wait_for(lambda: finished(app, message.recording_sid), 120, second, "the re-sent job to finish")
    assert recording.state is RecordingState.TRANSCRIBED, recording.failure
    assert recording.attempts == 2  # the killed run and the re-sent one
    [transcript] = recording.transcripts  # one set of transcripts, not two
    assert_well_formed(transcript.words, test_audio.long_duration)
    assert [w.position for w in transcript.words] == list(range(len(transcript.words)))
    assert recording.sha256 == stored.sha256
    # Fetched once and deleted once: the verified local copy was used after the restart.
    assert [r["method"] for r in twilio.requests_for(message.recording_sid)] == ["GET", "DELETE"]
