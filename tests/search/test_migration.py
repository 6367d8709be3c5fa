"""The search migrations on an empty database of the suite's kind: they index rows already there, and undo cleanly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from app.auth import services as auth
from app.auth.models import User
from app.calls.models import Call
from app.cases.models import Case
from app.core.vocab import Speaker
from app.db import db
from app.recordings.models import Recording
from app.search import services
from app.search.services import Filters
from app.transcription.models import Transcript
from tests.replay.chats import chat_case
from tests.test_migrations import empty_database, migrating  # noqa: F401

SEARCH_REVISION, BEFORE = "9b1c4e7a2d10", "3f848cfac9ae"


def index_objects() -> set[str]:
    """The full-text index's tables, triggers (SQLite) or indexes (PostgreSQL)."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            rows = connection.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'fts%'"))
        else:
            rows = connection.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'fts%'"))
        return {name for (name,) in rows}


def add_rows() -> int:
    """A call with a transcript, and a case with notes, to be there before the index exists; the supervisor's id."""
    operator = auth.create_user("aigerim", "operator", "correct horse battery")
    supervisor = auth.create_user("saule", "supervisor", "correct horse battery")
    call = Call(call_sid="CA" + "1" * 32, flow_id="helpline-111", ivr_state={}, language="kk")
    db.session.add(call)
    db.session.flush()
    recording = Recording(recording_sid="RE" + "1" * 32, call_id=call.id, call_sid=call.call_sid, media_url="x")
    db.session.add(recording)
    db.session.flush()
    db.session.add(Transcript(recording_id=recording.id, channel=0, speaker=Speaker.VOICE_MESSAGE, language="kk",
                              text="ескі хабар", engine="test"))
    db.session.add(Case(operator_id=operator.id, notes="ескі жазба"))
    db.session.commit()
    return supervisor.id


def test_the_migration_indexes_existing_rows_and_downgrades_cleanly(base_config, empty_database):  # noqa: F811
    with migrating(base_config, empty_database) as config:
        command.upgrade(config, "head")
        supervisor = add_rows()  # (written with today's models, so at today's schema)
        db.session.remove()
        command.downgrade(config, BEFORE)  # the rows stay; the index goes
        assert index_objects() == set()

        command.upgrade(config, SEARCH_REVISION)

        expected = ({"fts_transcripts", "fts_case_notes"} if db.engine.dialect.name == "postgresql" else
                    {f"{name}{suffix}" for name in ("fts_transcripts", "fts_case_notes")
                     for suffix in ("", "_data", "_idx", "_docsize", "_config", "_insert", "_delete", "_update")})
        assert index_objects() == expected
        command.upgrade(config, "head")  # today's models read today's schema; the index holds the old rows
        found = services.search(Filters(query="ескі"), 1, db.session.get(User, supervisor))
        assert sorted(hit.kind for hit in found.hits) == ["case_note", "transcript"]

        command.downgrade(config, BEFORE)
        assert index_objects() == set()
        assert {"transcripts", "cases"} <= set(inspect(db.engine).get_table_names())
        db.session.remove()
        command.upgrade(config, "head")
        assert len(services.search(Filters(query="хабар"), 1, db.session.get(User, supervisor)).hits) == 1


CHAT_REVISION, BEFORE_CHAT = "b7e3c1a9d4f2", "0fc48e16accd"


def test_the_chat_migration_indexes_the_messages_already_stored_and_downgrades_cleanly(base_config,
                                                                                         empty_database):  # noqa: F811
    with migrating(base_config, empty_database) as config:
        command.upgrade(config, "head")
        supervisor = auth.create_user("saule", "supervisor", "correct horse battery").id
        chat_case(None, ["ескі хабарлама"])
        db.session.remove()
        command.downgrade(config, BEFORE_CHAT)  # the messages stay; their index goes, the others' stay
        assert {name for name in index_objects() if "chat" in name} == set()
        assert {"fts_transcripts", "fts_case_notes"} <= index_objects()

        command.upgrade(config, CHAT_REVISION)
        chat_objects = {name for name in index_objects() if "chat" in name}
        assert chat_objects == ({"fts_chat_messages"} if db.engine.dialect.name == "postgresql" else
                                {f"fts_chat_messages{suffix}" for suffix in
                                 ("", "_data", "_idx", "_docsize", "_config", "_insert", "_delete", "_update")})
        command.upgrade(config, "head")
        found = services.search(Filters(query="хабарлама"), 1, db.session.get(User, supervisor))
        assert [hit.kind for hit in found.hits] == ["chat"]
