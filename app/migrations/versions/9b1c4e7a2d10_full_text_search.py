"""full-text search over transcripts and case notes

Revision ID: 9b1c4e7a2d10
Revises: 3f848cfac9ae
Create Date: 2026-11-28 12:55:00

SQLite: FTS5 tables over ``transcripts.text`` and ``cases.notes`` (external content: the text is not stored
twice), kept in step by triggers, so no code path that writes a transcript or a case can forget them. A later
batch migration that recreates ``transcripts`` or ``cases`` drops their triggers with the old table: it must
create them again (tests/search checks that the index follows new rows).

PostgreSQL: GIN indexes over ``to_tsvector('simple', …)``, which the database keeps in step by itself. The
'simple' configuration only lower-cases: PostgreSQL has no Kazakh stemmer, and a Russian one would mangle
Kazakh words; prefix queries (``term:*``) stand in for stemming both languages.

The names start with ``fts_``: Alembic's autogenerate leaves them alone (see ``app.search.index``).
"""

from alembic import op

revision = '9b1c4e7a2d10'
down_revision = '3f848cfac9ae'
branch_labels = None
depends_on = None

# (FTS table or index, indexed table, column). unicode61 folds case across scripts (Cyrillic, Kazakh, Hangul);
# diacritics are kept, since Kazakh letters such as ә, ө, ү are letters of their own, not accented variants.
INDEXES = (("fts_transcripts", "transcripts", "text"), ("fts_case_notes", "cases", "notes"))


def _sqlite_upgrade(name: str, table: str, column: str) -> None:
    op.execute(f"CREATE VIRTUAL TABLE {name} USING fts5({column}, content='{table}', content_rowid='id', "
               "tokenize='unicode61 remove_diacritics 0')")
    op.execute(f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {name}(rowid, {column}) VALUES (new.id, new.{column}); END")
    op.execute(f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN "
               f"INSERT INTO {name}({name}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END")
    op.execute(f"CREATE TRIGGER {name}_update AFTER UPDATE OF {column} ON {table} BEGIN "
               f"INSERT INTO {name}({name}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
               f"INSERT INTO {name}(rowid, {column}) VALUES (new.id, new.{column}); END")
    op.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")  # the rows written before this migration


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, column in INDEXES:
        if dialect == "sqlite":
            _sqlite_upgrade(name, table, column)
        elif dialect == "postgresql":
            op.execute(f"CREATE INDEX {name} ON {table} USING gin (to_tsvector('simple'::regconfig, {column}))")
        else:
            raise NotImplementedError(f"full-text search on {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, _table, _column in reversed(INDEXES):
        if dialect == "sqlite":
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{trigger}")
            op.execute(f"DROP TABLE IF EXISTS {name}")
        else:
            op.execute(f"DROP INDEX IF EXISTS {name}")
