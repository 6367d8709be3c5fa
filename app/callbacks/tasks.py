"""Background jobs of the call-backs."""

from __future__ import annotations

from huey import Huey, crontab

from app.jobs import app_context


def register(huey: Huey) -> dict:
    @huey.periodic_task(crontab(minute="*/5"), name="callbacks.expire")
    def expire_callbacks() -> int:
        """Delete callback numbers past CALLBACK_HOURS (or after unanswered call-backs)."""
        from .services import expire_due

        with app_context():
            return expire_due()

    return {"expire_callbacks": expire_callbacks}
