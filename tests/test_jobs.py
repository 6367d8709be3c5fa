"""The job queue wiring: Huey on SQLite by default, on Redis with REDIS_URL; the worker's periodic sweep."""

from __future__ import annotations

import importlib
import os
import sys
from datetime import datetime, timedelta

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import select

import app as app_package
from app.calls.models import Call
from app.core.vocab import CallStatus
from app.db import db, utcnow
from app.jobs import make_huey

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def round_trip(huey) -> int:
    """Enqueue a task, take it off the queue as a consumer would, run it, return its result."""

    @huey.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    task = huey.dequeue()
    assert task is not None and task.id == result.id
    huey.execute(task)
    return result.get()


def test_sqlite_by_default_in_the_instance_folder(tmp_path):
    huey = make_huey({"INSTANCE_DIR": str(tmp_path / "instance"), "REDIS_URL": ""})
    assert isinstance(huey, SqliteHuey)
    assert not huey.immediate
    assert huey.storage.filename == str(tmp_path / "instance" / "huey.db")
    assert round_trip(huey) == 5
    assert (tmp_path / "instance" / "huey.db").is_file()


def test_redis_when_redis_url_is_set(tmp_path):
    huey = make_huey({"INSTANCE_DIR": str(tmp_path), "REDIS_URL": "redis://10.0.0.5:6380/3"})
    assert isinstance(huey, RedisHuey)
    pool = huey.storage.conn.connection_pool.connection_kwargs
    assert (pool["host"], pool["port"], pool["db"]) == ("10.0.0.5", 6380, 3)
    assert not (tmp_path / "huey.db").exists()


def test_huey_immediate_runs_tasks_at_once(tmp_path):
    huey = make_huey({"INSTANCE_DIR": str(tmp_path), "HUEY_IMMEDIATE": True})

    @huey.task()
    def double(x):
        return 2 * x

    assert huey.immediate
    assert double(21).get() == 42


@pytest.mark.skipif(not TEST_REDIS_URL, reason="set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to use a real Redis")
def test_a_task_goes_through_a_real_redis():
    huey = make_huey({"REDIS_URL": TEST_REDIS_URL, "INSTANCE_DIR": "unused"})
    huey.flush()  # a test database: leftovers of an interrupted run would come first
    try:
        assert round_trip(huey) == 5
    finally:
        huey.flush()


@pytest.fixture
def worker(monkeypatch, tmp_path):
    """``app.worker`` imported afresh, as ``huey_consumer app.worker.huey`` does, with its queue in tmp."""
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    # Whatever was imported before comes back afterwards (monkeypatch restores both).
    monkeypatch.delitem(sys.modules, "app.worker", raising=False)
    monkeypatch.delattr(app_package, "worker", raising=False)
    yield importlib.import_module("app.worker")
    sys.modules.pop("app.worker", None)
    vars(app_package).pop("worker", None)


def stale_call_sweeps(worker, minute: int) -> list:
    """The worker's stale-call sweeps due at 10:<minute>, as the consumer's scheduler would find them."""
    return [task for task in worker.huey.read_periodic(datetime(2026, 3, 2, 10, minute)) if "close_stale" in task.name]


def test_close_stale_calls_runs_every_quarter_hour(worker):
    assert isinstance(worker.huey, SqliteHuey)
    assert [len(stale_call_sweeps(worker, minute)) for minute in (0, 7, 15, 29, 30, 45)] == [1, 0, 1, 0, 1, 1]


def test_close_stale_calls_closes_calls_past_the_longest_call(worker, app, monkeypatch):
    monkeypatch.setattr(worker, "flask_app", lambda: app, raising=False)  # the worker's own app, if it builds one
    with app.app_context():
        for sid, age in (("CAold", timedelta(hours=5)), ("CAnew", timedelta(minutes=5))):
            db.session.add(Call(call_sid=sid, flow_id="helpline-111", ivr_state={}, status=CallStatus.IN_PROGRESS,
                                created_at=utcnow() - age))
        db.session.commit()

    [sweep] = stale_call_sweeps(worker, 0)
    with app.app_context():
        assert worker.huey.execute(sweep) == 1
        mine = select(Call.call_sid, Call.status).where(Call.call_sid.in_(["CAold", "CAnew"]))
        assert dict(db.session.execute(mine).all()) == {"CAold": CallStatus.COMPLETED, "CAnew": CallStatus.IN_PROGRESS}
