"""Pick benchmark: many operators taking callers off the line at once, the app's pick against a bare claim.

20 operators (``--operators``), each a separate **process** (spawned: its own interpreter, app and
connection), wait at a barrier; then each picks the next caller until the line of 500 (``--callers``)
is empty. Processes rather than threads because the app's pick spends much of its time in Python
(loading the line through the ORM), and threads would share one GIL: they would measure the
interpreter's lock, not the database's; production runs gunicorn workers, which are processes too.

Three loops run in the same run, on the same database, with the same operators, in turn:
- ``select``: a plain ``SELECT id … ORDER BY … LIMIT 1`` and no update, as many times as there are
  callers: the cost of one round trip and nothing else (the floor; it assigns nobody);
- ``claim``: the textbook claim, one statement: ``UPDATE … WHERE id = (SELECT id … ORDER BY … LIMIT 1
  FOR UPDATE SKIP LOCKED) AND state = 'waiting' RETURNING id`` (SQLite: without the lock clause; its
  writers are serialised anyway) and a commit, until it returns nothing;
- ``app``: ``app.queue.services.pick(operator_id)`` in an app context, until ``ClaimError``.

Afterwards the table is checked against what every operator was told: an entry returned to two
operators, or assigned in the table to another operator than the one told, is a double assignment.
Goals: 0 doubles, p99 < 20 ms. Prints, never asserts. See bench/README.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin/ when run as .venv/bin/python bench/pick.py

GOAL_P99_MS = 20.0
MODES = ("select", "claim", "app")


# --- the operators (each in its own process) -------------------------------------------------------


def operator_process(config: dict, operator_id: int, commands, results, start) -> None:
    """Build the app once, then run each loop the parent asks for, released with the others by the barrier."""
    from sqlalchemy import event, select, text

    from app import create_app
    from app.db import db

    app = create_app(config)
    with app.app_context():
        updates = [0]

        @event.listens_for(db.engine, "before_cursor_execute")
        def count_updates(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("UPDATE QUEUE_ENTRIES"):
                updates[0] += 1

        db.session.execute(select(1))  # connect now: the race is about picking, not connecting
        db.session.rollback()
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        results.put(("ready", operator_id))
        while (command := commands.get()) is not None:
            mode, quota = command
            updates[0] = 0
            start.wait(timeout=120)
            began = time.monotonic()
            got, latencies, errors = LOOPS[mode](operator_id, quota)
            results.put(Report(operator_id, mode, got, latencies, errors, began, time.monotonic(), updates[0]))
            db.session.remove()
        db.engine.dispose()


def loop_select(operator_id: int, quota: int):
    """The floor: read the head of the line ``quota`` times, assign nobody."""
    from app.db import db

    latencies, errors = [], []
    statement = head_of_line(lock=False)
    with db.engine.connect() as connection:
        for _ in range(quota):
            began = time.perf_counter()
            try:
                connection.execute(statement).scalar()
                connection.commit()
            except Exception as error:  # counted and printed: a benchmark reports failures, it does not stop
                connection.rollback()
                errors.append(type(error).__name__ + ": " + str(error).splitlines()[0])
                continue
            latencies.append(time.perf_counter() - began)
    return [], latencies, errors


def loop_claim(operator_id: int, quota: int | None):
    """The baseline claim: one statement takes the head of the line (skipping rows others are taking).

    Until the line is empty, or ``quota`` picks.
    """
    from sqlalchemy import update

    from app.db import db, utcnow
    from app.queue.models import EntryState, QueueEntry

    got, latencies, errors = [], [], []
    with db.engine.connect() as connection:
        lock = connection.dialect.name == "postgresql"
        while quota is None or len(got) < quota:
            claim = (update(QueueEntry)
                     .where(QueueEntry.id == head_of_line(lock=lock).scalar_subquery(),
                            QueueEntry.state == EntryState.WAITING)
                     .values(state=EntryState.ASSIGNED, operator_id=operator_id, picked_at=utcnow())
                     .returning(QueueEntry.id))
            began = time.perf_counter()
            try:
                entry_id = connection.execute(claim).scalar()
                connection.commit()
            except Exception as error:
                connection.rollback()
                errors.append(type(error).__name__ + ": " + str(error).splitlines()[0])
                if len(errors) > 50:
                    break
                continue
            if entry_id is None:
                break
            latencies.append(time.perf_counter() - began)
            got.append(entry_id)
    return got, latencies, errors


def loop_app(operator_id: int, quota: int | None):
    """The app's own pick, as the console calls it, until the line is empty (or ``quota`` picks)."""
    from app.db import db
    from app.queue import services as line

    got, latencies, errors = [], [], []
    while quota is None or len(got) < quota:
        began = time.perf_counter()
        try:
            entry = line.pick(operator_id)
        except line.ClaimError:
            break
        except Exception as error:
            db.session.rollback()
            errors.append(type(error).__name__ + ": " + str(error).splitlines()[0])
            if len(errors) > 50:
                break
            continue
        latencies.append(time.perf_counter() - began)
        got.append(entry.id)
    return got, latencies, errors


