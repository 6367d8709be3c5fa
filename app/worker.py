"""The worker's entry point: ``huey_consumer app.worker.huey`` (the Procfile's ``worker:`` line).

Tasks run inside an app context of an app built once per worker process.
"""

from __future__ import annotations

import functools

from huey import crontab

from app.config import load_settings
from app.jobs import make_huey

huey = make_huey(load_settings())


@functools.cache
def flask_app():
    from app import create_app

    return create_app()


@huey.periodic_task(crontab(minute="*/15"))
def close_stale_calls() -> int:
    """Close calls whose final status callback never came (Twilio ends every call within 4 hours)."""
    from app.calls.services import close_stale_calls as close

    with flask_app().app_context():
        return close()
