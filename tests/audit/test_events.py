"""Audit events for people and access: who did what, to what, when and from where."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.auth.helpers import PASSWORD, audit_events, create_user, log_in, user_id

ADDRESS = "203.0.113.7"


@pytest.fixture
def browser(client):
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    return client


def summary(event) -> tuple:
    return event.actor_label, event.action, event.target_type, event.target_id, event.remote_addr


def test_creating_a_user_from_the_cli_is_audited(app, runner):
    result = runner.invoke(args=["users", "create", "amina", "--role", "admin", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    [event] = audit_events(app, "user.create")
    assert summary(event) == ("cli", "user.create", "user", str(user_id(app, "amina")), None)
    assert event.details == {"role": "admin"}
    assert event.at.utcoffset() == timedelta(0)  # stored and returned in UTC


def test_a_refused_user_creation_leaves_no_event(app, runner):
    create_user(app, "amina")
    runner.invoke(args=["users", "create", "amina", "--role", "admin", "--password", PASSWORD])
    assert len(audit_events(app, "user.create")) == 1


def test_issuing_a_token_is_audited(app, runner):
    amina_id = create_user(app, "amina")
    assert runner.invoke(args=["users", "token", "amina"]).exit_code == 0
    [event] = audit_events(app, "token.issue")
    assert summary(event) == ("cli", "token.issue", "user", str(amina_id), None)


def test_a_successful_login_is_audited_with_the_address(app, browser):
    amina_id = create_user(app, "amina")
    log_in(browser, "amina", PASSWORD)
    [event] = audit_events(app, "auth.login")
    assert summary(event) == ("amina", "auth.login", "user", str(amina_id), ADDRESS)
    assert event.actor_id == amina_id


def test_a_failed_login_is_audited_without_an_actor_or_the_address(app, browser):
    amina_id = create_user(app, "amina")
    log_in(browser, "amina", "not the password")
    log_in(browser, "nobody", PASSWORD)
    events = audit_events(app, "auth.login_failed")
    source = events[0].remote_addr  # a stranger's address is kept only as a keyed hash
    assert source.startswith("#") and ADDRESS not in source
    assert [summary(e) for e in events] == [
        ("amina", "auth.login_failed", "user", str(amina_id), source),
        ("nobody", "auth.login_failed", "user", None, source),
    ]
    assert [e.actor_id for e in events] == [None, None]
    assert audit_events(app, "auth.login") == []


def test_no_password_reaches_the_audit_trail(app, browser):
    create_user(app, "amina")
    log_in(browser, "amina", "a mistyped secret")
    trail = repr([(summary(e), e.details) for e in audit_events(app)])
    assert "amina" in trail
    assert "mistyped secret" not in trail and PASSWORD not in trail
