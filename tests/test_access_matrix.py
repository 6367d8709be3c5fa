"""The role × route matrix: every rule of the app, for a stranger, an operator, a supervisor and an admin.

``ROUTES`` has one line per method and rule with the answer each role gets. Every rule of ``app.url_map``
must have its line — a new route cannot slip in unclassified — and every line a rule. Rule parameters are
filled with real records: the operator's (aigerim's) own case, call and recording; another operator's
records are tried separately (403 or 404). Each request comes from a fresh client carrying the role's
session (signed in through the login form) and, for a POST, its CSRF token; a POST's body holds nothing
else, so the matrix asks "may this role get in?", not "does the form work?".

The kinds of access:
- web pages: strangers are sent to sign in (LOGIN), wrong roles get 403; live streams answer 401;
- ``/api/*``: a bearer token of the role (no cookie); 401 without one;
- ``/voice/*``: Twilio's signature; without it 403 for everyone, signed in or not;
- ``/twilio-sim/*`` (the Twilio stand-in, when TWILIO_SIMULATOR is on): Basic auth; 401 without;
- static files and prompt audio: public (Twilio fetches the audio).
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.auth import services as people_services
from app.db import db
from app.places.models import Place, PlaceKind
from app.recordings.models import Recording
from tests.auth.helpers import csrf_token, log_in
from tests.console.records import case_of
from tests.referrals.conftest import refer
from tests.replay.chats import chat_case

ROLES = ("stranger", "operator", "supervisor", "admin")
LOGIN = "login"  # 302 to the sign-in page, coming back here afterwards
OWN = {"case_id", "call_sid", "recording_id", "conversation_id"}  # parameters naming an operator's records

# method rule: stranger, operator, supervisor, admin — statuses, LOGIN, or 302 (a redirect elsewhere).
ROUTES: dict[str, tuple] = {
    # sign-in
    "GET /": (LOGIN, 302, 302, 302),
    "GET /login": (200, 200, 200, 200),
    "POST /login": (200, 200, 200, 200),  # an empty form is shown again
    "POST /logout": (LOGIN, 302, 302, 302),
    # the operator console
    "GET /console/": (LOGIN, 200, 200, 403),  # admins manage people, not cases
    "GET /console/inbox": (LOGIN, 200, 200, 403),  # voice messages and call-backs: supervisors watch
    "GET /console/stream": (401, 200, 200, 403),
    "POST /console/availability": (LOGIN, 400, 403, 403),
    "POST /console/endpoint": (LOGIN, 400, 403, 403),
    "POST /console/pick": (LOGIN, 302, 403, 403),
    "GET /console/cases": (LOGIN, 200, 403, 403),
    "GET /console/cases/<int:case_id>": (LOGIN, 200, 200, 403),
    "POST /console/cases/<int:case_id>": (LOGIN, 302, 302, 403),
    "POST /console/cases/<int:case_id>/draft": (401, 200, 403, 403),  # the page's script: 401, never a redirect
    "GET /console/session": (401, 200, 200, 403),
    "GET /console/chats/<int:conversation_id>/stream": (401, 200, 200, 403),  # supervisors watch, audited
    "POST /console/chats/<int:conversation_id>/messages": (LOGIN, 400, 403, 403),  # an empty reply
    "POST /console/chats/<int:conversation_id>/close": (LOGIN, 302, 403, 403),
    "POST /console/chats/<int:conversation_id>/block": (LOGIN, 400, 403, 403),  # no reason given
    # supervisors: board, replay, search, reports, listening in
    "GET /supervisor/board": (LOGIN, 403, 200, 403),
    "GET /supervisor/board/stream": (401, 403, 200, 403),
    "GET /supervisor/calls/<call_sid>": (LOGIN, 200, 200, 403),
    "GET /supervisor/chats/<int:conversation_id>": (LOGIN, 200, 200, 403),  # operators: their own cases' chats
    "GET /supervisor/recordings/<int:recording_id>/audio": (LOGIN, 200, 200, 403),
    "POST /supervisor/recordings/<int:recording_id>/played": (LOGIN, 204, 204, 403),
    "GET /supervisor/search": (LOGIN, 403, 200, 403),
    "GET /supervisor/reports": (LOGIN, 403, 200, 403),
    "GET /supervisor/live": (LOGIN, 403, 200, 403),
    "GET /supervisor/live/stream": (401, 403, 200, 403),
    "POST /supervisor/live/join": (LOGIN, 403, 400, 403),
    "POST /supervisor/live/leave": (LOGIN, 403, 400, 403),
    "POST /supervisor/live/endpoint": (LOGIN, 403, 400, 403),
    # referral follow-up: operators and supervisors, every referral (colleagues cover each other); not admins
    "GET /referrals/": (LOGIN, 200, 200, 403),
    "GET /referrals/<int:referral_id>": (LOGIN, 200, 200, 403),
    "POST /referrals/<int:referral_id>/feedback": (LOGIN, 400, 400, 403),  # an empty form
    "POST /referrals/<int:referral_id>/due-date": (LOGIN, 400, 400, 403),
    # the audit log: supervisors and admins
    "GET /supervisor/audit/": (LOGIN, 403, 200, 200),
    "GET /supervisor/audit/export.csv": (LOGIN, 403, 200, 200),
    # admins: people and settings
    "GET /admin/users": (LOGIN, 403, 403, 200),
    "POST /admin/users": (LOGIN, 403, 403, 400),
    "GET /admin/users/<int:user_id>": (LOGIN, 403, 403, 200),
    "POST /admin/users/<int:user_id>/active": (LOGIN, 403, 403, 400),
    "POST /admin/users/<int:user_id>/password": (LOGIN, 403, 403, 400),
    "POST /admin/users/<int:user_id>/tokens/revoke": (LOGIN, 403, 403, 302),
    "GET /admin/settings": (LOGIN, 403, 403, 200),
    "GET /admin/places": (LOGIN, 403, 403, 200),
    "GET /admin/places/<code>/poster-<any(kk, ru, both):language>.pdf": (LOGIN, 403, 403, 200),
    # the child's page (QR posters): anyone, no sign-in; without a chat in the browser's session there is none to use
    "GET /q/<code>": (200, 200, 200, 200),
    "POST /q/<code>": (400, 400, 400, 400),  # no answer given
    "GET /chat/": (302, 302, 302, 302),  # to the code form
    "POST /chat/send": (400, 400, 400, 400),
    "GET /chat/stream": (204, 204, 204, 204),  # nothing to follow: EventSource stops
    "GET /chat/return": (200, 200, 200, 200),
    "POST /chat/return": (400, 400, 400, 400),  # no code given
    # the JSON API: bearer tokens
    "GET /api/me": (401, 200, 200, 200),
    "GET /api/openapi.json": (200, 200, 200, 200),
    "GET /api/calls/<call_sid>": (401, 403, 200, 403),
    # Twilio's webhooks: signed, or 403
    "POST /voice/incoming": (403, 403, 403, 403),
    "POST /voice/step": (403, 403, 403, 403),
    "POST /voice/status": (403, 403, 403, 403),
    "POST /voice/recording": (403, 403, 403, 403),
    "POST /voice/wait": (403, 403, 403, 403),
    "POST /voice/wait-choice": (403, 403, 403, 403),
    "POST /voice/queue-exit": (403, 403, 403, 403),
    "POST /voice/callback": (403, 403, 403, 403),
    "POST /voice/bridge": (403, 403, 403, 403),
    "POST /voice/bridge-end": (403, 403, 403, 403),
    "POST /voice/operator": (403, 403, 403, 403),
    "POST /voice/requeue": (403, 403, 403, 403),
    "POST /voice/listen/status": (403, 403, 403, 403),
    # public files: the pages' own, and prompt audio Twilio fetches
    "GET /static/<path:filename>": (200, 200, 200, 200),
    "GET /audio/<any(prompts, hold):kind>/<path:filename>": (200, 200, 200, 200),
    # the Twilio stand-in (development): Basic auth with the account's SID and token, or 401
    "POST /twilio-sim/2010-04-01/Accounts/<account_sid>/Calls.json": (401, 401, 401, 401),
    "POST /twilio-sim/2010-04-01/Accounts/<account_sid>/Calls/<call_sid>.json": (401, 401, 401, 401),
    "POST /twilio-sim/2010-04-01/Accounts/<account_sid>/Calls/<call_sid>/Recordings.json": (401, 401, 401, 401),
    "POST /twilio-sim/2010-04-01/Accounts/<account_sid>/Queues/<queue_sid>/Members/<call_sid>.json": (401, 401, 401, 401),
    "GET /twilio-sim/2010-04-01/Accounts/<account_sid>/Conferences.json": (401, 401, 401, 401),
    "GET /twilio-sim/2010-04-01/Accounts/<account_sid>/Conferences/<conference>/Participants.json": (401, 401, 401, 401),
    "POST /twilio-sim/2010-04-01/Accounts/<account_sid>/Conferences/<conference>/Participants.json": (401, 401, 401, 401),
    "POST /twilio-sim/2010-04-01/Accounts/<account_sid>/Conferences/<conference>/Participants/<participant>.json": (401, 401, 401, 401),
    "DELETE /twilio-sim/2010-04-01/Accounts/<account_sid>/Conferences/<conference>/Participants/<participant>.json": (401, 401, 401, 401),
    "GET /twilio-sim/2010-04-01/Accounts/<account_sid>/Recordings/<name>": (401, 401, 401, 401),
    "DELETE /twilio-sim/2010-04-01/Accounts/<account_sid>/Recordings/<name>": (401, 401, 401, 401),
    "POST /twilio-sim/_simulator/calls/<call_sid>/ended": (401, 401, 401, 401),
    "GET /twilio-sim/_simulator/calls/<call_sid>/redirect": (401, 401, 401, 401),
    "PUT /twilio-sim/_simulator/recordings/<recording_sid>": (401, 401, 401, 401),
}

# Values of rule parameters that name no record of ours (the records are filled in by the fixture).
FIXED = {"filename": "console/console.css", "account_sid": "AC" + "0" * 32, "queue_sid": "QU" + "0" * 32,
         "conference": "case-1", "name": "RE" + "0" * 32 + ".json", "recording_sid": "RE" + "0" * 32,
         "participant": "CA" + "0" * 32, "code": "matrix-school", "language": "kk"}
FIXED_FOR = {"audio.audio_file": {"kind": "hold", "filename": "hold.wav"}}


@dataclass
class Visitor:
    """How a role's requests are made: the session cookie and CSRF token of a sign-in, or a bearer token."""

    cookie: str
    csrf: str
    bearer: str | None


