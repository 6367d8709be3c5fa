"""Many operators taking chats at once, against the live database: no chat given twice, nobody over capacity.

Threads each push their own app context (their own session and connection). On SQLite and on PostgreSQL
alike: every take returns a distinct contact, the database agrees with what each operator was told, the
head of the line is served first, and no operator ever holds more chats than CHATS_PER_OPERATOR, not
even one racing against themself (two tabs, a double click).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from app.cases import services as cases
from app.chat import services as chat
from app.chat.models import Conversation, ConversationState
from app.contacts import services as contacts
from app.db import db
from app.operators import services as operators
from app.queue import services as line
from app.queue.models import EntryState, QueueEntry
from tests.chat.helpers import start_chat
from tests.queue.helpers import add_operators, race

OPERATORS = 10
CHATS = 36
PER_OPERATOR = 3


@pytest.fixture
def pool_app(make_app):
    return make_app(CHATS_PER_OPERATOR=PER_OPERATOR,
                    SQLALCHEMY_ENGINE_OPTIONS={"pool_size": OPERATORS + 2, "max_overflow": 5, "pool_timeout": 30})


def take_until_refused(operator_id: int) -> list[int]:
    got = []
    while True:
        try:
            got.append(contacts.take(operator_id).entry_id)
        except contacts.TakeError:
            return got
        finally:
            db.session.remove()


def test_many_operators_taking_chats_at_once_never_share_one_or_exceed_capacity(pool_app):
    with pool_app.app_context():
        line_order = [start_chat().entry_id for _ in range(CHATS)]
        workers = add_operators(OPERATORS)
    results = race(pool_app, workers, take_until_refused)
    told = dict(zip(workers, results, strict=True))
    taken = [entry for entries in told.values() for entry in entries]
    assert [entry for entry, n in Counter(taken).items() if n > 1] == []
    assert len(taken) == min(CHATS, OPERATORS * PER_OPERATOR)
    assert all(len(entries) == PER_OPERATOR for entries in told.values())
    assert sorted(taken) == sorted(line_order[:len(taken)]), "a chat was passed over for one behind it"
    with pool_app.app_context():
        held = dict(db.session.execute(select(QueueEntry.id, QueueEntry.operator_id)
                                       .where(QueueEntry.operator_id.is_not(None))).all())
        assert held == {entry: operator for operator, entries in told.items() for entry in entries}
        owners = dict(db.session.execute(select(Conversation.id, Conversation.operator_id)
                                         .where(Conversation.operator_id.is_not(None))).all())
        assert sorted(Counter(owners.values()).values()) == [PER_OPERATOR] * OPERATORS
        assert [e.id for e in line.waiting()] == line_order[len(taken):]


def test_one_operator_racing_against_themself_stays_within_capacity(pool_app):
    with pool_app.app_context():
        for _ in range(CHATS):
            start_chat()
        operator = add_operators(1)[0]

    def take_once(operator_id: int) -> int | None:
        try:
            return contacts.take(operator_id).entry_id
        except contacts.TakeError:
            return None

    results = race(pool_app, [operator] * 8, take_once)
    assert sum(result is not None for result in results) == PER_OPERATOR
    with pool_app.app_context():
        assert operators.load(operator).chats == PER_OPERATOR


def test_a_child_leaving_while_an_operator_takes_the_chat_ends_one_way_or_the_other(pool_app):
    """Take and close lock the entry, then the chat: neither waits on the other's lock forever."""
    with pool_app.app_context():
        started = [start_chat() for _ in range(OPERATORS)]
        workers = add_operators(OPERATORS)

    def take_or_leave(n: int) -> str:
        try:
            if n % 2:
                contacts.take(workers[n // 2], started[n // 2].entry_id)
            else:
                chat.close(started[n // 2].conversation_id)
        except (contacts.TakeError, chat.ChatError) as refused:
            return refused.key
        return "done"

    start = threading.Barrier(2 * OPERATORS)

    def thread(n: int) -> str:
        with pool_app.app_context():
            start.wait(timeout=30)
            return take_or_leave(n)

    with ThreadPoolExecutor(max_workers=2 * OPERATORS) as pool:
        outcomes = list(pool.map(thread, range(2 * OPERATORS), timeout=120))
    assert set(outcomes) <= {"done", contacts.TAKEN}
    with pool_app.app_context():
        for one in started:
            entry = line.entry(one.entry_id)
            assert chat.conversation(one.conversation_id).state is ConversationState.CLOSED
            case = cases.case_for_entry(entry.id)
            if case is None:  # she left before anyone took her
                assert entry.state is EntryState.ABANDONED and entry.operator_id is None
            else:  # taken, then she left: the conversation is over, its case is the operator's to fill in
                assert entry.state is EntryState.DONE and case.operator_id == entry.operator_id
