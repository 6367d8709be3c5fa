"""Sign-in sessions are kept server-side.

Sign-out, deactivation and a new password end them wherever the cookie was copied; an idle session is
refused; reactivation brings back no session and no API token.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.auth import services
from app.auth.models import UserSession
from app.db import db, utcnow

from .helpers import PASSWORD, create_user, csrf_token, issue_token, log_in, user_id
from .test_storage import every_stored_value


@pytest.fixture
def amina(app):
    return create_user(app, "amina", "operator")


def age_sessions(app, person: int, minutes: float) -> None:
    """Make a person's sessions look last used ``minutes`` ago."""
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == person)
                           .values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def opens_console(client) -> bool:
    return client.get("/console/").status_code == 200


def test_a_cookie_copied_before_sign_out_no_longer_works_after_it(app, client, amina):
    assert log_in(client, "amina").status_code == 302
    thief = copy_of(app, client)
    assert opens_console(thief)
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")}).status_code == 302
    response = thief.get("/console/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert thief.get("/console/stream").status_code == 401


def test_sign_out_is_audited_and_leaves_no_session_row(app, client, amina):
    log_in(client, "amina")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    with app.app_context():
        assert db.session.scalars(select(UserSession)).all() == []
    from .helpers import audit_events
    assert [e.actor_id for e in audit_events(app, "auth.logout")] == [amina]


def test_each_sign_in_is_a_session_of_its_own(app, amina):
    first, second = app.test_client(), app.test_client()
    log_in(first, "amina")
    log_in(second, "amina")
    first.post("/logout", data={"csrf_token": csrf_token(first, "/console/")})
    assert not opens_console(first) and opens_console(second)


def test_the_cookie_key_is_kept_only_as_a_digest(app, client, amina):
    log_in(client, "amina")
    with client.session_transaction() as cookie:
        key = cookie["_user_id"]
    assert len(key) >= 40 and str(amina) != key
    assert key not in every_stored_value(app)


def test_an_idle_session_is_refused_and_use_keeps_it_alive(app, client, amina):
    idle = app.config["SESSION_IDLE_MINUTES"]
    assert idle == 60
    log_in(client, "amina")
    age_sessions(app, amina, idle - 1)
    assert opens_console(client)  # used in time: counted as use from now on
    age_sessions(app, amina, idle - 1)
    assert opens_console(client)
    age_sessions(app, amina, idle + 1)
    assert not opens_console(client)
    with app.app_context():
        assert db.session.scalars(select(UserSession)).all() == []  # deleted, not merely refused
    age_sessions(app, amina, 0)
    assert not opens_console(client)


def test_the_idle_limit_is_a_setting(make_app):
    app = make_app(SESSION_IDLE_MINUTES=5)
    create_user(app, "amina", "operator")
    client = app.test_client()
    log_in(client, "amina")
    age_sessions(app, user_id(app, "amina"), 6)
    assert not opens_console(client)


def test_a_live_stream_does_not_count_as_use(app, client, amina):
    log_in(client, "amina")
    age_sessions(app, amina, 30)
    with client.get("/console/stream", buffered=False, headers={"Accept": "text/event-stream"}) as stream:
        assert stream.status_code == 200
    with app.app_context():
        seen = db.session.scalar(select(UserSession.last_seen_at))
    assert utcnow() - seen > timedelta(minutes=29)


def test_a_new_password_ends_every_session(app, client, amina):
    log_in(client, "amina")
    with app.app_context():
        services.reset_password(amina, "a brand new password")
    assert not opens_console(client)
    assert log_in(client, "amina", "a brand new password").status_code == 302


def test_reactivation_brings_back_no_session_and_no_token(app, client, amina):
    log_in(client, "amina")
    token = issue_token(app, "amina")
    thief = copy_of(app, client)
    with app.app_context():
        services.set_active(amina, False)
        services.set_active(amina, True)
    assert not opens_console(client) and not opens_console(thief)
    assert app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert log_in(app.test_client(), "amina", PASSWORD).status_code == 302  # signing in again works


def test_sessions_left_idle_are_swept_at_the_next_sign_in(app, amina):
    log_in(app.test_client(), "amina")
    age_sessions(app, amina, app.config["SESSION_IDLE_MINUTES"] + 5)
    log_in(app.test_client(), "amina")
    with app.app_context():
        assert len(db.session.scalars(select(UserSession)).all()) == 1
