"""Every REST request the pipeline makes to Twilio, checked against Twilio's official OpenAPI description."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ACCOUNT_SID
from tests.twilio_spec import SPEC_DIR, twilio_spec

from .pipeline import leave_voice_message, load_recording, recording_callback, run_queued_jobs


@pytest.fixture
def no_model_app(make_pipeline_app, tmp_path):
    """The pipeline without speech models: download and delete happen, transcription waits (and costs nothing)."""
    missing = str(tmp_path / "no-model")
    return make_pipeline_app(VOSK_MODELS={"kk": missing, "ru": missing})


def test_the_spec_is_found_beside_the_repository():
    repository = Path(__file__).resolve().parents[2]
    assert SPEC_DIR.resolve() == (repository.parent / "shared" / "vendor" / "twilio-oai").resolve()
    spec = twilio_spec()
    assert spec.document["info"]["title"] == "Twilio - Api"
    assert spec.security_schemes == {"accountSid_authToken": {"type": "http", "scheme": "basic"}}


def test_downloads_and_deletes_follow_twilios_spec(no_model_app, twilio, test_audio):
    app = no_model_app
    message = leave_voice_message(app, twilio, test_audio.yes_no_8k)
    conversation = twilio.put(test_audio.dual)
    recording_callback(app.test_client(), message.call_sid, conversation, channels=2, source="DialVerb")
    assert sorted(run_queued_jobs(app)) == ["needs_model", "needs_model"]

    spec = twilio_spec()
    for request in twilio.standin.requests:  # everything the app asked of Twilio meanwhile
        assert spec.problems(request, account_sid=ACCOUNT_SID, auth_token_used=True) == []
    made = [r for r in twilio.standin.requests if "/Recordings/" in r["path"]]
    assert [(r["method"], r["status"]) for r in made] == [("GET", 200), ("DELETE", 204)] * 2
    templates = {(r["method"], spec.operation(r["method"], r["path"]).template) for r in made}
    assert templates == {("GET", "/2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json"),
                         ("DELETE", "/2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json")}
    media = [r for r in made if r["method"] == "GET"]
    assert all(not r["path"].endswith(".json") for r in media)  # the audio, not the resource's JSON
    assert [r["query"] for r in media] == [{}, {"RequestedChannels": "2"}]  # both channels of the conversation
    assert load_recording(app, conversation).channels == 2


BASE = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{'a' * 32}"
GOOD = {"method": "DELETE", "path": BASE + ".json", "query": {}, "form": {}, "auth_scheme": "basic",
        "authorised": True, "status": 204}


@pytest.mark.parametrize("change, problem", [
    ({}, None),
    ({"method": "POST"}, "no such operation"),
    ({"path": BASE.replace("RE", "RX") + ".json"}, "does not match ^RE[0-9a-fA-F]{32}$"),
    ({"path": BASE.replace(ACCOUNT_SID, "AC" + "f" * 32) + ".json"}, "not the account's own path"),
    ({"auth_scheme": None, "authorised": False}, "authenticated with nothing"),
    ({"auth_scheme": "bearer"}, "authenticated with bearer"),
    ({"authorised": False}, "credentials were not the account SID and auth token"),
    ({"status": 200}, "answered 200, the spec lists only ['204']"),
    ({"method": "GET", "path": BASE, "status": 200, "query": {"RequestedChannels": "3"}}, "is not one of"),
    ({"method": "GET", "path": BASE + ".wav", "status": 200, "query": {"Download": "yes"}}, "Download is not in"),
    ({"method": "GET", "path": BASE + ".json", "status": 200, "form": {"Status": "x"}}, "takes no form body"),
], ids=["good", "method", "sid", "account", "no auth", "bearer", "wrong credentials", "status", "channels",
        "query", "form"])
def test_the_checker_catches_what_twilio_would_refuse(change, problem):
    problems = twilio_spec().problems({**GOOD, **change}, account_sid=ACCOUNT_SID, auth_token_used=True)
    if problem is None:
        assert problems == []
    else:
        assert problems and any(problem in p for p in problems), problems


def test_the_checker_reads_form_bodies_of_posts():
    spec = twilio_spec()
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/CA{'b' * 32}.json"
    request = {"method": "POST", "path": path, "query": {}, "auth_scheme": "basic", "authorised": True,
               "status": 200, "form": {"Status": "completed"}}
    assert spec.problems(request, account_sid=ACCOUNT_SID) == []
    wrong = spec.problems({**request, "form": {"Status": "finished", "Colour": "red"}}, account_sid=ACCOUNT_SID)
    assert any("Colour is not in the spec" in p for p in wrong)
    assert any("'finished' is not one of" in p for p in wrong)
