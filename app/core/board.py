"""The supervisors' board, computed: today's service level, abandonment rate, handling time, and colour bands.

Plain values in, plain values out (no database): the board's services read the queue and hand its entries
over as ``QueueCall``. What counts, and why:

- "Today" starts at midnight in the helpline's time zone. Service level and abandonment count the callers
  who *entered the queue* today; handling time counts the conversations that *ended* today (a call
  across midnight counts once: its wait on the day it began, its handling on the day it ended).
- Service level: of the callers whose fate against the threshold is known, the share an operator picked
  within it. Known means picked (within or after the threshold), or still unanswered after the threshold
  (waiting, gave up, or left a message). Callers who hung up *within* the threshold without being picked
  are left out (short abandons: no operator could have answered them in time), and so are callers still
  waiting inside it.
- Abandonment: callers who hung up before talking to an operator, over everyone who entered the queue.
- Handling time: from the pick to the end of the conversation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Band(StrEnum):
    """How a figure on the board stands against its thresholds."""

    OK = "ok"  # within target
    WARN = "warn"  # needs watching
    ALERT = "alert"  # needs action now


@dataclass(frozen=True)
class Thresholds:
    """Where a figure turns from ok to warn to alert.

    A figure that is worse the higher it is (a wait, a rate of loss) turns at the threshold; one that is worse
    the lower it is (a service level) turns below it, so that meeting a target exactly is ok.
    """

    warn: float
    alert: float
    higher_is_worse: bool = True

    def __post_init__(self):
        if (self.warn > self.alert) if self.higher_is_worse else (self.warn < self.alert):
            worse = "above" if self.higher_is_worse else "below"
            raise ValueError(f"the alert threshold ({self.alert}) must be at or {worse} the warning one ({self.warn})")

    def band(self, value: float | None) -> Band:
        """The band of ``value``; no value (no calls yet) is nothing to worry about."""
        if value is None:
            return Band.OK
        if self.higher_is_worse:
            return Band.ALERT if value >= self.alert else Band.WARN if value >= self.warn else Band.OK
        return Band.ALERT if value < self.alert else Band.WARN if value < self.warn else Band.OK  # a target met is ok


@dataclass(frozen=True)
class QueueCall:
    """One caller's passage through the queue, as the day's figures need it."""

    enqueued_at: datetime
    picked_at: datetime | None  # an operator took the caller (None again if the bridge failed)
    ended_at: datetime | None  # the caller left the line, or the conversation ended
    abandoned: bool  # hung up before talking to an operator (also while being connected)

    @property
    def answered(self) -> bool:
        return self.picked_at is not None and not self.abandoned

    def unanswered_for(self, now: datetime) -> timedelta:
        """How long the caller waited (or has waited so far) without being answered."""
        end = self.picked_at if self.answered else (self.ended_at or now)
        return end - self.enqueued_at


@dataclass(frozen=True)
class Share:
    """``count`` of ``total``; ``percent`` is None when there is nothing to divide by."""

    count: int
    total: int

    @property
    def percent(self) -> float | None:
        return 100 * self.count / self.total if self.total else None


@dataclass(frozen=True)
class DayFigures:
    """Today's figures on the board."""

    entered: int  # callers who entered the queue today
    service_level: Share  # answered within the threshold, of those whose fate against it is known
    abandoned: Share  # hung up while waiting, of all who entered today
    handled: int  # conversations that ended today
    average_handling: timedelta | None  # their mean length, from pick to end


def day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The moment today began (local midnight in ``zone``), as an aware datetime in ``now``'s zone."""
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(now.tzinfo)


def service_level(calls: Iterable[QueueCall], threshold: timedelta, now: datetime) -> Share:
    within = known = 0
    for call in calls:
        if call.answered and call.picked_at - call.enqueued_at <= threshold:
            within += 1
            known += 1
        elif call.unanswered_for(now) > threshold:
            known += 1
    return Share(within, known)


def abandonment(calls: Iterable[QueueCall]) -> Share:
    calls = list(calls)
    return Share(sum(call.abandoned for call in calls), len(calls))


def average_handling(calls: Iterable[QueueCall]) -> tuple[int, timedelta | None]:
    """How many conversations, and their mean length (None when there were none)."""
    lengths = [call.ended_at - call.picked_at for call in calls if call.answered and call.ended_at is not None]
    return len(lengths), (sum(lengths, timedelta()) / len(lengths) if lengths else None)


def day_figures(calls: Iterable[QueueCall], now: datetime, zone: ZoneInfo, threshold: timedelta) -> DayFigures:
    """Today's figures from the calls of today (and any earlier ones still around, which are sorted out here)."""
    start = day_start(now, zone)
    calls = list(calls)
    entered = [call for call in calls if call.enqueued_at >= start]
    ended_today = [call for call in calls if call.ended_at is not None and call.ended_at >= start]
    handled, average = average_handling(ended_today)
    return DayFigures(entered=len(entered), service_level=service_level(entered, threshold, now),
                      abandoned=abandonment(entered), handled=handled, average_handling=average)
