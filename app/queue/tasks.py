"""Background jobs of the queue."""

from __future__ import annotations

from huey import Huey, crontab

from app.jobs import app_context


def register(huey: Huey) -> dict:
    @huey.periodic_task(crontab(minute="*/5"), name="queue.expire_callbacks")
    def expire_callbacks() -> int:
        """Delete callback numbers past CALLBACK_HOURS (or after unanswered call-backs)."""
        from .services import expire_callbacks as expire

        with app_context():
            return expire()

    return {"expire_callbacks": expire_callbacks}
