"""Live chat under load: children on the QR page and operators in the console, through the real HTTP routes.

The app runs as the Procfile's ``web`` process (gunicorn's gevent worker) on PostgreSQL, with Redis carrying
live updates between processes. Each child opens ``/q/<code>``, answers the first questions, opens the chat's
event stream (``/chat/stream``) and, once an operator has joined, sends messages. Each operator signs in, takes
chats (``/console/pick``) up to their capacity, opens each chat's pane stream
(``/console/chats/<id>/stream``) and answers every message of the child. A message is *delivered* when it
arrives on the other side's stream; its latency runs from the start of the POST that sent it.

The same load runs against ONE web process (the baseline) and against ``--workers`` processes, and the two
are printed side by side: delivery p50/p99 (goal: p99 < 1 s), lost and duplicated messages (must be 0),
peak memory of each web process. Exit status 1 when a run lost or duplicated a message (correctness, never
timing), so ``--small`` doubles as a smoke test (tests/chat/test_live_bench.py).

    .venv/bin/python bench/chat.py                  # 500 children, 50 operators, PostgreSQL + Redis
    .venv/bin/python bench/chat.py --small --db sqlite --redis-url ''
    .venv/bin/python bench/chat.py --help
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from lxml import html

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "bench-operator-password"
POST_TIMEOUT = 30.0  # seconds a send may take before it is tried again
SEND_TRIES = 3
MARKER = re.compile(r"\[(r?c\d+m\d+)\]")  # a message's id in its text: cXmY from child X, rcXmY the reply to it


@dataclass
class Load:
    children: int = 500
    operators: int = 50
    messages: int = 3  # per child; each gets one reply
    think: tuple[float, float] = (10.0, 20.0)  # seconds a child takes before each message
    reply_think: tuple[float, float] = (0.5, 2.0)  # seconds an operator takes before replying
    ramp: float = 30.0  # seconds over which the children arrive
    drain: float = 60.0  # seconds to wait for the last deliveries; what has not arrived then is lost


@dataclass
class Tally:
    """What one run measured."""

    sent: dict[str, float] = field(default_factory=dict)  # marker: when its POST began
    delivered: dict[str, float] = field(default_factory=dict)  # marker: latency, seconds
    duplicated: int = 0
    posts: list[float] = field(default_factory=list)  # seconds per send POST
    errors: dict[str, int] = field(default_factory=dict)  # what went wrong: count
    untaken: int = 0  # children no operator joined
    rss: dict[int, int] = field(default_factory=dict)  # web process id: peak RSS, kB
    worker_cpu: dict[int, float] = field(default_factory=dict)  # web process id: CPU seconds over the run
    client_cpu: float = 0.0
    seconds: float = 0.0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def arrived(self, marker: str, seen: set[str]) -> None:
        """A marked message came in on a stream that had already shown ``seen``."""
        if marker in seen:
            self.duplicated += 1
            return
        seen.add(marker)
        if marker in self.sent and marker not in self.delivered:
            self.delivered[marker] = time.monotonic() - self.sent[marker]

    @property
    def lost(self) -> int:
        return len(set(self.sent) - set(self.delivered))


# --- the app as deployed -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            return command.strip()
    raise KeyError(name)


class Web:
    """The Procfile's web process with ``workers`` gevent workers, in its own process group."""

    def __init__(self, env: dict[str, str], workers: int, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**env, "PORT": str(self.port), "WEB_CONCURRENCY": str(workers), "PUBLIC_BASE_URL": self.url}
        with log.open("wb") as out:
            self.process = subprocess.Popen(["bash", "-c", "exec " + procfile("web")], cwd=ROOT, env=env,
                                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(OSError, urllib.error.URLError):
                urllib.request.urlopen(f"{self.url}/login", timeout=5)
                if len(self.workers()) == workers:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready:\n{log.read_text(errors='replace')[-3000:]}")

    def workers(self) -> list[int]:
        found = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with contextlib.suppress(OSError):
            return [int(pid) for pid in found.read_text().split()]
        return []

    def sample(self, tally: Tally) -> None:
        """Note each web process's resident memory (kB), keeping the peak."""
        for pid in self.workers():
            with contextlib.suppress(OSError, ValueError, IndexError):
                status = Path(f"/proc/{pid}/status").read_text()
                rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
                tally.rss[pid] = max(rss, tally.rss.get(pid, 0))

    def cpu_seconds(self) -> dict[int, float]:
        """Each web process's CPU time so far (user + system): how evenly the processes share the load."""
        seconds = {}
        for pid in self.workers():
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return seconds

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


class Database:
    """A scratch database for one run: a SQLite file, or a PostgreSQL database created and dropped."""

    def __init__(self, kind: str, server_url: str, folder: Path):
        self.kind, self.folder = kind, folder
        if kind == "sqlite":
            self.url = f"sqlite:///{folder / 'bench.db'}"
            return
        from sqlalchemy.engine import make_url

        self.server = make_url(server_url)
        self.name = f"qorgau_bench_chat_{os.getpid()}"
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')
        self.url = self.server.set(database=self.name).render_as_string(hide_password=False)

    def _admin(self, *statements: str) -> None:
        import psycopg

        admin = self.server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def drop(self) -> None:
        if self.kind != "sqlite":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def prepare(env: dict[str, str], load: Load) -> list[str]:
    """Migrate, add the operators and a few places (in a process of its own, as ``flask`` would); the codes."""
    script = f"""
import sys
from alembic import command
from app import create_app
from app.auth import services as people
from app.cli import alembic_config
from app.core.places import PlaceKind
from app.db import db
from app.places.models import Place
app = create_app()
with app.app_context():
    command.upgrade(alembic_config(), "heads")
    for n in range({load.operators}):
        people.create_user(f"operator{{n}}", "operator", {PASSWORD!r})
    for n in range(10):
        db.session.add(Place(code=f"sch-{{n}}", name=f"School No. {{n}}", region="Almaty", district="Bostandyq",
                             kind=PlaceKind.SCHOOL))
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    return [f"sch-{n}" for n in range(10)]


# --- the people --------------------------------------------------------------------------------------------


def form_fields(page: str, which: str) -> tuple[str, dict[str, str], list[str]]:
    """The first form ``which`` (XPath) finds: its action, hidden fields and the values of its ``key`` buttons."""
    form = html.fromstring(page).xpath(which)[0]
    hidden = {i.get("name"): i.get("value") or "" for i in form.xpath(".//input[@type='hidden']") if i.get("name")}
    keys = [b.get("value") for b in form.xpath(".//button[@name='key']")]
    return form.get("action"), hidden, keys


async def events(response: aiohttp.ClientResponse):
    """Server-sent events of a response: (event, data, id) as they come."""
    name, data, last_id = "message", [], None
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if data:
                yield name, "\n".join(data), last_id
            name, data = "message", []
        elif line.startswith(":"):
            continue
        else:
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "event":
                name = value
            elif key == "data":
                data.append(value)
            elif key == "id":
                last_id = value


def session_for(base: str, connector: aiohttp.TCPConnector, address: str | None = None) -> aiohttp.ClientSession:
    """A browser of one person: its own cookies (IP hosts allowed), the shared connection pool."""
    headers = {"X-Forwarded-For": address} if address else {}
    return aiohttp.ClientSession(base, connector=connector, connector_owner=False, headers=headers,
                                 cookie_jar=aiohttp.CookieJar(unsafe=True),
                                 timeout=aiohttp.ClientTimeout(total=None, sock_connect=30))


async def follow(browser: aiohttp.ClientSession, path: str, tally: Tally, what: str, stop: asyncio.Event,
                 on_event) -> None:
    """Hold a live stream like a browser's EventSource: reconnect with ``Last-Event-ID`` until ``stop``."""
    last_id = None
    while not stop.is_set():
        headers = {"Accept": "text/event-stream", **({"Last-Event-ID": last_id} if last_id else {})}
        try:
            async with browser.get(path, headers=headers) as response:
                if response.status == 204:
                    return
                if response.status != 200:
                    tally.error(f"{what} stream {response.status}")
                    await asyncio.sleep(2)
                    continue
                async for name, data, event_id in events(response):
                    last_id = event_id or last_id
                    on_event(name, data)
        except (TimeoutError, aiohttp.ClientError):
            if not stop.is_set():
                tally.error(f"{what} stream dropped")
        if not stop.is_set():
            await asyncio.sleep(2)  # the stream ended (as they do): the browser's retry


async def child(number: int, base: str, code: str, connector, load: Load, tally: Tally, stop: asyncio.Event,
                done: asyncio.Event) -> None:
    """A child: the first questions, the chat, the stream; messages once an operator has joined."""
    async with session_for(base, connector, f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}") \
            as browser:
        try:
            async with browser.get(f"/q/{code}") as response:
                page, url = await response.text(), response.url
            for _ in range(10):  # answer each question with its first choice until the chat begins
                if url.path.startswith("/chat"):
                    break
                action, fields, keys = form_fields(page, "//form[contains(@action, '/q/')]")
                async with browser.post(action, data={**fields, "key": keys[0]}) as response:
                    page, url = await response.text(), response.url
            _, fields, _ = form_fields(page, "//form[contains(@action, '/chat/send')]")
        except (aiohttp.ClientError, IndexError) as error:
            tally.error(f"child start {type(error).__name__}")
            done.set()
            return
        joined, seen = asyncio.Event(), set()

        def on_event(name: str, data: str) -> None:
            if name != "message":
                return
            message = json.loads(data)
            if message["author"] == "system":
                joined.set()
            for marker in MARKER.findall(message["text"]):
                tally.arrived(marker, seen)

        stream = asyncio.create_task(follow(browser, "/chat/stream", tally, "child", stop, on_event))
        try:
            await asyncio.wait_for(joined.wait(), timeout=load.ramp + 120)
        except TimeoutError:
            tally.untaken += 1
            done.set()
            await stream_end(stream, stop)
            return
        for m in range(load.messages):
            await asyncio.sleep(random.uniform(*load.think))
            marker = f"c{number}m{m}"
            await send(browser, "/chat/send", {**fields, "text": f"[{marker}] мне нужна помощь, сообщение {m}",
                                              "client_id": secrets.token_hex(16)}, marker, tally)
        done.set()
        await stream_end(stream, stop)


async def stream_end(stream: asyncio.Task, stop: asyncio.Event) -> None:
    await stop.wait()
    stream.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await stream


async def send(browser: aiohttp.ClientSession, path: str, data: dict, marker: str, tally: Tally) -> None:
    """POST a message as the pages' scripts do: a failed send is sent again with the same message id."""
    started = tally.sent[marker] = time.monotonic()
    for attempt in range(SEND_TRIES):
        if attempt:
            tally.error("send retried (same message id)")
            await asyncio.sleep(1)
        try:
            async with browser.post(path, data=data, headers={"Accept": "application/json"},
                                    timeout=aiohttp.ClientTimeout(total=POST_TIMEOUT)) as response:
                await response.read()
                if response.status in (200, 201):
                    tally.posts.append(time.monotonic() - started)
                    return
                failure = str(response.status)
        except (TimeoutError, aiohttp.ClientError) as error:
            failure = type(error).__name__
    del tally.sent[marker]  # never stored, as far as the sender knows: expected nowhere
    tally.error(f"send {path.split('/')[1]} {failure}")


async def operator(number: int, base: str, connector, load: Load, tally: Tally, stop: asyncio.Event,
                   everyone_taken: asyncio.Event, taken: list[int]) -> None:
    """An operator: signs in, takes chats up to capacity, and answers every message in each."""
    try:
        await operate(number, base, connector, load, tally, stop, everyone_taken, taken)
    except (aiohttp.ClientError, IndexError) as error:
        tally.error(f"operator {type(error).__name__}")


async def operate(number: int, base: str, connector, load: Load, tally: Tally, stop: asyncio.Event,
                  everyone_taken: asyncio.Event, taken: list[int]) -> None:
    share = math.ceil(load.children / load.operators)
    async with session_for(base, connector) as browser:
        async with browser.get("/login") as response:
            _, fields, _ = form_fields(await response.text(), "//form[.//input[@name='password']]")
        async with browser.post("/login", data={**fields, "username": f"operator{number}", "password": PASSWORD},
                                allow_redirects=False) as response:
            if response.status != 302:
                tally.error("operator sign-in")
                return
        async with browser.get("/console/") as response:
            token = html.fromstring(await response.text()).xpath("//input[@name='csrf_token']/@value")[0]
        # The console's own live stream (queue and status), open beside the panes as on every console page.
        chats = [asyncio.create_task(follow(browser, "/console/stream", tally, "console", stop, lambda *_: None))]
        while len(chats) - 1 < share and not everyone_taken.is_set() and not stop.is_set():
            async with browser.post("/console/pick", data={"csrf_token": token}, allow_redirects=False) as response:
                where = response.headers.get("Location", "")
            if "/cases/" not in where:  # nobody waiting now
                await asyncio.sleep(random.uniform(0.3, 1.0))
                continue
            async with browser.get(where) as response:
                tree = html.fromstring(await response.text())
            pane = tree.xpath("//*[@data-chat-stream]")
            if not pane:
                tally.error("case page without chat pane")
                continue
            reply = tree.xpath("//form[contains(@class, 'reply-form')]")[0]
            chats.append(asyncio.create_task(answer(browser, pane[0].get("data-chat-stream"), reply.get("action"),
                                                    token, load, tally, stop)))
            taken.append(1)
            if len(taken) >= load.children:
                everyone_taken.set()
        await stop.wait()
        for task in chats:
            task.cancel()
        await asyncio.gather(*chats, return_exceptions=True)


async def answer(browser, stream: str, action: str, token: str, load: Load, tally: Tally, stop: asyncio.Event):
    """One chat's pane: its stream, and a reply to each message of the child."""
    seen: set[str] = set()
    replies: set[asyncio.Task] = set()

    async def reply(marker: str) -> None:
        await asyncio.sleep(random.uniform(*load.reply_think))
        answer_marker = f"r{marker}"
        await send(browser, action, {"csrf_token": token, "client_id": secrets.token_hex(16),
                                     "text": f"[{answer_marker}] Я здесь, я вас слышу."}, answer_marker, tally)

    def on_event(name: str, data: str) -> None:
        if name != "message":
            return
        for marker in MARKER.findall(data):
            new = marker not in seen
            tally.arrived(marker, seen)
            if new and not marker.startswith("r"):
                task = asyncio.create_task(reply(marker))
                replies.add(task)
                task.add_done_callback(replies.discard)

    await follow(browser, stream, tally, "pane", stop, on_event)


# --- one run -----------------------------------------------------------------------------------------------


async def drive(web: Web, load: Load, codes: list[str]) -> Tally:
    tally = Tally()
    stop, everyone_taken = asyncio.Event(), asyncio.Event()
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    taken: list[int] = []
    done = [asyncio.Event() for _ in range(load.children)]
    cpu0, client0, started = web.cpu_seconds(), time.process_time(), time.monotonic()

    async def sampler() -> None:
        tick = 0
        while not stop.is_set():
            web.sample(tally)
            tick += 1
            if tick % 10 == 0:
                print(f"  {time.monotonic() - started:4.0f} s: {len(taken)} chats taken, {sum(e.is_set() for e in done)}"
                      f" children done, {len(tally.delivered)}/{len(tally.sent)} delivered, errors {tally.errors}",
                      flush=True)
            await asyncio.sleep(1)

    async def arrive(number: int) -> None:
        await asyncio.sleep(load.ramp * number / load.children)
        await child(number, web.url, codes[number % len(codes)], connector, load, tally, stop, done[number])

    tasks = [asyncio.create_task(sampler())]
    tasks += [asyncio.create_task(operator(n, web.url, connector, load, tally, stop, everyone_taken, taken))
              for n in range(load.operators)]
    tasks += [asyncio.create_task(arrive(n)) for n in range(load.children)]
    try:
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in done)),
                               load.ramp + 150 + load.messages * (load.think[1] + POST_TIMEOUT))
    except TimeoutError:
        tally.error("children still sending at the deadline")
    deadline = time.monotonic() + load.drain
    while time.monotonic() < deadline and (tally.lost or len(tally.sent) < 2 * sum(
            1 for marker in tally.sent if not marker.startswith("r"))):
        await asyncio.sleep(0.2)  # the last replies are still being written and delivered
    web.sample(tally)
    tally.worker_cpu = {pid: cpu - cpu0.get(pid, 0.0) for pid, cpu in web.cpu_seconds().items()}
    tally.client_cpu = time.process_time() - client0
    tally.seconds = time.monotonic() - started
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await connector.close()
    return tally


