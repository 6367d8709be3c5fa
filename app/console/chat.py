"""The console's chat pane: what it shows of a chat, and its live stream of messages.

The stream is one per open pane. It sends each message once, as a server-sent event whose id is the
message's id, so a browser that reconnects (``Last-Event-ID``) gets exactly the messages after the last it
received: none lost, none twice. Between reads it holds no database connection and sleeps until the chat
changes (``app.chat.live``) or a keep-alive is due; every read that shows messages is audited by
``chat.messages_after``. Like every live page, a stream ends after ``sse.STREAM_SECONDS`` and the browser
comes back on its own.
"""

from __future__ import annotations

import functools
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from sqlalchemy.exc import SQLAlchemyError

from app.chat import blocks, canned
from app.chat import live as chat_live
from app.chat import services as chat
from app.chat.models import Author, ChatMessage, Conversation, ConversationState
from app.contacts import services as contacts
from app.db import db
from app.web import sse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pane:
    """A chat as its pane shows it: the conversation, its messages so far, where it came from, what may be done."""

    conversation: Conversation
    messages: list[ChatMessage]
    place: str | None
    may_reply: bool  # the operator holding it, while it lasts
    canned: list[canned.Canned]
    client_id: str  # the reply form's id for its message: a form sent twice (no script) is stored once
    blocked_until: datetime | None  # the chat's source is blocked until then

    @property
    def last_id(self) -> int:
        return self.messages[-1].id if self.messages else 0

    @property
    def closed(self) -> bool:
        return self.conversation.state is ConversationState.CLOSED


def pane(conversation_id: int, reader_id: int, console_language: str) -> Pane:
    """The pane of a chat for this reader (its operator, or a supervisor); ChatError if they may not read it.

    Reading its history is audited (``chat.read``, via the console).
    """
    messages: list[ChatMessage] = []
    while True:  # a long chat comes in pages
        page = chat.messages_after(conversation_id, messages[-1].id if messages else 0, reader_id=reader_id,
                                   via="console")
        messages += page
        if len(page) < chat.READ_LIMIT:
            break
    conversation = chat.conversation(conversation_id)
    place = contacts.place_names({conversation.place_id}).get(conversation.place_id) if conversation.place_id else None
    may_reply = conversation.operator_id == reader_id and conversation.state is ConversationState.ACTIVE
    return Pane(conversation, messages, place, may_reply, canned.replies(conversation.language, console_language),
                secrets.token_hex(16), blocks.conversation_blocked_until(conversation_id))


def ends_chat(message: ChatMessage) -> bool:
    """The helpline's message that the chat is over: the pane stops taking replies when it arrives."""
    return message.author is Author.SYSTEM and message.text == chat.CLOSED


def render_message(message: ChatMessage) -> str:
    return render_template("console/_message.html", message=message)


def events(conversation_id: int, reader_id: int, after: int, allowed: Callable[[], bool]) -> Iterator[str]:
    """Server-sent events of a chat's messages after ``after``, each with its id, as they are stored.

    The chat's version is taken before each read, and the wait returns at once if it moved meanwhile, so a
    message stored while the stream was reading is never missed. While the chat is quiet the stream writes a
    keep-alive every ``sse.KEEPALIVE_SECONDS`` (a gone browser frees its thread) and reads the database again
    only after ``sse.RECHECK_SECONDS`` (a change whose announcement was lost, with Redis away, is seen that
    late at worst; without Redis sooner, ``live.trusted_seconds``): 500 quiet panes do not read it 100 times a second.
    """
    yield f"retry: {sse.RETRY_MS}\n\n"
    started = time.monotonic()
    while True:
        try:
            if not allowed():
                return
            seen = chat_live.version(conversation_id)
            messages = chat.messages_after(conversation_id, after, reader_id=reader_id, via="console")
            out = [f"id: {message.id}\n" + sse.event("message", render_message(message)) for message in messages]
            if messages:
                after = messages[-1].id
        except chat.ChatError:  # no longer theirs to read: the browser's reconnection is refused too
            return
        except SQLAlchemyError:  # the database is away: end; the browser reconnects and tries again
            log.warning("chat stream ends: the database did not answer", exc_info=True)
            return
        finally:
            db.session.remove()  # no connection is held while waiting
        yield from out
        if len(messages) == chat.READ_LIMIT:
            continue  # more are stored: read on before waiting
        left = sse.STREAM_SECONDS - (time.monotonic() - started)
        if left <= 0:
            return
        yield from sse.keepalives(functools.partial(chat_live.wait, conversation_id, seen),
                                  min(chat_live.trusted_seconds(sse.RECHECK_SECONDS), left))
