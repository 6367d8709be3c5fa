"""The helpline's day as tests need it: date filters and due dates are days where the helpline is."""

from __future__ import annotations

from datetime import date

from app.clock import helpline_today


def helpline_day(app) -> date:
    """Today in the app's ``TIMEZONE``, not the machine's (the two differ for hours every day)."""
    with app.app_context():
        return helpline_today()
