"""The full-text index, made by its migration (not by a model): the SQL that asks it, and Alembic's blind spot.

SQLite: FTS5 tables ``fts_transcripts``, ``fts_case_notes`` and ``fts_chat_messages`` over the text, kept in
step by triggers.
PostgreSQL: GIN indexes of the same names over ``to_tsvector('simple', …)`` (no Kazakh stemmer exists;
'simple' only lower-cases, and prefix queries stand in for stemming).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, func, literal_column, text

from app.core.search import fts5_query, tsquery

PREFIX = "fts_"
SIMPLE = literal_column("'simple'::regconfig")  # a literal, so the planner matches the indexes' expression


def include_object(_object, name: str | None, _type: str, reflected: bool, compare_to) -> bool:
    """Alembic: leave out of autogenerate the index objects that only exist in the database (they have no model)."""
    return not (reflected and compare_to is None and (name or "").startswith(PREFIX))


def is_index_table(name: str) -> bool:
    """A table (FTS5 or one of its shadow tables) that belongs to the full-text index."""
    return name.startswith(PREFIX)


def matches(column, fts_table: str, terms: list[str], dialect: str) -> ColumnElement[bool]:
    """Rows whose ``column`` (``transcripts.text``, ``cases.notes``, ``chat_messages.text``) holds every term (as prefixes).

    ``terms`` come from ``app.core.search.terms``: letters and digits only, and bound as parameters anyway.
    """
    if dialect == "sqlite":
        hits = (text(f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH :{fts_table}")
                .bindparams(**{fts_table: fts5_query(terms)}).columns(rowid=Integer))
        return column.table.c.id.in_(hits)
    return func.to_tsvector(SIMPLE, column).op("@@")(func.to_tsquery(SIMPLE, tsquery(terms)))
