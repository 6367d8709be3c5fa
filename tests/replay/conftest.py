"""Fixtures of the replay tests: a real call with a case, its recordings transcribed by the real pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from app.cases import services as cases
from app.models import import_all
from app.voice import services as voice
from tests.auth.helpers import create_user
from tests.recordings.pipeline import (  # noqa: F401
    make_pipeline_app,
    pipeline_app,
    recording_callback,
    recording_id,
    run_queued_jobs,
    start_call,
    twilio,
)
from tests.transcription.speech import speech_models, test_audio, vosk_model  # noqa: F401

import_all()  # every model registered before base_config drops the tables

PEOPLE = (("aigerim", "operator"), ("daniyar", "operator"), ("saule", "supervisor"), ("arman", "admin"))


@dataclass
class Replayable:
    """A call through the IVR, taken by aigerim, with a two-channel conversation and a voice message."""

    app: object
    people: dict[str, int]
    call_sid: str
    case_id: int
    referral_id: int
    conversation: int  # recording ids
    message: int


def add_call_with_case(app, people: dict[str, int], operator: str = "aigerim") -> tuple[str, int, int]:
    """A real call (the simulator through the IVR into the queue) and the case its operator opened.

    Returns the CallSid, the case id and the id of the case's referral.
    """
    call_sid = start_call(app, "kk")
    with app.app_context():
        entry = voice.entry_for_call(call_sid)
        case = cases.open_case(entry.id, people[operator])
        cases.save_case(case.id, people[operator], {
            "category": "child_rights", "sub_category": "school_bullying", "contact_type": "substantive",
            "services": ["psychological_support"], "risk_level": "medium", "notes": "Bullied at school.",
            "referrals": [{"id": None, "agency": "education", "note": "Class teacher informed.",
                           "due_date": date.today() + timedelta(days=7)}],
        })
        return call_sid, case.id, case.referrals[0].id


def add_recording(app, twilio, call_sid: str, audio, *, channels: int, source: str) -> int:  # noqa: F811
    """A recording of the call as Twilio announces it; returns its id (its job is queued, not run)."""
    recording_sid = twilio.put(audio)
    response = recording_callback(app.test_client(), call_sid, recording_sid, channels=channels, source=source)
    assert response.status_code == 200
    return recording_id(app, recording_sid)


@pytest.fixture
def replayable(make_pipeline_app, twilio, test_audio) -> Replayable:  # noqa: F811
    app = make_pipeline_app()
    people = {name: create_user(app, name, role) for name, role in PEOPLE}
    call_sid, case_id, referral_id = add_call_with_case(app, people)
    conversation = add_recording(app, twilio, call_sid, test_audio.dual, channels=2, source="DialVerb")
    message = add_recording(app, twilio, call_sid, test_audio.message_8k, channels=1, source="RecordVerb")
    assert run_queued_jobs(app) == ["transcribed", "transcribed"]
    return Replayable(app, people, call_sid, case_id, referral_id, conversation, message)
