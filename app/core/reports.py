"""Shaping the reports' figures: hourly counts into local days and hours, service level per day, chart geometry.

Pure: no framework, no database. The database counts by the hour in UTC (both SQLite and PostgreSQL can, the
same way); turning those hours into the helpline's local days and hours of the day happens here. That is
exact for time zones whose offset is a whole number of hours (Asia/Almaty, Asia/Aqtobe: UTC+5).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from app.core.board import Share

BUCKET_FORMAT = "%Y-%m-%d %H"  # how the services' SQL names an hour (UTC)
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Whole local days, from ``since`` to ``until`` inclusive."""

    since: date
    until: date

    @classmethod
    def last_days(cls, today: date, days: int = 30) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    @property
    def days(self) -> list[date]:
        return [self.since + timedelta(days=n) for n in range((self.until - self.since).days + 1)]

    def utc_window(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """From local midnight of the first day to local midnight after the last, in UTC."""

        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

        return midnight(self.since), midnight(self.until + timedelta(days=1))


def period_from(since: date | None, until: date | None, today: date) -> tuple[Period, bool]:
    """The period asked for (default: the last 30 days), and whether the request had to be corrected.

    The end defaults to today and the start to 29 days before the end; reversed dates are swapped; a period
    longer than ``MAX_DAYS`` keeps its end and is cut to that length.
    """
    corrected = False
    until = until or today
    since = since or until - timedelta(days=29)
    if since > until:
        since, until, corrected = until, since, True
    if (until - since).days >= MAX_DAYS:
        since, corrected = until - timedelta(days=MAX_DAYS - 1), True
    return Period(since, until), corrected


def utc_hour(bucket: str) -> datetime:
    return datetime.strptime(bucket, BUCKET_FORMAT).replace(tzinfo=UTC)


def per_day(hourly: Iterable[tuple[str, int]], zone: ZoneInfo, period: Period) -> list[tuple[date, int]]:
    """Every day of the period with its count (zero where there was nothing)."""
    counts: Counter[date] = Counter()
    for bucket, count in hourly:
        counts[utc_hour(bucket).astimezone(zone).date()] += count
    return [(day, counts[day]) for day in period.days]


def per_hour(hourly: Iterable[tuple[str, int]], zone: ZoneInfo) -> list[tuple[int, int]]:
    """Each local hour of the day, 0 to 23, with its count over the whole period."""
    counts: Counter[int] = Counter()
    for bucket, count in hourly:
        counts[utc_hour(bucket).astimezone(zone).hour] += count
    return [(hour, counts[hour]) for hour in range(24)]


def service_level_per_day(hourly: Iterable[tuple[str, int, int]], zone: ZoneInfo,
                          period: Period) -> list[tuple[date, Share]]:
    """Per day: answered within the threshold, of those whose fate against it is known (as on the board)."""
    within: Counter[date] = Counter()
    known: Counter[date] = Counter()
    for bucket, in_time, counted in hourly:
        day = utc_hour(bucket).astimezone(zone).date()
        within[day] += in_time
        known[day] += counted
    return [(day, Share(within[day], known[day])) for day in period.days]


def ranked(counts: Iterable[tuple[str | None, int]], order: Sequence[str] = ()) -> list[tuple[str | None, int]]:
    """Counts by a code: the codes of ``order`` first, in that order (zero if absent), then others by size."""
    found = dict(counts)
    listed = [(code, found.pop(code, 0)) for code in order]
    rest = sorted(found.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    return listed + rest


@dataclass(frozen=True)
class Passage:
    """One contact's passage through the line, as the reports by channel, region and place need it."""

    key: str | None  # the channel, region or place it is counted under (None: not known)
    answered: bool  # an operator took it (the board's rule: picked, and not abandoned)
    abandoned: bool  # gone before an operator took it
    wait: float | None  # seconds from entering the line to being taken (answered ones only)


@dataclass(frozen=True)
class LineRow:
    """Contacts that entered the line under one key: how many, answered, abandoned, and the median wait."""

    key: str | None
    contacts: int
    answered: int
    abandoned: int
    median_wait: float | None  # seconds an answered contact waited, the median; None when none was answered


def line_rows(passages: Iterable[Passage], order: Sequence[str] = ()) -> list[LineRow]:
    """Passages grouped by key, ordered as ``ranked`` orders counts (``order`` first, then the largest)."""
    groups: dict[str | None, list[Passage]] = {}
    for passage in passages:
        groups.setdefault(passage.key, []).append(passage)
    made = []
    for key, _count in ranked(((key, len(group)) for key, group in groups.items()), order):
        group = groups.get(key, [])
        waits = [p.wait for p in group if p.answered and p.wait is not None]
        made.append(LineRow(key, len(group), sum(p.answered for p in group), sum(p.abandoned for p in group),
                            median(waits) if waits else None))
    return made


# --- charts: geometry only; the templates draw the SVG ----------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no data (drawn as nothing, said in the table)
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    bars: list[Bar]
    top: float  # the value at the top of the scale
    label_every: int = 1  # columns: label one bar in this many, so labels do not overlap
    left: float = 0  # columns: room at the left for the scale's top value
    plot_height: float = 0  # columns: the height of the bars' area (labels go below it)


def columns(values: Sequence[tuple[str, float | None]], *, width: float = 720, height: float = 180,
            top: float | None = None, label_room: float = 26, left: float = 40, min_label_width: float = 36) -> Chart:
    """Vertical bars side by side (days, hours): the scale's top value at the left, labels below."""
    scale = top if top is not None else max([v for _, v in values if v is not None] + [1])
    slot = (width - left) / max(1, len(values))
    plot = height - label_room
    bars = []
    for i, (label, value) in enumerate(values):
        tall = 0 if value is None else plot * value / scale
        bars.append(Bar(label, value, x=left + i * slot + slot * 0.1, y=plot - tall, width=slot * 0.8, height=tall))
    every = max(1, -(-int(min_label_width) // max(1, int(slot))))
    return Chart(width, height, bars, scale, label_every=every, left=left, plot_height=plot)


def rows(values: Sequence[tuple[str, float | None]], *, width: float = 720, row_height: float = 24,
         label_width: float = 240) -> Chart:
    """Horizontal bars, one per row, labels at their left (categories, languages, services, agencies)."""
    scale = max([v for _, v in values if v is not None] + [1])
    room = width - label_width - 48  # the count is written after the bar
    bars = [Bar(label, value, x=label_width, y=i * row_height + 3,
                width=0 if not value else room * value / scale, height=row_height - 6)
            for i, (label, value) in enumerate(values)]
    return Chart(width, max(row_height, row_height * len(values)), bars, scale)
