"""Replaying a call or a chat: who may, what the page shows (recordings, transcripts, messages, the case), the audit.

Supervisors may replay every call; an operator only the calls of their own cases. Every open, play and
download of a recording is audited (who, what, when, from where). A chat's transcript is read through the
chat's own rule (``app.chat.services.messages_after``: supervisors, the operator holding it or its case's),
which audits every read as ``chat.read``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.auth.models import Role, User
from app.calls.models import Call
from app.calls.services import find_call
from app.cases import services as case_services
from app.cases.models import Case, CaseCall, CaseConversation
from app.chat import services as chat_services
from app.chat.models import ChatMessage, Conversation
from app.core.transcript import Turn, Word, turns, word_at
from app.db import db
from app.places.models import Place
from app.queue.models import QueueEntry
from app.recordings import services as recordings
from app.recordings.models import Recording, RecordingState
from app.transcription.models import Transcript

log = logging.getLogger(__name__)

# Chromium reports a position a little before a word's start after seeking to it (the audio's sample
# grid): a word counts as begun this many seconds early, far less than anyone hears.
SEEK_TOLERANCE = 0.01
STREAMED_KEEP = 200  # recordings remembered per session (the cookie stays small)


class NotFound(LookupError):
    """No such call or recording."""


class NotAllowed(PermissionError):
    """The person may not replay this call."""


class AudioUnavailable(LookupError):
    """The recording exists but its audio cannot be served; ``reason`` is a message key, ``detail`` the why."""

    def __init__(self, reason: str, detail: str | None = None):
        self.reason, self.detail = reason, detail
        super().__init__(reason if detail is None else f"{reason}: {detail}")


# --- access ----------------------------------------------------------------------------------------


def cases_of(call: Call) -> list[Case]:
    """The cases a call belongs to: opened from its queue entry, or linked to it later (a follow-up)."""
    entry_ids = select(QueueEntry.id).where(QueueEntry.call_id == call.id)
    linked = select(CaseCall.case_id).where(CaseCall.call_id == call.id)
    return list(db.session.scalars(
        select(Case).where(or_(Case.queue_entry_id.in_(entry_ids), Case.id.in_(linked)))
        .options(selectinload(Case.referrals), selectinload(Case.services)).order_by(Case.id)
    ))


def may_replay(user: User, call: Call) -> bool:
    if user.role is Role.SUPERVISOR:
        return True
    if user.role is Role.OPERATOR:
        return any(case.operator_id == user.id for case in cases_of(call))
    return False


def _call_for(call_sid: str, user: User) -> Call:
    call = find_call(call_sid)
    if call is None:
        raise NotFound(call_sid)
    if not may_replay(user, call):
        raise NotAllowed(call_sid)
    return call


def recording_for(recording_id: int, user: User) -> Recording:
    """A recording the user may replay (NotFound, NotAllowed otherwise)."""
    recording = db.session.get(Recording, recording_id)
    call = db.session.get(Call, recording.call_id) if recording is not None and recording.call_id else None
    if call is None:  # a recording of no known call belongs to no case: nobody's to replay here
        raise NotFound(recording_id)
    if not may_replay(user, call):
        raise NotAllowed(recording_id)
    return recording


# --- the audio -------------------------------------------------------------------------------------


def audio_file(recording: Recording) -> Path:
    """The recording's local file, or AudioUnavailable saying why there is none to play."""
    if recording.state is RecordingState.FAILED:
        raise AudioUnavailable("replay_audio_failed", recording.failure)
    path = recordings.local_file(recording)
    if path is None:  # still at Twilio: the worker has not fetched it yet
        raise AudioUnavailable("replay_audio_not_yet")
    if not path.is_file():
        log.error("recording %s: the local file %s is missing", recording.recording_sid, path)
        raise AudioUnavailable("replay_audio_missing")
    return path


def _audit(action: str, user: User, recording: Recording, **details) -> None:
    audit.record(action, actor=user, target_type="recording", target_id=recording.id,
                 recording_sid=recording.recording_sid, call_sid=recording.call_sid, via="replay", **details)


def audio_served(recording: Recording, user: User, *, download: bool, streamed: list[int]) -> list[int]:
    """Audit a request for the audio; ``streamed`` are the recordings already streamed in this sign-in session.

    A download is audited every time. The player's stream is not audited request by request: a browser
    fetches audio in many Range pieces (more on every seek), which would bury the log, and its first play
    on a page is audited by the page itself (``played``). So that fetching the audio without the page is
    still on record, the stream is audited once per recording per sign-in session (the caller keeps
    ``streamed`` in the session; a client that drops the cookie only gets audited more often, never
    less). Returns the new ``streamed``.
    """
    if download:
        _audit("recording.download", user, recording)
    elif recording.id in streamed:
        return streamed
    else:
        streamed = [*streamed, recording.id][-STREAMED_KEEP:]
        _audit("recording.stream", user, recording)
    db.session.commit()
    return streamed


def played(recording_id: int, user: User) -> None:
    """The page's player started this recording for the first time since the page opened."""
    _audit("recording.play", user, recording_for(recording_id, user))
    db.session.commit()


# --- the page --------------------------------------------------------------------------------------