@pytest.fixture
def app(make_app):
    return make_app(TWILIO_SIMULATOR=True)  # the stand-in's routes are part of the map to classify


@pytest.fixture
def records(app, people):  # noqa: F811
    """aigerim's case with a recorded call (the audio on disk), and daniyar's; a chat each; a place with a poster."""
    with app.app_context():
        own, other = case_of(people["aigerim"], recorded=True), case_of(people["daniyar"], recorded=True)
        folder = Path(app.config["RECORDINGS_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        for record in (own, other):
            path = folder / f"matrix-{record.recording_id}.wav"
            with wave.open(str(path), "wb") as audio:
                audio.setnchannels(2)
                audio.setsampwidth(2)
                audio.setframerate(8000)
                audio.writeframes(b"\0\0\0\0" * 800)
            db.session.get(Recording, record.recording_id).local_path = path.name
        db.session.add(Place(code=FIXED["code"], name="School", region="Astana", district="Esil", kind=PlaceKind.SCHOOL))
        db.session.commit()
        referral = refer(people["daniyar"], due_in=-1, case_id=other.case_id)  # a colleague's: operators cover it
        chats = {whose: chat_case(people[name], ["hello"]).conversation_id
                 for whose, name in (("own", "aigerim"), ("other", "daniyar"))}
    return {"own": own, "other": other, "referral": referral, "chats": chats}


@pytest.fixture
def visitors(app, people) -> dict[str, Visitor]:  # noqa: F811
    """A visitor per role: strangers have a session (for the CSRF token) but nobody signed in."""
    made = {}
    for role, name in zip(ROLES, (None, "aigerim", "saule", "arman"), strict=True):
        client, bearer = app.test_client(), None
        if name is not None:
            assert log_in(client, name).status_code == 302
            with app.app_context():
                bearer = people_services.issue_token(name)
        csrf = csrf_token(client)  # bound to the session, signed in or not
        made[role] = Visitor(client.get_cookie("session").value, csrf, bearer)
    return made


def _key(rule, method: str) -> str:
    return f"{method} {rule.rule}"


def _rules(app) -> dict[str, tuple]:
    """Every (method, rule) of the app, keyed like ROUTES."""
    return {_key(rule, method): (rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})}


def _path(rule, records: dict, people: dict, whose: str = "own") -> str:  # noqa: F811
    record = records[whose]
    values = {**FIXED, "case_id": record.case_id, "call_sid": record.call_sid, "recording_id": record.recording_id,
              "user_id": people["daniyar"], "referral_id": records["referral"],
              "conversation_id": records["chats"][whose], **FIXED_FOR.get(rule.endpoint, {})}
    missing = rule.arguments - values.keys()
    assert not missing, f"{rule.rule}: give the matrix a value for {', '.join(sorted(missing))}"
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]


