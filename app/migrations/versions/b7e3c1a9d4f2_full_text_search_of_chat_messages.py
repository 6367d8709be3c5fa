"""full-text search over chat messages, as over transcripts and case notes

Revision ID: b7e3c1a9d4f2
Revises: 0fc48e16accd
Create Date: 2026-12-05 14:20:00

The same machinery as ``9b1c4e7a2d10`` (read its docstring): on SQLite an external-content FTS5 table over
``chat_messages.text`` kept in step by triggers, so every way a message is stored is indexed; on PostgreSQL
a GIN index over ``to_tsvector('simple', text)``. A later batch migration that recreates ``chat_messages``
drops the triggers with the old table and must create them again (tests/search checks the index follows
new messages).
"""

from alembic import op

revision = 'b7e3c1a9d4f2'
down_revision = '0fc48e16accd'
branch_labels = None
depends_on = None

NAME, TABLE, COLUMN = "fts_chat_messages", "chat_messages", "text"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"CREATE INDEX {NAME} ON {TABLE} USING gin (to_tsvector('simple'::regconfig, {COLUMN}))")
        return
    if dialect != "sqlite":
        raise NotImplementedError(f"full-text search on {dialect}")
    op.execute(f"CREATE VIRTUAL TABLE {NAME} USING fts5({COLUMN}, content='{TABLE}', content_rowid='id', "
               "tokenize='unicode61 remove_diacritics 0')")
    op.execute(f"CREATE TRIGGER {NAME}_insert AFTER INSERT ON {TABLE} BEGIN "
               f"INSERT INTO {NAME}(rowid, {COLUMN}) VALUES (new.id, new.{COLUMN}); END")
    op.execute(f"CREATE TRIGGER {NAME}_delete AFTER DELETE ON {TABLE} BEGIN "
               f"INSERT INTO {NAME}({NAME}, rowid, {COLUMN}) VALUES ('delete', old.id, old.{COLUMN}); END")
    op.execute(f"CREATE TRIGGER {NAME}_update AFTER UPDATE OF {COLUMN} ON {TABLE} BEGIN "
               f"INSERT INTO {NAME}({NAME}, rowid, {COLUMN}) VALUES ('delete', old.id, old.{COLUMN}); "
               f"INSERT INTO {NAME}(rowid, {COLUMN}) VALUES (new.id, new.{COLUMN}); END")
    op.execute(f"INSERT INTO {NAME}({NAME}) VALUES ('rebuild')")  # the messages stored before this migration


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {NAME}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {NAME}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {NAME}")
