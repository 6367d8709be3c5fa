"""Chats: starting one (it joins the callers' line), posting and reading messages, closing, the conversation code.

Every function takes ids and plain values and commits its own change, except ``attach``, which is part of
taking a contact (``app.contacts.take``). Problems a sender can fix raise :class:`ChatError` carrying a
message key of ``app/translations``.

Delivery loses nothing and duplicates nothing:

- a message carries its sender's id for it (``client_id``): sending it again stores nothing new and
  answers with the message already stored;
- messages of a chat are stored one at a time (each post first takes the conversation's row), so their
  ids grow in the order they become visible, and "the messages after id N" never skips one that was
  still being written.

Nothing here keeps where a child wrote from: their source (address, device id) is reduced to a keyed
hash at once, and their code is kept only as a keyed hash. Children's own actions are not audited (an
audit event records the request's address); every read of a chat by staff is, like a transcript read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.auth.models import Role, User
from app.cases.models import Case, CaseConversation
from app.core import chat as rules
from app.core.parsing import LARGEST_INTEGER
from app.core.privacy import keyed_hash
from app.core.vocab import Channel, Language, Priority
from app.db import db, utcnow
from app.operators import services as operators
from app.places.services import find_place
from app.queue import services as queue
from app.queue.models import EntryState, QueueEntry

from . import live
from .models import Author, ChatMessage, Conversation, ConversationState

READ_LIMIT = 500  # messages one read returns at most; read again after the last one for more
CATEGORY_MAX = 32  # characters of a flow's category code

# System messages: what the child's page says between the messages (message keys of app/translations).
AFTER_HOURS = "chat_system_after_hours"  # began outside operating hours: answered when operators are back
OPERATOR_JOINED = "chat_system_operator_joined"
CLOSED = "chat_system_closed"


class ChatError(ValueError):
    """A problem the sender can fix (or a chat that cannot be used); ``key`` is a message key."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Started:
    """A new chat and its code: shown to the child once, and never stored."""

    conversation_id: int
    entry_id: int
    code: str
    after_hours: bool


def source_hash(source: str) -> str:
    """The keyed hash of where a chat came from (an address or device id): links a source's chats, reveals nothing."""
    return keyed_hash(source, current_app.config["CHAT_HASH_KEY"], "chat-source")


def _code_hash(code: str) -> str:
    return keyed_hash(code, current_app.config["CHAT_HASH_KEY"], "chat-code")


def conversation(conversation_id: int) -> Conversation | None:
    return db.session.get(Conversation, conversation_id)


def _get(conversation_id: int) -> Conversation:
    found = conversation(conversation_id)
    if found is None:
        raise ChatError("chat_error_not_found")
    return found


def start(*, language: str, priority: Priority, category: str, source: str, place_code: str | None = None) -> Started:
    """Open a chat and put it in the line callers wait in (channel web), with its place and region.

    ``priority`` and ``category`` come from the child's answers to the flow's first questions, so the same
    rules order them as callers. An unknown or retired ``place_code`` starts the chat untagged. Outside
    operating hours the chat waits in line all the same, as a message answered when operators are back.
    """
    if language not in set(Language):
        raise ChatError("chat_error_language")
    if priority not in set(Priority):
        raise ChatError("chat_error_priority")
    priority = Priority(priority)
    if not category or len(category) > CATEGORY_MAX:
        raise ChatError("chat_error_category")
    place = find_place(place_code) if place_code else None
    after_hours = not queue.line_open()
    while True:  # a code already taken (about one chance in 2**60) is simply drawn again
        code = rules.new_code()
        if db.session.scalar(select(Conversation.id).where(Conversation.code_hash == _code_hash(code))) is None:
            break
    chat = Conversation(language=language, priority=priority, category=category, source_hash=source_hash(source),
                        code_hash=_code_hash(code), place_id=place.id if place else None,
                        region=place.region if place else None, after_hours=after_hours)
    db.session.add(chat)
    db.session.flush()
    entry = queue.enter(Channel.WEB, priority=priority, category=category, language=language,
                        conversation_id=chat.id, place_id=chat.place_id, region=chat.region)
    if after_hours:
        db.session.add(ChatMessage(conversation_id=chat.id, author=Author.SYSTEM, text=AFTER_HOURS))
    db.session.commit()
    return Started(chat.id, entry.id, code, after_hours)


