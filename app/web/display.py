"""How the consoles show things: labels in the reader's language, times in the helpline's time zone."""

from __future__ import annotations

from datetime import datetime

from app.cases.taxonomy import taxonomy
from app.clock import helpline_time
from app.i18n import current_language, translate


def local(moment: datetime | None) -> datetime | None:
    return helpline_time(moment) if moment is not None else None


def category_label(code: str | None) -> str:
    """The IVR's category of a caller: a taxonomy category, or one of the IVR's own (child, cannot_talk…)."""
    if not code:
        return "—"
    if taxonomy().category(code) is not None:
        return taxonomy().label(code, current_language())
    key = f"console_category_{code}"
    text = translate(key)
    return code if text == key else text


def outcome_label(outcome) -> str:
    """A case outcome's label in the reader's language."""
    return taxonomy().term(outcome, current_language()) if outcome is not None else ""


def language_label(code: str | None) -> str:
    return translate(f"console_language_{code}") if code in ("kk", "ru") else translate("console_language_unknown")


def line_error(key: str, code: int | None = None) -> str:
    """Why connecting a contact failed, in the reader's language, with the provider's error code if any."""
    text = translate(key)
    return translate("line_error_with_code", error=text, code=code) if code is not None else text


def clock(moment: datetime | None) -> str:
    """Hours and minutes in the helpline's time zone: what a page without JavaScript shows for a timer."""
    return local(moment).strftime("%H:%M") if moment is not None else ""


def epoch_ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment is not None else 0


def duration(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``, as the browser's timers show it."""
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
