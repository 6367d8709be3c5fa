"""Blocking a source from the child's page: an operator or supervisor stops abuse for a while, politely.

A block holds the keyed hash of a chat's source (never an address) and an expiry. The page asks
``is_blocked(source)`` before it starts a chat or takes a message, and refuses politely.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.audit import services as audit
from app.db import db, utcnow

from .models import BlockedSource
from .services import ChatError, _get, _reader, source_hash

MAX_HOURS = 24 * 90  # the longest block: abuse stops, and a shared school address is not shut out for good
REASON_MAX = 500  # characters


def block(conversation_id: int, by_user_id: int, reason: str, hours: int) -> BlockedSource:
    """Block the source of a chat for ``hours``; by its operator, the operator of its case, or a supervisor.

    Audited as ``chat.block``. Errors (``ChatError`` keys): chat_error_not_found, chat_error_not_yours,
    chat_error_block_reason (empty or longer than ``REASON_MAX``), chat_error_block_hours (not 1..``MAX_HOURS``).
    """
    chat = _get(conversation_id)
    user = _reader(by_user_id, chat)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ChatError("chat_error_block_reason")
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
        raise ChatError("chat_error_block_hours")
    now = utcnow()
    blocked = BlockedSource(source_hash=chat.source_hash, conversation_id=chat.id, blocked_by=user.id, reason=reason,
                            created_at=now, expires_at=now + timedelta(hours=hours))
    db.session.add(blocked)
    audit.record("chat.block", actor=user, target_type="conversation", target_id=chat.id, hours=hours)
    db.session.commit()
    return blocked


def blocked_until(source: str) -> datetime | None:
    """Until when ``source`` (an address or device id, as the page sees it) is blocked; None if it is not."""
    return _until(source_hash(source))


def is_blocked(source: str) -> bool:
    """Whether ``source`` may not start chats or send messages now."""
    return blocked_until(source) is not None


def conversation_blocked_until(conversation_id: int) -> datetime | None:
    """Until when the source of a chat is blocked (for the operator's pane); None if it is not."""
    return _until(_get(conversation_id).source_hash)


def _until(hashed: str) -> datetime | None:
    return db.session.scalar(select(func.max(BlockedSource.expires_at)).where(
        BlockedSource.source_hash == hashed, BlockedSource.expires_at > utcnow()))
