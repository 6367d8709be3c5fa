"""Fixtures of the listen-in tests: the app talking to Twilio's REST stand-in, and a conversation in progress.

The stand-in runs on its own port (the app's gateway reaches it over HTTP, as it would reach Twilio) and
delivers Twilio's status callbacks to the app served over HTTP. A conversation is set up as the operator
console sets one up: a caller in line, picked and bridged over REST; the stand-in rings the operator, who
answers, and the caller follows the redirect into the conference.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from app.core.vocab import Priority
from app.db import db
from app.models import import_all
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.queue.models import EntryState
from app.simulator.engine import HttpTransport
from app.voice import services as voice
from tests.auth.helpers import csrf_token
from tests.conftest import ACCOUNT_SID, PUBLIC_BASE_URL
from tests.console.test_browser import Served, standin  # noqa: F401 (fixtures)
from tests.queue.helpers import add_caller, sid_of
from tests.twilio_spec import twilio_spec

import_all()

SUPERVISOR_PHONE = "+77017654321"
CALLER_HASH = "c0ffee" * 10 + "c0de"  # the keyed hash that links a caller's calls (never shown)


@pytest.fixture
def app(make_app, standin):  # noqa: F811 (the stand-in fixture, imported above)
    return make_app(TWILIO_API_BASE_URL=standin.url, TWILIO_SIMULATOR=False)


@pytest.fixture
def site(app, standin):  # noqa: F811
    """The app over real HTTP, where the stand-in sends Twilio's status callbacks."""
    served = Served(app)
    standin.webhooks = HttpTransport(PUBLIC_BASE_URL, served.url)
    yield served.url
    standin.webhooks.session.close()
    served.stop()


def wait_for(condition: Callable[[], object], what: str, timeout: float = 20.0):
    """Poll until ``condition()`` is true (Twilio's callbacks arrive from other threads); its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass(frozen=True)
class Conversation:
    """A caller and an operator talking in the entry's conference."""

    entry_id: int
    conference: str  # its friendly name
    caller_sid: str
    operator_sid: str


def entry_state(app, entry_id: int) -> EntryState:
    with app.app_context():
        state = queue.entry(entry_id).state
        db.session.remove()
        return state


@pytest.fixture
def conversation(app, site, standin, people) -> Conversation:  # noqa: F811 (standin)
    """aigerim talks to a caller: picked, bridged over REST, answered, the caller in the conference."""
    with app.app_context():
        operators.set_endpoint(people["aigerim"], "client:aigerim")
        operators.set_availability(people["aigerim"], Availability.AVAILABLE)
        entry = add_caller(Priority.CHILD, "ru", ago=30, caller_hash=CALLER_HASH)
        entry_id, caller_sid, conference = entry.id, sid_of(entry), voice.conference_name(entry.id)
        voice.bridge(queue.pick(people["aigerim"], entry_id).id)
    assert standin.take_redirect(caller_sid) == (f"{PUBLIC_BASE_URL}/voice/bridge?entry={entry_id}", "POST")
    wait_for(lambda: entry_state(app, entry_id) is EntryState.CONNECTED, "the operator to answer")
    operator_sid = next(p["call_sid"] for p in standin.participants if p["to"] == "client:aigerim")
    wait_for(lambda: standin.conference(conference)["status"] == "in-progress", "the conference to start")
    return Conversation(entry_id, conference, caller_sid, operator_sid)


@pytest.fixture
def supervisor(signed_in) -> FlaskClient:
    """saule, signed in, reachable on her phone."""
    client = signed_in("saule")
    response = client.post("/supervisor/live/endpoint", data={
        "endpoint": SUPERVISOR_PHONE, "csrf_token": csrf_token(client, "/supervisor/live")})
    assert response.status_code == 302
    return client


def post_form(client: FlaskClient, path: str, **data) -> str:
    """Submit one of the live calls page's forms as a browser does; the page it leads to, as text."""
    response = client.post(path, data={**data, "csrf_token": csrf_token(client, "/supervisor/live")},
                           follow_redirects=True)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def rest(standin, since: int = 0) -> list[tuple[str, str]]:  # noqa: F811
    """(method, path below the account) of the REST requests the app made."""
    return [(r["method"], r["path"].split(f"/Accounts/{ACCOUNT_SID}/", 1)[1]) for r in standin.requests[since:]]


def spec_problems(standin) -> list[str]:  # noqa: F811
    spec = twilio_spec()
    return [problem for request in standin.requests
            for problem in spec.problems(request, account_sid=ACCOUNT_SID, auth_token_used=True)]


def value_problems(standin) -> list[str]:  # noqa: F811
    """What the project's checker leaves out: each form value against its type and pattern in the spec."""
    from tests.twilio_spec import resolve

    spec, found = twilio_spec(), []
    for request in standin.requests:
        operation = spec.operation(request["method"], request["path"])
        body = operation.spec.get("requestBody") if operation else None
        if body is None:
            continue
        schema = resolve(spec.document, body["content"]["application/x-www-form-urlencoded"]["schema"])
        for name, value in (request.get("form") or {}).items():
            expected = resolve(spec.document, schema["properties"].get(name, {}))
            kind, pattern = expected.get("type"), expected.get("pattern")
            if kind == "boolean" and value not in ("true", "false"):
                found.append(f"{request['path']}: {name}={value!r} is not a boolean")
            elif kind == "integer" and not value.lstrip("-").isdigit():
                found.append(f"{request['path']}: {name}={value!r} is not an integer")
            elif pattern and not re.fullmatch(pattern, value):
                found.append(f"{request['path']}: {name}={value!r} does not match {pattern}")
    return found
