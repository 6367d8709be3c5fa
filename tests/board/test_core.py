"""The board's figures, computed: service level, abandonment, handling time, bands, and what "today" is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.core.board import (
    Band,
    QueueCall,
    Share,
    Thresholds,
    abandonment,
    average_handling,
    day_figures,
    day_start,
    service_level,
)

ALMATY = ZoneInfo("Asia/Almaty")  # UTC+5 all year
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 14:00 in Almaty
T = timedelta(seconds=20)


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def answered(entered: float, picked: float, ended: float | None = None) -> QueueCall:
    return QueueCall(at(entered), at(picked), at(ended) if ended is not None else None, abandoned=False)


def gave_up(entered: float, ended: float, picked: float | None = None) -> QueueCall:
    return QueueCall(at(entered), at(picked) if picked is not None else None, at(ended), abandoned=True)


def waiting(entered: float) -> QueueCall:
    return QueueCall(at(entered), None, None, abandoned=False)


def left(entered: float, ended: float) -> QueueCall:
    """Left the line to record a voice message: not answered, not abandoned."""
    return QueueCall(at(entered), None, at(ended), abandoned=False)


# --- service level -------------------------------------------------------------------------------


def test_the_service_level_is_the_share_picked_within_the_threshold():
    calls = [answered(-600, -590), answered(-500, -480), answered(-400, -379), answered(-300, -100)]
    assert service_level(calls, T, NOW) == Share(2, 4)  # 10 s and exactly 20 s are in time; 21 s is not
    assert service_level(calls, T, NOW).percent == 50


def test_callers_still_waiting_count_once_past_the_threshold():
    assert service_level([waiting(-19)], T, NOW) == Share(0, 0)  # may yet be answered in time
    assert service_level([waiting(-21)], T, NOW) == Share(0, 1)  # cannot be any more


def test_short_abandons_are_left_out_and_long_ones_count_against():
    calls = [gave_up(-300, -290), gave_up(-200, -150), left(-100, -95), left(-90, -30)]
    assert service_level(calls, T, NOW) == Share(0, 2)


def test_a_caller_who_hung_up_while_being_connected_was_not_answered():
    call = gave_up(-300, ended=-200, picked=-295)  # picked in 5 s, hung up before the operator answered
    assert not call.answered
    assert service_level([call], T, NOW) == Share(0, 1)  # 100 s without an answer


def test_no_calls_give_no_percentages():
    assert service_level([], T, NOW).percent is None
    assert abandonment([]).percent is None
    assert average_handling([]) == (0, None)


# --- abandonment and handling time ---------------------------------------------------------------


def test_abandonment_is_those_who_hung_up_of_all_who_entered():
    calls = [gave_up(-300, -290), answered(-200, -190, -100), waiting(-5), left(-100, -60)]
    assert abandonment(calls) == Share(1, 4)
    assert abandonment(calls).percent == 25


def test_handling_time_runs_from_the_pick_to_the_end_of_the_conversation():
    calls = [answered(-900, -890, -590), answered(-500, -490, -390), answered(-60, -50)]  # 300 s, 100 s, still talking
    assert average_handling(calls) == (2, timedelta(seconds=200))


def test_abandoned_calls_have_no_handling_time_even_when_picked():
    assert average_handling([gave_up(-300, ended=-200, picked=-295)]) == (0, None)


# --- today ---------------------------------------------------------------------------------------


def test_today_begins_at_midnight_in_the_helplines_time_zone():
    assert day_start(NOW, ALMATY) == datetime(2026, 3, 9, 19, 0, tzinfo=UTC)
    assert day_start(datetime(2026, 3, 9, 19, 0, tzinfo=UTC), ALMATY) == datetime(2026, 3, 9, 19, 0, tzinfo=UTC)
    late = datetime(2026, 3, 9, 18, 59, 59, tzinfo=UTC)  # 23:59:59 in Almaty
    assert day_start(late, ALMATY) == datetime(2026, 3, 8, 19, 0, tzinfo=UTC)
    # Where the clocks change, a day is still from local midnight to local midnight.
    berlin = ZoneInfo("Europe/Berlin")
    assert day_start(datetime(2026, 3, 29, 12, 0, tzinfo=UTC), berlin) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_a_call_across_midnight_counts_its_wait_yesterday_and_its_handling_today():
    midnight = day_start(NOW, ALMATY)
    across = QueueCall(midnight - timedelta(seconds=30), midnight + timedelta(seconds=5),
                       midnight + timedelta(minutes=10, seconds=5), abandoned=False)  # waited 35 s, talked 10 min
    figures = day_figures([across], NOW, ALMATY, T)
    assert figures.entered == 0 and figures.service_level == Share(0, 0) and figures.abandoned == Share(0, 0)
    assert figures.handled == 1 and figures.average_handling == timedelta(minutes=10)


def test_yesterdays_calls_are_not_todays():
    midnight = day_start(NOW, ALMATY)
    yesterday = QueueCall(midnight - timedelta(hours=2), None, midnight - timedelta(hours=1), abandoned=True)
    today = QueueCall(midnight + timedelta(hours=1), midnight + timedelta(hours=1, seconds=10),
                      midnight + timedelta(hours=1, minutes=5, seconds=10), abandoned=False)
    figures = day_figures([yesterday, today], NOW, ALMATY, T)
    assert figures.entered == 1
    assert figures.service_level == Share(1, 1) and figures.abandoned == Share(0, 1)
    assert (figures.handled, figures.average_handling) == (1, timedelta(minutes=5))


def test_a_quiet_day_has_no_figures():
    figures = day_figures([], NOW, ALMATY, T)
    assert (figures.entered, figures.handled, figures.average_handling) == (0, 0, None)
    assert figures.service_level.percent is None and figures.abandoned.percent is None


# --- bands ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "band"), [(0, Band.OK), (29.9, Band.OK), (30, Band.WARN), (119, Band.WARN),
                                               (120, Band.ALERT), (3600, Band.ALERT), (None, Band.OK)])
def test_a_wait_turns_amber_then_red_at_its_thresholds(seconds, band):
    assert Thresholds(30, 120).band(seconds) is band


@pytest.mark.parametrize(("percent", "band"), [(100, Band.OK), (80, Band.OK), (79.9, Band.WARN), (60, Band.WARN),
                                               (59.9, Band.ALERT), (0, Band.ALERT), (None, Band.OK)])
def test_a_service_level_turns_amber_then_red_below_its_targets(percent, band):
    assert Thresholds(80, 60, higher_is_worse=False).band(percent) is band


def test_equal_thresholds_skip_the_amber_band():
    assert Thresholds(10, 10).band(9) is Band.OK and Thresholds(10, 10).band(10) is Band.ALERT


@pytest.mark.parametrize(("warn", "alert", "higher_is_worse"), [(120, 30, True), (60, 80, False)])
def test_thresholds_the_wrong_way_round_are_refused(warn, alert, higher_is_worse):
    with pytest.raises(ValueError, match="alert threshold"):
        Thresholds(warn, alert, higher_is_worse)
