"""The background job queue (Huey): SQLite storage by default, Redis when REDIS_URL is set."""

from __future__ import annotations

import contextlib
from pathlib import Path

from flask import current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey


def make_huey(settings: dict) -> Huey:
    """A Huey for these settings; ``HUEY_IMMEDIATE`` runs tasks in-process at once (for tests)."""
    name = "qorgau"
    immediate = bool(settings.get("HUEY_IMMEDIATE"))
    if settings.get("REDIS_URL"):
        return RedisHuey(name, url=settings["REDIS_URL"], immediate=immediate)
    instance = Path(settings["INSTANCE_DIR"])
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(instance / "huey.db"), immediate=immediate)


def register_tasks(huey: Huey) -> dict:
    """Define every domain's tasks on ``huey``; returns the task handles by name."""
    from app.callbacks.tasks import register as callbacks_tasks
    from app.calls.tasks import register as calls_tasks
    from app.operators.tasks import register as operators_tasks
    from app.recordings.tasks import register as recordings_tasks

    return {**calls_tasks(huey), **callbacks_tasks(huey), **recordings_tasks(huey), **operators_tasks(huey)}


@contextlib.contextmanager
def app_context():
    """The current app (immediate mode, CLI) or the worker's own app, built once per process."""
    if has_app_context():
        yield current_app
        return
    from app.worker import flask_app

    with flask_app().app_context():
        yield current_app