@dataclass
class ShownRecording:
    """A recording as the page shows it: its player (if audio is there), its transcript in turns."""

    recording: Recording
    turns: list[Turn]
    audio_problem: AudioUnavailable | None
    start_at: float | None = None  # where the player starts (from ``?t=``)
    current: Word | None = None  # the word at ``start_at``, highlighted when the page opens

    @property
    def id(self) -> int:
        return self.recording.id

    @property
    def has_words(self) -> bool:
        return bool(self.turns)

    def words(self) -> list[Word]:
        return [word for turn in self.turns for word in turn.words]


@dataclass
class Replay:
    """Everything the replay page shows of one call."""

    call: Call
    entry: QueueEntry | None
    cases: list[Case]
    recordings: list[ShownRecording] = field(default_factory=list)


def _words(transcript: Transcript) -> list[Word]:
    speaker = transcript.speaker.value
    return [Word(w.word, w.start, w.end, w.confidence, speaker) for w in transcript.words]


def _shown(recording: Recording) -> ShownRecording:
    try:
        audio_file(recording)
        problem = None
    except AudioUnavailable as unavailable:
        problem = unavailable
    return ShownRecording(recording, turns(_words(t) for t in recording.transcripts), problem)


def start_time(raw: str | None) -> float | None:
    """``?t=`` as seconds, or None when absent or not a time (then the page opens at the start)."""
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value >= 0 else None


def _start(shown: list[ShownRecording], moment: float, recording_id: int | None) -> None:
    """Open the chosen recording (or the first with words, else the first) at ``moment``."""
    chosen = next((s for s in shown if s.id == recording_id), None)
    chosen = chosen or next((s for s in shown if s.has_words), None) or (shown[0] if shown else None)
    if chosen is None:
        return
    chosen.start_at = moment
    words = chosen.words()
    index = word_at([w.start for w in words], moment + SEEK_TOLERANCE)
    chosen.current = words[index] if index is not None else None


def replay(call_sid: str, user: User, *, at: float | None = None, recording_id: int | None = None) -> Replay:
    """The replay page of a call for ``user``; audits the open of each recording and the read of each transcript."""
    call = _call_for(call_sid, user)
    rows = list(db.session.scalars(
        select(Recording).where(Recording.call_id == call.id)
        .options(selectinload(Recording.transcripts).selectinload(Transcript.words))
        .order_by(Recording.created_at, Recording.id)
    ))
    page = Replay(call, db.session.scalar(select(QueueEntry).where(QueueEntry.call_id == call.id)), cases_of(call),
                  [_shown(r) for r in rows])
    if at is not None:
        _start(page.recordings, at, recording_id)
    for recording in rows:
        _audit("recording.open", user, recording, state=recording.state.value)
        for transcript in recording.transcripts:
            audit.record("transcript.read", actor=user, target_type="transcript", target_id=transcript.id,
                         recording_sid=recording.recording_sid, via="replay")
    case_services.record_reads([case.id for case in page.cases], user.id, "replay")  # notes, referrals, outcome shown
    return page


def low_confidence() -> float:
    return current_app.config["REPLAY_LOW_CONFIDENCE"]


# --- a chat ----------------------------------------------------------------------------------------


@dataclass
class ChatReplay:
    """Everything the chat page shows: the chat's facts, every message with its author, the case beside it."""

    chat: Conversation
    place: Place | None
    entry: QueueEntry | None
    messages: list[ChatMessage]
    operators: dict[int, str]  # operator id -> name, for the messages' authors
    cases: list[Case]


def cases_of_chat(conversation_id: int) -> list[Case]:
    """The cases a chat belongs to (the one opened when it was taken, or linked later)."""
    return list(db.session.scalars(
        select(Case).join(CaseConversation, CaseConversation.case_id == Case.id)
        .where(CaseConversation.conversation_id == conversation_id)
        .options(selectinload(Case.referrals), selectinload(Case.services)).order_by(Case.id)
    ))


def chat_replay(conversation_id: int, user: User) -> ChatReplay:
    """The whole chat for ``user`` (NotFound, NotAllowed); every read is audited, and so is each case shown."""
    messages: list[ChatMessage] = []
    limit = chat_services.READ_LIMIT
    try:
        while True:  # a long chat comes in reads of READ_LIMIT messages, each audited as one ``chat.read``
            read = chat_services.messages_after(conversation_id, messages[-1].id if messages else 0,
                                                reader_id=user.id, via="replay", limit=limit)
            messages += read
            if len(read) < limit:
                break
    except chat_services.ChatError as error:
        raise (NotFound if error.key == "chat_error_not_found" else NotAllowed)(conversation_id) from None
    chat = chat_services.conversation(conversation_id)
    operator_ids = {m.operator_id for m in messages if m.operator_id is not None} | {chat.operator_id} - {None}
    names = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(operator_ids))).all())
    page = ChatReplay(chat, db.session.get(Place, chat.place_id) if chat.place_id is not None else None,
                      db.session.scalar(select(QueueEntry).where(QueueEntry.conversation_id == chat.id)),
                      messages, names, cases_of_chat(chat.id))
    case_services.record_reads([case.id for case in page.cases], user.id, "replay")  # notes, referrals, outcome shown
    return page
