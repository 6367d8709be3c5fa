"""What the child's pages share: their language, texts, the chat this browser holds, and the source of a request.

The page speaks the flow's languages (Kazakh and Russian): chosen with ``?lang=`` (kept in the session, as on
every page), else the browser's, else Kazakh. The chat this browser holds is kept in the signed session
cookie, nowhere else; the conversation code is there only until the page has shown it once.
"""

from __future__ import annotations

from flask import current_app, request, session

from app.chat import services as chat
from app.chat.models import Author, ChatMessage, Conversation
from app.clock import helpline_time
from app.core.vocab import Language
from app.queue import services as line

LANGUAGES = tuple(language.value for language in Language)  # the flow's and the chat's: kk, ru
DEFAULT = "kk"
CHAT = "webchat"  # session key: the id of the chat this browser holds
CODE = "webchat_code"  # session key: a new chat's code, until it was shown once
PLACE = "webchat_place"  # session key: the poster's code the chat began from (a new chat starts there again)


def language() -> str:
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def text(key: str, **values) -> str:
    """The text for ``key`` in the page's language (Russian, then the key, where it has none)."""
    catalogs = current_app.extensions["qorgau.i18n"]
    found = catalogs[language()].get(key) or catalogs["ru"].get(key) or key
    return found.format(**values) if values else found


def source() -> str:
    """Where the request came from (the address, behind the trusted proxies): only ever hashed by the services."""
    return request.remote_addr or "unknown"


def held_chat() -> Conversation | None:
    """The chat this browser holds, if it still exists."""
    chat_id = session.get(CHAT)
    return chat.conversation(chat_id) if isinstance(chat_id, int) else None


def hold(conversation_id: int, *, code: str | None = None, place: str | None = None) -> None:
    session[CHAT] = conversation_id
    if code is not None:
        session[CODE] = code
    if place is not None:
        session[PLACE] = place


def message_view(message: ChatMessage) -> dict:
    """A message as the child sees it: who wrote it, its text (a system message's in the page's language), when."""
    who = {Author.CHILD: "webchat_you", Author.OPERATOR: "webchat_operator", Author.SYSTEM: "webchat_helpline"}
    body = text(message.text) if message.author is Author.SYSTEM else message.text
    return {"id": message.id, "author": message.author.value, "who": text(who[message.author]), "text": body,
            "at": helpline_time(message.created_at).strftime("%H:%M")}


def waiting_text(conversation: Conversation) -> str:
    """What the page says about the wait: the place in line and the expected wait, or that operators are away.

    Empty once an operator has the chat (or it is over).
    """
    info = chat.place_in_line(conversation.id)
    if info is None:
        return ""
    if not line.line_open():
        return text("webchat_wait_after_hours", position=info.position)
    band = info.band
    if band is None:
        return text("webchat_wait_long", position=info.position)
    return text("webchat_wait", position=info.position, minutes=band)


