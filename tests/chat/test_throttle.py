"""Per-source counters of the child's page: a window's limit, a fresh window, sources and kinds apart."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from app.chat import throttle
from app.chat.models import ChatThrottle
from app.db import db, utcnow
from tests.database import database_text

from .helpers import SOURCE

HOUR = timedelta(hours=1)


def test_a_source_gets_its_limit_per_window_then_is_refused(db_session):
    assert [throttle.allow("start", SOURCE, 3, HOUR) for _ in range(5)] == [True, True, True, False, False]
    assert throttle.allow("start", "198.51.100.9", 3, HOUR)  # another source has its own count
    assert throttle.allow("message", SOURCE, 3, HOUR)  # and so has another kind of action
    assert SOURCE not in database_text(current_app)


def test_a_new_window_starts_the_count_again(db_session):
    for _ in range(4):
        throttle.allow("start", SOURCE, 3, HOUR)
    db.session.execute(update(ChatThrottle).values(window_start=utcnow() - HOUR - HOUR))  # the window is over
    db.session.commit()
    assert throttle.allow("start", SOURCE, 3, HOUR)
