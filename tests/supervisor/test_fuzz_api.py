"""The JSON API against its own description (``/api/openapi.json``), by schemathesis: no server error.

Every answer (status, content type, headers, body) is as the description says.
Over real HTTP to the running app, with a supervisor's bearer token; derandomized and bounded, so CI sees the
same examples every time. The description is loaded from the module the app serves it from (schemathesis' lazy
loading from a fixture does not run under this pytest); the first test shows the two are the same.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from app.supervisor.openapi import DOCUMENT
from tests.auth.helpers import create_user, issue_token
from tests.telephony.helpers import start_call

FUZZ = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture
def supervisor_token(app) -> str:
    create_user(app, "saule", "supervisor")
    return issue_token(app, "saule")


def test_the_description_fuzzed_is_the_one_served(client):
    assert client.get("/api/openapi.json").get_json() == DOCUMENT


@schema.parametrize()
@FUZZ
def test_the_api_answers_as_described(case, live_server, supervisor_token):
    case.call_and_validate(base_url=live_server, headers={"Authorization": f"Bearer {supervisor_token}"})


def test_a_real_call_is_answered_as_described(client, live_server, supervisor_token):
    call_sid = start_call(client)
    case = schema["/api/calls/{call_sid}"]["GET"].Case(path_parameters={"call_sid": call_sid})
    response = case.call_and_validate(base_url=live_server, headers={"Authorization": f"Bearer {supervisor_token}"})
    assert response.status_code == 200 and response.json()["call_sid"] == call_sid
    assert requests.get(f"{live_server}/api/calls/{call_sid}", timeout=10).status_code == 401
