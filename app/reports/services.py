"""The reports' numbers, counted by the database; ``app.core.reports`` gives them their shape.

A contact is a case (phone or web): what the case log says it was about, in which language, what the helpline
gave and whom it was handed to. It counts on the local day and hour it was opened. The service level counts
the callers who entered the queue, with the board's rule (``app.core.board.service_level``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Float, and_, case, cast, func, literal, literal_column, select

from app.audit import services as audit
from app.auth.models import User
from app.cases.models import Agency, Case, CaseService, Referral, Service
from app.cases.taxonomy import taxonomy
from app.core import reports as shape
from app.core.board import Share
from app.core.vocab import Language
from app.db import UTCDateTime, db, utcnow
from app.queue.models import EntryState, QueueEntry

REPORTS = ("per_day", "per_hour", "category", "language", "service", "agency", "service_level")


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
    service_level: list[tuple[date, Share]]
    threshold_seconds: int

    @property
    def contacts(self) -> int:
        return sum(count for _, count in self.per_day)


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def figures(period: shape.Period, now: datetime | None = None) -> Figures:
    """Every report for ``period``."""
    now = now or utcnow()
    tz = zone()
    since, until = period.utc_window(tz)
    in_period = and_(Case.opened_at >= since, Case.opened_at < until)
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
        service_level=shape.service_level_per_day(_service_level_hourly(since, until, threshold, now), tz, period),
        threshold_seconds=threshold,
    )


def record_export(actor: User, report: str, period: shape.Period) -> None:
    """Audit a CSV export: who took which figures of which days out of the system."""
    audit.record("report.export", actor=actor, target_type="report", target_id=report,
                 since=period.since.isoformat(), until=period.until.isoformat())
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


def _service_level_hourly(since: datetime, until: datetime, threshold: int, now: datetime) -> list[tuple[str, int, int]]:
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
        .where(entry.enqueued_at >= since, entry.enqueued_at < until).group_by(hour)
    ).all()
    return [(bucket, int(within or 0), int(counted or 0)) for bucket, within, counted in rows]


def today() -> date:
    """Today in the helpline's time zone."""
    return utcnow().astimezone(zone()).date()
