"""Webhooks read Twilio's identifiers and numbers strictly: a malformed one is a 400 that changes nothing.

The signature comes first: an unsigned or forged request is a 403 whatever it carries.
"""

from __future__ import annotations

import pytest

from tests.conftest import ACCOUNT_SID

from .helpers import find_call, new_call_sid, signed_post, snapshot, start_call, twilio_params

RECORDING = {"RecordingSid": "RE" + "3" * 32, "RecordingUrl": "https://api.twilio.com/x", "RecordingStatus": "completed",
             "RecordingDuration": "7", "RecordingChannels": "1", "RecordingSource": "RecordVerb"}

# path, the form's changes, and the field the 400 names
MALFORMED = [
    ("/voice/recording", {**RECORDING, "RecordingSid": "../../.."}, "RecordingSid"),
    ("/voice/recording", {**RECORDING, "RecordingSid": "RE" + "3" * 31 + "/"}, "RecordingSid"),
    ("/voice/recording", {**RECORDING, "RecordingSid": "RE" + "A" * 32}, "RecordingSid"),  # upper-case hex
    ("/voice/recording", {**RECORDING, "RecordingDuration": "²"}, "RecordingDuration"),
    ("/voice/recording", {**RECORDING, "RecordingDuration": "99999999999999999999"}, "RecordingDuration"),
    ("/voice/recording", {**RECORDING, "RecordingChannels": "3"}, "RecordingChannels"),
    ("/voice/recording", {**RECORDING, "RecordingStatus": "done"}, "RecordingStatus"),
    ("/voice/recording", {**RECORDING, "RecordingSource": "Mystery"}, "RecordingSource"),
    ("/voice/recording", {**RECORDING, "RecordingUrl": "file:///etc/passwd"}, "RecordingUrl"),
    ("/voice/status", {"CallStatus": "completed", "CallDuration": "١٢"}, "CallDuration"),  # Arabic-Indic digits
    ("/voice/status", {"CallStatus": "completed", "CallDuration": "99999999999999999999"}, "CallDuration"),
    ("/voice/status", {"CallStatus": "completed", "CallDuration": "-7"}, "CallDuration"),
    ("/voice/status", {"CallStatus": "over"}, "CallStatus"),
    ("/voice/status", {"CallSid": "CA123"}, "CallSid"),
    ("/voice/status", {"AccountSid": "AC" + "0" * 31}, "AccountSid"),
    ("/voice/step?s=0", {"Digits": "1; DROP TABLE calls"}, "Digits"),
    ("/voice/step?s=0", {"Digits": "1" * 33}, "Digits"),
    ("/voice/step?s=-1", {"Digits": "1"}, "s"),
    ("/voice/step?s=99999999999999999999", {"Digits": "1"}, "s"),
    ("/voice/step?s=0&silence=yes", {}, "silence"),
    ("/voice/step?s=0", {"From": "+7701\n1234567"}, "From"),
    ("/voice/wait", {"QueueSid": "x" * 200}, "QueueSid"),
    ("/voice/queue-exit", {"QueueResult": "x" * 200}, "QueueResult"),
    ("/voice/bridge?entry=99999999999999999999", {}, "entry"),
    ("/voice/requeue?entry=0", {}, "entry"),
    ("/voice/callback?entry=abc", {"CallStatus": "busy"}, "entry"),
    ("/voice/operator?entry=1&attempt=../x", {"CallStatus": "busy"}, "attempt"),
    ("/voice/listen/status?entry=1&supervisor=99999999999999999999", {"CallStatus": "completed"}, "supervisor"),
]

MISSING = [
    ("/voice/incoming", "CallSid"),
    ("/voice/step?s=0", "CallSid"),
    ("/voice/step", "s"),
    ("/voice/recording", "RecordingSid"),
    ("/voice/bridge", "entry"),
    ("/voice/listen/status?entry=1", "supervisor"),
]


@pytest.mark.parametrize(("path", "changes", "field"), MALFORMED)
def test_a_malformed_field_is_a_400_naming_it_that_changes_nothing(app, client, started_call, path, changes, field):
    before = snapshot(app)
    response = signed_post(client, path, twilio_params(started_call, **changes))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    assert field in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize(("path", "field"), MISSING)
def test_a_missing_field_a_webhook_needs_is_a_400(app, client, started_call, path, field):
    params = {name: value for name, value in twilio_params(started_call, **RECORDING).items() if name != field}
    response = signed_post(client, path, params)
    assert response.status_code == 400
    assert field in response.get_data(as_text=True)


def test_the_signature_is_checked_before_the_fields(app, client, started_call):
    params = twilio_params(started_call, **{**RECORDING, "RecordingSid": "../../.."})
    assert client.post("/voice/recording", data=params).status_code == 403  # unsigned
    assert signed_post(client, "/voice/recording", params, token="another-token").status_code == 403  # forged


def test_well_formed_values_of_twilios_vocabularies_are_taken(app, client):
    """Values Twilio sends that the IVR does not walk through itself: hangup during a recording, -1 seconds."""
    call_sid = start_call(client, AccountSid=ACCOUNT_SID)
    assert signed_post(client, "/voice/step?s=1&silence=1", twilio_params(call_sid)).status_code == 200
    assert signed_post(client, "/voice/step?s=2", twilio_params(call_sid, Digits="hangup")).status_code == 200
    response = signed_post(client, "/voice/recording", twilio_params(call_sid, **{**RECORDING,
                                                                                  "RecordingDuration": "-1"}))
    assert response.status_code == 200
    response = signed_post(client, "/voice/status", twilio_params(call_sid, CallStatus="completed", CallDuration="42"))
    assert response.status_code == 200
    assert find_call(app, call_sid).duration_seconds == 42


def test_an_unknown_entry_is_still_a_404(app, client):
    assert signed_post(client, "/voice/bridge?entry=2147483647", twilio_params(new_call_sid())).status_code == 404
