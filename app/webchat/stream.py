"""The child's live chat: a server-sent event stream of the chat's new messages and of the place in line.

It wakes when the chat changes (``app.chat.live``: take the version, read, then wait for the next one, so an
announcement made while reading is never missed), and reads the place in line again every
``REFRESH_SECONDS`` while the child waits (others being taken moves it, and that is no change of this chat).
Once an operator has the chat, a quiet stream only writes keep-alives and reads again after
``sse.RECHECK_SECONDS``. Each message goes out
with its id as the event id: the browser's EventSource sends the last one back as ``Last-Event-ID`` when it
reconnects, and the stream goes on after it, so nothing is lost or sent twice. No database connection is
held while waiting. The stream ends after ``STREAM_SECONDS`` (the browser reconnects after ``RETRY_MS``),
so no request lives for ever. The values are constants, not settings: tests shorten them.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Iterator

from sqlalchemy.exc import SQLAlchemyError

from app.chat import live
from app.chat import services as chat
from app.chat.models import ConversationState
from app.db import db
from app.web import sse

from .page import message_view, waiting_text

log = logging.getLogger(__name__)

REFRESH_SECONDS = 10.0  # the place in line is read again this often while the child waits
STREAM_SECONDS = 300.0
RETRY_MS = 2000


def _message(view: dict) -> str:
    return f"id: {view['id']}\n" + sse.event("message", json.dumps(view, ensure_ascii=False))


def events(conversation_id: int, after: int) -> Iterator[str]:
    """New messages after message ``after``, the place in line whenever it changes, and ``closed`` at the end."""
    yield f"retry: {RETRY_MS}\n\n"
    started = time.monotonic()
    waiting = None
    while True:
        seen = live.version(conversation_id)
        try:
            messages = chat.messages_after(conversation_id, after)
            views = [message_view(m) for m in messages]
            conversation = chat.conversation(conversation_id)
            closed = conversation is None or conversation.state is ConversationState.CLOSED
            now_waiting = "" if closed else waiting_text(conversation)
        except SQLAlchemyError:  # the database is away: end; the browser reconnects and tries again
            log.warning("chat stream ends: the database did not answer", exc_info=True)
            return
        finally:
            db.session.remove()  # no connection is held while waiting
        for view in views:
            after = view["id"]
            yield _message(view)
        if now_waiting != waiting:
            waiting = now_waiting
            yield sse.event("place", waiting)
        if closed and len(messages) < chat.READ_LIMIT:
            yield sse.event("closed", "")
            return
        left = STREAM_SECONDS - (time.monotonic() - started)
        if left <= 0:
            return
        if len(messages) < chat.READ_LIMIT:
            longest = REFRESH_SECONDS if now_waiting else sse.RECHECK_SECONDS
            yield from sse.keepalives(functools.partial(live.wait, conversation_id, seen),
                                      min(live.trusted_seconds(longest), left))
