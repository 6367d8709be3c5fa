"""What the supervisors' board shows: waiting contacts, operators' states, today's figures, referrals overdue.

Calls and chats wait in one line; ``channels`` splits the line's and today's figures by channel (phone,
web chat) with the same rules, and names the chats that have waited longest (where they come from).

The figures themselves are computed in ``app.core.board``; this module only gathers the rows they need.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from app.audit import services as audit
from app.auth.models import Role, User
from app.config import ConfigError
from app.core import board as rules
from app.core.board import Band, DayFigures, QueueCall, Share, Thresholds
from app.core.vocab import Channel, Language, Priority
from app.db import db, utcnow
from app.operators.models import Availability, OperatorStatus
from app.places.models import Place
from app.queue.models import EntryState, QueueEntry
from app.referrals import services as referrals


@dataclass(frozen=True)
class BoardThresholds:
    """Where the board's figures change colour (from the BOARD_* settings)."""

    wait: Thresholds  # seconds of the longest current wait
    service_level: Thresholds  # percent answered in time; lower is worse
    abandoned: Thresholds  # percent who hung up while waiting
    overdue_referrals: Thresholds  # referrals whose agency feedback is past its due date


def thresholds(config: dict) -> BoardThresholds:
    """The thresholds from the settings; a contradictory pair is a configuration error naming the settings."""
    pairs = {"wait": ("BOARD_WAIT_WARN_SECONDS", "BOARD_WAIT_ALERT_SECONDS", True),
             "service_level": ("BOARD_SERVICE_LEVEL_WARN", "BOARD_SERVICE_LEVEL_ALERT", False),
             "abandoned": ("BOARD_ABANDON_WARN", "BOARD_ABANDON_ALERT", True),
             "overdue_referrals": ("BOARD_OVERDUE_REFERRALS_WARN", "BOARD_OVERDUE_REFERRALS_ALERT", True)}
    made = {}
    for name, (warn, alert, higher_is_worse) in pairs.items():
        try:
            made[name] = Thresholds(config[warn], config[alert], higher_is_worse)
        except ValueError as error:
            raise ConfigError(f"{alert} and {warn}: {error}") from None
    return BoardThresholds(**made)


@dataclass(frozen=True)
class Line:
    """The callers waiting on the phone now, counted, and the longest wait."""

    total: int
    by_priority: list[tuple[Priority, int]]  # every priority, most urgent first
    by_language: list[tuple[str | None, int]]  # Kazakh and Russian always; "not chosen" when there are such callers
    callbacks: int  # callers who hung up asking to be called back (in line, not on the phone)
    oldest: datetime | None  # when the longest-waiting caller entered the line
    band: Band  # of the longest wait
    messages: int = 0  # voice messages waiting in the inbox (with the call-backs, the operators' inbox)


@dataclass(frozen=True)
class OperatorRow:
    """An operator on the board: a name, a state and since when (None: never set a state)."""

    name: str
    since: datetime | None


@dataclass(frozen=True)
class Today:
    """Today's figures with their bands, and the conversations going on now."""

    figures: DayFigures
    service_level_band: Band
    abandoned_band: Band
    threshold_seconds: int
    talking: int  # callers and operators in conversation now
    connecting: int  # picked, being connected to their operator


def line(limits: BoardThresholds, now: datetime) -> Line:
    rows = db.session.execute(
        select(QueueEntry.priority, QueueEntry.language, QueueEntry.state, QueueEntry.enqueued_at)
        .where(QueueEntry.state.in_([EntryState.WAITING, EntryState.CALLBACK, EntryState.MESSAGE]))
    ).all()
    messages = sum(row.state is EntryState.MESSAGE for row in rows)
    rows = [row for row in rows if row.state is not EntryState.MESSAGE]
    waiting = [row for row in rows if row.state is EntryState.WAITING]
    priorities = Counter(row.priority for row in waiting)
    languages = Counter(row.language if row.language in set(Language) else None for row in waiting)
    by_language = [(language.value, languages[language.value]) for language in Language]
    if languages[None]:
        by_language.append((None, languages[None]))
    oldest = min((row.enqueued_at for row in waiting), default=None)
    band = limits.wait.band((now - oldest).total_seconds() if oldest else None)
    return Line(total=len(waiting), by_priority=[(priority, priorities[priority]) for priority in
                                                 sorted(Priority, key=lambda p: p.rank)],
                by_language=by_language, callbacks=len(rows) - len(waiting), oldest=oldest, band=band,
                messages=messages)


def operators() -> dict[Availability, list[OperatorRow]]:
    """Active operators by state, longest in it first (an operator who never set one is away)."""
    rows = db.session.execute(
        select(User.username, OperatorStatus.availability, OperatorStatus.since)
        .outerjoin(OperatorStatus, OperatorStatus.user_id == User.id)
        .where(User.role == Role.OPERATOR, User.active.is_(True))
    ).all()
    states: dict[Availability, list[OperatorRow]] = {availability: [] for availability in Availability}
    for name, availability, since in sorted(rows, key=lambda row: (row.since is None, row.since, row.username)):
        states[availability or Availability.AWAY].append(OperatorRow(name, since))
    return states


