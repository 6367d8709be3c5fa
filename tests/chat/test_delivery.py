"""Chat delivery under load, against the live database: nothing lost, nothing stored twice, nothing skipped.

Threads each push their own app context (their own session and connection), as web workers would:
senders post at once (some retrying a send whose answer they "lost"), while a reader asks again and
again for the messages after the last one it saw, as the live pages do. Whatever the database the suite
runs on (SQLite by default, PostgreSQL with DATABASE_URL), the reader must end with every message
exactly once, in the order they were stored.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.chat import services as chat
from app.contacts import services as contacts
from app.db import db
from tests.queue.helpers import add_operators

from .helpers import message_id, start_chat

SENDERS = 8
EACH = 6  # each commit is an fsync on SQLite: enough to interleave, few enough that no writer waits out busy_timeout


@pytest.fixture
def pool_app(make_app):
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": SENDERS + 4, "max_overflow": 5, "pool_timeout": 30})


def test_many_senders_and_a_live_reader_lose_and_duplicate_nothing(pool_app):
    with pool_app.app_context():
        started = start_chat()
        operator = add_operators(1)[0]
        contacts.take(operator, started.entry_id)
    conversation = started.conversation_id
    plans = [[message_id() for _ in range(EACH)] for _ in range(SENDERS)]
    start, done = threading.Barrier(SENDERS + 1), threading.Event()
    seen: list[int] = []

    def sender(n: int) -> list[int]:
        stored = []
        with pool_app.app_context():
            start.wait(timeout=30)
            for k, client_id in enumerate(plans[n]):
                by = operator if n % 2 else None  # the operator and the child write at once
                stored.append(chat.post(conversation, f"{n}:{k}", client_id, operator_id=by).id)
                if k % 3 == 0:  # the answer got lost: the page sends the same message again
                    assert chat.post(conversation, f"{n}:{k}", client_id, operator_id=by).id == stored[-1]
                db.session.remove()
        return stored

    def reader() -> None:
        with pool_app.app_context():
            start.wait(timeout=30)
            last = 0
            while True:
                finished = done.is_set()  # read once more after the senders stopped
                batch = chat.messages_after(conversation, last)
                db.session.remove()
                seen.extend(m.id for m in batch)
                last = batch[-1].id if batch else last
                if finished and not batch:
                    return

    watcher = threading.Thread(target=reader)
    watcher.start()
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        results = list(pool.map(sender, range(SENDERS), timeout=120))
    done.set()
    watcher.join(timeout=60)

    with pool_app.app_context():
        stored = chat.messages_after(conversation)
        texts = [m.text for m in stored if m.author.value != "system"]
    assert sorted(texts) == sorted(f"{n}:{k}" for n in range(SENDERS) for k in range(EACH))  # each once
    assert sorted(i for ids in results for i in ids) == sorted(m.id for m in stored if m.author.value != "system")
    assert seen == [m.id for m in stored]  # the live reader got every one, once, in order


def test_the_same_send_racing_with_itself_is_stored_once(pool_app):
    with pool_app.app_context():
        started = start_chat()
    client_id, start = message_id(), threading.Barrier(SENDERS)

    def send(_: int) -> int:
        with pool_app.app_context():
            start.wait(timeout=30)
            return chat.post(started.conversation_id, "помогите", client_id).id

    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        ids = set(pool.map(send, range(SENDERS), timeout=60))
    with pool_app.app_context():
        assert [m.id for m in chat.messages_after(started.conversation_id)] == list(ids)
