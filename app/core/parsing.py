"""Reading whole numbers and dates typed by people (filters) or sent by machines (webhooks), within what we keep.

Each reader returns the value or raises ValueError; the callers turn that into a 400 naming the field.
"""

from __future__ import annotations

from datetime import date, datetime

LARGEST_INTEGER = 2**31 - 1  # the largest integer both databases keep in an INTEGER column
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)  # days a filter may name: no overflow at either end


def whole_number(text: str, smallest: int = 0, largest: int = LARGEST_INTEGER) -> int:
    """A decimal integer of ASCII digits between ``smallest`` and ``largest``.

    ``int()`` alone would also take "١٢", " 7", "+7" or "1_000", and numbers no column can hold.
    """
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 12):
        raise ValueError(f"not a whole number: {text!r}")
    number = int(text)
    if not smallest <= number <= largest:
        raise ValueError(f"not between {smallest} and {largest}: {number}")
    return number


def calendar_day(text: str) -> date:
    """A date written YYYY-MM-DD, from ``EARLIEST_DAY`` to ``LATEST_DAY``."""
    if len(text) != 10 or not text.isascii():
        raise ValueError(f"not a date: {text!r}")
    return _within(date.fromisoformat(text))


def day_and_time(text: str) -> datetime:
    """A date and time written YYYY-MM-DDTHH:MM (or with seconds), naive, in the same range of days."""
    if not (16 <= len(text) <= 19 and text.isascii() and text[10] in "T "):
        raise ValueError(f"not a date and time: {text!r}")
    moment = datetime.fromisoformat(text)
    _within(moment.date())
    return moment


def _within(day: date) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"not between {EARLIEST_DAY} and {LATEST_DAY}: {day}")
    return day
