"""The database handle and column types shared by every domain's models."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from enum import Enum as PyEnum

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry

# Stable constraint names, so Alembic's batch mode can alter SQLite tables.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp stored and returned in UTC, also on SQLite (which keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: use utcnow()")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        # SQLite gives naive values (stored in UTC); PostgreSQL gives the session's time zone.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_column(enum: type[PyEnum], length: int = 16) -> Enum:
    """Store an enum by its value as a checked string (portable across SQLite and PostgreSQL)."""
    return Enum(
        enum,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda e: [member.value for member in e],
        name=enum.__name__.lower(),
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING), type_annotation_map={datetime: UTCDateTime()}
    )


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, and let the web and the worker processes share the file (WAL).

    Runs once per new connection, not per request: the engine's pool keeps connections open.
    ``synchronous`` stays at SQLite's default, FULL: every commit is on disk before the webhook answers.
    NORMAL would skip most fsyncs in WAL mode and keep the file consistent after a crash, but a power
    cut could lose the last commits: a caller's place in line, a call-back request (the caller gave the
    number once and will not be asked again) or a voice message's row (nobody would fetch it). The fsync
    costs a worker little CPU (it is mostly a wait); PostgreSQL is the choice at scale.

    A writer waits up to 10 s for the others (SQLite's busy handler is not first come, first served, and an
    fsync behind a burst of other disk writes can take seconds), still inside Twilio's 15 s webhook timeout.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
