"""Shared fixtures for the whole suite.

An app on a migrated database (SQLite by default, PostgreSQL when DATABASE_URL or TEST_DATABASE_URL
says so), its client and CLI runner, a session, people signed in by role, a live HTTP server and the
call simulator.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app import create_app
from app.db import db
from app.simulator.engine import AppTransport, CallSimulator, HttpTransport, ScriptedCaller
from tests.auth.helpers import create_user, log_in

PUBLIC_BASE_URL = "https://qorgau.example.org"
AUTH_TOKEN = "test-auth-token-5f0c"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """SQLite in a temp dir, or a scratch database of its own on the PostgreSQL server the environment names.

    A database per run (dropped at its end) lets runs side by side share one server without dropping each
    other's tables.
    """
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'qorgau-test.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(url.replace("postgres://", "postgresql://", 1)).set(drivername="postgresql")
    scratch = f"{server.database}_run{os.getpid()}"
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{scratch}"')
    yield server.set(database=scratch).render_as_string(hide_password=False)
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@pytest.fixture(scope="session")
def base_config(tmp_path_factory, database_url) -> dict:
    """Settings every test app shares; the database is migrated once per run, from empty."""
    from app.config import _database_url

    instance = tmp_path_factory.mktemp("instance")
    config = {
        "QORGAU_ENV": "testing",
        "TESTING": True,
        "INSTANCE_DIR": str(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(database_url, Path(instance)),
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "SECRET_KEY": "test-secret",
        "CALLER_HASH_KEY": "test-caller-hash-key",
        "WTF_CSRF_ENABLED": True,
    }
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        from alembic import command

        from app.cli import alembic_config

        command.upgrade(alembic_config(), "heads")
        db.engine.dispose()
    return config


@pytest.fixture
def make_app(base_config):
    """Build an app with extra settings; every table is emptied afterwards."""
    made = []

    def factory(**overrides):
        app = create_app({**base_config, **overrides})
        made.append(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    with app.app_context():
        yield db.session


@pytest.fixture
def people(app) -> dict[str, int]:
    """An operator (aigerim), a second operator (daniyar), a supervisor (saule) and an admin (arman)."""
    return {name: create_user(app, name, role) for name, role in
            (("aigerim", "operator"), ("daniyar", "operator"), ("saule", "supervisor"), ("arman", "admin"))}


@pytest.fixture
def signed_in(app, people) -> Callable[[str], FlaskClient]:
    """A client of its own, signed in as one of ``people``, reading English."""

    def sign_in(name: str = "aigerim") -> FlaskClient:
        client = app.test_client()
        response = log_in(client, name)
        assert response.status_code == 302, response.data
        client.get("/login?lang=en")  # the tests read English (the session keeps it); others ask for theirs
        return client

    return sign_in


@pytest.fixture
def supervisor(signed_in) -> FlaskClient:
    return signed_in("saule")


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()  # a test's open streams end with the socket, not after the next test began
    thread.join(timeout=5)


def make_simulator(transport) -> CallSimulator:
    return CallSimulator(transport, PUBLIC_BASE_URL, AUTH_TOKEN, ACCOUNT_SID)


@pytest.fixture
def simulator(app) -> CallSimulator:
    """Twilio's side of calls, delivered in-process."""
    return make_simulator(AppTransport(app))


@pytest.fixture
def http_simulator(live_server) -> CallSimulator:
    """Twilio's side of calls, over real HTTP to the live server."""
    return make_simulator(HttpTransport(PUBLIC_BASE_URL, live_server))


@pytest.fixture
def call(simulator):
    """Place a call with a script of keys: ``call("2 1")``."""

    def place(script: str = "", **kwargs):
        return simulator.call(ScriptedCaller(script.split()), **kwargs)

    return place


@pytest.fixture
def browser():
    """Debian's chromium, driven by Playwright, for one test (a module may ask for other flags with its own)."""
    from playwright.sync_api import sync_playwright

    from tests.console.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