def run(args, load: Load, workers: int, work: Path) -> Tally:
    folder = work / f"run-{workers}"
    folder.mkdir()
    database = Database(args.db, args.database_url, folder)
    try:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("QORGAU", "DATABASE", "REDIS"))}
        env |= {"PATH": f"{BIN}:{env.get('PATH', '')}", "QORGAU_ENV": "development", "DATABASE_URL": database.url,
                "INSTANCE_DIR": str(folder), "TRUSTED_PROXY_HOPS": "1",  # each child its own address
                "CHATS_PER_OPERATOR": str(math.ceil(load.children / load.operators)),
                "WEB_CONNECTIONS": str(args.connections)}
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        codes = prepare(env, load)
        web = Web(env, workers, folder / "web.log")
        try:
            return asyncio.run(drive(web, load, codes))
        finally:
            web.stop()
            if "Traceback" in (folder / "web.log").read_text(errors="replace"):
                print(f"  (the web log of the {workers}-process run has tracebacks: {folder / 'web.log'})")
    finally:
        database.drop()


# --- the report --------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def report(load: Load, args, runs: dict[str, Tally]) -> None:
    def ms(values: list[float], share: float) -> str:
        return f"{percentile(values, share) * 1000:.0f}"

    rows: list[tuple[str, list[str]]] = []
    for tally in runs.values():
        both = list(tally.delivered.values())
        to_operator = [v for k, v in tally.delivered.items() if not k.startswith("r")]
        to_child = [v for k, v in tally.delivered.items() if k.startswith("r")]
        values = [
            f"{len(tally.delivered)}/{len(tally.sent)}", str(tally.lost), str(tally.duplicated),
            ms(both, 0.5), ms(both, 0.99), ms(both, 1.0), ms(to_operator, 0.99), ms(to_child, 0.99),
            f"{ms(tally.posts, 0.5)} / {ms(tally.posts, 0.99)}", str(tally.untaken),
            ", ".join(f"{k} {v}" for k, v in sorted(tally.errors.items())) or "0",
            " + ".join(f"{rss / 1024:.0f}" for rss in tally.rss.values()),
            " + ".join(f"{cpu:.0f}" for cpu in tally.worker_cpu.values()),
            f"{tally.client_cpu:.1f}", f"{tally.seconds:.0f}",
        ]
        rows.append(("", values))
    names = ["messages delivered", "lost", "duplicated", "delivery p50 ms", "delivery p99 ms", "delivery max ms",
             "  child → operator p99 ms", "  operator → child p99 ms", "send POST p50 / p99 ms",
             "children never taken", "errors", "web process RSS peak MB", "web process CPU s", "load generator CPU s",
             "run s"]
    redis = "Redis" if args.redis_url else "no Redis"
    print(f"\n== chat: {load.children} children, {load.operators} operators, {load.messages} messages per child "
          f"(think {load.think[0]:g}-{load.think[1]:g} s), each answered; {args.db}, {redis}; gunicorn gevent worker")
    labels = list(runs)
    print(f"  {'':28}" + "".join(f"{label:>24}" for label in labels))
    for index, name in enumerate(names):
        print(f"  {name:28}" + "".join(f"{row[1][index]:>24}" for row in rows))
    for label, tally in runs.items():
        p99 = percentile(list(tally.delivered.values()), 0.99)
        verdict = "PASS" if p99 < 1.0 else "FAIL"
        print(f"  {label}: delivery p99 {p99 * 1000:.0f} ms, goal < 1000 ms: {verdict}; "
              f"lost {tally.lost}, duplicated {tally.duplicated}, goal 0: {'PASS' if correct(tally) else 'FAIL'}")


