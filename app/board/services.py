"""What the supervisors' board shows, read from the queue: waiting callers, operators' states, today's figures.

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
from app.core.board import Band, DayFigures, QueueCall, Thresholds
from app.core.vocab import Language, Priority
from app.db import db, utcnow
from app.queue.models import Availability, EntryState, OperatorStatus, QueueEntry


@dataclass(frozen=True)
class BoardThresholds:
    """Where the board's figures change colour (from the BOARD_* settings)."""

    wait: Thresholds  # seconds of the longest current wait
    service_level: Thresholds  # percent answered in time; lower is worse
    abandoned: Thresholds  # percent who hung up while waiting


def thresholds(config: dict) -> BoardThresholds:
    """The thresholds from the settings; a contradictory pair is a configuration error naming the settings."""
    pairs = {"wait": ("BOARD_WAIT_WARN_SECONDS", "BOARD_WAIT_ALERT_SECONDS", True),
             "service_level": ("BOARD_SERVICE_LEVEL_WARN", "BOARD_SERVICE_LEVEL_ALERT", False),
             "abandoned": ("BOARD_ABANDON_WARN", "BOARD_ABANDON_ALERT", True)}
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
        .where(QueueEntry.state.in_([EntryState.WAITING, EntryState.CALLBACK]))
    ).all()
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
                by_language=by_language, callbacks=len(rows) - len(waiting), oldest=oldest, band=band)


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
class Board:
    """Everything on the board at one moment."""

    line: Line
    operators: dict[Availability, list[OperatorRow]]
    today: Today


def board(config: dict, now: datetime | None = None) -> Board:
    now = now or utcnow()
    limits = thresholds(config)
    return Board(line=line(limits, now), operators=operators(), today=today(limits, config, now))


def opened(user: User) -> None:
    """Audit a supervisor opening the board (its stream then only keeps the page current)."""
    audit.record("board.open", actor=user, via="web")
    db.session.commit()
