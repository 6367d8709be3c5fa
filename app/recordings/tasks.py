"""Background jobs of the recordings pipeline. They take ids, are idempotent, and are sent after commit."""

from __future__ import annotations

import contextlib
import logging

from flask import current_app, has_app_context
from huey import Huey, crontab

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _app_context():
    """The current app (immediate mode, CLI) or the worker's own app, built once per process."""
    if has_app_context():
        yield current_app
        return
    from app.worker import flask_app

    with flask_app().app_context():
        yield current_app


def register(huey: Huey):
    """Define the pipeline's tasks on a Huey instance; returns the task handles by name."""

    @huey.task(retries=3, retry_delay=30, context=False, name="recordings.process")
    def process_recording(recording_id: int) -> str:
        """Download, keep, delete at Twilio, transcribe: each stage skipped when already done."""
        from . import services

        with _app_context():
            return services.process(recording_id).value

    @huey.periodic_task(crontab(minute="*"), name="recordings.sweep")
    def sweep() -> int:
        """Re-send jobs that were committed but never finished (a worker died, the queue was down)."""
        from . import services

        with _app_context():
            return services.sweep()

    return {"process_recording": process_recording, "sweep": sweep}
