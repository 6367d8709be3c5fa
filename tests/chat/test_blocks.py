"""Blocking a chat's source: its operator or a supervisor stops abuse for a while; nothing stores an address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.chat import blocks
from app.chat import services as chat
from app.chat.models import BlockedSource
from app.contacts import services as contacts
from app.db import db
from tests.database import database_text

from .helpers import SOURCE, start_chat


@pytest.fixture
def taken(db_session, people):
    """A chat from SOURCE that aigerim took from the line."""
    started = start_chat()
    contacts.take(people["aigerim"], started.entry_id)
    return started.conversation_id


def test_the_operator_holding_a_chat_blocks_its_source_for_a_while(taken, people):
    blocked = blocks.block(taken, people["aigerim"], "insults, again", 24)
    assert blocks.is_blocked(SOURCE)
    assert not blocks.is_blocked("198.51.100.9")  # another child is not
    assert blocks.blocked_until(SOURCE) == blocked.expires_at
    assert blocks.conversation_blocked_until(taken) == blocked.expires_at
    assert timedelta(hours=23, minutes=59) < blocked.expires_at - blocked.created_at <= timedelta(hours=24)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "chat.block"))
    assert (event.actor_id, event.target_id, event.details["hours"]) == (people["aigerim"], str(taken), 24)
    assert SOURCE not in database_text(current_app)


def test_a_block_ends_by_itself(taken, people):
    blocked = blocks.block(taken, people["aigerim"], "spam", 1)
    blocked.expires_at = blocked.created_at - timedelta(seconds=1)
    db.session.commit()
    assert not blocks.is_blocked(SOURCE)
    assert blocks.conversation_blocked_until(taken) is None


def test_a_supervisor_may_block_any_chat_another_operator_may_not(taken, people):
    with pytest.raises(chat.ChatError) as refused:
        blocks.block(taken, people["daniyar"], "spam", 1)
    assert refused.value.key == "chat_error_not_yours"
    blocks.block(taken, people["saule"], "spam", 1)
    assert blocks.is_blocked(SOURCE)


@pytest.mark.parametrize(("reason", "hours", "key"), [
    ("", 1, "chat_error_block_reason"), ("   ", 1, "chat_error_block_reason"), ("x" * 501, 1, "chat_error_block_reason"),
    ("spam", 0, "chat_error_block_hours"), ("spam", 24 * 90 + 1, "chat_error_block_hours"),
    ("spam", True, "chat_error_block_hours"), ("spam", "3", "chat_error_block_hours"),
])
def test_a_block_needs_a_reason_and_a_sensible_length(taken, people, reason, hours, key):
    with pytest.raises(chat.ChatError) as refused:
        blocks.block(taken, people["aigerim"], reason, hours)
    assert refused.value.key == key
    assert db.session.scalars(select(BlockedSource)).all() == []


def test_blocking_an_unknown_chat_says_so(db_session, people):
    with pytest.raises(chat.ChatError) as refused:
        blocks.block(999, people["saule"], "spam", 1)
    assert refused.value.key == "chat_error_not_found"
