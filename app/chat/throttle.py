"""Per-source rate limits of the child's page: so many chats started, messages sent, codes tried per window.

Counted in the database so that every web process shares them, by one atomic upsert per action on SQLite
and PostgreSQL alike (like sign-in throttling, ``app.auth.throttle``). A counter is kept under a keyed
hash of what it counts and the source: no address is stored.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite

from app.core.privacy import keyed_hash
from app.db import db, utcnow

from .models import ChatThrottle

FORGET = timedelta(days=1)  # counters older than this are deleted when a window restarts


def allow(kind: str, source: str, limit: int, window: timedelta) -> bool:
    """Count one ``kind`` of action from ``source``; False once more than ``limit`` were made in this window.

    Committed at once (a refused action counts too: hammering does not reset anything).
    """
    now = utcnow()
    key = keyed_hash(f"{kind}\0{source}", current_app.config["CHAT_HASH_KEY"], "chat-throttle")
    column = ChatThrottle.__table__.c
    stale = column.window_start < now - window
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ChatThrottle)
    statement = insert.values(key=key, count=1, window_start=now).on_conflict_do_update(
        index_elements=["key"], set_={"count": case((stale, 1), else_=column.count + 1),
                                      "window_start": case((stale, now), else_=column.window_start)})
    count = db.session.execute(statement.returning(column.count)).scalar_one()
    if count == 1:  # a new window: drop counters nobody has used for long
        db.session.execute(delete(ChatThrottle).where(ChatThrottle.window_start < now - FORGET))
    db.session.commit()
    return count <= limit
