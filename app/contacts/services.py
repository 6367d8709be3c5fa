"""Contacts of every channel as operators meet them: taking one from the line, and what is known of it.

``take`` is the one use case behind the console's Pick and Next, whatever the channel: claim the contact
atomically, attach a chat to the operator or bridge a call, and open the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.calls import services as calls
from app.calls.models import Call
from app.cases import services as cases
from app.cases.models import Case, CaseCall
from app.chat import live as chat_live
from app.chat import services as chat
from app.core.cases import Outcome
from app.core.vocab import Channel, RecordingSource
from app.db import db
from app.operators import services as operators
from app.places.models import Place
from app.queue import services as queue
from app.queue.models import IN_LINE, TAKEABLE, EntryState, QueueEntry
from app.recordings.models import Recording
from app.voice import services as voice

# Why a take did not happen (message keys of app/translations).
TAKEN = "take_error_taken"  # someone else took that contact, or they left the line
NOBODY = "take_error_nobody"  # nobody is waiting (that the operator could take)
CLOSE_CALL_FIRST = "take_error_close_call_first"  # one call at a time: its case must be closed first
CHATS_FULL = "take_error_chats_full"  # as many chats as CHATS_PER_OPERATOR already

EARLIER_SHOWN = 5  # earlier contacts listed in detail (the rest are counted)


class TakeError(RuntimeError):
    """Nothing was taken, and nothing changed. ``key`` says why; ``case_id`` is the open case in the way, if any."""

    def __init__(self, key: str, case_id: int | None = None):
        super().__init__(key)
        self.key, self.case_id = key, case_id


class CannotConnect(TakeError):
    """The caller cannot be connected to this operator: ``key`` and ``code`` say why (our words, Twilio's code)."""

    def __init__(self, key: str, code: int | None = None, case_id: int | None = None):
        super().__init__(key, case_id)
        self.code = code


class BridgeFailed(CannotConnect):
    """The call was taken and its case opened, but Twilio could not connect it: the caller is back in line.

    The case follows the caller to whoever takes them next.
    """


@dataclass(frozen=True)
class Taken:
    """What the operator took: the entry, its channel and the case to fill in."""

    entry_id: int
    channel: Channel
    case_id: int


def take(operator_id: int, entry_id: int | None = None) -> Taken:
    """Give the operator a contact from the line, a specific one or the next they have room for; open its case.

    "Next" is the head of the line among the contacts the operator can take now: one call at a time (and
    only with an endpoint Twilio can ring), and up to ``CHATS_PER_OPERATOR`` chats besides it. A specific
    contact they have no room for, or one already taken, is a :class:`TakeError` and changes nothing.

    A voice message from the inbox (taken by its id) is claimed the same way; with nobody to connect, it
    is being heard at once and needs no endpoint.

    The database part is ONE transaction: the claim (one conditional UPDATE, so two operators never get
    the same contact), the chat attached to the operator, and the case opened (linking the call or chat).
    Either all of it is committed or none of it is.

    Bridging a call asks Twilio's REST API over the network, so it runs right after that commit, never
    inside the transaction: a transaction held open across a network call would hold SQLite's database
    write lock (PostgreSQL's row locks) for as long as Twilio takes to answer, stalling every webhook and
    every other operator meanwhile. The price is a window in which the contact is taken but not yet
    bridged; if Twilio then fails, ``app.voice.bridge`` puts the caller back at their place in line (a
    conditional UPDATE that leaves alone a caller who hung up meanwhile), and the case, already opened,
    follows them to whoever takes them next, as it does when an operator does not answer. That failure
    is a :class:`BridgeFailed` (a kind of :class:`TakeError`) naming the case.
    """
    try:
        entry, message = _claim(operator_id, entry_id)
        if entry.channel is Channel.WEB:
            chat.attach(entry, operator_id)
        if message:  # nobody to connect: the operator hears the message now
            queue.answered(entry)
        case = cases.start_case(entry.id, operator_id)
        taken = Taken(entry.id, entry.channel, case.id)
        conversation_id = entry.conversation_id
        db.session.commit()
    except cases.CaseError as error:
        db.session.rollback()
        raise TakeError(error.key) from None
    except BaseException:
        db.session.rollback()
        raise
    if conversation_id is not None:
        chat_live.announce(conversation_id)  # the child's page: an operator joined
    if taken.channel is Channel.PHONE and not message:
        try:
            voice.bridge(taken.entry_id)
        except voice.BridgeError as error:
            raise BridgeFailed(error.key, error.code, taken.case_id) from None
    return taken


def _claim(operator_id: int, entry_id: int | None) -> tuple[QueueEntry, bool]:
    """Claim the contact for the operator if they have room for it (not committed); TakeError otherwise.

    Also says whether it is a voice message from the inbox (taken only by its id; a message needs no endpoint).
    """
    operators.take_turn(operator_id)  # this operator's takes, one at a time, so room is counted once
    room = operators.channels_with_room(operator_id)
    reachable = bool(operators.status(operator_id).endpoint)
    if entry_id is not None:
        wanted = queue.entry(entry_id)
        if wanted is None or wanted.state not in TAKEABLE:
            raise TakeError(TAKEN)
        message = wanted.state is EntryState.MESSAGE
        if wanted.channel not in room:
            raise _no_room(operator_id, wanted.channel)
        if wanted.channel is Channel.PHONE and not reachable and not message:
            raise CannotConnect(voice.NO_ENDPOINT)
        try:
            return queue.claim(operator_id, entry_id, states=(EntryState.MESSAGE,) if message else IN_LINE), message
        except queue.ClaimError:
            raise TakeError(TAKEN) from None
    allowed = room if reachable else room - {Channel.PHONE}
    try:
        if allowed:
            return queue.claim(operator_id, channels=allowed), False
    except queue.ClaimError:
        pass
    for channel in Channel:  # say why nobody who waits could be taken
        if channel not in room and queue.waiting_in({channel}):
            raise _no_room(operator_id, channel)
    if not reachable and queue.waiting_in({Channel.PHONE}):
        raise CannotConnect(voice.NO_ENDPOINT)
    raise TakeError(NOBODY)


def _no_room(operator_id: int, channel: Channel) -> TakeError:
    """The operator holds as much of ``channel`` as they may: the error names their open case of that kind."""
    return TakeError(CLOSE_CALL_FIRST if channel is Channel.PHONE else CHATS_FULL,
                     operators.held_case(operator_id, channel))


def place_names(place_ids: set[int]) -> dict[int, str]:
    """Place id -> the name on its poster, for showing where chats come from."""
    if not place_ids:
        return {}
    return dict(db.session.execute(select(Place.id, Place.name).where(Place.id.in_(place_ids))).all())


@dataclass(frozen=True)
class EarlierContact:
    """One earlier contact of the same caller, as operators see it: never a number or a hash."""

    at: datetime
    channel: Channel
    outcome: Outcome | None  # the outcome logged on its case, if it had one
    voice_message: bool  # the caller left a voice message
    abandoned: bool  # the caller hung up while waiting in line


@dataclass(frozen=True)
class EarlierContacts:
    """How many times a contact reached the helpline before, and the newest of those contacts in detail."""

    total: int = 0
    recent: tuple[EarlierContact, ...] = ()

    @property
    def more(self) -> int:
        """How many earlier contacts are counted but not listed."""
        return self.total - len(self.recent)


def earlier_contacts(entry: QueueEntry, shown: int = EARLIER_SHOWN) -> EarlierContacts:
    """What the helpline knows of this contact's earlier ones: a caller's earlier calls, by keyed hash.

    From the calls (queued or not), not from the line, so it lives here rather than in ``app.queue``; the
    newest ``shown`` of them in detail: date, channel, the outcome of their case, a voice message left,
    or a hang-up in line. A chat is anonymous (its source's hash only guards against abuse): none.
    """
    if entry.call_id is None or entry.caller_hash is None:
        return EarlierContacts()
    total = calls.earlier_calls(entry.caller_hash, entry.call_id)
    if not total:
        return EarlierContacts()
    outcome = (select(Case.outcome).join(CaseCall, CaseCall.case_id == Case.id).where(CaseCall.call_id == Call.id)
               .order_by(Case.id.desc()).limit(1).scalar_subquery())
    voice_message = select(Recording.id).where(
        Recording.call_id == Call.id, Recording.source == RecordingSource.VOICE_MESSAGE).exists()
    rows = db.session.execute(
        select(Call.created_at, outcome, voice_message, QueueEntry.state)
        .outerjoin(QueueEntry, QueueEntry.call_id == Call.id)
        .where(Call.caller_hash == entry.caller_hash, Call.id < entry.call_id)
        .order_by(Call.id.desc()).limit(shown)
    ).all()
    return EarlierContacts(total, tuple(
        EarlierContact(at, Channel.PHONE, Outcome(result) if result else None, bool(message),
                       state is EntryState.ABANDONED)
        for at, result, message, state in rows))
