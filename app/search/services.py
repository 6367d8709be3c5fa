"""Searching transcripts, case notes and chat messages: the filters, one page of hits, and the audit of every search.

A transcript hit links to the replay at the first matching word; a case-note hit to its case's first call; a
chat-message hit to the chat's transcript at that message. All kinds are one list, newest first: a transcript
dates from its call, a note from its case's opening, a message from when it was sent. System messages (the
helpline's own lines, stored as message keys) are not searched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, exists, func, literal, select, union_all
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.auth.models import User
from app.calls.models import Call
from app.cases.models import Case, CaseCall, CaseConversation, Outcome
from app.chat.models import Author, ChatMessage, Conversation
from app.clock import helpline_zone
from app.core.search import Piece, first_hit, snippet, terms
from app.core.vocab import Speaker
from app.db import UTCDateTime, db
from app.places.models import Place
from app.recordings.models import Recording
from app.transcription.models import Transcript

from .index import matches

PAGE_SIZE = 20
TRANSCRIPT, CASE_NOTE, CHAT = "transcript", "case_note", "chat"


@dataclass(frozen=True)
class Filters:
    """What a supervisor searches for; empty fields do not narrow the search."""

    query: str = ""
    since: date | None = None  # from this day on, in the helpline's time zone
    until: date | None = None  # up to and including this day
    language: str = ""  # kk / ru: the transcript's language, the case's, or the chat's
    category: str = ""  # the case's category (taxonomy code)
    operator_id: int | None = None  # who took the case
    outcome: Outcome | None = None  # the case's outcome

    @property
    def terms(self) -> list[str]:
        return terms(self.query)

    def described(self) -> dict[str, str | int]:
        """The search as its audit event records it (the query is sensitive: it is kept in the audit log only)."""
        values = {"query": self.query, "from": self.since and self.since.isoformat(),
                  "to": self.until and self.until.isoformat(), "language": self.language,
                  "category": self.category, "operator_id": self.operator_id,
                  "outcome": self.outcome and self.outcome.value}
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Hit:
    """One transcript, case note or chat message that matched, as the results list shows it."""

    kind: str  # TRANSCRIPT, CASE_NOTE or CHAT
    at: datetime
    call_sid: str | None  # None for the note of a case without a call (a web contact)
    speaker: Speaker | None  # whose words (transcripts only)
    language: str | None
    snippet: list[Piece]
    recording_id: int | None = None
    start: float | None = None  # seconds into the recording of the first matching word
    case_id: int | None = None
    conversation_id: int | None = None  # a chat message's chat
    message_id: int | None = None
    author: Author | None = None  # who wrote a chat message (a child or an operator)
    place: str | None = None  # the name of the chat's place (None: untagged)
    region: str | None = None  # the chat's region


@dataclass(frozen=True)
class Results:
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    total: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def search(filters: Filters, page: int, actor: User) -> Results:
    """One page of hits (from 1), newest first; every search is audited, even one that finds nothing."""
    if not filters.query.strip():
        return Results()  # the empty form: nothing was searched for
    found = _page(filters, page) if filters.terms else Results(page=page)
    shown = sorted({hit.case_id for hit in found.hits if hit.kind == CASE_NOTE and hit.case_id is not None})
    chats = sorted({hit.conversation_id for hit in found.hits if hit.kind == CHAT})
    audit.record("search.run", actor=actor, target_type="search", page=found.page, hits=found.total,
                 **filters.described(), **({"cases": shown} if shown else {}), **({"chats": chats} if chats else {}))
    db.session.commit()
    return found


def operators() -> list[User]:
    """The people who took cases, for the operator filter."""
    return list(db.session.scalars(select(User).where(User.id.in_(select(Case.operator_id))).order_by(User.username)))


def _page(filters: Filters, page: int) -> Results:
    dialect = db.session.get_bind().dialect.name
    found = union_all(_transcripts(filters, dialect), _case_notes(filters, dialect),
                      _chat_messages(filters, dialect)).subquery()
    total = db.session.scalar(select(func.count()).select_from(found))
    page = max(1, min(page, -(-total // PAGE_SIZE) or 1))
    rows = db.session.execute(select(found.c.kind, found.c.id).order_by(found.c.at.desc(), found.c.kind, found.c.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    transcripts = _load(Transcript, [i for kind, i in rows if kind == TRANSCRIPT],
                        selectinload(Transcript.words))
    cases = _load(Case, [i for kind, i in rows if kind == CASE_NOTE], selectinload(Case.calls))
    messages = _load(ChatMessage, [i for kind, i in rows if kind == CHAT], selectinload(ChatMessage.conversation))
    places = _load(Place, list({m.conversation.place_id for m in messages.values()} - {None}))
    words = filters.terms
    hit_of = {TRANSCRIPT: lambda i: _transcript_hit(transcripts[i], words),
              CASE_NOTE: lambda i: _case_hit(cases[i], words), CHAT: lambda i: _chat_hit(messages[i], places, words)}
    hits = [hit_of[kind](i) for kind, i in rows]
    return Results(hits, page, total)


def _within_days(query, moment, filters: Filters):
    """``query`` narrowed to the filter's days by the column ``moment``."""
    since, until = _window(filters)
    if since is not None:
        query = query.where(moment >= since)
    if until is not None:
        query = query.where(moment < until)
    return query