def correct(tally: Tally) -> bool:
    return tally.lost == 0 and tally.duplicated == 0 and tally.untaken == 0 and bool(tally.delivered)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="a smoke run: 6 children, 2 operators, seconds")
    parser.add_argument("--children", type=int, help="children at once (default 500)")
    parser.add_argument("--operators", type=int, help="operators (default 50)")
    parser.add_argument("--messages", type=int, help="messages per child (default 3)")
    parser.add_argument("--think", help="a child's seconds before each message, MIN,MAX (default 10,20)")
    parser.add_argument("--workers", type=int, default=2, help="web processes of the main run (the baseline has 1)")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                  "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="the PostgreSQL server (a scratch database qorgau_bench_chat_<pid> is made on it per run)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
                        help="live updates between processes; '' for none (each process then wakes only its own)")
    parser.add_argument("--connections", type=int, default=2000, help="gunicorn --worker-connections")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still stop gunicorn, drop the database
    load = Load(children=6, operators=2, messages=2, think=(0.2, 0.6), reply_think=(0.1, 0.3), ramp=1.0,
                drain=30.0) if args.small else Load()
    for name in ("children", "operators", "messages"):
        if getattr(args, name) is not None:
            setattr(load, name, getattr(args, name))
    if args.think:
        low, high = (float(part) for part in args.think.split(","))
        load.think = (low, high)
    work = Path(tempfile.mkdtemp(prefix="qorgau-bench-chat-"))
    runs: dict[str, Tally] = {}
    try:
        for workers in (1, args.workers):
            label = f"{workers} process{'es' if workers > 1 else ''}"
            print(f"running: {label} ...", flush=True)
            runs[label] = run(args, load, workers, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(load, args, runs)
    return 0 if all(correct(tally) for tally in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
