"""The helpline's clock: times are stored in UTC; days and hours are the helpline's (``TIMEZONE``)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from app.core.referrals import local_today
from app.db import utcnow


def helpline_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def helpline_time(moment: datetime) -> datetime:
    """An aware moment as the helpline's wall-clock time."""
    return moment.astimezone(helpline_zone())


def helpline_today(now: datetime | None = None) -> date:
    """The helpline's date now (or at ``now``)."""
    return local_today(now or utcnow(), helpline_zone())
