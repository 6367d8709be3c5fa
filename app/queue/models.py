"""Queue entries: one per contact (a call or a chat) that reached the operators' line."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.vocab import Channel, Priority
from app.db import db, enum_column, utcnow


class EntryState(StrEnum):
    """Where a contact is between entering the line and the end of the conversation."""

    WAITING = "waiting"  # in line (a caller hears the wait loop; a child sees their place)
    ASSIGNED = "assigned"  # taken by an operator; a call is being bridged to them
    CONNECTED = "connected"  # contact and operator are talking (or chatting)
    CALLBACK = "callback"  # hung up after asking to be called back; keeps their place in line
    ABANDONED = "abandoned"  # gone while waiting (hung up, or left the chat)
    LEFT = "left"  # left the line to leave a voice message
    MESSAGE = "message"  # left a voice message: in the inbox until an operator takes it to hear it
    DONE = "done"  # the conversation ended

    @property
    def is_waiting(self) -> bool:
        return self is EntryState.WAITING

    @property
    def in_line(self) -> bool:
        """Still to be answered: waiting, or waiting to be called back."""
        return self in IN_LINE


IN_LINE = (EntryState.WAITING, EntryState.CALLBACK)
INBOX = (EntryState.MESSAGE, EntryState.CALLBACK)  # what operators answer later: voice messages, call-back requests
TAKEABLE = (*IN_LINE, EntryState.MESSAGE)  # what an operator may take by its id


class QueueEntry(db.Model):
    """A contact in (or once in) the operators' line, whatever its channel."""

    __tablename__ = "queue_entries"
    __table_args__ = (CheckConstraint(
        "(channel = 'phone' AND call_id IS NOT NULL AND conversation_id IS NULL)"
        " OR (channel = 'web' AND conversation_id IS NOT NULL AND call_id IS NULL)", name="one_contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), default=Channel.PHONE, index=True)
    # What the contact is: a call (phone) or a chat (web); one entry each.
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), unique=True)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority))
    priority_rank: Mapped[int] = mapped_column(index=True)  # Priority.rank, so SQL can order by it
    category: Mapped[str] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # a caller's keyed hash, never a number
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"), index=True)  # a chat's QR poster, if known
    region: Mapped[str | None] = mapped_column(String(100), index=True)  # where the contact is, if known
    state: Mapped[EntryState] = mapped_column(enum_column(EntryState), default=EntryState.WAITING, index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Why the last attempt to connect this contact failed: a message key of app/translations (never a provider's
    # text, which may repeat the caller's number), and the provider's error code when it gave one.
    error_key: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[int | None]
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    picked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<QueueEntry {self.id} {self.channel.value} {self.priority.value} {self.state.value}>"