def _answer_response(app, visitor: Visitor, method: str, path: str):
    """The response a visitor's request gets, unread (a live stream answers at once; close it)."""
    client = app.test_client()
    headers = {}
    if path.startswith("/api/"):
        if visitor.bearer:
            headers["Authorization"] = f"Bearer {visitor.bearer}"
    else:
        client.set_cookie("session", visitor.cookie)
    data = {"csrf_token": visitor.csrf} if method in ("POST", "PUT", "DELETE") else None
    return client.open(path, method=method, data=data, headers=headers, buffered=False)


def _answer(app, visitor: Visitor, method: str, path: str) -> int | str:
    """The status a request gets; LOGIN for a redirect to the sign-in page that comes back here."""
    response = _answer_response(app, visitor, method, path)
    try:  # a live stream answers at once and is closed here, unread
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith("/login?next="):
            return LOGIN
        return response.status_code
    finally:
        response.close()


def test_every_route_is_in_the_matrix(app):
    unclassified = sorted(_rules(app).keys() - ROUTES.keys())
    assert not unclassified, "classify these routes in ROUTES:\n" + "\n".join(unclassified)


def test_every_line_of_the_matrix_is_a_route(app):
    assert not sorted(ROUTES.keys() - _rules(app).keys())


def test_each_role_gets_what_the_matrix_says(app, people, records, visitors):  # noqa: F811
    wrong = []
    # Signing out ends the visitor's session on the server: it goes last.
    for key, (rule, method) in sorted(sorted(_rules(app).items()), key=lambda item: item[0] == "POST /logout"):
        if key not in ROUTES:
            continue  # the test above names it
        path = _path(rule, records, people)
        for role, expected in zip(ROLES, ROUTES[key], strict=True):
            got = _answer(app, visitors[role], method, path)
            if got != expected:
                wrong.append(f"{key} ({path}) as {role}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_an_operator_never_opens_another_operators_case_call_or_recording(app, people, records, visitors):  # noqa: F811
    tried = []
    for key, (rule, method) in sorted(_rules(app).items()):
        operator_gets_in = ROUTES.get(key, (None, 403))[1] not in (401, 403)
        if not (rule.arguments & OWN) or not operator_gets_in or rule.rule.startswith(("/api/", "/twilio-sim")):
            continue
        got = _answer(app, visitors["operator"], method, _path(rule, records, people, "other"))
        tried.append(key)
        assert got in (403, 404), f"{key}: the operator got {got} on daniyar's record"
    assert tried  # the console's case page and the replay routes at least


def test_a_session_alone_opens_no_api_route(app, people, records, visitors):  # noqa: F811
    for key, (rule, method) in sorted(_rules(app).items()):
        if rule.rule.startswith("/api/") and ROUTES.get(key, (None,))[0] == 401:
            client = app.test_client()
            client.set_cookie("session", visitors["supervisor"].cookie)
            assert client.open(_path(rule, records, people), method=method).status_code == 401, key
