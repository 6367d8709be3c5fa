"""Line rules: who is answered first, how long a contact will wait, when the line is open, what an operator holds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from .vocab import Channel, Priority

DEFAULT_HANDLE_TIME = timedelta(minutes=6)  # before the line has any history of its own
WAIT_BANDS = (1, 2, 5, 10, 15)  # minutes the wait is rounded up to when spoken ("about 5 minutes")


@dataclass(frozen=True)
class Waiting:
    """A caller in line, as the ordering rule sees them."""

    id: int
    priority: Priority
    enqueued_at: datetime


def order_key(caller: Waiting) -> tuple:
    """Priority first (can't talk / danger, then children, then the rest), then first come first served."""
    return (caller.priority.rank, caller.enqueued_at, caller.id)


def in_order(callers: list[Waiting]) -> list[Waiting]:
    return sorted(callers, key=order_key)


def position(callers: list[Waiting], caller_id: int) -> int | None:
    """1-based place in line, or None if the caller is not waiting."""
    for place, caller in enumerate(in_order(callers), start=1):
        if caller.id == caller_id:
            return place
    return None


def estimate_wait(place: int, recent_handle_times: list[timedelta], operators_on_duty: int) -> timedelta:
    """Expected wait for the caller at ``place``: callers ahead times the mean handling time, shared by operators."""
    handle = (sum(recent_handle_times, timedelta()) / len(recent_handle_times)) if recent_handle_times else DEFAULT_HANDLE_TIME
    return (place - 1) * handle / max(operators_on_duty, 1) + timedelta(seconds=30)


def wait_band(wait: timedelta) -> int | None:
    """The spoken band in minutes (1, 2, 5, 10, 15), or None for "more than 15 minutes"."""
    minutes = wait.total_seconds() / 60
    for band in WAIT_BANDS:
        if minutes <= band:
            return band
    return None


# --- how much an operator holds at once ------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """The contacts an operator holds now (taken, their case not closed yet), by channel."""

    calls: int = 0
    chats: int = 0


def has_room(channel: Channel, load: Load, chats_per_operator: int) -> bool:
    """One call at a time (a voice needs the operator's ear); besides it, up to ``chats_per_operator`` chats."""
    if channel is Channel.PHONE:
        return load.calls == 0
    return load.chats < chats_per_operator


# --- operating hours -----------------------------------------------------------------------------

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?)\s+(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})$")


class HoursError(ValueError):
    """An operating-hours setting that cannot be read; the message shows the right form."""


@dataclass(frozen=True)
class OperatingHours:
    """When operators answer: weekly opening times (local time) and holidays; "24/7" is always open."""

    always: bool = True
    weekly: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    def is_open(self, local_now: datetime) -> bool:
        if local_now.date() in self.holidays:
            return False
        if self.always:
            return True
        now = local_now.time()
        return any(start <= now < end for start, end in self.weekly.get(local_now.weekday(), ()))


def parse_hours(text: str, holidays: str = "") -> OperatingHours:
    """Read e.g. ``"mon-fri 09:00-18:00; sat 10:00-14:00"`` (or ``"24/7"``) and ``"2026-12-16, 2027-01-01"``."""
    try:
        days_off = frozenset(date.fromisoformat(d.strip()) for d in holidays.split(",") if d.strip())
    except ValueError as error:
        raise HoursError(f"holidays must be YYYY-MM-DD dates separated by commas: {error}") from None
    text = text.strip().lower()
    if text in ("", "24/7"):
        return OperatingHours(always=True, holidays=days_off)
    weekly: dict[int, list[tuple[time, time]]] = {}
    for rule in filter(None, (part.strip() for part in text.split(";"))):
        match = _RULE.match(rule)
        if not match:
            raise HoursError(f"cannot read {rule!r}: write e.g. 'mon-fri 09:00-18:00; sat 10:00-14:00' or '24/7'")
        first, _, last = match["days"].partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise HoursError(f"unknown day in {rule!r}: use {', '.join(_DAYS)}")
        if last and _DAYS.index(last) < _DAYS.index(first):  # range() would silently give no days at all
            raise HoursError(f"{rule!r}: days run mon to sun; split a range across the weekend in two rules")
        try:
            start, end = time.fromisoformat(match["start"]), time.fromisoformat(match["end"])
        except ValueError as error:  # e.g. 25:00: time's own message does not say which rule
            raise HoursError(f"{rule!r}: times are HH:MM from 00:00 to 23:59 ({error})") from None
        if end <= start:
            raise HoursError(f"{rule!r}: the end must come after the start")
        for day in range(_DAYS.index(first), _DAYS.index(last or first) + 1):
            weekly.setdefault(day, []).append((start, end))
    return OperatingHours(always=False, weekly={d: tuple(v) for d, v in weekly.items()}, holidays=days_off)


# Prompts the wait loop speaks; every flow with a queue must have them (names are part of the flow schema).
POSITION_PROMPTS = tuple(f"queue_position_{n}" for n in range(1, 10)) + ("queue_position_many",)
WAIT_PROMPTS = tuple(f"queue_wait_{band}" for band in WAIT_BANDS) + ("queue_wait_long",)
OPTION_PROMPTS = ("queue_options", "queue_long_wait", "callback_confirmed", "callback_exists",
                  "callback_unavailable")
QUEUE_PROMPTS = POSITION_PROMPTS + WAIT_PROMPTS + OPTION_PROMPTS


def position_prompt(place: int) -> str:
    return f"queue_position_{place}" if place < 10 else "queue_position_many"


def wait_prompt(wait: timedelta) -> str:
    band = wait_band(wait)
    return f"queue_wait_{band}" if band else "queue_wait_long"