def _window(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """The filter's days as UTC moments: from the first day's local midnight to the midnight after the last."""
    zone = helpline_zone()

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    return (filters.since and midnight(filters.since),
            filters.until and midnight(filters.until + timedelta(days=1)))


def _case_conditions(filters: Filters, *, with_language: bool) -> list:
    conditions = []
    if filters.category:
        conditions.append(Case.category == filters.category)
    if filters.operator_id is not None:
        conditions.append(Case.operator_id == filters.operator_id)
    if filters.outcome is not None:
        conditions.append(Case.outcome == filters.outcome)
    if with_language and filters.language:
        conditions.append(Case.language == filters.language)
    return conditions


def _transcripts(filters: Filters, dialect: str):
    at = func.coalesce(Call.created_at, Recording.created_at, type_=UTCDateTime())
    query = (select(literal(TRANSCRIPT, String).label("kind"), Transcript.id.label("id"), at.label("at"))
             .join(Recording, Recording.id == Transcript.recording_id)
             .outerjoin(Call, Call.id == Recording.call_id)
             .where(matches(Transcript.text, "fts_transcripts", filters.terms, dialect)))
    query = _within_days(query, at, filters)
    if filters.language:
        query = query.where(Transcript.language == filters.language)
    if conditions := _case_conditions(filters, with_language=False):  # the call belongs to such a case
        query = query.where(exists(select(CaseCall.case_id).join(Case, Case.id == CaseCall.case_id)
                                   .where(CaseCall.call_id == Call.id, *conditions)))
    return query


def _case_notes(filters: Filters, dialect: str):
    query = (select(literal(CASE_NOTE, String).label("kind"), Case.id.label("id"), Case.opened_at.label("at"))
             .where(matches(Case.notes, "fts_case_notes", filters.terms, dialect),
                    *_case_conditions(filters, with_language=True)))
    query = _within_days(query, Case.opened_at, filters)
    return query


def _chat_messages(filters: Filters, dialect: str):
    query = (select(literal(CHAT, String).label("kind"), ChatMessage.id.label("id"), ChatMessage.created_at.label("at"))
             .join(Conversation, Conversation.id == ChatMessage.conversation_id)
             .where(matches(ChatMessage.text, "fts_chat_messages", filters.terms, dialect),
                    ChatMessage.author != Author.SYSTEM))
    query = _within_days(query, ChatMessage.created_at, filters)
    if filters.language:
        query = query.where(Conversation.language == filters.language)
    if conditions := _case_conditions(filters, with_language=False):  # the chat belongs to such a case
        query = query.where(exists(select(CaseConversation.case_id).join(Case, Case.id == CaseConversation.case_id)
                                   .where(CaseConversation.conversation_id == Conversation.id, *conditions)))
    return query


def _load(model, ids: list[int], *options) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))}


def _transcript_hit(transcript: Transcript, words: list[str]) -> Hit:
    recording = db.session.get(Recording, transcript.recording_id)
    call = db.session.get(Call, recording.call_id) if recording.call_id else None
    position = first_hit([w.word for w in transcript.words], words)
    return Hit(kind=TRANSCRIPT, at=call.created_at if call else recording.created_at, call_sid=recording.call_sid,
               speaker=transcript.speaker, language=transcript.language, snippet=snippet(transcript.text, words),
               recording_id=recording.id,
               start=None if position is None else transcript.words[position].start)


def _case_hit(case: Case, words: list[str]) -> Hit:
    first_call = case.calls[0] if case.calls else None
    return Hit(kind=CASE_NOTE, at=case.opened_at, call_sid=first_call and first_call.call_sid, speaker=None,
               language=case.language, snippet=snippet(case.notes, words), case_id=case.id)


def _chat_hit(message: ChatMessage, places: dict[int, Place], words: list[str]) -> Hit:
    chat = message.conversation
    place = places.get(chat.place_id)
    return Hit(kind=CHAT, at=message.created_at, call_sid=None, speaker=None, language=chat.language,
               snippet=snippet(message.text, words), conversation_id=chat.id, message_id=message.id,
               author=message.author, place=place.name if place else None, region=chat.region)