def find_by_code(code: str | None) -> Conversation | None:
    """The chat of a conversation code as the child typed it; None for a malformed or unknown code."""
    normal = rules.normalise_code(code)
    if normal is None:
        return None
    return db.session.scalar(select(Conversation).where(Conversation.code_hash == _code_hash(normal)))


def post(conversation_id: int, text: str, client_id: str, *, operator_id: int | None = None) -> ChatMessage:
    """Store a message of the child (``operator_id`` None) or of the operator holding the chat.

    ``client_id`` is the sender's id for this message: posting it again returns the message stored the
    first time and stores nothing. Errors: chat_error_bad_message_id, chat_error_empty, chat_error_too_long,
    chat_error_closed, chat_error_not_yours, chat_error_not_found.
    """
    if not rules.valid_client_id(client_id):
        raise ChatError("chat_error_bad_message_id")
    text = (text or "").strip()
    if not text:
        raise ChatError("chat_error_empty")
    if len(text) > current_app.config["CHAT_MESSAGE_MAX"]:
        raise ChatError("chat_error_too_long")
    author = Author.CHILD if operator_id is None else Author.OPERATOR
    chat = _locked(conversation_id)
    try:
        stored = _stored(conversation_id, author, client_id)
        if stored is not None:  # a retry of a send that was stored: the same message, once
            db.session.rollback()
            return stored
        if chat.state is ConversationState.CLOSED:
            raise ChatError("chat_error_closed")
        if author is Author.OPERATOR and (chat.operator_id != operator_id or chat.state is not ConversationState.ACTIVE):
            raise ChatError("chat_error_not_yours")
        message = ChatMessage(conversation_id=chat.id, author=author, operator_id=operator_id, client_id=client_id,
                              text=text)
        db.session.add(message)
        db.session.commit()
        live.announce(conversation_id)
    except ChatError:
        db.session.rollback()
        raise
    except IntegrityError:  # the same send raced in on another connection (the row lock makes this rare)
        db.session.rollback()
        stored = _stored(conversation_id, author, client_id)
        if stored is None:
            raise
        return stored
    return message


def _locked(conversation_id: int) -> Conversation:
    """The chat, its row written first so that its messages are stored one at a time (until the commit).

    On PostgreSQL the UPDATE holds the row's lock; on SQLite any write holds the database's. Either way
    a message's id is drawn only after every earlier message of the chat is visible.
    """
    touched = db.session.execute(update(Conversation).where(Conversation.id == conversation_id)
                                 .values(last_message_at=utcnow()).execution_options(synchronize_session=False))
    if touched.rowcount == 0:
        db.session.rollback()
        raise ChatError("chat_error_not_found")
    return db.session.get(Conversation, conversation_id, populate_existing=True)


def _stored(conversation_id: int, author: Author, client_id: str) -> ChatMessage | None:
    return db.session.scalar(select(ChatMessage).where(
        ChatMessage.conversation_id == conversation_id, ChatMessage.author == author,
        ChatMessage.client_id == client_id))


def messages_after(conversation_id: int, after_id: int = 0, *, reader_id: int | None = None, via: str = "console",
                   limit: int = READ_LIMIT) -> list[ChatMessage]:
    """The chat's messages stored after message ``after_id``, oldest first (at most ``limit``).

    For live updates (ask again with the last id seen) and for the child's return. Staff pass
    ``reader_id``: the operator holding the chat or who holds its case, or a supervisor, may read it, and
    every read that shows messages is audited as ``chat.read`` (which messages, and from where: ``via``).
    The child reads without ``reader_id`` (their code or page is their key).
    """
    chat = _get(conversation_id)
    reader = _reader(reader_id, chat) if reader_id is not None else None
    after_id = min(max(after_id, 0), LARGEST_INTEGER)  # ids are 32-bit integers on PostgreSQL
    messages = list(db.session.scalars(
        select(ChatMessage).where(ChatMessage.conversation_id == chat.id, ChatMessage.id > after_id)
        .order_by(ChatMessage.id).limit(limit)))
    if reader is not None and messages:
        audit.record("chat.read", actor=reader, target_type="conversation", target_id=chat.id,
                     first=messages[0].id, last=messages[-1].id, messages=len(messages), via=via)
        db.session.commit()
    return messages


