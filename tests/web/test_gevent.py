"""gunicorn's gevent worker as deployed: an open live page costs a greenlet, not a thread, and waits cooperatively.

One web process holds a hundred live streams and still answers a plain page; on PostgreSQL it answers even
while streams wait inside the database (for a lock held by the test): psycopg waits on its socket through
gevent's patched ``select``, not in C, so one stuck query does not stop the process.
"""

from __future__ import annotations

import contextlib
import socket
import time
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from lxml import html

from tests.auth.helpers import PASSWORD, create_user
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN

from .gunicorn import Web

STREAMS = 100


@pytest.fixture
def web(base_config, database_url, tmp_path):
    """The Procfile's web process, one of them, over plain http (so the browser keeps its session cookie)."""
    served = Web({"QORGAU_ENV": "testing", "DATABASE_URL": database_url, "INSTANCE_DIR": str(tmp_path),
                  "PUBLIC_BASE_URL": "http://127.0.0.1", "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                  "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "SECRET_KEY": base_config["SECRET_KEY"],
                  "WEB_CONNECTIONS": str(STREAMS + 50)}, tmp_path / "web.log")
    yield served
    served.stop()


def sign_in(url: str, name: str) -> str:
    """Sign in over HTTP like a browser; the session cookie's header value."""
    browser = requests.Session()
    form = html.fromstring(browser.get(f"{url}/login", timeout=30).content)
    token = form.xpath('//input[@name="csrf_token"]/@value')[0]
    answer = browser.post(f"{url}/login", data={"username": name, "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text
    return "; ".join(f"{key}={value}" for key, value in browser.cookies.items())


def open_stream(url: str, cookie: str) -> socket.socket:
    """The console's event stream on a connection of its own, read up to its first event."""
    parts = urlsplit(url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=60)
    connection.sendall(f"GET /console/stream HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookie}\r\n"
                       "Accept: text/event-stream\r\n\r\n".encode())
    received = b""
    while b"event: " not in received:
        data = connection.recv(65536)
        assert data, received
        received += data
    assert received.startswith(b"HTTP/1.1 200"), received[:200]
    return connection


def waiting_on_locks(database_url: str) -> int:
    """How many of the database's sessions wait for a lock."""
    with psycopg.connect(database_url, autocommit=True) as watcher:
        return watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND wait_event_type = 'Lock'").fetchone()[0]


@pytest.mark.slow
def test_one_process_holds_a_hundred_live_pages_and_still_answers(app, web, database_url):
    create_user(app, "aigerim", "operator")
    cookie = sign_in(web.url, "aigerim")
    streams = [open_stream(web.url, cookie) for _ in range(STREAMS)]  # gthread with 4 threads: stuck at 4
    try:
        assert requests.get(f"{web.url}/login", timeout=30).status_code == 200
        assert requests.get(f"{web.url}/console/", headers={"Cookie": cookie}, timeout=30).status_code == 200
        if database_url.startswith("postgresql"):
            with psycopg.connect(database_url) as holder:
                holder.execute("LOCK TABLE queue_entries IN ACCESS EXCLUSIVE MODE")  # the streams' next read waits
                while not waiting_on_locks(database_url):
                    time.sleep(0.1)
                # Were psycopg's wait not green, the process would be stuck in that read until the lock goes,
                # and this would time out.
                assert requests.get(f"{web.url}/login", timeout=30).status_code == 200
                holder.rollback()
            assert requests.get(f"{web.url}/console/", headers={"Cookie": cookie}, timeout=30).status_code == 200
    finally:
        for stream in streams:
            with contextlib.suppress(OSError):
                stream.close()
    assert "Traceback" not in web.stop()
