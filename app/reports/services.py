"""The reports' numbers, counted by the database; ``app.core.reports`` gives them their shape.

A contact is a case (phone or web): what the case log says it was about, in which language, what the helpline
gave and whom it was handed to. It counts on the local day and hour it was opened. The service level counts
the callers who entered the queue, with the board's rule (``app.core.board.service_level``); so do the reports
by channel, region and place (every contact that entered the line: answered, abandoned, the median wait).

A ``Scope`` narrows every report to one channel, region or place: a case by the line entry it was opened from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import Float, and_, case, cast, func, literal, literal_column, select

from app.audit import services as audit
from app.auth.models import User
from app.callbacks.models import CallbackRequest
from app.cases.models import Agency, Case, CaseService, Referral, Service
from app.cases.taxonomy import taxonomy
from app.clock import helpline_today, helpline_zone
from app.core import reports as shape
from app.core.board import Share
from app.core.referrals import AgencyFollowUps, FollowUp, by_agency
from app.core.vocab import Channel, Language, RecordingSource
from app.db import UTCDateTime, db, utcnow
from app.places.models import Place
from app.queue.models import INBOX, EntryState, QueueEntry
from app.recordings.models import Recording

REPORTS = ("per_day", "per_hour", "category", "language", "service", "agency", "referral_followup", "service_level",
           "channel", "region", "place")


@dataclass(frozen=True)
class Scope:
    """Which contacts the reports count; empty fields do not narrow."""

    channel: str = ""  # phone / web
    region: str = ""  # a region as places and line entries name it
    place: str = ""  # a place's code

    def conditions(self) -> list:
        """The scope as conditions on ``QueueEntry``."""
        made = []
        if self.channel:
            made.append(QueueEntry.channel == Channel(self.channel))
        if self.region:
            made.append(QueueEntry.region == self.region)
        if self.place:
            made.append(QueueEntry.place_id == select(Place.id).where(Place.code == self.place).scalar_subquery())
        return made

    def described(self) -> dict[str, str]:
        """The scope as an audit event records it (only what was chosen)."""
        return {name: value for name, value in
                (("channel", self.channel), ("region", self.region), ("place", self.place)) if value}


@dataclass(frozen=True)
class InboxFigures:
    """The operators' inbox over a period: voice messages left, call-backs asked for, and those still waiting."""

    messages: int
    callbacks: int
    waiting: int  # of these, still in the inbox now


@dataclass(frozen=True)
class Figures:
    """Every report of a period, as codes and numbers (labels are the page's business)."""

    period: shape.Period
    per_day: list[tuple[date, int]]
    per_hour: list[tuple[int, int]]
    category: list[tuple[str | None, int]]  # taxonomy code (None: no category) -> contacts
    language: list[tuple[str | None, int]]
    service: list[tuple[str | None, int]]  # service given -> contacts that got it
    agency: list[tuple[str | None, int]]  # agency -> referrals made
    referral_followup: list[AgencyFollowUps]  # those referrals' feedback: answered, awaited, overdue, how fast
    service_level: list[tuple[date, Share]]
    threshold_seconds: int
    channel: list[shape.LineRow] = field(default_factory=list)  # contacts in the line by channel
    region: list[shape.LineRow] = field(default_factory=list)  # … by region (None: not known)
    place: list[shape.LineRow] = field(default_factory=list)  # … by place code (None: untagged)
    place_names: dict[str, str] = field(default_factory=dict)  # place code -> "name (region)"
    scope: Scope = Scope()
    inbox: InboxFigures | None = None

    @property
    def contacts(self) -> int:
        return sum(count for _, count in self.per_day)


def figures(period: shape.Period, place_names: dict[str, str], now: datetime | None = None,
            scope: Scope = Scope()) -> Figures:
    """Every report for ``period``, of the contacts in ``scope``; ``place_names``: code -> as shown (``places()``)."""
    now = now or utcnow()
    tz = helpline_zone()
    since, until = period.utc_window(tz)
    in_period = and_(Case.opened_at >= since, Case.opened_at < until)
    if conditions := scope.conditions():
        in_period = and_(in_period, Case.queue_entry_id.in_(select(QueueEntry.id).where(*conditions)))
    passages = _passages(since, until, conditions)
    hour = _hour(Case.opened_at)
    hourly = db.session.execute(select(hour, func.count()).where(in_period).group_by(hour)).all()
    threshold = current_app.config["SERVICE_LEVEL_SECONDS"]
    return Figures(
        period=period,
        per_day=shape.per_day(hourly, tz, period),
        per_hour=shape.per_hour(hourly, tz),
        category=shape.ranked(_count(Case.category, in_period), [term.code for term in taxonomy().categories]),
        language=shape.ranked(_count(Case.language, in_period), [member.value for member in Language]),
        service=shape.ranked(_count(CaseService.service, in_period, join=CaseService),
                             [member.value for member in Service]),
        agency=shape.ranked(_count(Referral.agency, in_period, join=Referral), [member.value for member in Agency]),
        referral_followup=_follow_ups(in_period, helpline_today(now)),
        service_level=shape.service_level_per_day(_service_level_hourly(since, until, threshold, now, conditions),
                                                  tz, period),
        threshold_seconds=threshold,
        channel=shape.line_rows((p for p, _region, _place in passages), [member.value for member in Channel]),
        region=shape.line_rows(region for _channel, region, _place in passages),
        place=shape.line_rows(place for _channel, _region, place in passages),
        place_names=place_names,
        scope=scope,
        inbox=_inbox(since, until),
    )


