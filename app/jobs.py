"""The background job queue (Huey): SQLite storage by default, Redis when REDIS_URL is set."""

from __future__ import annotations

from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey


def make_huey(settings: dict) -> Huey:
    """A Huey for these settings; ``immediate`` (testing) runs tasks in-process at once."""
    name = "qorgau"
    immediate = bool(settings.get("TESTING"))
    if settings.get("REDIS_URL"):
        return RedisHuey(name, url=settings["REDIS_URL"], immediate=immediate)
    instance = Path(settings["INSTANCE_DIR"])
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(instance / "huey.db"), immediate=immediate)
