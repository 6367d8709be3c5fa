"""Reading the fields of a page's query string (or form): dates, whole numbers and choices, each checked.

A page reads its fields one by one through a ``Fields``; one that cannot be read gives None and a message
in the reader's language naming it (``Fields.problems``), and the page answers 400 with its form as typed
(``web/_problems.html`` shows the messages).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta

from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from app.clock import helpline_zone
from app.core import parsing
from app.i18n import translate


class Fields:
    """The fields of one query string or form; ``label`` arguments are translation keys of the fields' names."""

    def __init__(self, values: MultiDict):
        self.values = values
        self.problems: list[str] = []

    def _text(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def _wrong(self, key: str, label: str, **values) -> None:
        self.problems.append(translate(key, field=translate(label), **values))

    def day(self, name: str, label: str) -> date | None:
        """A date (YYYY-MM-DD); None when absent or wrong."""
        text = self._text(name)
        try:
            return parsing.calendar_day(text) if text else None
        except ValueError:
            self._wrong("field_wrong_date", label, earliest=parsing.EARLIEST_DAY.year,
                        latest=parsing.LATEST_DAY.year)
            return None

    def moment(self, name: str, label: str, *, end: bool = False) -> datetime | None:
        """A local date (the whole day) or date and time in the helpline's time zone, as an aware moment.

        As the end of a range (``end``) a date reaches to the end of its day and a time to the end of its
        minute: "until 12:30" includes 12:30.
        """
        text = self._text(name)
        if not text:
            return None
        zone = helpline_zone()
        try:
            if len(text) == 10:
                day = parsing.calendar_day(text)
                return datetime.combine(day + timedelta(days=1) if end else day, time(), zone)
            moment = parsing.day_and_time(text).replace(tzinfo=zone)
        except ValueError:
            self._wrong("field_wrong_moment", label, earliest=parsing.EARLIEST_DAY.year,
                        latest=parsing.LATEST_DAY.year)
            return None
        return moment + timedelta(minutes=1) if end and moment.second == 0 else moment

    def number(self, name: str, label: str, default: int | None = None, *, smallest: int = 1,
               largest: int = parsing.LARGEST_INTEGER) -> int | None:
        """A whole number from ``smallest`` to ``largest``; ``default`` when absent or wrong."""
        text = self._text(name)
        try:
            return parsing.whole_number(text, smallest, largest) if text else default
        except ValueError:
            self._wrong("field_wrong_number", label, smallest=smallest, largest=largest)
            return default

    def choice(self, name: str, label: str, allowed: Collection[str]) -> str:
        """One of ``allowed``, or "" (any) when absent or wrong."""
        text = self._text(name)
        if text and text not in allowed:
            self._wrong("field_wrong_choice", label)
            return ""
        return text


class RowId(IntegerConverter):
    """``<int:…>`` in a route: no larger than a database column holds (a larger number names no page: 404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", parsing.LARGEST_INTEGER)
        super().__init__(map, *args, **kwargs)
