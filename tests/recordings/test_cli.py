"""``flask recordings jobs|rerun|sweep``: the pipeline's jobs by state, and re-running one."""

from __future__ import annotations

from app.recordings.models import RecordingState
from tests.transcription.speech import assert_well_formed

from .pipeline import (
    backdate,
    leave_voice_message,
    load_recording,
    queued_jobs,
    recording_callback,
    run_queued_jobs,
    start_call,
)


def test_jobs_lists_recordings_by_state_with_the_reason_they_stopped(make_pipeline_app, twilio, test_audio, tmp_path):
    missing = str(tmp_path / "none")
    app = make_pipeline_app(VOSK_MODELS={"kk": missing, "ru": missing})
    waiting = leave_voice_message(app, twilio, test_audio.yes_no_8k, language="ru")
    lost = "RE" + "6" * 32  # Twilio never had it
    recording_callback(app.test_client(), start_call(app), lost)
    broken = twilio.put(test_audio.text)
    recording_callback(app.test_client(), start_call(app), broken)
    assert sorted(run_queued_jobs(app)) == ["failed", "failed", "needs_model"]
    unsent = twilio.put(test_audio.yes_no_8k)
    tasks = app.extensions["qorgau.tasks"]
    send = tasks.pop("process_recording")  # the queue is down: the row is kept, its job waits for the sweep
    recording_callback(app.test_client(), start_call(app), unsent)
    tasks["process_recording"] = send

    runner = app.test_cli_runner()
    result = runner.invoke(args=["recordings", "jobs"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "at_twilio: 1  stored: 0  needs_model: 1  transcribed: 0  failed: 2"
    listed = {line.split()[0]: line for line in lines[1:] if line.startswith("RE")}
    assert set(listed) == {waiting.recording_sid, lost, broken, unsent}
    assert listed[waiting.recording_sid].split()[1:3] == ["needs_model", "ru"]
    assert listed[lost].split()[1:5] == ["failed", "kk", "attempts", "1"]
    reasons = result.output.split(lost, 1)[1].splitlines()[1].strip()
    assert reasons == f"Twilio has no recording {lost} (404)"
    assert "run `flask --app app models install ru`" in result.output
    assert "not an audio file" in result.output

    failed_only = runner.invoke(args=["recordings", "jobs", "--state", "failed"]).output
    assert lost in failed_only and broken in failed_only and waiting.recording_sid not in failed_only

    assert load_recording(app, unsent).job_sent_at is None
    assert runner.invoke(args=["recordings", "sweep"]).output == "re-sent 0 job(s)\n"  # its sender may still send it
    backdate(app, unsent, minutes=2)
    swept = runner.invoke(args=["recordings", "sweep"])
    assert swept.output == "re-sent 1 job(s)\n"
    assert [job.args for job in queued_jobs(app)] == [(load_recording(app, unsent).id,)]


def test_rerun_runs_a_failed_recording_again_and_says_how_it_ended(pipeline_app, twilio, test_audio):
    app = pipeline_app
    recording_sid = "RE" + "8" * 32
    recording_callback(app.test_client(), start_call(app), recording_sid)  # announced before Twilio could serve it
    assert run_queued_jobs(app) == ["failed"]
    runner = app.test_cli_runner()

    again = runner.invoke(args=["recordings", "rerun", recording_sid])
    assert again.exit_code == 1
    assert f"{recording_sid}: failed (Twilio has no recording {recording_sid} (404))" in again.output

    twilio.put(test_audio.yes_no_8k, recording_sid)
    done = runner.invoke(args=["recordings", "rerun", recording_sid])
    assert done.exit_code == 0, done.output
    assert "transcribing" in done.output and done.output.rstrip().endswith(f"{recording_sid}: transcribed")
    recording = load_recording(app, recording_sid)
    assert recording.state is RecordingState.TRANSCRIBED and recording.attempts == 1
    [transcript] = recording.transcripts
    assert_well_formed(transcript.words, recording.duration_seconds)

    # A re-run of a finished recording transcribes it again in place: still one transcript.
    assert runner.invoke(args=["recordings", "rerun", recording_sid]).exit_code == 0
    assert len(load_recording(app, recording_sid).transcripts) == 1
    assert [r["method"] for r in twilio.requests_for(recording_sid)] == ["GET", "GET", "GET", "DELETE"]


def test_rerun_of_an_unknown_recording_is_an_error(app):
    result = app.test_cli_runner().invoke(args=["recordings", "rerun", "RE" + "0" * 32])
    assert result.exit_code == 1
    assert "no recording RE" in result.output
