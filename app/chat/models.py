"""Conversations and their messages. No address or device id is stored: only keyed hashes.

A conversation is found again by its code, which only the child holds: the table keeps a keyed hash of it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.vocab import Priority
from app.db import db, enum_column, utcnow


class ConversationState(StrEnum):
    """Where a chat is: in line, with an operator, or over."""

    WAITING = "waiting"  # in line (a chat started outside operating hours waits as a message to answer)
    ACTIVE = "active"  # an operator holds it
    CLOSED = "closed"  # ended by the child or the operator; the child may still read it with the code


class Author(StrEnum):
    """Who wrote a chat message."""

    CHILD = "child"  # the anonymous contact (a child, a parent…)
    OPERATOR = "operator"  # the operator holding the chat (``operator_id``)
    SYSTEM = "system"  # the helpline itself; the text is a message key of app/translations


class Conversation(db.Model):
    """A web contact: the chat a child opened, with what travels with it to the line and the case."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(8))  # kk or ru, as the child chose
    priority: Mapped[Priority] = mapped_column(enum_column(Priority))  # from the flow's answers, as for callers
    category: Mapped[str] = mapped_column(String(32))  # the flow's category
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"), index=True)  # None: untagged
    region: Mapped[str | None] = mapped_column(String(100), index=True)  # the place's region when it began
    state: Mapped[ConversationState] = mapped_column(enum_column(ConversationState), default=ConversationState.WAITING,
                                                     index=True)
    source_hash: Mapped[str] = mapped_column(String(64), index=True)  # keyed hash of where it came from
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # keyed hash of the child's conversation code
    after_hours: Mapped[bool] = mapped_column(default=False)  # began while the line was closed: a message
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # who holds it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    messages: Mapped[list[ChatMessage]] = relationship(back_populates="conversation", order_by="ChatMessage.id",
                                                       cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Conversation {self.id} {self.state.value}>"


class ChatMessage(db.Model):
    """One message of a chat; a retried send (the same sender's ``client_id``) is stored once."""

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("conversation_id", "author", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # within a chat, the order messages were stored in
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    author: Mapped[Author] = mapped_column(enum_column(Author))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the operator who wrote it
    client_id: Mapped[str | None] = mapped_column(String(64))  # the sender's id for it (None: system messages)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")

    def __repr__(self) -> str:
        return f"<ChatMessage {self.id} of {self.conversation_id} by {self.author.value}>"


class BlockedSource(db.Model):
    """A source an operator or supervisor blocked from the child's page until ``expires_at`` (abuse).

    Keyed by the keyed hash of the blocked chat's source, like the chat itself: no address is kept.
    """

    __tablename__ = "blocked_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_hash: Mapped[str] = mapped_column(String(64), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    blocked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<BlockedSource {self.source_hash[:8]} until {self.expires_at:%Y-%m-%d %H:%M}>"


class ChatThrottle(db.Model):
    """How many times a source did something (started a chat, sent a message…) in the current window.

    ``key`` is a keyed hash of what is counted and the source; a window ends ``window`` after it began and
    the next action starts a new one. Shared by every web process (the database), like sign-in throttling.
    """

    __tablename__ = "chat_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ChatThrottle {self.key[:8]} {self.count}>"
