"""Sign-in throttling, kept in the database so that every gunicorn worker and machine shares it.

The database rather than Redis: it is always there (Redis only carries the job queue, and only at scale),
sign-ins are few, and a counter's update is one atomic statement on SQLite and PostgreSQL alike. The rules
are in ``app.core.throttle``. Sources are kept only as a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.core.throttle import RULES, TRUSTED_DAYS, Scope, wait_until
from app.db import db, utcnow

from .models import LoginThrottle


@dataclass(frozen=True)
class Attempt:
    """The counters one sign-in attempt touches, by scope (keys are keyed hashes)."""

    keys: dict[Scope, str]

    @classmethod
    def of(cls, username: str, address: str | None) -> Attempt:
        account, source = username.strip().lower(), address or "unknown"
        return cls({Scope.PAIR: _hash(f"pair\0{account}\0{source}"), Scope.SOURCE: _hash(f"source\0{source}"),
                    Scope.ACCOUNT: _hash(f"account\0{account}")})

    @property
    def source(self) -> str:
        """The keyed hash of the source alone, for the audit log."""
        return self.keys[Scope.SOURCE]


def held_until(attempt: Attempt) -> tuple[datetime, Scope] | None:
    """Until when (and by which counter) this attempt must wait; None if it may go ahead."""
    rows = {row.key: row for row in db.session.scalars(
        select(LoginThrottle).where(LoginThrottle.key.in_(attempt.keys.values())))}
    now = utcnow()
    waits = []
    for scope, key in attempt.keys.items():
        row = rows.get(key)
        if row is None or (scope is Scope.ACCOUNT and _trusted(rows.get(attempt.keys[Scope.PAIR]), now)):
            continue
        until = wait_until(RULES[scope], row.failures, row.last_failure_at, now)
        if until is not None:
            waits.append((until, scope))
    return max(waits) if waits else None


def failed(attempt: Attempt) -> None:
    """Count a failed attempt (the caller commits). A source the account trusts adds nothing to its counter."""
    now = utcnow()
    pair = db.session.get(LoginThrottle, attempt.keys[Scope.PAIR])
    scopes = [Scope.PAIR, Scope.SOURCE] + ([] if _trusted(pair, now) else [Scope.ACCOUNT])
    for scope in scopes:
        _count_failure(attempt.keys[scope], now, RULES[scope].forget)


def succeeded(attempt: Attempt) -> None:
    """The account signed in from this source: its pair counter restarts and the source becomes trusted.

    The source's and the account's counters stay: a success must not give a guesser fresh attempts.
    """
    now = utcnow()
    statement = _upsert().values(key=attempt.keys[Scope.PAIR], failures=0, signed_in_at=now)
    db.session.execute(statement.on_conflict_do_update(index_elements=["key"],
                                                       set_={"failures": 0, "signed_in_at": now}))
    longest = max(rule.forget for rule in RULES.values())
    db.session.execute(delete(LoginThrottle).where(  # counters nothing will read again
        or_(LoginThrottle.last_failure_at.is_(None), LoginThrottle.last_failure_at < now - longest),
        or_(LoginThrottle.signed_in_at.is_(None), LoginThrottle.signed_in_at < now - timedelta(days=TRUSTED_DAYS))))


def _count_failure(key: str, now: datetime, forget: timedelta) -> None:
    """One more failure, atomically (two workers at once both count); a forgotten counter restarts at one."""
    column = LoginThrottle.__table__.c
    stale = or_(column.last_failure_at.is_(None), column.last_failure_at < now - forget)
    statement = _upsert().values(key=key, failures=1, last_failure_at=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"failures": case((stale, 1), else_=column.failures + 1), "last_failure_at": now}))


def _trusted(pair: LoginThrottle | None, now: datetime) -> bool:
    """Whether the account signed in from the pair's source lately."""
    signed_in = pair.signed_in_at if pair is not None else None
    return signed_in is not None and now - signed_in < timedelta(days=TRUSTED_DAYS)


def _upsert():
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LoginThrottle)


def _hash(text: str) -> str:
    # A key of its own, derived from SECRET_KEY: nothing else needs these hashes, and a new SECRET_KEY only
    # restarts the counters.
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"qorgau login throttle", hashlib.sha256).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
