"""The IVR's webhooks stay cheap, and what makes them cheap changes no answer.

The SQL each webhook runs is counted (a count, not a time); the replies kept per step, the signature's
fast path and the session left alone for cookieless requests give the same answers as before.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.core import ivr
from app.core import queue as rules
from app.db import db
from app.ivr.services import flow_for
from app.telephony import twiml
from tests.conftest import PUBLIC_BASE_URL

from .helpers import find_call, new_call_sid, signed_post, twilio_params


@contextmanager
def statements(app):
    """The SQL statements the app sends while the block runs, first words only ("INSERT INTO calls")."""
    sent: list[str] = []

    def note(connection, cursor, statement, parameters, context, executemany):
        words = re.sub(r"\s+", " ", statement).split(" ")
        table = next((words[i + 1] for i, word in enumerate(words[:-1]) if word in ("INTO", "FROM", "UPDATE")), "")
        sent.append(f"{words[0]} {table}".strip())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_new_call_is_two_inserts(app, client):
    with statements(app) as sent:
        response = signed_post(client, "/voice/incoming", twilio_params(new_call_sid(), CallStatus="ringing"))
    assert response.status_code == 200
    assert sent == ["INSERT calls", "INSERT call_steps"]


def test_a_menu_step_is_one_read_and_two_writes(app, client, started_call):
    with statements(app) as sent:
        response = signed_post(client, "/voice/step?s=1", twilio_params(started_call, Digits="2"))
    assert response.status_code == 200
    assert sent == ["SELECT calls", "UPDATE calls", "INSERT call_steps"]


def test_the_step_that_queues_the_caller_adds_only_the_queue_entry(app, client, started_call):
    signed_post(client, "/voice/step?s=1", twilio_params(started_call, Digits="2"))  # Russian
    with statements(app) as sent:
        response = signed_post(client, "/voice/step?s=2", twilio_params(started_call, Digits="0"))  # can't talk
    assert "<Enqueue" in response.get_data(as_text=True)
    assert sent[:3] == ["SELECT calls", "UPDATE calls", "INSERT call_steps"]
    assert sent[-1] == "INSERT queue_entries"
    assert len(sent) <= 6  # the queue's own look-up of the call and of an earlier entry


def test_a_repeated_step_writes_nothing(app, client, started_call):
    params = twilio_params(started_call, Digits="2")
    first = signed_post(client, "/voice/step?s=1", params)
    with statements(app) as sent:
        again = signed_post(client, "/voice/step?s=1", params)
    assert again.get_data() == first.get_data()
    assert not [statement for statement in sent if not statement.startswith("SELECT")]


def test_a_status_callback_reads_and_writes_the_call_once(app, client, started_call):
    with statements(app) as sent:
        signed_post(client, "/voice/status", twilio_params(started_call, CallStatus="completed", CallDuration="30"))
    assert [statement for statement in sent if statement.endswith(" calls")] == ["SELECT calls", "UPDATE calls"]
    with statements(app) as sent:  # a repeat: read, nothing to write
        signed_post(client, "/voice/status", twilio_params(started_call, CallStatus="completed", CallDuration="30"))
    assert [statement for statement in sent if statement.endswith(" calls")] == ["SELECT calls"]


def test_leaving_the_queue_is_one_write_to_the_call(app, client, started_call):
    with statements(app) as sent:
        signed_post(client, "/voice/queue-exit", twilio_params(started_call, QueueResult="hangup"))
    assert [statement for statement in sent if statement.endswith(" calls")] == ["UPDATE calls"]
    assert find_call(app, started_call).queue_result == "hangup"


def test_a_step_moves_the_call_status_forward_only(app, client):
    call_sid = new_call_sid()
    signed_post(client, "/voice/incoming", twilio_params(call_sid, CallStatus="ringing"))
    signed_post(client, "/voice/step?s=1", twilio_params(call_sid, Digits="2", CallStatus="in-progress"))
    assert find_call(app, call_sid).status.value == "in-progress"
    signed_post(client, "/voice/status", twilio_params(call_sid, CallStatus="completed", CallDuration="30"))
    signed_post(client, "/voice/step?s=2", twilio_params(call_sid, Digits="3", CallStatus="in-progress"))
    call = find_call(app, call_sid)
    assert call.status.value == "completed"
    assert call.ended_at is not None


def _steps_of(flow) -> list[ivr.Step]:
    """Steps across the flow: every key at the first menus in both languages, silences and wrong keys."""
    steps = [ivr.start(flow)]
    for language_key in "12":
        menu = ivr.step(flow, steps[0].state, ivr.Keys(language_key))
        steps.append(menu)
        for key in ["0", "1", "2", "3", "4", "5", "9", "", "*"]:
            after = ivr.step(flow, menu.state, ivr.Keys(key))
            steps.append(after)
            steps += [ivr.step(flow, after.state, ivr.Keys(k)) for k in "12"]
        steps.append(ivr.step(flow, menu.state, ivr.NoInput()))
    return steps


@pytest.mark.parametrize("seq", [1, 7, 120])
def test_a_kept_reply_is_the_reply_built_afresh(app, seq):
    with app.test_request_context():
        flow = flow_for()
        steps = _steps_of(flow)
        assert {type(action) for step in steps for action in step.actions} >= {
            ivr.Collect, ivr.Enqueue, ivr.RecordMessage}
        for step in steps:
            fresh = twiml._build(flow, step.actions, seq)
            if any(isinstance(action, ivr.Collect | ivr.RecordMessage) for action in step.actions):
                assert f"s={seq}" in fresh  # its callback URLs carry the step number
            assert twiml.render(flow, step.actions, seq) == fresh  # the first time: built and kept
            assert twiml.render(flow, step.actions, seq) == fresh  # then: from what was kept


def test_kept_wait_rounds_and_empty_answers_are_the_ones_built_afresh(app):
    with app.test_request_context():
        flow = flow_for()
        for language in ("kk", "ru"):
            for place, minutes in ((1, 0), (3, 4), (12, 40)):
                said = (rules.position_prompt(place), rules.wait_prompt(timedelta(minutes=minutes)), "please_wait")
                assert set(said) <= set(flow.prompts)
                announcements = tuple(ivr.Speak(prompt, language) for prompt in said)
                for options in (None, ivr.Speak("queue_options", language)):
                    fresh = twiml._build_wait(flow, announcements, options)
                    assert twiml.render_wait(flow, announcements, options) == fresh
                    assert twiml.render_wait(flow, announcements, options) == fresh
        assert twiml.empty() == twiml.empty() == '<?xml version="1.0" encoding="UTF-8"?><Response />'
        assert twiml.hangup() == twiml.hangup() == '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>'


def test_a_signature_over_the_url_with_its_default_port_is_accepted(app, client):
    """Twilio signs some URLs with the port (https://host:443/...): the full check still runs.

    The fast path tries the URL exactly as rebuilt; when it does not match, Twilio's own check follows.
    """
    call_sid = new_call_sid()
    with_port = PUBLIC_BASE_URL.replace(".org", ".org:443") + "/voice/incoming"
    response = signed_post(client, "/voice/incoming", twilio_params(call_sid), signed_url=with_port)
    assert response.status_code == 200
    assert find_call(app, call_sid) is not None


def test_a_webhook_answer_sets_no_cookie(client):
    response = signed_post(client, "/voice/incoming", twilio_params(new_call_sid(), CallStatus="ringing"))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_a_signed_in_person_keeps_their_session(app, signed_in):
    """The session cookie is still read and written for people (the lazy session changes only cookieless requests)."""
    assert signed_in("aigerim").get("/console/").status_code == 200
    assert app.test_client().get("/console/").status_code == 302  # no cookie: to the sign-in page
