"""The worker's entry point: ``huey_consumer app.worker.huey`` (the Procfile's ``worker:`` line).

Tasks run inside an app context of an app built once per worker process; on start-up the worker
re-sends recording jobs that were committed but never finished (a previous worker may have died).
"""

from __future__ import annotations

import functools

from app.config import load_settings, resolve_paths
from app.jobs import make_huey, register_tasks
from app.private_files import make_private

settings = load_settings()
resolve_paths(settings)
make_private(settings)  # before the job queue's file is opened: umask 077, existing files made private
huey = make_huey(settings)
tasks = register_tasks(huey)


@functools.cache
def flask_app():
    from app import create_app

    return create_app()


@huey.on_startup()
def sweep_on_start() -> None:
    from app.recordings.services import sweep

    with flask_app().app_context():
        sweep()
