"""Alembic migrations: from an empty database they build exactly the models' schema, and they undo cleanly.

Runs on a scratch database of the same kind as the suite's (a fresh SQLite file, or a scratch PostgreSQL
database next to the shared one), so the database the other tests use is never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from app import create_app
from app.cli import alembic_config
from app.db import db
from app.models import import_all
from app.search.index import include_object, is_index_table

SCRATCH = "qorgau_migrations_test"


@pytest.fixture
def empty_database(base_config, tmp_path) -> Iterator[str]:
    """The URL of a new, empty database on the suite's kind of server."""
    url = make_url(base_config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {SCRATCH}")
    yield url.set(database=SCRATCH).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


@contextmanager
def migrating(base_config, url: str):
    """An app context on the database at ``url``; its connections are closed afterwards."""
    app = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            yield alembic_config()
        finally:
            db.session.remove()
            db.engine.dispose()


def schema_differences() -> list:
    import_all()
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object}), db.metadata)


def table_names() -> set[str]:
    """The tables, without the full-text index's (SQLite's FTS5 tables have no model; see app.search.index)."""
    return {name for name in inspect(db.engine).get_table_names() if not is_index_table(name)}


def test_there_is_one_head(base_config):
    with create_app(base_config).app_context():
        assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_upgrade_from_empty_builds_exactly_the_models_schema(base_config, empty_database):
    with migrating(base_config, empty_database) as config:
        command.upgrade(config, "head")
        assert schema_differences() == []
        assert table_names() == set(db.metadata.tables) | {"alembic_version"}


def test_downgrade_to_base_then_upgrade_again(base_config, empty_database):
    with migrating(base_config, empty_database) as config:
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        assert table_names() == {"alembic_version"}
        command.upgrade(config, "head")
        assert schema_differences() == []
