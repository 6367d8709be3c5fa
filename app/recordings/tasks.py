"""Background jobs of the recordings pipeline. They take ids, are idempotent, and are sent after commit."""

from __future__ import annotations

from huey import Huey, crontab

from app.jobs import app_context


def register(huey: Huey):
    """Define the pipeline's tasks on a Huey instance; returns the task handles by name."""

    @huey.task(retries=3, retry_delay=30, context=False, name="recordings.process")
    def process_recording(recording_id: int) -> str:
        """Download, keep, delete at Twilio, transcribe: each stage skipped when already done."""
        from . import services

        with app_context():
            return services.process(recording_id).value

    @huey.periodic_task(crontab(minute="*"), name="recordings.sweep")
    def sweep() -> int:
        """Re-send jobs that were committed but never finished (a worker died, the queue was down)."""
        from . import services

        with app_context():
            return services.sweep()

    return {"process_recording": process_recording, "sweep": sweep}
