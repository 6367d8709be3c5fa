"""Helpers of the chat tests: places with posters, chats started as the child's page starts them."""

from __future__ import annotations

import secrets

from app.chat import services as chat
from app.core.places import PlaceKind
from app.core.vocab import Priority
from app.db import db, utcnow
from app.places.models import Place
from app.web import sse

SOURCE = "203.0.113.77"  # a child's address, as the page would pass it (never to be stored)


def add_place(code: str = "sch-12", name: str = "School No. 12", region: str = "Almaty", *,
              retired: bool = False) -> Place:
    place = Place(code=code, name=name, region=region, district="Bostandyq", kind=PlaceKind.SCHOOL,
                  retired_at=utcnow() if retired else None)
    db.session.add(place)
    db.session.commit()
    return place


def start_chat(priority: Priority = Priority.CHILD, language: str = "ru", *, place_code: str | None = None,
               category: str = "child", source: str = SOURCE) -> chat.Started:
    """A chat begun from the child's page (inside an app context)."""
    return chat.start(language=language, priority=priority, category=category, source=source, place_code=place_code)


def message_id() -> str:
    """A sender's id for one message, as the page makes one (a random UUID-like string)."""
    return secrets.token_hex(16)


def quiet_streams_counting_reads(monkeypatch) -> list[int]:
    """Keep-alives every 0.05 s, no recheck within a test; the list grows by one at each read of a chat's messages."""
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.05)
    monkeypatch.setattr(sse, "RECHECK_SECONDS", 60)
    reads: list[int] = []
    read = chat.messages_after
    monkeypatch.setattr(chat, "messages_after", lambda *args, **kwargs: reads.append(1) or read(*args, **kwargs))
    return reads
