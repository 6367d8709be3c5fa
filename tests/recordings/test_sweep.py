"""The sweep re-sends jobs that were committed but never finished, once each, and leaves the others alone."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.db import db
from app.recordings import services
from app.recordings.models import RecordingState

from .pipeline import backdate, load_recording, queued_jobs, recording_callback, run_queued_jobs, start_call


@pytest.fixture
def no_model_app(make_pipeline_app, tmp_path):
    missing = str(tmp_path / "no-model")
    return make_pipeline_app(VOSK_MODELS={"kk": missing, "ru": missing})


def announce_while_the_queue_is_down(app, twilio, audio) -> str:
    """The row is committed, but sending its job fails (the sweep is what will send it)."""
    recording_sid = twilio.put(audio)
    tasks = app.extensions["qorgau.tasks"]
    send = tasks.pop("process_recording")
    try:
        assert recording_callback(app.test_client(), start_call(app), recording_sid).status_code == 200
    finally:
        tasks["process_recording"] = send
    assert load_recording(app, recording_sid).job_sent_at is None
    return recording_sid


def sweep(app) -> int:
    with app.app_context():
        try:
            return services.sweep()
        finally:
            db.session.remove()


def test_a_job_never_sent_is_sent_by_the_sweep_once_its_sender_had_its_moment(no_model_app, twilio, test_audio):
    app = no_model_app
    recording_sid = announce_while_the_queue_is_down(app, twilio, test_audio.yes_no_8k)
    assert sweep(app) == 0  # just committed: its sender is about to send it (no second job)
    backdate(app, recording_sid, minutes=2)
    assert sweep(app) == 1
    assert sweep(app) == 0  # sent now: not again until its lease runs out
    assert len(queued_jobs(app)) == 1
    assert load_recording(app, recording_sid).job_sent_at is not None
    assert run_queued_jobs(app) == ["needs_model"]


def test_a_job_whose_worker_died_is_sent_again_after_its_lease(no_model_app, twilio, test_audio):
    app = no_model_app
    recording_sid = twilio.put(test_audio.yes_no_8k)
    recording_callback(app.test_client(), start_call(app), recording_sid)
    app.extensions["qorgau.huey"].flush()  # the job was taken by a worker that then died
    assert sweep(app) == 0  # within the lease: it may still be running
    backdate(app, recording_sid, minutes=app.config["RECORDING_JOB_LEASE_SECONDS"] / 60 + 1, columns=("updated_at",))
    assert sweep(app) == 1
    assert run_queued_jobs(app) == ["needs_model"]
    # Finished (for now: it needs a model) and deleted at Twilio: nothing for the sweep.
    backdate(app, recording_sid, minutes=60, columns=("updated_at",))
    assert sweep(app) == 0


def test_two_sweeps_at_once_send_a_job_once(no_model_app, twilio, test_audio):
    app = no_model_app
    recording_sid = announce_while_the_queue_is_down(app, twilio, test_audio.yes_no_8k)
    backdate(app, recording_sid, minutes=2)
    other: list[int] = []

    with app.app_context():
        def another_worker_sweeps_first(conn, cursor, statement, *args):
            """Just before this sweep claims the row, another worker's sweep runs from start to end."""
            if statement.lstrip().upper().startswith("UPDATE RECORDINGS") and not other:
                other.append(-1)
                with app.app_context():  # its own session and connection, like another process
                    other[0] = services.sweep()
                    db.session.remove()

        event.listen(db.engine, "before_cursor_execute", another_worker_sweeps_first)
        try:
            mine = services.sweep()
        finally:
            event.remove(db.engine, "before_cursor_execute", another_worker_sweeps_first)
            db.session.remove()
    assert (other, mine) == ([1], 0)
    assert len(queued_jobs(app)) == 1
    assert load_recording(app, recording_sid).state is RecordingState.AT_TWILIO
