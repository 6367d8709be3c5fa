"""The queue's pure rules: who is answered first, what a caller is told, when the line is open."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import ROOT
from app.core import queue as rules
from app.core.queue import HoursError, OperatingHours, Waiting, parse_hours
from app.core.vocab import Priority

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def caller(id_: int, priority: Priority, seconds: float = 0) -> Waiting:
    return Waiting(id_, priority, T0 + timedelta(seconds=seconds))


def ids(callers: list[Waiting]) -> list[int]:
    return [c.id for c in callers]


# --- order and position ----------------------------------------------------------------------------


def test_urgent_before_child_before_standard_whatever_the_arrival():
    line = [caller(1, Priority.STANDARD, 0), caller(2, Priority.CHILD, 10), caller(3, Priority.URGENT, 20)]
    assert ids(rules.in_order(line)) == [3, 2, 1]


def test_first_come_first_served_within_a_priority():
    line = [caller(1, Priority.CHILD, 30), caller(2, Priority.CHILD, 10), caller(3, Priority.CHILD, 20)]
    assert ids(rules.in_order(line)) == [2, 3, 1]


def test_same_priority_and_arrival_ties_go_to_the_lower_id():
    line = [caller(7, Priority.URGENT), caller(3, Priority.URGENT), caller(5, Priority.URGENT)]
    assert ids(rules.in_order(line)) == [3, 5, 7]


def test_mixed_line_orders_by_priority_then_arrival_then_id():
    line = [
        caller(1, Priority.STANDARD, 0), caller(2, Priority.CHILD, 5), caller(3, Priority.URGENT, 50),
        caller(4, Priority.STANDARD, 1), caller(5, Priority.URGENT, 40), caller(6, Priority.CHILD, 5),
    ]
    assert ids(rules.in_order(line)) == [5, 3, 2, 6, 1, 4]


def test_in_order_does_not_change_its_input():
    line = [caller(1, Priority.STANDARD), caller(2, Priority.URGENT)]
    rules.in_order(line)
    assert ids(line) == [1, 2]


waiting_lines = st.lists(
    st.builds(Waiting, st.integers(1, 10_000), st.sampled_from(list(Priority)),
              st.integers(0, 600).map(lambda s: T0 + timedelta(seconds=s))),
    max_size=30, unique_by=lambda c: c.id,
)


@settings(database=None, max_examples=200)
@given(waiting_lines)
def test_order_is_a_permutation_sorted_by_rank_then_arrival(line):
    ordered = rules.in_order(line)
    assert sorted(ids(ordered)) == sorted(ids(line))
    keys = [(c.priority.rank, c.enqueued_at, c.id) for c in ordered]
    assert keys == sorted(keys)


@settings(database=None, max_examples=200)
@given(waiting_lines)
def test_position_is_one_based_place_in_that_order(line):
    for place, waiting in enumerate(rules.in_order(line), start=1):
        assert rules.position(line, waiting.id) == place


def test_position_of_someone_not_waiting_is_none():
    assert rules.position([caller(1, Priority.CHILD)], 2) is None
    assert rules.position([], 1) is None


def test_position_counts_higher_priorities_ahead_of_earlier_arrivals():
    line = [caller(1, Priority.STANDARD, 0), caller(2, Priority.STANDARD, 1), caller(3, Priority.URGENT, 2)]
    assert [rules.position(line, i) for i in (1, 2, 3)] == [2, 3, 1]


# --- the wait estimate -----------------------------------------------------------------------------

FIRST_IN_LINE = timedelta(seconds=30)


def test_first_in_line_waits_about_thirty_seconds_whatever_the_history():
    assert rules.estimate_wait(1, [], 1) == FIRST_IN_LINE
    assert rules.estimate_wait(1, [timedelta(minutes=40)], 1) == FIRST_IN_LINE
    assert rules.estimate_wait(1, [timedelta(minutes=3)], 0) == FIRST_IN_LINE


def test_without_history_the_default_handling_time_is_used():
    assert rules.estimate_wait(3, [], 1) == 2 * rules.DEFAULT_HANDLE_TIME + FIRST_IN_LINE


def test_the_mean_of_recent_handling_times_is_used():
    recent = [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=9)]  # mean 5 min
    assert rules.estimate_wait(2, recent, 1) == timedelta(minutes=5) + FIRST_IN_LINE
    assert rules.estimate_wait(4, recent, 1) == timedelta(minutes=15) + FIRST_IN_LINE


def test_callers_ahead_are_shared_by_the_operators_on_duty():
    recent = [timedelta(minutes=6)]
    assert rules.estimate_wait(5, recent, 1) == timedelta(minutes=24) + FIRST_IN_LINE
    assert rules.estimate_wait(5, recent, 4) == timedelta(minutes=6) + FIRST_IN_LINE
    assert rules.estimate_wait(5, recent, 3) < rules.estimate_wait(5, recent, 2) < rules.estimate_wait(5, recent, 1)


def test_no_operator_on_duty_counts_as_one_rather_than_dividing_by_zero():
    assert rules.estimate_wait(3, [], 0) == rules.estimate_wait(3, [], 1)


@settings(database=None, max_examples=300)
@given(place=st.integers(1, 500), operators=st.integers(0, 100),
       recent=st.lists(st.timedeltas(timedelta(0), timedelta(hours=4)), max_size=20))
def test_the_estimate_is_never_negative_and_grows_with_the_place(place, operators, recent):
    wait = rules.estimate_wait(place, recent, operators)
    assert wait >= FIRST_IN_LINE > timedelta(0)
    assert rules.estimate_wait(place + 1, recent, operators) >= wait


# --- the spoken band -------------------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "band"), [(1, 1), (2, 2), (5, 5), (10, 10), (15, 15)])
def test_a_wait_of_exactly_a_band_is_said_as_that_band(minutes, band):
    assert rules.wait_band(timedelta(minutes=minutes)) == band


@pytest.mark.parametrize(("minutes", "band"), [(1, 2), (2, 5), (5, 10), (10, 15), (15, None)])
def test_just_above_a_band_rounds_up_to_the_next(minutes, band):
    assert rules.wait_band(timedelta(minutes=minutes, seconds=1)) == band


def test_short_and_very_long_waits():
    assert rules.wait_band(timedelta(0)) == 1
    assert rules.wait_band(timedelta(seconds=30)) == 1
    assert rules.wait_band(timedelta(hours=3)) is None


@pytest.mark.parametrize(("wait", "prompt"), [
    (timedelta(seconds=30), "queue_wait_1"), (timedelta(minutes=1, seconds=1), "queue_wait_2"),
    (timedelta(minutes=5), "queue_wait_5"), (timedelta(minutes=15), "queue_wait_15"),
    (timedelta(minutes=15, seconds=1), "queue_wait_long"),
])
def test_wait_prompt_names_the_band(wait, prompt):
    assert rules.wait_prompt(wait) == prompt


@pytest.mark.parametrize(("place", "prompt"), [
    (1, "queue_position_1"), (9, "queue_position_9"), (10, "queue_position_many"), (250, "queue_position_many"),
])
def test_position_prompt_names_the_place_up_to_nine(place, prompt):
    assert rules.position_prompt(place) == prompt


def test_every_prompt_the_wait_loop_can_say_is_declared():
    said = {rules.position_prompt(p) for p in range(1, 100)}
    said |= {rules.wait_prompt(timedelta(seconds=s)) for s in range(0, 20 * 60, 15)}
    assert said == set(rules.POSITION_PROMPTS + rules.WAIT_PROMPTS)
    assert said <= set(rules.QUEUE_PROMPTS)  # so flow checks demand them of every queue


def test_the_shipped_flow_has_every_queue_prompt_in_both_languages(flow):
    for prompt in rules.QUEUE_PROMPTS:
        assert prompt in flow.prompts, prompt
        assert set(flow.prompts[prompt]) == set(flow.languages), prompt


def test_kazakh_queue_prompts_have_audio():
    """Twilio has no Kazakh voice: every prompt the wait loop can say must be a file."""
    missing = [p for p in rules.QUEUE_PROMPTS if not (ROOT / "audio" / "prompts" / "kk" / f"{p}.wav").is_file()]
    assert missing == []


# --- operating hours -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["24/7", " 24/7 ", "", "   "])
def test_around_the_clock(text):
    hours = parse_hours(text)
    assert hours.always
    assert hours.is_open(datetime(2026, 3, 8, 3, 17))  # a Sunday, at night


def test_weekly_rules_per_day():
    hours = parse_hours("mon-fri 09:00-18:00; sat 10:00-14:00")
    assert not hours.always
    assert hours.weekly == {
        **{day: ((time(9), time(18)),) for day in range(5)},
        5: ((time(10), time(14)),),
    }
    assert 6 not in hours.weekly  # Sunday: closed


def test_rules_are_case_and_space_insensitive():
    assert parse_hours("  Mon-Fri   09:00-18:00 ;SAT 10:00-14:00; ") == parse_hours("mon-fri 09:00-18:00; sat 10:00-14:00")


def test_a_day_can_have_two_openings():
    hours = parse_hours("mon 09:00-12:00; mon 14:00-18:00")
    assert hours.weekly[0] == ((time(9), time(12)), (time(14), time(18)))
    assert hours.is_open(datetime(2026, 3, 2, 11, 59))
    assert not hours.is_open(datetime(2026, 3, 2, 13, 0))
    assert hours.is_open(datetime(2026, 3, 2, 14, 0))


def test_holidays_are_read():
    hours = parse_hours("mon-fri 09:00-18:00", " 2026-12-16, 2027-01-01 ,")
    assert hours.holidays == frozenset({date(2026, 12, 16), date(2027, 1, 1)})


@pytest.mark.parametrize(("text", "says"), [
    ("mon-fri 9:00-18:00", "cannot read 'mon-fri 9:00-18:00'"),
    ("monday 09:00-18:00", "cannot read"),
    ("mon-fri", "cannot read"),
    ("always", "cannot read 'always'"),
    ("24/7; mon 09:00-10:00", "cannot read"),
    ("mon 18:00-09:00", "the end must come after the start"),
    ("mon 09:00-09:00", "the end must come after the start"),
    ("mon-fry 09:00-18:00", "unknown day in 'mon-fry 09:00-18:00'"),
    ("abc 09:00-18:00", "unknown day"),
    ("mon 25:00-26:00", "'mon 25:00-26:00'"),
    ("mon 09:60-10:00", "'mon 09:60-10:00'"),
    ("fri-mon 09:00-18:00", "'fri-mon 09:00-18:00'"),
])
def test_bad_hours_are_refused_with_a_message_naming_the_rule(text, says):
    with pytest.raises(HoursError) as raised:
        parse_hours(text)
    assert says in str(raised.value)


def test_a_readable_message_shows_the_right_form():
    with pytest.raises(HoursError, match="mon-fri 09:00-18:00; sat 10:00-14:00"):
        parse_hours("weekdays 9 to 6")
    with pytest.raises(HoursError, match="mon, tue, wed, thu, fri, sat, sun"):
        parse_hours("lun 09:00-18:00")


@pytest.mark.parametrize("holidays", ["16.12.2026", "2026-13-01", "2026-12-16; 2027-01-01", "tomorrow"])
def test_bad_holidays_are_refused(holidays):
    with pytest.raises(HoursError, match="holidays must be YYYY-MM-DD dates separated by commas"):
        parse_hours("24/7", holidays)


def test_hours_errors_are_value_errors():
    assert issubclass(HoursError, ValueError)


WEEKDAYS = parse_hours("mon-fri 09:00-18:00; sat 10:00-14:00", "2026-03-09")  # Monday 9 March: a holiday


@pytest.mark.parametrize(("moment", "open_"), [
    (datetime(2026, 3, 2, 8, 59, 59), False),  # Monday, just before opening
    (datetime(2026, 3, 2, 9, 0), True),  # the start is inclusive
    (datetime(2026, 3, 2, 17, 59, 59, 999999), True),
    (datetime(2026, 3, 2, 18, 0), False),  # the end is exclusive
    (datetime(2026, 3, 6, 12, 0), True),  # Friday
    (datetime(2026, 3, 7, 10, 0), True),  # Saturday's own hours
    (datetime(2026, 3, 7, 14, 0), False),
    (datetime(2026, 3, 8, 12, 0), False),  # Sunday: no rule
    (datetime(2026, 3, 9, 12, 0), False),  # a holiday on a Monday
    (datetime(2026, 3, 10, 12, 0), True),  # the day after the holiday
])
def test_is_open_at_the_edges(moment, open_):
    assert WEEKDAYS.is_open(moment) is open_


def test_holidays_close_even_a_round_the_clock_line():
    hours = parse_hours("24/7", "2026-12-16")
    assert not hours.is_open(datetime(2026, 12, 16, 12, 0))
    assert hours.is_open(datetime(2026, 12, 15, 23, 59))
    assert hours.is_open(datetime(2026, 12, 17, 0, 0))


def test_is_open_reads_the_wall_clock_it_is_given():
    """Hours are local time: the caller converts, the rule does not look at time zones."""
    hours = parse_hours("mon 09:00-10:00")
    assert hours.is_open(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    assert hours.is_open(datetime(2026, 3, 2, 9, 30))


def test_default_operating_hours_are_always_open():
    assert OperatingHours().is_open(datetime(2026, 1, 1, 0, 0))
