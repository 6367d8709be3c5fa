"""Referral follow-up rules: due states on the helpline's calendar (around its midnight), and the agency report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.cases import ReferralOutcome
from app.core.referrals import AWAITING, Due, FollowUp, by_agency, days_late, due_state, due_window, local_today

ALMATY = ZoneInfo("Asia/Almaty")  # UTC+5: the helpline's midnight is 19:00 UTC
TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(("due", "state"), [
    (TODAY - timedelta(days=30), Due.OVERDUE),
    (TODAY - timedelta(days=1), Due.OVERDUE),
    (TODAY, Due.TODAY),
    (TODAY + timedelta(days=1), Due.WEEK),
    (TODAY + timedelta(days=7), Due.WEEK),
    (TODAY + timedelta(days=8), Due.LATER),
])
def test_where_a_referral_stands_against_its_due_date(due, state):
    assert due_state(due, TODAY) is state
    assert due_state(due, TODAY, closed=True) is Due.ANSWERED  # whatever the date, once the feedback is in


def test_a_referral_becomes_overdue_at_the_helplines_midnight_not_at_utcs():
    due = date(2026, 3, 1)
    last_minute = datetime(2026, 3, 1, 18, 59, tzinfo=UTC)  # 23:59 in Almaty
    midnight = datetime(2026, 3, 1, 19, 0, tzinfo=UTC)  # 00:00 on 2 March in Almaty, still 1 March in UTC
    assert local_today(last_minute, ALMATY) == due and due_state(due, local_today(last_minute, ALMATY)) is Due.TODAY
    assert local_today(midnight, ALMATY) == date(2026, 3, 2)
    assert due_state(due, local_today(midnight, ALMATY)) is Due.OVERDUE
    assert days_late(due, local_today(midnight, ALMATY)) == 1
    # West of UTC it is the other way round: a UTC day that has begun is still yesterday at the helpline.
    assert local_today(datetime(2026, 3, 2, 3, 0, tzinfo=UTC), ZoneInfo("America/Mexico_City")) == date(2026, 3, 1)


def test_days_late_counts_whole_days_past_the_due_date_only():
    assert [days_late(TODAY + timedelta(days=n), TODAY) for n in (3, 0, -1, -10)] == [0, 0, 1, 10]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       st.integers(min_value=-400, max_value=400))
def test_the_windows_the_database_filters_on_agree_with_the_states(today, offset):
    due = today + timedelta(days=offset)
    state = due_state(due, today)
    first, last = due_window(state, today)
    assert (first is None or first <= due) and (last is None or due <= last)
    for other in AWAITING:
        if other is not state:
            first, last = due_window(other, today)
            assert not ((first is None or first <= due) and (last is None or due <= last))


def test_there_is_no_window_for_answered_referrals():
    with pytest.raises(ValueError):
        due_window(Due.ANSWERED, TODAY)


def made(agency: str, days_ago: float, due_in: int, answered_after: float | None = None,
         outcome: ReferralOutcome | None = ReferralOutcome.ACTED) -> FollowUp:
    created = datetime(2026, 3, 2, 9, 0, tzinfo=UTC) - timedelta(days=days_ago)
    closed = created + timedelta(days=answered_after) if answered_after is not None else None
    return FollowUp(agency, created, TODAY + timedelta(days=due_in), closed, outcome if closed else None)


def test_the_agency_report_counts_answers_silence_waiting_and_lateness_with_the_median_time():
    rows = [
        made("police", 10, -5, answered_after=1),
        made("police", 10, -5, answered_after=2.5, outcome=ReferralOutcome.DECLINED),
        made("police", 10, -5, answered_after=6),
        made("police", 10, -5, answered_after=9, outcome=ReferralOutcome.NO_ANSWER),  # gave up: no answer
        made("police", 10, -1),  # overdue since yesterday
        made("police", 1, 0),  # due today: awaited, not overdue
        made("health", 3, 4),
        made("health", 20, -15, answered_after=3, outcome=None),  # recorded before outcomes existed: an answer
    ]
    figures = {row.agency: row for row in by_agency(rows, TODAY, ["police", "guardianship", "health"])}
    police = figures["police"]
    assert (police.referrals, police.answered, police.no_answer, police.awaiting, police.overdue) == (6, 3, 1, 1, 1)
    assert police.median_days == pytest.approx(2.5)  # of 1, 2.5 and 6: the no-answer's 9 days are no answer
    health = figures["health"]
    assert (health.referrals, health.answered, health.awaiting, health.overdue, health.median_days) == (2, 1, 1, 0, 3)
    nobody = figures["guardianship"]  # listed, with nothing to divide
    assert (nobody.referrals, nobody.median_days) == (0, None)
    assert [row.agency for row in by_agency(rows, TODAY, ["police", "guardianship", "health"])] == [
        "police", "guardianship", "health"]