def _inbox(since: datetime, until: datetime) -> InboxFigures:
    messages = db.session.scalar(select(func.count()).select_from(Recording).where(
        Recording.source == RecordingSource.VOICE_MESSAGE, Recording.created_at >= since,
        Recording.created_at < until)) or 0
    callbacks = db.session.scalar(select(func.count()).select_from(CallbackRequest).where(
        CallbackRequest.requested_at >= since, CallbackRequest.requested_at < until)) or 0
    waiting = db.session.scalar(select(func.count()).select_from(QueueEntry).where(
        QueueEntry.state.in_(INBOX), QueueEntry.enqueued_at >= since, QueueEntry.enqueued_at < until)) or 0
    return InboxFigures(messages, callbacks, waiting)


def regions() -> list[str]:
    """Every region places or contacts name, for the region filter."""
    named = set(db.session.scalars(select(Place.region).distinct()))
    named |= set(db.session.scalars(select(QueueEntry.region).where(QueueEntry.region.is_not(None)).distinct()))
    return sorted(named)


def places() -> list[tuple[str, str]]:
    """Every place as (code, "name (region)"), for the place filter."""
    rows = db.session.execute(select(Place.code, Place.name, Place.region).order_by(Place.region, Place.name))
    return [(code, f"{name} ({region})") for code, name, region in rows]


def _passages(since: datetime, until: datetime, conditions: list) -> list[tuple[shape.Passage, ...]]:
    """Every contact that entered the line in the window, keyed by channel, by region and by place."""
    rows = db.session.execute(
        select(QueueEntry.channel, QueueEntry.region, Place.code, QueueEntry.state, QueueEntry.enqueued_at,
               QueueEntry.picked_at)
        .outerjoin(Place, Place.id == QueueEntry.place_id)
        .where(QueueEntry.enqueued_at >= since, QueueEntry.enqueued_at < until, *conditions)
    ).all()
    made = []
    for channel, region, place, state, enqueued, picked in rows:
        answered = picked is not None and state is not EntryState.ABANDONED
        wait = (picked - enqueued).total_seconds() if answered else None
        abandoned = state is EntryState.ABANDONED
        made.append(tuple(shape.Passage(key, answered, abandoned, wait)
                          for key in (channel.value, region, place)))
    return made


def record_export(actor: User, report: str, period: shape.Period, scope: Scope = Scope()) -> None:
    """Audit a CSV export: who took which figures of which days (and which contacts) out of the system."""
    audit.record("report.export", actor=actor, target_type="report", target_id=report,
                 since=period.since.isoformat(), until=period.until.isoformat(), **scope.described())
    db.session.commit()


def _hour(column):
    """The UTC hour of a timestamp as text ("2026-03-02 14"), the same on both databases."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H", column)  # SQLite keeps UTCDateTime as UTC text
    # Literals, not bound parameters: PostgreSQL must see the same expression in SELECT and GROUP BY.
    return func.to_char(func.timezone(literal_column("'UTC'"), column), literal_column("'YYYY-MM-DD HH24'"))


def _seconds(start, end):
    """Seconds from ``start`` to ``end`` (timestamps), as a number."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return cast(func.extract("epoch", end - start), Float)


def _count(column, in_period, join=None) -> list[tuple[str | None, int]]:
    query = select(column, func.count()).select_from(Case)
    if join is not None:
        query = query.join(join, join.case_id == Case.id)
    rows = db.session.execute(query.where(in_period).group_by(column)).all()
    return [(getattr(code, "value", code), count) for code, count in rows]


def _follow_ups(in_period, today: date) -> list[AgencyFollowUps]:
    """The referrals of the period's contacts, with where their feedback stands, by agency."""
    rows = db.session.execute(
        select(Referral.agency, Referral.created_at, Referral.due_date, Referral.feedback_received_at,
               Referral.outcome).join(Case, Case.id == Referral.case_id).where(in_period)
    )
    return by_agency((FollowUp(agency.value, *rest) for agency, *rest in rows), today,
                     [member.value for member in Agency])


def _service_level_hourly(since: datetime, until: datetime, threshold: int, now: datetime,
                          conditions: list = ()) -> list[tuple[str, int, int]]:
    """Per UTC hour of entering the queue: (hour, answered within the threshold, fate known), by the board's rule."""
    entry = QueueEntry
    answered = and_(entry.picked_at.is_not(None), entry.state != EntryState.ABANDONED)
    # SQLite's julianday keeps milliseconds: half of one spares a pick at exactly the threshold from rounding.
    slack = 0.0005 if db.session.get_bind().dialect.name == "sqlite" else 0
    in_time = and_(answered, _seconds(entry.enqueued_at, entry.picked_at) <= threshold + slack)
    left_or_now = func.coalesce(entry.ended_at, literal(now, UTCDateTime()))
    known = case((answered, 1), (_seconds(entry.enqueued_at, left_or_now) > threshold + slack, 1), else_=0)
    hour = _hour(entry.enqueued_at)
    rows = db.session.execute(
        select(hour, func.sum(case((in_time, 1), else_=0)), func.sum(known))
        .where(entry.enqueued_at >= since, entry.enqueued_at < until, *conditions).group_by(hour)
    ).all()
    return [(bucket, int(within or 0), int(counted or 0)) for bucket, within, counted in rows]


