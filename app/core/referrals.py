"""Following referrals up: when an agency's feedback is due, how late it is, and what the answers add up to.

Pure: no framework, no database. A due date is a calendar day of the helpline (``TIMEZONE``): feedback is
due *by* that day, so a referral becomes overdue at the helpline's next midnight, whatever the date in UTC.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.core.cases import ReferralOutcome

WEEK_DAYS = 7  # "due this week": from tomorrow to a week from today


class Due(StrEnum):
    """Where a referral stands against its due date."""

    OVERDUE = "overdue"  # the due day has passed and no feedback was recorded
    TODAY = "today"  # feedback is due by the end of today
    WEEK = "week"  # due in the next seven days
    LATER = "later"  # due after that
    ANSWERED = "answered"  # feedback recorded, or the follow-up closed without an answer


AWAITING = (Due.OVERDUE, Due.TODAY, Due.WEEK, Due.LATER)  # still waiting for the agency, most urgent first


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The helpline's date at the moment ``now`` (aware)."""
    return now.astimezone(zone).date()


def due_state(due_date: date, today: date, closed: bool = False) -> Due:
    """Where a referral due on ``due_date`` stands on ``today``; ``closed``: its follow-up is recorded."""
    if closed:
        return Due.ANSWERED
    if due_date < today:
        return Due.OVERDUE
    if due_date == today:
        return Due.TODAY
    return Due.WEEK if due_date <= today + timedelta(days=WEEK_DAYS) else Due.LATER


def due_window(state: Due, today: date) -> tuple[date | None, date | None]:
    """The due dates (first, last; inclusive, None: open-ended) of the referrals awaiting feedback in ``state``."""
    week_end = today + timedelta(days=WEEK_DAYS)
    windows = {Due.OVERDUE: (None, today - timedelta(days=1)), Due.TODAY: (today, today),
               Due.WEEK: (today + timedelta(days=1), week_end), Due.LATER: (week_end + timedelta(days=1), None)}
    if state not in windows:
        raise ValueError(f"{state} is not a state of waiting for feedback")
    return windows[state]


def days_late(due_date: date, today: date) -> int:
    """Whole days past the due date (0 while it is not overdue)."""
    return max((today - due_date).days, 0)


# --- the report: referrals by agency ------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    """One referral as the agency report counts it."""

    agency: str
    created_at: datetime
    due_date: date
    closed_at: datetime | None  # when the agency reported back (or the follow-up was closed without it)
    outcome: ReferralOutcome | None  # None with ``closed_at``: feedback recorded before outcomes existed


@dataclass(frozen=True)
class AgencyFollowUps:
    """An agency's referrals: answered, closed without an answer, still awaited, and how fast answers came."""

    agency: str
    referrals: int
    answered: int
    no_answer: int  # closed without feedback
    awaiting: int  # not due yet, or due today
    overdue: int
    median_days: float | None  # from the referral to the agency's feedback; None: no feedback yet


def by_agency(rows: Iterable[FollowUp], today: date, order: Sequence[str] = ()) -> list[AgencyFollowUps]:
    """Each agency's follow-up figures: the agencies of ``order`` first (even with no referral), then others."""
    grouped: dict[str, list[FollowUp]] = {agency: [] for agency in order}
    for row in rows:
        grouped.setdefault(row.agency, []).append(row)
    made = []
    for agency, mine in grouped.items():
        answered = [row for row in mine if row.closed_at is not None and (row.outcome is None or row.outcome.answered)]
        open_ = [row for row in mine if row.closed_at is None]
        overdue = sum(row.due_date < today for row in open_)
        days = [(row.closed_at - row.created_at).total_seconds() / 86400 for row in answered]
        made.append(AgencyFollowUps(
            agency=agency, referrals=len(mine), answered=len(answered),
            no_answer=sum(row.closed_at is not None for row in mine) - len(answered),
            awaiting=len(open_) - overdue, overdue=overdue,
            median_days=max(statistics.median(days), 0.0) if days else None,
        ))
    return made
