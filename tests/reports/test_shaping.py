"""Shaping the reports (pure core): UTC hours into local days and hours, periods, chart geometry."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from app.core.board import Share
from app.core.reports import (
    MAX_DAYS,
    Period,
    columns,
    per_day,
    per_hour,
    period_from,
    ranked,
    rows,
    service_level_per_day,
)

ALMATY = ZoneInfo("Asia/Almaty")  # UTC+5


def test_utc_hours_fall_on_local_days_and_hours():
    period = Period(date(2026, 3, 1), date(2026, 3, 2))
    hourly = [("2026-02-28 19", 2), ("2026-03-01 18", 1), ("2026-03-01 19", 4), ("2026-03-02 19", 7)]
    assert per_day(hourly, ALMATY, period) == [(date(2026, 3, 1), 3), (date(2026, 3, 2), 4)]  # the last is 3 March
    hours = dict(per_hour(hourly, ALMATY))
    assert len(hours) == 24 and hours[0] == 2 + 4 + 7 and hours[23] == 1


def test_the_service_level_of_a_day_adds_its_hours():
    period = Period(date(2026, 3, 1), date(2026, 3, 2))
    levels = service_level_per_day([("2026-03-01 05", 1, 2), ("2026-03-01 09", 3, 3)], ALMATY, period)
    assert levels == [(date(2026, 3, 1), Share(4, 5)), (date(2026, 3, 2), Share(0, 0))]
    assert levels[1][1].percent is None


def test_periods_default_swap_and_are_capped():
    today = date(2026, 3, 31)
    assert period_from(None, None, today) == (Period(date(2026, 3, 2), today), False)
    assert period_from(date(2026, 3, 10), date(2026, 3, 1), today) == (Period(date(2026, 3, 1), date(2026, 3, 10)), True)
    capped, corrected = period_from(date(2020, 1, 1), today, today)
    assert corrected and len(capped.days) == MAX_DAYS and capped.until == today


def test_ranked_lists_the_vocabulary_first_then_the_rest_by_size():
    assert ranked([("b", 1), (None, 5), ("x", 3)], ["a", "b"]) == [("a", 0), ("b", 1), (None, 5), ("x", 3)]


def test_chart_geometry_scales_to_the_largest_value_or_the_given_top():
    chart = columns([("a", 1), ("b", 4), ("c", None)], width=340, height=126, label_room=26, left=40)
    assert [bar.height for bar in chart.bars] == [25, 100, 0] and chart.top == 4
    assert chart.bars[0].x < chart.bars[1].x < chart.bars[2].x and chart.bars[0].x >= 40
    assert columns([("a", 50)], top=100, height=126, label_room=26).bars[0].height == 50
    horizontal = rows([("x", 2), ("y", 0)], width=400, label_width=100)
    assert horizontal.bars[0].width == 400 - 100 - 48 and horizontal.bars[1].width == 0
