"""Sign-in throttling: growing waits per account-and-source, per source and per account, never a hard lock.

Time is moved by moving the counters' last failure back. The counters live in the database, so two app
instances (as two gunicorn workers) share them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.auth import services
from app.auth.models import LoginThrottle
from app.core.throttle import RULES, Scope, wait
from app.db import db, utcnow

from .helpers import PASSWORD, audit_events, create_user, csrf_token
from .test_storage import every_stored_value

OFFICE, HOME, GUESSER = "10.1.1.1", "198.51.100.20", "203.0.113.66"


@pytest.fixture
def amina(app):
    return create_user(app, "amina", "operator")


def attempt(app, address: str, password: str, name: str = "amina", lang: str = "en", client=None):
    """A sign-in from ``address``, as a browser would make it."""
    client = client or app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    data = {"username": name, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", query_string={"lang": lang}, data=data)


def fail(app, address: str, times: int, name: str = "amina") -> None:
    for _ in range(times):
        assert attempt(app, address, "not the password", name).status_code == 401


def later(app, seconds: float) -> None:
    """Move every counter's last failure ``seconds`` into the past."""
    with app.app_context():
        for row in db.session.scalars(select(LoginThrottle).where(LoginThrottle.last_failure_at.is_not(None))):
            row.last_failure_at -= timedelta(seconds=seconds)
        db.session.commit()


def test_after_five_failures_the_next_attempt_waits_even_with_the_right_password(app, amina, monkeypatch):
    fail(app, GUESSER, RULES[Scope.PAIR].free)
    checked = []
    monkeypatch.setattr(services, "_verify", lambda *args: checked.append(args))
    response = attempt(app, GUESSER, PASSWORD)
    assert response.status_code == 429
    assert checked == []  # refused before any argon2 work
    assert 1 <= int(response.headers["Retry-After"]) <= 2
    assert "Too many failed sign-in attempts. Try again in 1 min (at " in response.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "text"), [("kk", "Кіру әрекеттері тым көп болды. 1 минуттан кейін ("),
                                            ("ru", "Слишком много неудачных попыток входа. Попробуйте снова через 1 мин.")])
def test_the_message_is_in_the_persons_language(app, amina, lang, text):
    fail(app, GUESSER, RULES[Scope.PAIR].free)
    assert text in attempt(app, GUESSER, PASSWORD, lang=lang).get_data(as_text=True)


def test_the_wait_grows_with_each_further_failure_and_then_the_right_password_works(app, amina):
    fail(app, GUESSER, RULES[Scope.PAIR].free)  # the fifth: 2 s
    assert attempt(app, GUESSER, PASSWORD).status_code == 429
    later(app, 2)
    fail(app, GUESSER, 1)  # the sixth: 4 s
    later(app, 2)
    assert attempt(app, GUESSER, PASSWORD).status_code == 429  # 2 s is no longer enough
    later(app, 2)
    assert attempt(app, GUESSER, PASSWORD).status_code == 302  # never a lock: after the wait it works


def test_the_waits_double_up_to_a_cap():
    rule = RULES[Scope.PAIR]
    waits = [wait(rule, rule.free + n).total_seconds() for n in range(-1, 14)]
    assert waits[:5] == [0, 2, 4, 8, 16]
    assert max(waits) == waits[-1] == rule.cap.total_seconds() == 900
    assert wait(rule, 10**6) == rule.cap  # no overflow however many


def test_one_source_guessing_many_accounts_is_held_back(app, amina):
    for n in range(RULES[Scope.SOURCE].free):
        fail(app, GUESSER, 1, name=f"guess{n}")
    assert attempt(app, GUESSER, PASSWORD).status_code == 429  # amina's own counter is clean
    assert attempt(app, OFFICE, PASSWORD).status_code == 302  # other sources are not held back


def test_rotating_addresses_on_one_account_is_held_back_but_not_its_known_sources(app, amina):
    assert attempt(app, OFFICE, PASSWORD).status_code == 302  # amina signs in from the office as usual
    for n in range(RULES[Scope.ACCOUNT].free):
        fail(app, f"203.0.113.{n}", 1)
    assert attempt(app, "203.0.113.200", PASSWORD).status_code == 429  # a new source: held back
    assert attempt(app, OFFICE, PASSWORD).status_code == 302  # a stranger's guesses do not lock her out
    later(app, 2)
    assert attempt(app, HOME, PASSWORD).status_code == 302  # only a wait, never a lock


def test_a_sign_in_resets_only_its_own_source_for_the_account(app, amina):
    fail(app, GUESSER, RULES[Scope.PAIR].free)
    assert attempt(app, OFFICE, PASSWORD).status_code == 302  # amina signs in from the office
    assert attempt(app, GUESSER, PASSWORD).status_code == 429  # the guesser still waits


def test_a_guesser_signing_in_to_an_account_of_their_own_gains_nothing(app, amina):
    create_user(app, "guesser", "operator")
    for n in range(RULES[Scope.SOURCE].free):
        assert attempt(app, GUESSER, PASSWORD, name="guesser").status_code == 302
        fail(app, GUESSER, 1, name=f"victim{n}")
    assert attempt(app, GUESSER, "not the password", name="victim99").status_code == 429


def test_counters_are_forgotten_after_a_quiet_while(app, amina):
    fail(app, GUESSER, RULES[Scope.PAIR].free)
    later(app, RULES[Scope.PAIR].forget.total_seconds())
    fail(app, GUESSER, RULES[Scope.PAIR].free - 1)  # free again
    assert attempt(app, GUESSER, "not the password").status_code == 401


def test_every_web_process_sees_the_same_counters(make_app, amina, app):
    other_worker = make_app()  # another app on the same database, as a second gunicorn worker
    fail(app, GUESSER, 3)
    fail(other_worker, GUESSER, 2)
    assert attempt(app, GUESSER, PASSWORD).status_code == 429
    assert attempt(other_worker, GUESSER, PASSWORD).status_code == 429


def test_throttled_attempts_are_audited_with_the_source_only_as_a_keyed_hash(app, amina):
    fail(app, GUESSER, RULES[Scope.PAIR].free)
    attempt(app, GUESSER, PASSWORD)
    [event] = audit_events(app, "auth.throttled")
    assert (event.actor_label, event.target_id, event.details["counter"]) == ("amina", str(amina), "pair")
    assert event.details["until"] > utcnow().isoformat()
    failed = audit_events(app, "auth.login_failed")
    assert event.remote_addr.startswith("#") and {e.remote_addr for e in failed} == {event.remote_addr}
    assert GUESSER not in every_stored_value(app)
    with app.app_context():
        assert db.session.execute(update(LoginThrottle).values(failures=0)).rowcount == 3  # pair, source, account


def test_an_overlong_password_is_refused_without_hashing(app, amina, monkeypatch):
    checked = []
    monkeypatch.setattr(services, "_verify", lambda *args: checked.append(args))
    with app.test_request_context(environ_base={"REMOTE_ADDR": GUESSER}):
        assert services.authenticate("amina", "x" * 100_000, GUESSER) is None
    assert checked == []
    assert len(audit_events(app, "auth.login_failed")) == 1
