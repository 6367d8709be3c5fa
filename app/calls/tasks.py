"""Background jobs of the calls domain."""

from __future__ import annotations

from huey import Huey, crontab

from app.jobs import app_context


def register(huey: Huey) -> dict:
    @huey.periodic_task(crontab(minute="*/15"), name="calls.close_stale")
    def close_stale_calls() -> int:
        """Close calls whose final status callback never came (Twilio ends every call within 4 hours)."""
        from .services import close_stale_calls as close

        with app_context():
            return close()

    return {"close_stale_calls": close_stale_calls}