def _reader(user_id: int, chat: Conversation) -> User:
    """Staff who may read a chat: a supervisor, its operator, or the operator of its case."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise ChatError("chat_error_not_yours")
    if user.role is Role.SUPERVISOR or chat.operator_id == user.id:
        return user
    case = case_of_chat(chat.id)
    if user.role is Role.OPERATOR and case is not None and case.operator_id == user.id:
        return user
    raise ChatError("chat_error_not_yours")


def case_of_chat(conversation_id: int) -> Case | None:
    """The case a chat belongs to (the newest, should it belong to several)."""
    return db.session.scalar(select(Case).join(CaseConversation).where(
        CaseConversation.conversation_id == conversation_id).order_by(Case.id.desc()).limit(1))


def awaiting_reply(conversation_ids: Iterable[int]) -> set[int]:
    """Of these chats, those whose last message (the helpline's own aside) is the child's: an answer is owed."""
    ids = set(conversation_ids)
    if not ids:
        return set()
    last = (select(func.max(ChatMessage.id)).where(ChatMessage.conversation_id.in_(ids),
                                                  ChatMessage.author != Author.SYSTEM)
            .group_by(ChatMessage.conversation_id))
    return set(db.session.scalars(select(ChatMessage.conversation_id).where(
        ChatMessage.id.in_(last), ChatMessage.author == Author.CHILD)))


def attach(entry: QueueEntry, operator_id: int) -> Conversation:
    """The operator took this chat from the line: it is theirs, and the child is told. Not committed.

    Part of ``app.contacts.take``, which commits it with the claim and the case.
    """
    chat = _get(entry.conversation_id)
    chat.state, chat.operator_id = ConversationState.ACTIVE, operator_id
    db.session.add(ChatMessage(conversation_id=chat.id, author=Author.SYSTEM, operator_id=operator_id,
                               text=OPERATOR_JOINED))
    queue.answered(entry)
    return chat


def close(conversation_id: int, *, operator_id: int | None = None) -> Conversation:
    """End a chat: by the child (``operator_id`` None) or by the operator holding it. Closing twice changes nothing.

    A chat still in line leaves it (as a caller who hangs up while waiting); one with an operator ends
    its conversation, and the operator fills in its case. The child may still read it with the code.
    """
    # Written (so locked) before anything is read, the entry first, then the chat: the order a take locks them
    # in, so neither waits on the other forever, and what is read next is what a take committed meanwhile.
    db.session.execute(update(QueueEntry).where(QueueEntry.conversation_id == conversation_id)
                       .values(conversation_id=QueueEntry.conversation_id)
                       .execution_options(synchronize_session=False))
    chat = _locked(conversation_id)
    entry = db.session.scalar(select(QueueEntry).where(QueueEntry.conversation_id == conversation_id)
                              .execution_options(populate_existing=True))
    if chat.state is ConversationState.CLOSED:
        db.session.rollback()
        return chat
    if operator_id is not None and chat.operator_id != operator_id:
        db.session.rollback()
        raise ChatError("chat_error_not_yours")
    if entry is not None and entry.state.in_line:
        queue.end(entry, EntryState.ABANDONED)
    elif entry is not None and entry.state in (EntryState.ASSIGNED, EntryState.CONNECTED):
        queue.end(entry, EntryState.DONE)
    chat.state, chat.closed_at = ConversationState.CLOSED, utcnow()
    db.session.add(ChatMessage(conversation_id=chat.id, author=Author.SYSTEM, operator_id=operator_id, text=CLOSED))
    if operator_id is not None:
        audit.record("chat.close", actor=db.session.get(User, operator_id), target_type="conversation",
                     target_id=chat.id)
    db.session.commit()
    live.announce(conversation_id)
    return chat


def place_in_line(conversation_id: int) -> queue.WaitInfo | None:
    """Where a waiting chat stands in the line (callers included) and its expected wait; None once not waiting."""
    entry = queue.entry_for_conversation(conversation_id)
    if entry is None or not entry.state.is_waiting:
        return None
    return queue.wait_info(entry, max(operators.count_available(), 1))
