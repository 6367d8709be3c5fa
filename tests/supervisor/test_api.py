"""``GET /api/calls/<CallSid>``: a supervisor reads a call with its recordings and transcripts, and it is audited.

Every body is validated against the OpenAPI document the app serves at ``/api/openapi.json``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from app.recordings import services
from tests.auth.helpers import audit_events, create_user, issue_token
from tests.recordings.pipeline import leave_voice_message, load_recording, run_queued_jobs

CALLER_NUMBER = "+77011234567"  # what the simulator dials from


@pytest.fixture
def openapi(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def validator(document: dict, schema_name: str) -> Draft202012Validator:
    """A validator for one of the document's schemas, its ``$ref``s resolved within the document."""
    registry = Registry().with_resource("urn:qorgau:openapi", Resource.from_contents(document, DRAFT202012))
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value) -> bool:  # RFC 3339: a date, a time and an offset
        return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None

    schema = {"$ref": f"urn:qorgau:openapi#/components/schemas/{schema_name}"}
    return Draft202012Validator(schema, registry=registry, format_checker=checker)


def assert_matches(document: dict, path: str, status: int, response) -> dict:
    """The body matches the schema the document gives for this path's GET and this status."""
    described = document["paths"][path]["get"]["responses"][str(status)]
    ref = described["content"]["application/json"]["schema"]["$ref"]
    body = response.get_json()
    assert response.status_code == status
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(document, ref.rsplit("/", 1)[1])
              .iter_errors(body)]
    assert errors == []
    return body


@pytest.fixture
def people(app):
    create_user(app, "saule", "supervisor")
    create_user(app, "amina", "operator")
    return {"supervisor": issue_token(app, "saule"), "operator": issue_token(app, "amina")}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_the_openapi_document_describes_the_call_endpoint(openapi):
    assert openapi["openapi"].startswith("3.1")
    operation = openapi["paths"]["/api/calls/{call_sid}"]["get"]
    assert set(operation["responses"]) == {"200", "401", "403", "404"}
    Draft202012Validator.check_schema(openapi["components"]["schemas"]["Call"])
    for name in ("Call", "Recording", "Transcript", "Word", "Error"):
        assert name in openapi["components"]["schemas"]
    # The validator used below does check what it is given: formats, nested $refs, extra keys.
    word = {"word": "네", "start": 0.1, "end": 0.3, "confidence": 0.9}
    recording = {"recording_sid": "RE" + "1" * 32, "source": "voice_message", "state": "transcribed", "failure": None,
                 "language": "kk", "duration_seconds": 1.0, "channels": 1, "sha256": None, "size_bytes": None,
                 "stored_at": "2026-03-02T10:00:00+00:00", "deleted_at_twilio": None, "transcribed_at": None,
                 "transcripts": [{"channel": 0, "speaker": "voice_message", "language": "kk", "engine": "vosk:x",
                                  "text": "네", "words": [word]}]}
    check = validator(openapi, "Recording")
    assert check.is_valid(recording)
    assert not check.is_valid({**recording, "stored_at": "2026-03-02T10:00:00"})  # no offset: not RFC 3339
    assert not check.is_valid({**recording, "caller_number": "+77011234567"})
    bad_word = {**word, "confidence": 1.5}
    assert not check.is_valid({**recording, "transcripts": [{**recording["transcripts"][0], "words": [bad_word]}]})


def test_a_supervisor_reads_a_transcribed_voice_message_and_each_read_is_audited(
        make_pipeline_app, twilio, test_audio, openapi):
    app = make_pipeline_app()
    tokens = {"supervisor": (create_user(app, "saule", "supervisor"), issue_token(app, "saule")),
              "operator": (create_user(app, "amina", "operator"), issue_token(app, "amina"))}
    client = app.test_client()
    message = leave_voice_message(app, twilio, test_audio.message_8k)
    path = f"/api/calls/{message.call_sid}"

    # Before the job ran: the recording is listed, at Twilio, with no transcript, so no transcript was read.
    body = assert_matches(openapi, "/api/calls/{call_sid}", 200, client.get(path, headers=bearer(tokens["supervisor"][1])))
    assert [(r["state"], r["transcripts"]) for r in body["recordings"]] == [("at_twilio", [])]
    assert audit_events(app, "transcript.read") == []

    assert run_queued_jobs(app) == ["transcribed"]
    supervisor_id, token = tokens["supervisor"]
    body = assert_matches(openapi, "/api/calls/{call_sid}", 200, client.get(path, headers=bearer(token)))
    recording = load_recording(app, message.recording_sid)
    with app.app_context():
        data = services.local_file(recording).read_bytes()
    assert body["call_sid"] == message.call_sid and body["language"] == "kk"
    assert body["ivr_outcome"] == "voice_message"
    [shown] = body["recordings"]
    assert shown["recording_sid"] == message.recording_sid
    assert (shown["state"], shown["source"], shown["channels"]) == ("transcribed", "voice_message", 1)
    assert shown["sha256"] == hashlib.sha256(data).hexdigest() and shown["size_bytes"] == len(data)
    assert shown["duration_seconds"] == pytest.approx(test_audio.message_duration, abs=0.01)
    assert shown["deleted_at_twilio"] is not None
    [transcript] = shown["transcripts"]
    [row] = recording.transcripts
    assert (transcript["channel"], transcript["speaker"], transcript["language"]) == (0, "voice_message", "kk")
    assert transcript["text"] == row.text != ""
    assert transcript["words"] == [{"word": w.word, "start": w.start, "end": w.end, "confidence": w.confidence}
                                   for w in row.words]
    starts = [w["start"] for w in transcript["words"]]
    assert starts == sorted(starts) and transcript["words"][-1]["end"] <= shown["duration_seconds"]
    raw = json.dumps(body)
    assert CALLER_NUMBER not in raw and CALLER_NUMBER[1:] not in raw  # callers are anonymous

    [event] = audit_events(app, "transcript.read")
    assert (event.actor_id, event.actor_label) == (supervisor_id, "saule")
    assert (event.target_type, event.target_id) == ("transcript", str(row.id))
    assert event.details == {"recording_sid": message.recording_sid, "via": "api"}
    client.get(path, headers=bearer(token))
    assert len(audit_events(app, "transcript.read")) == 2  # every read, not the first only

    # An operator may not read it, nobody may without a token, and neither attempt reads a transcript.
    operator = client.get(path, headers=bearer(tokens["operator"][1]))
    assert_matches(openapi, "/api/calls/{call_sid}", 403, operator)
    anonymous = client.get(path)
    assert_matches(openapi, "/api/calls/{call_sid}", 401, anonymous)
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert_matches(openapi, "/api/calls/{call_sid}", 401, client.get(path, headers=bearer("not-a-token")))
    assert len(audit_events(app, "transcript.read")) == 2


def test_an_unknown_call_is_404(client, people, openapi):
    response = client.get("/api/calls/CA" + "0" * 32, headers=bearer(people["supervisor"]))
    assert assert_matches(openapi, "/api/calls/{call_sid}", 404, response)["error"].startswith("no call")