def today(limits: BoardThresholds, config: dict, now: datetime) -> Today:
    zone = ZoneInfo(config["TIMEZONE"])
    start = rules.day_start(now, zone)
    rows = db.session.execute(
        select(QueueEntry.enqueued_at, QueueEntry.picked_at, QueueEntry.ended_at, QueueEntry.state)
        .where(or_(QueueEntry.enqueued_at >= start, QueueEntry.ended_at >= start))
    ).all()
    calls = [QueueCall(enqueued, picked, ended, state is EntryState.ABANDONED) for enqueued, picked, ended, state in rows]
    seconds = config["SERVICE_LEVEL_SECONDS"]
    figures = rules.day_figures(calls, now, zone, timedelta(seconds=seconds))
    talking = dict(db.session.execute(
        select(QueueEntry.state, func.count()).where(QueueEntry.state.in_([EntryState.CONNECTED, EntryState.ASSIGNED]))
        .group_by(QueueEntry.state)
    ).all())
    return Today(figures=figures, service_level_band=limits.service_level.band(figures.service_level.percent),
                 abandoned_band=limits.abandoned.band(figures.abandoned.percent), threshold_seconds=seconds,
                 talking=talking.get(EntryState.CONNECTED, 0), connecting=talking.get(EntryState.ASSIGNED, 0))


@dataclass(frozen=True)
class ChannelFigures:
    """One channel's share of the line now and of today (the same rules as the whole board's)."""

    channel: Channel
    waiting: int  # in line now (not counting call-backs)
    oldest: datetime | None  # when the longest waiting of them entered the line
    band: Band  # of that wait
    talking: int  # in conversation with an operator now (or being connected)
    entered: int  # entered the line today
    answered: int  # of those, taken by an operator
    abandoned: Share  # of those, gone before an operator took them


@dataclass(frozen=True)
class WaitingChat:
    """A chat waiting in line: where it comes from, in which language, since when."""

    entry_id: int
    priority: Priority
    language: str | None
    place: str | None  # the place's name (None: untagged)
    region: str | None
    since: datetime


@dataclass(frozen=True)
class Channels:
    rows: list[ChannelFigures]  # phone, then web
    longest_chats: list[WaitingChat]  # longest waiting first


LONGEST_CHATS = 3  # the waiting chats the board names (a wall screen has room for few)


def channels(limits: BoardThresholds, config: dict, now: datetime) -> Channels:
    zone = ZoneInfo(config["TIMEZONE"])
    start = rules.day_start(now, zone)
    rows = db.session.execute(
        select(QueueEntry.channel, QueueEntry.state, QueueEntry.enqueued_at, QueueEntry.picked_at, QueueEntry.ended_at)
        .where(or_(QueueEntry.enqueued_at >= start, QueueEntry.ended_at >= start,
                   QueueEntry.state.in_([EntryState.WAITING, EntryState.ASSIGNED, EntryState.CONNECTED])))
    ).all()
    made = []
    for channel in Channel:
        mine = [row for row in rows if row.channel is channel]
        waiting = [row.enqueued_at for row in mine if row.state is EntryState.WAITING]
        oldest = min(waiting, default=None)
        today = [QueueCall(row.enqueued_at, row.picked_at, row.ended_at, row.state is EntryState.ABANDONED)
                 for row in mine if row.enqueued_at >= start]
        made.append(ChannelFigures(
            channel=channel, waiting=len(waiting), oldest=oldest,
            band=limits.wait.band((now - oldest).total_seconds() if oldest else None),
            talking=sum(row.state in (EntryState.ASSIGNED, EntryState.CONNECTED) for row in mine),
            entered=len(today), answered=sum(call.answered for call in today), abandoned=rules.abandonment(today)))
    longest = db.session.execute(
        select(QueueEntry.id, QueueEntry.priority, QueueEntry.language, Place.name, QueueEntry.region,
               QueueEntry.enqueued_at)
        .outerjoin(Place, Place.id == QueueEntry.place_id)
        .where(QueueEntry.channel == Channel.WEB, QueueEntry.state == EntryState.WAITING)
        .order_by(QueueEntry.enqueued_at, QueueEntry.id).limit(LONGEST_CHATS)
    ).all()
    return Channels(made, [WaitingChat(*row) for row in longest])


@dataclass(frozen=True)
class FollowUps:
    """Referrals awaiting an agency's feedback: past their due date (with its band), and due today."""

    overdue: int
    due_today: int
    band: Band


def follow_ups(limits: BoardThresholds, now: datetime) -> FollowUps:
    counts = referrals.counts(now=now)
    return FollowUps(counts.overdue, counts.due_today, limits.overdue_referrals.band(counts.overdue))


@dataclass(frozen=True)
class Board:
    """Everything on the board at one moment."""

    line: Line
    operators: dict[Availability, list[OperatorRow]]
    today: Today
    referrals: FollowUps
    channels: Channels


def board(config: dict, now: datetime | None = None) -> Board:
    now = now or utcnow()
    limits = thresholds(config)
    return Board(line=line(limits, now), operators=operators(), today=today(limits, config, now),
                 referrals=follow_ups(limits, now), channels=channels(limits, config, now))


def opened(user: User) -> None:
    """Audit a supervisor opening the board (its stream then only keeps the page current)."""
    audit.record("board.open", actor=user, via="web")
    db.session.commit()
