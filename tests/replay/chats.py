"""Chats as a supervisor meets them: started from a place's QR code, taken by an operator, written in, logged.

Shared by the replay, search, board and reports tests and by the role × route matrix.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from app.cases import services as cases
from app.chat import services as chat
from app.contacts import services as contacts
from app.core.places import PlaceKind
from app.core.vocab import Priority
from app.db import db
from app.places.models import Place

SOURCE = "203.0.113.9"  # a child's address, as the page would pass it (never stored)


@dataclass(frozen=True)
class ChatRecord:
    conversation_id: int
    entry_id: int
    case_id: int | None
    message_ids: list[int]  # the child's and the operator's messages, in order


def message_id() -> str:
    """A sender's id for one message, as the pages make one."""
    return secrets.token_hex(16)


def place(code: str = "sch-12", name: str = "School No. 12", region: str = "Almaty",
          district: str = "Bostandyq") -> int:
    """A place with a QR poster (inside an app context); an existing code is reused."""
    found = db.session.scalar(db.select(Place).where(Place.code == code))
    if found is None:
        found = Place(code=code, name=name, region=region, district=district, kind=PlaceKind.SCHOOL)
        db.session.add(found)
        db.session.commit()
    return found.id


def chat_case(operator_id: int | None, child: list[str] = (), replies: list[str] = (), *, place_code: str | None = None,
              language: str = "ru", priority: Priority = Priority.CHILD, close: bool = False,
              case: dict | None = None) -> ChatRecord:
    """A chat begun from ``place_code``'s poster, taken by the operator (None: still waiting), with messages.

    The child's messages come first, then the operator's replies; ``case`` fills in the case's form, ``close``
    ends the chat (operator side) and closes the case if it was filled in. Inside an app context.
    """
    started = chat.start(language=language, priority=priority, category="child", source=SOURCE, place_code=place_code)
    ids = [chat.post(started.conversation_id, text, message_id()).id for text in child]
    case_id = None
    if operator_id is not None:
        case_id = contacts.take(operator_id, started.entry_id).case_id
        ids += [chat.post(started.conversation_id, text, message_id(), operator_id=operator_id).id
                for text in replies]
        if case:
            cases.save_case(case_id, operator_id, case)
        if close:
            chat.close(started.conversation_id, operator_id=operator_id)
            if case:
                cases.close_case(case_id, operator_id)
    return ChatRecord(started.conversation_id, started.entry_id, case_id, ids)