LOOPS = {"select": loop_select, "claim": loop_claim, "app": loop_app}


def head_of_line(lock: bool):
    """The first caller in line, in the app's order (priority, arrival, id)."""
    from sqlalchemy import select

    from app.queue.models import EntryState, QueueEntry

    statement = (select(QueueEntry.id).where(QueueEntry.state == EntryState.WAITING)
                 .order_by(QueueEntry.priority_rank, QueueEntry.enqueued_at, QueueEntry.id).limit(1))
    return statement.with_for_update(skip_locked=True) if lock else statement


@dataclass
class Report:
    """What one operator did in one loop."""

    operator_id: int
    mode: str
    got: list[int]
    latencies: list[float]
    errors: list[str]
    began: float
    ended: float
    updates: int


# --- the database --------------------------------------------------------------------------------


class Database:
    """A SQLite file in the temp dir, or a scratch PostgreSQL database created here and dropped at the end."""

    def __init__(self, kind: str, tmp: Path, pg_server: str, pg_name: str):
        self.kind, self.pg_server, self.pg_name = kind, pg_server.rstrip("/"), pg_name
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp / 'qorgau-pick.db'}"
        else:
            self.url = f"{self.pg_server}/{pg_name}"
            self._admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)', f'CREATE DATABASE "{pg_name}"')

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.pg_server}/postgres", autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def migrate(self, tmp: Path) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("QORGAU_", "FLASK_"))}
        env.update({"DATABASE_URL": self.url, "INSTANCE_DIR": str(tmp / "instance"), "QORGAU_ENV": "development",
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))})
        done = subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade", "heads"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"migration failed:\n{done.stdout}\n{done.stderr}")

    def drop(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def seed(app, callers: int) -> None:
    """An empty line, then ``callers`` waiting callers of mixed priorities, a second apart in arrival."""
    from sqlalchemy import delete, insert

    from app.calls.models import Call
    from app.core.vocab import CallStatus, IvrOutcome, Priority
    from app.db import db, utcnow
    from app.queue.models import EntryState, QueueEntry

    priorities = (Priority.STANDARD, Priority.CHILD, Priority.URGENT)
    now = utcnow()
    with app.app_context():
        db.session.execute(delete(QueueEntry))
        db.session.execute(delete(Call))
        call_ids = db.session.scalars(insert(Call).returning(Call.id, sort_by_parameter_order=True), [
            {"call_sid": "CA" + secrets.token_hex(16), "flow_id": "helpline-111", "language": "kk",
             "status": CallStatus.IN_PROGRESS, "ivr_outcome": IvrOutcome.ENQUEUED, "ivr_state": {"node": "family"},
             "seq": 0, "last_twiml": "", "created_at": now, "updated_at": now}
            for _ in range(callers)]).all()
        db.session.execute(insert(QueueEntry), [
            {"call_id": call_id, "priority": priorities[n % 3], "priority_rank": priorities[n % 3].rank,
             "category": "family", "language": "kk", "state": EntryState.WAITING,
             "enqueued_at": now - timedelta(seconds=callers - n)}
            for n, call_id in enumerate(call_ids)])
        db.session.commit()
        db.session.remove()


def add_operators(app, count: int) -> list[int]:
    from app.auth.models import Role, User
    from app.db import db

    with app.app_context():
        users = [User(username=f"bench-op{n}", role=Role.OPERATOR, password_hash="!") for n in range(count)]
        db.session.add_all(users)
        db.session.commit()
        ids = [user.id for user in users]
        db.session.remove()
    return ids


def check(app, reports: list[Report], callers: int) -> dict:
    """Compare what operators were told with the table: doubles, callers assigned to nobody told, callers left."""
    from sqlalchemy import func, select

    from app.db import db
    from app.queue.models import EntryState, QueueEntry

    told = [(entry_id, r.operator_id) for r in reports for entry_id in r.got]
    returned = Counter(entry_id for entry_id, _ in told)
    with app.app_context():
        table = dict(db.session.execute(
            select(QueueEntry.id, QueueEntry.operator_id).where(QueueEntry.operator_id.is_not(None))).all())
        left = db.session.scalar(select(func.count()).select_from(QueueEntry)
                                 .where(QueueEntry.state == EntryState.WAITING))
        db.session.remove()
    doubles = sum(n - 1 for n in returned.values() if n > 1)
    doubles += sum(1 for entry_id, operator in told if returned[entry_id] == 1 and table.get(entry_id) != operator)
    untold = sum(1 for entry_id in table if entry_id not in returned)  # assigned in the table, nobody knows
    return {"doubles": doubles, "untold": untold, "left": left, "picked": len(told), "callers": callers}


# --- the run -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def run_database(kind: str, args) -> dict:
    from app import create_app
    from app.db import db

    tmp = Path(tempfile.mkdtemp(prefix="qorgau-pick-"))
    database = Database(kind, tmp, args.pg_server, args.pg_name)
    try:
        database.migrate(tmp)
        config = {"QORGAU_ENV": "testing", "TESTING": True, "INSTANCE_DIR": str(tmp / "instance"),
                  "SECRET_KEY": "bench-secret", "CALLER_HASH_KEY": "bench-caller-hash", "TWILIO_SIMULATOR": False}
        from app.config import _database_url

        config["SQLALCHEMY_DATABASE_URI"] = _database_url(database.url, tmp / "instance")
        app = create_app(config)
        operators = add_operators(app, args.operators)
        context = multiprocessing.get_context("spawn")
        start, results = context.Barrier(args.operators + 1), context.Queue()
        commands = [context.Queue() for _ in operators]
        workers = [context.Process(target=operator_process, args=(config, operator, queue, results, start),
                                   daemon=True) for operator, queue in zip(operators, commands, strict=True)]
        for worker in workers:
            worker.start()
        try:
            for _ in workers:
                results.get(timeout=180)  # "ready"
            figures = {mode: {"latencies": [], "wall": 0.0, "picks": 0, "errors": [], "updates": 0,
                              "checks": []} for mode in MODES}
            for _ in range(args.rounds):
                for mode in MODES:  # in turn, so other load on the machine falls on every loop alike
                    seed(app, args.callers)
                    quota = -(-args.callers // args.operators)  # the select loop's reads per operator
                    for queue in commands:
                        queue.put((mode, quota if mode == "select" else None))
                    start.wait(timeout=120)
                    reports = [results.get(timeout=300) for _ in workers]
                    f = figures[mode]
                    f["wall"] += max(r.ended for r in reports) - min(r.began for r in reports)
                    f["latencies"] += [x for r in reports for x in r.latencies]
                    f["picks"] += sum(len(r.latencies) for r in reports)
                    f["errors"] += [e for r in reports for e in r.errors]
                    f["updates"] += sum(r.updates for r in reports)
                    if mode != "select":
                        f["checks"].append(check(app, reports, args.callers))
            # One operator alone (this process), the same line: what a pick costs without anyone to race.
            quota = -(-args.callers // args.operators)
            for mode in ("claim", "app"):
                seed(app, args.callers)
                with app.app_context():
                    figures[f"{mode} x1"] = LOOPS[mode](operators[0], quota)[1]
                    db.session.remove()
            for queue in commands:
                queue.put(None)
        finally:
            for worker in workers:
                worker.join(timeout=30)
                if worker.is_alive():
                    worker.terminate()
            with app.app_context():
                db.engine.dispose()
        return figures
    finally:
        database.drop()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat (Linux); (0, 0) elsewhere."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def report(kind: str, figures: dict, args, machine: str) -> None:
    print(f"\n{kind}: {args.operators} operators (processes), {args.callers} waiting callers, "
          f"{args.rounds} rounds of each loop, {os.cpu_count()} CPUs; {machine}")
    print("  loop     picks/s   p50 ms   p99 ms   max ms  picks  UPDATEs/pick  errors  doubles  untold  left")
    print("  " + "-" * 96)
    for mode in MODES:
        f = figures[mode]
        ms = [x * 1000 for x in f["latencies"]]
        rate = f["picks"] / f["wall"] if f["wall"] else float("nan")
        checks = f["checks"]
        doubles = sum(c["doubles"] for c in checks) if checks else "-"
        untold = sum(c["untold"] for c in checks) if checks else "-"
        left = sum(c["left"] for c in checks) if checks else "-"
        per_pick = f"{f['updates'] / f['picks']:.2f}" if mode != "select" and f["picks"] else "-"
        print(f"  {mode:<7}{rate:9.0f} {percentile(ms, 50):8.2f} {percentile(ms, 99):8.2f} "
              f"{max(ms, default=float('nan')):8.1f} {f['picks']:6d}  {per_pick:>12}  {len(f['errors']):6d}"
              f"  {doubles!s:>7}  {untold!s:>6}  {left!s:>4}")
    app, claim, floor = figures["app"], figures["claim"], figures["select"]
    app_ms = [x * 1000 for x in app["latencies"]]
    p99 = percentile(app_ms, 99)
    doubles = sum(c["doubles"] for c in app["checks"])
    rate = {m: figures[m]["picks"] / figures[m]["wall"] if figures[m]["wall"] else float("nan") for m in MODES}
    print(f"  app doubles = {doubles}   goal 0: {'PASS' if doubles == 0 else 'FAIL'}"
          f"     app p99 = {p99:.1f} ms   goal < {GOAL_P99_MS:.0f} ms: {'PASS' if p99 < GOAL_P99_MS else 'FAIL'}")
    print(f"  app/claim picks/s = {rate['app'] / rate['claim']:.2f}x   app/claim p50 = "
          f"{percentile(app_ms, 50) / percentile([x * 1000 for x in claim['latencies']], 50):.1f}x   "
          f"claim/select p50 = {percentile([x * 1000 for x in claim['latencies']], 50) / percentile([x * 1000 for x in floor['latencies']], 50):.1f}x")
    for mode in ("claim", "app"):
        ms = [x * 1000 for x in figures[f"{mode} x1"]]
        print(f"  {mode} alone: one operator, {args.callers} in line: p50 {percentile(ms, 50):.2f} ms, "
              f"p99 {percentile(ms, 99):.2f} ms over {len(ms)} picks")
    for mode in MODES:
        for error, n in Counter(figures[mode]["errors"]).most_common(3):
            print(f"  {mode} error x{n}: {error[:150]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--operators", type=int, default=20, help="concurrent operators, one process each")
    parser.add_argument("--callers", type=int, default=500, help="waiting callers at the start of each loop")
    parser.add_argument("--rounds", type=int, default=3, help="times each loop runs (in turn with the others)")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (a superuser: the scratch database is created and dropped)")
    parser.add_argument("--pg-name", default="qorgau_pick_bench", help="name of the scratch PostgreSQL database")
    args = parser.parse_args(argv)
    for kind in ("postgres", "sqlite") if args.db == "both" else (args.db,):
        load, (busy, total) = os.getloadavg()[0], cpu_jiffies()
        figures = run_database(kind, args)
        busy_after, total_after = cpu_jiffies()
        share = (busy_after - busy) / (total_after - total) if total_after > total else float("nan")
        machine = (f"machine {share * 100:.0f}% busy during the run (everything, this run included), "
                   f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
        report(kind, figures, args, machine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
