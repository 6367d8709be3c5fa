"""Background jobs of operator presence."""

from __future__ import annotations

from huey import Huey, crontab

from app.jobs import app_context


def register(huey: Huey) -> dict:
    @huey.periodic_task(crontab(minute="*"), name="operators.away_without_console")
    def away_without_console() -> int:
        """Set away the available operators whose console has been closed for CONSOLE_AWAY_SECONDS."""
        from .services import away_without_console as sweep

        with app_context():
            return len(sweep())

    return {"away_without_console": away_without_console}
