"""Many operators picking at once, against the live database: no caller is ever given to two of them.

Threads each push their own app context (so each has its own session and connection); the process test
spawns interpreters that build their own app on the same database. Whatever the database the suite runs
on (SQLite by default, PostgreSQL with TEST_DATABASE_URL/DATABASE_URL), the same rules must hold:
every pick returns a distinct entry, the database agrees with what each operator was told, the number
picked is min(callers, picks), and the callers picked are exactly the head of the line.
"""

from __future__ import annotations

import multiprocessing
import queue as stdlib_queue
from collections import Counter

import pytest

from app.db import db
from app.queue import services as line

from .helpers import add_callers, add_operators, assignments, pick_next, process_picker, race

OPERATORS = 20
CALLERS = 100


@pytest.fixture
def pool_app(make_app):
    """An app whose connection pool lets every operator thread hold a connection at once."""
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": OPERATORS + 2, "max_overflow": 5, "pool_timeout": 30})


def seed(app, callers: int, operators: int) -> tuple[list[int], list[int]]:
    with app.app_context():
        return add_callers(callers), add_operators(operators)


def check_assignments(app, line_order: list[int], told: dict[int, list[int]]) -> None:
    """What operators were told matches the table; nobody got a caller twice; the head of the line was served."""
    picked = [entry_id for entries in told.values() for entry_id in entries]
    doubles = [entry_id for entry_id, n in Counter(picked).items() if n > 1]
    assert doubles == [], "callers given to more than one operator"
    with app.app_context():
        in_table = assignments()
        still_waiting = [e.id for e in line.waiting()]
    assert in_table == {entry_id: operator for operator, entries in told.items() for entry_id in entries}
    assert sorted(picked) == sorted(line_order[:len(picked)]), "a caller was passed over for one behind them"
    assert still_waiting == line_order[len(picked):]


@pytest.mark.parametrize("picks_each", [None, 3, 10], ids=["until-empty", "fewer-picks-than-callers", "more-picks"])
def test_many_operators_picking_next_never_share_a_caller(pool_app, picks_each):
    line_order, operators = seed(pool_app, CALLERS, OPERATORS)
    results = race(pool_app, operators, lambda operator_id: pick_next(operator_id, picks_each))
    told = dict(zip(operators, results, strict=True))
    offered = CALLERS if picks_each is None else OPERATORS * picks_each
    assert sum(map(len, results)) == min(CALLERS, offered)
    check_assignments(pool_app, line_order, told)


def test_everyone_racing_for_the_same_caller_exactly_one_wins(pool_app):
    line_order, operators = seed(pool_app, 10, OPERATORS)
    for target in line_order:
        def grab(operator_id: int, target: int = target):
            try:
                return line.pick(operator_id, target).id
            except line.ClaimError:
                return None

        results = race(pool_app, operators, grab)
        winners = [operator for operator, got in zip(operators, results, strict=True) if got is not None]
        assert len(winners) == 1, f"entry {target} given to {len(winners)} operators"
        assert results.count(target) == 1
        with pool_app.app_context():
            entry = line.entry(target)
            assert entry.operator_id == winners[0]
            db.session.remove()
    with pool_app.app_context():
        assert line.count_waiting() == 0


def test_picking_next_and_specific_callers_at_once(pool_app):
    """Half the operators take the next caller, half go for the callers at the back of the line."""
    line_order, operators = seed(pool_app, 40, OPERATORS)
    back = list(reversed(line_order))

    def work(operator_id: int) -> list[int]:
        if operators.index(operator_id) % 2:
            return pick_next(operator_id)
        got = []
        for entry_id in back:
            try:
                got.append(line.pick(operator_id, entry_id).id)
            except line.ClaimError:
                continue
        return got

    told = dict(zip(operators, race(pool_app, operators, work), strict=True))
    picked = [entry_id for entries in told.values() for entry_id in entries]
    assert sorted(picked) == sorted(line_order)
    with pool_app.app_context():
        assert assignments() == {entry_id: operator for operator, entries in told.items() for entry_id in entries}
        assert line.count_waiting() == 0


def test_operators_in_separate_processes_never_share_a_caller(app, base_config):
    """Real processes (spawned: each its own interpreter, app, engine) on the same database."""
    postgres = base_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    processes, callers = (4, 100) if postgres else (3, 30)  # SQLite: writers queue on the file lock
    line_order, operators = seed(app, callers, processes)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=process_picker, args=(base_config, operator_id, start, results), daemon=True)
               for operator_id in operators]
    for worker in workers:
        worker.start()
    try:
        reports = [results.get(timeout=60) for _ in workers]
    except stdlib_queue.Empty:
        pytest.fail("a picking process did not report within 60 s")
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
        results.close()
        results.join_thread()
    assert [error for _, _, error in reports if error] == []
    assert all(worker.exitcode == 0 for worker in workers)
    told = {operator: entries for operator, entries, _ in reports}
    assert sum(map(len, told.values())) == callers
    check_assignments(app, line_order, told)
