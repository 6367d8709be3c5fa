"""A conversation recorded on two channels is transcribed as two speakers: the caller and the operator."""

from __future__ import annotations

import pytest

from app.core.vocab import RecordingSource
from app.recordings import services
from app.recordings.models import RecordingState
from tests.transcription.speech import assert_well_formed, wav_info

from .pipeline import load_recording, new_recording_sid, recording_callback, run_queued_jobs, start_call


def test_a_two_channel_conversation_becomes_a_caller_and_an_operator_transcript(pipeline_app, twilio, test_audio):
    app = pipeline_app
    call_sid = start_call(app, "kk")
    recording_sid = twilio.put(test_audio.dual)
    response = recording_callback(app.test_client(), call_sid, recording_sid, channels=2, source="DialVerb",
                                  duration=round(test_audio.dual_duration))
    assert response.status_code == 200
    assert load_recording(app, recording_sid).source is RecordingSource.CONVERSATION

    assert run_queued_jobs(app) == ["transcribed"]
    recording = load_recording(app, recording_sid)
    assert recording.state is RecordingState.TRANSCRIBED
    assert recording.channels == 2
    with app.app_context():
        assert wav_info(services.local_file(recording))[0] == 2  # both channels were fetched, not Twilio's mix
    [get] = [r for r in twilio.requests_for(recording_sid) if r["method"] == "GET"]
    assert get["query"] == {"RequestedChannels": "2"}

    caller, operator = recording.transcripts
    assert (caller.channel, caller.speaker.value) == (0, "caller")
    assert (operator.channel, operator.speaker.value) == (1, "operator")
    for transcript in (caller, operator):
        assert transcript.language == "kk"
        assert_well_formed(transcript.words, test_audio.dual_duration)
    # Each channel's words lie where its speaker spoke: the caller at once, the operator after a pause.
    assert caller.words[-1].end <= test_audio.caller_ends + 0.3
    assert operator.words[0].start >= test_audio.operator_starts - 0.3


@pytest.mark.parametrize("source, channels, kind", [
    ("RecordVerb", 1, "voice_message"),
    ("DialVerb", 2, "conversation"),
    ("Conference", 1, "conversation"),
    ("StartCallRecordingAPI", 2, "conversation"),
    (None, 1, "voice_message"),  # not told: a <Record> has one channel...
    (None, 2, "conversation"),  # ...so two channels can only be a conversation
])
def test_the_kind_of_recording_follows_twilios_recording_source(app, source, channels, kind):
    with app.app_context():
        recording = services.register("CA" + "5" * 32, new_recording_sid(), "https://api.twilio.com/x", "completed",
                                      7, channels, source)
        assert recording.source.value == kind
        assert recording.source.speakers(channels) == (
            ("voice_message",) * channels if kind == "voice_message" else ("caller", "operator")[:channels])


def test_the_webhook_passes_the_recording_source_on(pipeline_app, twilio):
    app = pipeline_app
    recording_sid = new_recording_sid()
    recording_callback(app.test_client(), start_call(app), recording_sid, channels=1, source="Conference")
    assert load_recording(app, recording_sid).source is RecordingSource.CONVERSATION
