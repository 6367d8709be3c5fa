"""Webhook benchmark: the real app under gunicorn against a bare Flask app sending the same TwiML.

Simulated callers play Twilio's side of calls to 111 (signed POSTs, TwiML followed as Twilio follows it:
language, menu, information and back, voice message, the queue's wait loop, the status callback).
The baseline is bench/bare_app.py: the real app's replies, captured in a warm-up call, sent back with
no signature check and no database, by the same gunicorn settings, loaded by the same generator.

Two kinds of run, both printed and labelled:
- saturation: every caller sends its next request as soon as the last one is answered (zero think
  time). Measures throughput; its latency is mostly time spent queued for a worker.
- paced: callers think 0.5-2 s before each key press, as people do. Measures a caller's latency.

Goals: real/bare requests/s >= 0.7 at saturation, p99 < 50 ms when paced. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent  # the venv's bin/ when run as .venv/bin/python bench/webhook.py

AUTH_TOKEN = "bench-auth-token-7c41d0"
ACCOUNT_SID = "AC" + "be7c" * 8
HELPLINE = "+77001110111"
REQUEST_TIMEOUT = 15.0  # Twilio gives a webhook 15 s in all

GOAL_RATIO = 0.7
GOAL_P99_MS = 50.0

# Caller scripts: one entry per <Gather> or <Record> ("REC" = speak, then #). Weighted towards the queue,
# as most calls are; every path of the main menu that a caller can take by keys is here.
SCENARIOS: dict[str, tuple[int, list[str]]] = {
    "kk-child": (3, ["1", "1"]),
    "ru-child": (3, ["2", "1"]),
    "kk-info-then-family": (2, ["1", "4", "3"]),
    "ru-info-then-violence": (1, ["2", "4", "2", "2"]),
    "ru-danger": (1, ["2", "2", "1"]),
    "kk-cannot-talk": (1, ["1", "0"]),
    "kk-voice-message": (1, ["1", "5", "REC"]),
    "ru-voice-message": (1, ["2", "5", "REC"]),
}

# --- Twilio's side of one call, without I/O ------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One webhook request Twilio makes: to a public URL (the one signed), with its form."""

    url: str
    params: dict[str, str]
    key: str  # scenario/number: how the bare app finds the captured reply
    think: bool  # paced runs: the caller listens and presses keys before this request


CallPlan = Generator[Hit, "ElementTree.Element | None", None]


def twilio_call(scenario: str, script: list[str], public_base: str, wait_rounds: int, rng: random.Random) -> CallPlan:
    """Yield the requests of one call; each yield is sent back the parsed TwiML reply (None on failure)."""
    call_sid = "CA" + secrets.token_hex(16)
    caller = "+7701" + "".join(rng.choice("0123456789") for _ in range(7))
    base = {"AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "CallSid": call_sid, "Direction": "inbound",
            "From": caller, "Caller": caller, "To": HELPLINE, "Called": HELPLINE, "FromCountry": "KZ",
            "ToCountry": "KZ"}
    number = 0
    seconds = 0

    def hit(url: str, extra: dict[str, str], think: bool = True) -> Hit:
        nonlocal number
        number += 1
        return Hit(url, {**base, **extra}, f"{scenario}/{number}", think)

    keys = list(script)
    doc_url = public_base + "/voice/incoming"
    root = yield hit(doc_url, {"CallStatus": "ringing"})
    while root is not None:
        verb = next((v for v in root if v.tag in ("Gather", "Record", "Redirect", "Enqueue", "Hangup")), None)
        if verb is None or verb.tag == "Hangup" or (verb.tag in ("Gather", "Record") and not keys):
            break
        seconds += 10
        if verb.tag == "Gather":
            doc_url = urljoin(doc_url, verb.get("action", ""))
            root = yield hit(doc_url, {"CallStatus": "in-progress", "Digits": keys.pop(0), "FinishedOnKey": "",
                                       "msg": "Gather End"})
        elif verb.tag == "Record":
            keys.pop(0)
            recording_sid = "RE" + secrets.token_hex(16)
            media_url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}"
            recording = {"RecordingSid": recording_sid, "RecordingUrl": media_url, "RecordingDuration": "5"}
            doc_url = urljoin(doc_url, verb.get("action", ""))
            root = yield hit(doc_url, {"CallStatus": "in-progress", "Digits": "#", **recording})
            callback = verb.get("recordingStatusCallback")
            if callback:  # Twilio reports the finished file right after the action request
                yield hit(urljoin(doc_url, callback), {**recording, "RecordingStatus": "completed",
                                                       "RecordingChannels": "1", "RecordingSource": "RecordVerb",
                                                       "ErrorCode": "0"}, think=False)
        elif verb.tag == "Redirect":
            doc_url = urljoin(doc_url, (verb.text or "").strip())
            root = yield hit(doc_url, {"CallStatus": "in-progress"}, think=False)
        else:  # Enqueue: a few rounds of the wait loop, then the caller hangs up in the queue
            queue = {"QueueSid": "QU" + secrets.token_hex(16), "QueuePosition": "3", "CurrentQueueSize": "5",
                     "AvgQueueTime": "40", "MaxQueueSize": "100", "CallStatus": "in-progress"}
            wait_url = verb.get("waitUrl")
            for round_ in range(wait_rounds if wait_url else 0):
                yield hit(urljoin(doc_url, wait_url), {**queue, "QueueTime": str(10 * round_)})
            if verb.get("action"):
                yield hit(urljoin(doc_url, verb.get("action")),
                          {**queue, "QueueResult": "hangup", "QueueTime": str(10 * wait_rounds)}, think=False)
            break
    yield hit(public_base + "/voice/status", {"CallStatus": "completed", "CallDuration": str(seconds)}, think=False)


# --- measurements --------------------------------------------------------------------------------


@dataclass
class Sample:
    ended: float  # time.monotonic()
    ms: float
    route: str
    error: str | None  # None = a 200 with well-formed TwiML


@dataclass
class Load:
    """What a run is: who is loaded, how hard, for how long."""

    target_base: str
    public_base: str
    callers: int
    duration: float
    warmup: float
    paced: bool
    think: tuple[float, float]
    wait_rounds: int
    seed: int
    expected: dict[str, bytes] | None = None  # replies the bodies must equal (the real app's captured ones)
    cpu: CpuMeter | None = None
    client: str = "raw"  # raw or aiohttp (the threads generator is run_threads)


@dataclass
class Outcome:
    samples: list[Sample] = field(default_factory=list)
    differing: Counter = field(default_factory=Counter)  # by route: 200 replies unlike the captured one for that step
    bodies: dict[str, bytes] = field(default_factory=dict)  # capture mode: key -> body
    window: tuple[float, float] = (0.0, 0.0)
    cpu: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def summarise(outcomes: list[Outcome]) -> dict:
    """Figures over the measured windows of one or more slices of a run (requests that ended inside them)."""
    inside = [s for o in outcomes for s in o.samples if o.window[0] <= s.ended <= o.window[1]]
    seconds = sum(o.window[1] - o.window[0] for o in outcomes)
    all_ms = sorted(s.ms for s in inside)
    errors = Counter(s.error for s in inside if s.error is not None)
    routes = {}
    for route in sorted({s.route for s in inside}):
        ms = sorted(s.ms for s in inside if s.route == route)
        routes[route] = {"n": len(ms), "p50": percentile(ms, 0.5), "p99": percentile(ms, 0.99)}
    cpu: dict[str, float] = {}
    walls = sum(o.cpu.get("wall", 0.0) for o in outcomes)
    for key in {k for o in outcomes for k in o.cpu if k != "wall"}:  # averages weighted by each slice's length
        cpu[key] = sum(o.cpu.get(key, 0.0) * o.cpu["wall"] for o in outcomes) / walls
    cpu["wall"] = walls
    return {
        "requests": len(inside), "seconds": seconds, "rps": len(inside) / seconds if seconds else 0.0,
        "p50": percentile(all_ms, 0.5), "p99": percentile(all_ms, 0.99), "max": all_ms[-1] if all_ms else 0.0,
        "errors": sum(errors.values()), "error_kinds": dict(errors), "differing": dict(sum((o.differing for o in outcomes), Counter())),
        "routes": routes, "cpu": cpu,
    }


# --- CPU accounting from /proc (no psutil in the venv) --------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on; comm may hold spaces


def cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / CLK_TCK


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    total = sum(values)
    return (total - values[3] - values[4]) / CLK_TCK, total / CLK_TCK


class CpuMeter:
    """CPU used during the measured window by the generator, the server's workers, the database and the machine."""

    def __init__(self, server_pid: int, db_pids: Callable[[], list[int]] | None):
        self.server_pid = server_pid
        self.db_pids = db_pids  # returns the PostgreSQL backends serving the run (read after the window)

    def _snapshot(self) -> dict:
        workers = {pid: cpu_seconds(pid) for pid in children(self.server_pid)}
        postgres = {}
        if self.db_pids is not None:
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        comm = Path(f"/proc/{entry}/comm").read_text().strip()
                    except OSError:
                        continue
                    if comm.startswith("postgres"):
                        postgres[int(entry)] = cpu_seconds(int(entry))
        return {"time": time.monotonic(), "self": time.process_time(), "workers": workers, "postgres": postgres,
                "machine": machine_busy()}

    def start(self) -> None:
        self.first = self._snapshot()

    def stop(self) -> None:
        self.last = self._snapshot()

    def result(self) -> dict:
        a, b = self.first, self.last
        wall = b["time"] - a["time"]
        workers = sum(b["workers"].get(pid, 0.0) - a["workers"].get(pid, 0.0) for pid in b["workers"])
        cpu = {"wall": wall, "generator": (b["self"] - a["self"]) / wall, "server": workers / wall,
               "machine": (b["machine"][0] - a["machine"][0]) / wall}
        if self.db_pids is not None:
            pids = self.db_pids()
            cpu["database"] = sum(b["postgres"].get(p, 0.0) - a["postgres"].get(p, 0.0) for p in pids) / wall
        return cpu


# --- load generators -----------------------------------------------------------------------------


def _pick(rng: random.Random) -> tuple[str, list[str]]:
    names = list(SCENARIOS)
    name = rng.choices(names, weights=[SCENARIOS[n][0] for n in names])[0]
    return name, SCENARIOS[name][1]


def _headers(validator: RequestValidator, hit: Hit) -> dict[str, str]:
    return {"X-Twilio-Signature": validator.compute_signature(hit.url, hit.params),
            "I-Twilio-Idempotency-Token": secrets.token_hex(16), "User-Agent": "TwilioProxy/1.1 (qorgau bench)",
            "X-Bench-Step": hit.key}


def _judge(load: Load, outcome: Outcome, hit: Hit, status: int | None, body: bytes, failure: str | None,
           capture: bool) -> tuple[ElementTree.Element | None, str | None]:
    """Classify one reply: its TwiML root (None if the call cannot go on) and its error, if any."""
    root = None
    error = failure
    if error is None and status != 200:
        error = f"http-{status}"
    if error is None:
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            error = "bad-twiml"
    if error is None:
        if capture:
            outcome.bodies[hit.key] = body
        elif load.expected is not None and load.expected.get(hit.key) != body:
            outcome.differing[route_of(hit.url)] += 1
    return root if error is None else None, error


def route_of(url: str) -> str:
    return urlsplit(url).path.removeprefix("/voice/")


async def raw_post(url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
    """POST on a fresh connection with ``Connection: close`` and read to EOF: the least client work per request."""
    parts = urlsplit(url)
    body = urlencode(params).encode()
    head = [f"POST {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1", f"Host: {parts.netloc}",
            "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}", "Connection: close",
            *(f"{name}: {value}" for name, value in headers.items())]
    async with asyncio.timeout(REQUEST_TIMEOUT):
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            reply = await reader.read()  # all of it: the server closes the connection after the reply
        finally:
            writer.close()
    reply_head, _, payload = reply.partition(b"\r\n\r\n")
    if b"chunked" in reply_head.lower():
        raise ValueError("chunked reply (not expected from these apps)")
    return int(reply_head.split(b" ", 2)[1]), payload


async def run_async(load: Load, capture: list[str] | None = None) -> Outcome:
    """Callers as asyncio tasks in this thread, each request on a fresh connection (gunicorn's sync worker closes it).

    The ``raw`` client writes the request and reads the reply itself; ``aiohttp`` uses one ClientSession.
    """
    import aiohttp

    outcome = Outcome()
    validator = RequestValidator(AUTH_TOKEN)
    begin = time.monotonic()
    window = (begin + load.warmup, begin + load.warmup + load.duration)
    outcome.window = window
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)

    async def send(session, hit: Hit, capturing: bool):
        url = load.target_base + hit.url[len(load.public_base):]
        headers = _headers(validator, hit)
        started = time.monotonic()
        status, body, failure = None, b"", None
        try:
            if load.client == "raw":
                status, body = await raw_post(url, hit.params, headers)
            else:
                async with session.post(url, data=hit.params, headers=headers) as response:
                    status, body = response.status, await response.read()
        except (TimeoutError, OSError, ValueError, IndexError, aiohttp.ClientError) as error:
            failure = type(error).__name__
        ended = time.monotonic()
        root, error = _judge(load, outcome, hit, status, body, failure, capturing)
        outcome.samples.append(Sample(ended, (ended - started) * 1000, route_of(hit.url), error))
        return root

    async def call(session, name, script, rng, stop_at, capturing=False) -> bool:
        plan = twilio_call(name, script, load.public_base, load.wait_rounds, rng)
        try:
            hit = next(plan)
            while True:
                if load.paced and hit.think:
                    await asyncio.sleep(rng.uniform(*load.think))
                if time.monotonic() >= stop_at:
                    return False
                hit = plan.send(await send(session, hit, capturing))
        except StopIteration:
            return True

    async def caller(session, index: int) -> None:
        rng = random.Random(load.seed * 1000 + index)
        while time.monotonic() < window[1]:
            name, script = _pick(rng)
            await call(session, name, script, rng, window[1])

    async def meter(cpu: CpuMeter | None) -> None:
        if cpu is None:
            return
        await asyncio.sleep(max(0.0, window[0] - time.monotonic()))
        cpu.start()
        await asyncio.sleep(max(0.0, window[1] - time.monotonic()))
        cpu.stop()

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        if capture is not None:  # one call per scenario, one after another, bodies kept
            rng = random.Random(load.seed)
            for name in capture:
                if not await call(session, name, SCENARIOS[name][1], rng, math.inf, capturing=True):
                    raise RuntimeError(f"warm-up call {name} did not finish")
            return outcome
        await asyncio.gather(meter(load.cpu), *(caller(session, i) for i in range(load.callers)))
    outcome.cpu = load.cpu.result() if load.cpu else {}
    return outcome


def run_threads(load: Load) -> Outcome:
    """Callers as threads, each with its own requests.Session (the alternative generator, for comparison)."""
    import requests

    outcome = Outcome()
    lock = threading.Lock()
    validator = RequestValidator(AUTH_TOKEN)
    begin = time.monotonic()
    window = (begin + load.warmup, begin + load.warmup + load.duration)
    outcome.window = window

    def caller(index: int) -> None:
        rng = random.Random(load.seed * 1000 + index)
        session = requests.Session()
        while time.monotonic() < window[1]:
            name, script = _pick(rng)
            plan = twilio_call(name, script, load.public_base, load.wait_rounds, rng)
            try:
                hit = next(plan)
                while True:
                    if load.paced and hit.think:
                        time.sleep(rng.uniform(*load.think))
                    if time.monotonic() >= window[1]:
                        break
                    started = time.monotonic()
                    status, body, failure = None, b"", None
                    try:
                        response = session.post(load.target_base + hit.url[len(load.public_base):], data=hit.params,
                                                headers=_headers(validator, hit), timeout=REQUEST_TIMEOUT)
                        status, body = response.status_code, response.content
                    except requests.RequestException as error:
                        failure = type(error).__name__
                    ended = time.monotonic()
                    with lock:
                        root, error = _judge(load, outcome, hit, status, body, failure, False)
                        outcome.samples.append(Sample(ended, (ended - started) * 1000, route_of(hit.url), error))
                    hit = plan.send(root)
            except StopIteration:
                pass
        session.close()

    def meter() -> None:
        time.sleep(max(0.0, window[0] - time.monotonic()))
        load.cpu.start()
        time.sleep(max(0.0, window[1] - time.monotonic()))
        load.cpu.stop()

    threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(load.callers)]
    if load.cpu:
        threads.append(threading.Thread(target=meter, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=load.warmup + load.duration + 2 * REQUEST_TIMEOUT)
    outcome.cpu = load.cpu.result() if load.cpu else {}
    return outcome


# --- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn started by this benchmark, in its own process group; stopped in ``stop``."""

    def __init__(self, name: str, app: str, chdir: Path, env: dict[str, str], port: int, workers: int, log: Path,
                 config: Path | None = None):
        self.name, self.port, self.log = name, port, log
        command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                   "--worker-class", "sync", "--chdir", str(chdir), "--timeout", "30", "--graceful-timeout", "10"]
        if config is not None:
            command += ["--config", str(config)]
        self.handle = log.open("wb")
        # cwd too, not only --chdir: gunicorn puts the directory it was started in first on sys.path, so an
        # A/B copy of the tree run from the work tree would otherwise serve the work tree's app.
        self.process = subprocess.Popen([*command, app], cwd=chdir, env=env, stdout=self.handle,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} gunicorn exited with {self.process.returncode}:\n{self.tail()}")
            try:
                urllib.request.urlopen(self.base + "/voice/none", timeout=1)
            except urllib.error.HTTPError:  # any HTTP answer means a worker is serving
                if len(children(self.process.pid)) >= 1:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} gunicorn not ready after {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        if not self.handle.closed:
            self.handle.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: workers finish and run worker_exit
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.handle.close()


# --- databases -----------------------------------------------------------------------------------


class Database:
    """The run's database: a SQLite file in the temp dir, or a scratch PostgreSQL database dropped at the end."""

    def __init__(self, kind: str, tmp: Path, pg_server: str, pg_name: str):
        self.kind = kind
        self.pg_server, self.pg_name = pg_server.rstrip("/"), pg_name
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp / 'qorgau-bench.db'}"
        else:
            self.url = f"{self.pg_server}/{pg_name}"
            self._admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)', f'CREATE DATABASE "{pg_name}"')

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.pg_server}/postgres", autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def backend_pids(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.url) as connection:
            rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                      (self.pg_name,)).fetchall()
        return [row[0] for row in rows]

    def drop(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


# --- the benchmark -------------------------------------------------------------------------------


def app_env(tmp: Path, port: int, database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QORGAU_", "FLASK_"))}
    env.update({"QORGAU_ENV": "development", "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "INSTANCE_DIR": str(tmp / "instance"),
                "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret", "CALLER_HASH_KEY": "bench-caller-hash",
                "PYTHONDONTWRITEBYTECODE": "1",
                # This tree's app/, even where the venv's editable install points at another checkout (an A/B
                # copy of the tree): flask's CLI imports `app` through its plugin entry points before --app.
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))})
    return env


def generate(args, load: Load) -> Outcome:
    if args.client == "threads":
        return run_threads(load)
    return asyncio.run(run_async(load))


def ms(value: float) -> str:
    return f"{value:8.1f}" if not math.isnan(value) else "     n/a"


def print_row(mode: str, app: str, s: dict) -> None:
    cpu = s["cpu"]
    per_request = cpu_per_request(s)
    db = f"{cpu['database'] * 100:5.0f}%" if "database" in cpu else "     -"
    rest = cpu.get("machine", 0) - cpu.get("server", 0) - cpu.get("generator", 0) - cpu.get("database", 0)
    print(f"  {mode:<10} {app:<4} {s['rps']:8.1f} {ms(s['p50'])} {ms(s['p99'])} {s['errors']:6d}"
          f"   {per_request:6.2f}   {cpu.get('server', 0) * 100:5.0f}% {db} {cpu.get('generator', 0) * 100:5.0f}%"
          f" {cpu.get('machine', 0) * 100:6.0f}% {rest * 100:5.0f}%", flush=True)


HEADER = ("  mode       app     req/s   p50 ms   p99 ms errors   srv ms/req  workers    db    gen  machine   rest\n"
          "  " + "-" * 100)


def cpu_per_request(s: dict) -> float:
    """Milliseconds of the gunicorn workers' CPU per request (includes SQLite; PostgreSQL's backends not)."""
    cpu = s["cpu"]
    return cpu.get("server", 0.0) * cpu.get("wall", 0.0) / s["requests"] * 1000 if s["requests"] else float("nan")


def verdicts(mode: str, real: dict, bare: dict) -> str:
    ratio = real["rps"] / bare["rps"] if bare["rps"] else float("nan")
    p99_ok = real["p99"] < GOAL_P99_MS
    if mode == "saturation":
        cpu_ratio = cpu_per_request(bare) / cpu_per_request(real)
        return (f"  saturation real/bare req/s = {ratio:.2f}x   goal >= {GOAL_RATIO}x: "
                f"{'PASS' if ratio >= GOAL_RATIO else 'FAIL'}   (p99 here is queueing for a worker, "
                f"{real['p99']:.0f} ms; goal p99 < {GOAL_P99_MS:.0f} ms applies to the paced run)\n"
                f"             worker CPU per request: real {cpu_per_request(real):.2f} ms, bare {cpu_per_request(bare):.2f} ms;"
                f" bare/real = {cpu_ratio:.2f}x (the ratio CPU-bound servers would reach; less sensitive to others' load)")
    return (f"  paced      real p99 = {real['p99']:.1f} ms   goal < {GOAL_P99_MS:.0f} ms: {'PASS' if p99_ok else 'FAIL'}"
            f"   (req/s is the offered load here, real/bare = {ratio:.2f}x, not a throughput measure)")


def print_problems(app: str, s: dict) -> None:
    if s["error_kinds"]:
        print(f"      {app} errors: " + ", ".join(f"{k} x{v}" for k, v in sorted(s["error_kinds"].items())))
    if s["differing"]:
        routes = ", ".join(f"{route} x{n}" for route, n in sorted(s["differing"].items()))
        note = " (the wait loop's place in line and wait change with the load: expected there)" if set(
            s["differing"]) <= {"wait"} else ""
        print(f"      {app}: replies that differ from the captured TwiML (the bare app's bodies): {routes}{note}")


def print_routes(real: dict, bare: dict) -> None:
    cells = []
    for route, r in real["routes"].items():
        b = bare["routes"].get(route, {"p50": float("nan")})
        cells.append(f"{route} {r['p50']:.1f}/{b['p50']:.1f}")
    print("      p50 ms by route, real/bare: " + "  ".join(cells))


def print_summary(results: dict) -> None:
    """One line per database and mode: the throughput ratio and the CPU each app's workers spent per request."""
    if not results:
        return
    print("\nsummary (worker CPU per request: the gunicorn workers' user+system time over the requests served)")
    for kind, modes in results.items():
        for mode, apps in modes.items():
            real, bare = apps["real"], apps["bare"]
            print(f"  {kind:<8} {mode:<10} req/s real/bare {real['rps']:6.1f}/{bare['rps']:6.1f} = "
                  f"{real['rps'] / bare['rps'] if bare['rps'] else float('nan'):.2f}x   worker CPU ms/req real/bare "
                  f"{cpu_per_request(real):.2f}/{cpu_per_request(bare):.2f}")


def bench_database(args, kind: str, tmp: Path, results: dict, servers: list[Server], databases: list) -> None:
    work = tmp / kind
    work.mkdir()
    database = Database(kind, work, args.pg_server, args.pg_db)
    databases.append(database)
    port = free_port()
    env = app_env(work, port, database.url)
    migrate = subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    if migrate.returncode != 0:
        raise RuntimeError(f"migration failed on {kind}:\n{migrate.stdout}\n{migrate.stderr}")

    real = Server("real", "app:create_app()", ROOT, env, port, args.workers, work / "gunicorn-real.log")
    servers.append(real)
    real.wait_ready()
    public = real.base

    # Warm-up: one call per scenario against the real app; its replies become the bare app's bodies.
    template = Load(real.base, public, 1, 0, 0, False, args.think, args.wait_rounds, args.seed)
    captured = asyncio.run(run_async(template, capture=list(SCENARIOS)))
    failed = [s for s in captured.samples if s.error]
    if failed:
        raise RuntimeError(f"warm-up against the real app failed: {failed[:5]}\n{real.tail()}")
    again = asyncio.run(run_async(template, capture=list(SCENARIOS)))
    unstable = sorted(k for k in captured.bodies if again.bodies.get(k) != captured.bodies[k])
    if unstable:
        print(f"  note: replies differ between two identical calls at {unstable}; the bare app serves the first")
    bodies_file = work / "bare-responses.json"
    bodies_file.write_text(json.dumps({k: v.decode() for k, v in captured.bodies.items()}, ensure_ascii=False))

    bare_env = {**env, "BENCH_BARE_RESPONSES": str(bodies_file)}
    bare = Server("bare", "bare_app:create_app()", BENCH, bare_env, free_port(), args.workers, work / "gunicorn-bare.log")
    servers.append(bare)
    bare.wait_ready()

    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[kind]
    print(f"\n== {label}: gunicorn sync --workers {args.workers}, {args.callers} callers, {args.client} generator; "
          f"each app {args.duration:.0f} s measured in {args.slices} slices alternating real and bare ==")
    print(HEADER)
    results[kind] = {}
    for mode in args.modes:
        slices: dict[str, list[Outcome]] = {"real": [], "bare": []}
        # Real and bare take turns (real bare, bare real, ...), so the load other processes put on the machine
        # falls on both alike; every slice has its own unmeasured warm-up.
        for number in range(args.slices):
            order = (("real", real), ("bare", bare)) if number % 2 == 0 else (("bare", bare), ("real", real))
            for name, server in order:
                warmup = args.warmup if not slices[name] else min(args.warmup, 1.0)
                load = Load(server.base, public, args.callers, args.duration / args.slices, warmup, mode == "paced",
                            args.think, args.wait_rounds, args.seed + number,
                            expected=captured.bodies if name == "real" else None, client=args.client)
                load.cpu = CpuMeter(server.process.pid, database.backend_pids if kind == "postgres" else None)
                slices[name].append(generate(args, load))
        results[kind][mode] = {name: summarise(outcomes) for name, outcomes in slices.items()}
        for name in ("real", "bare"):
            print_row(mode, name, results[kind][mode][name])
        real_s, bare_s = results[kind][mode]["real"], results[kind][mode]["bare"]
        print(verdicts(mode, real_s, bare_s))
        print_problems("real", real_s)
        print_problems("bare", bare_s)
        if mode == "paced":
            print_routes(real_s, bare_s)
    for server in (real, bare):
        server.stop()
        servers.remove(server)
    if any(results[kind][mode]["real"]["errors"] for mode in results[kind]):
        print("      last lines of the real app's log:\n" + real.tail(15))


def profile(args, tmp: Path, servers: list[Server], databases: list) -> None:
    """Run the real app with one cProfiled worker at saturation; print where its time went."""
    import pstats

    kind = args.dbs[0]
    work = tmp / f"profile-{kind}"
    work.mkdir()
    database = Database(kind, work, args.pg_server, args.pg_db)
    databases.append(database)
    port = free_port()
    env = {**app_env(work, port, database.url), "BENCH_PROFILE_DIR": str(work), "BENCH_PROFILE_TIMER": args.profile_timer}
    subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    server = Server("profiled", "app:create_app()", ROOT, env, port, 1, work / "gunicorn.log",
                    config=BENCH / "gunicorn_profile.py")
    servers.append(server)
    server.wait_ready()
    load = Load(server.base, server.base, min(args.callers, 10), args.profile_seconds, 1.0, False, args.think,
                args.wait_rounds, args.seed)
    summary = summarise([asyncio.run(run_async(load))])
    server.stop()
    servers.remove(server)
    files = sorted(work.glob("worker-*.prof"))
    if not files:
        print("no profile written:\n" + server.tail())
        return
    stats = pstats.Stats(*map(str, files))
    total = stats.total_tt
    # Requests the worker served in all (warm-up, window and drain): calls of Flask's WSGI entry point.
    served = max(1, sum(nc for (f, _, func), (_, nc, _, _, _) in stats.stats.items()
                        if f.endswith("flask/app.py") and func == "wsgi_app"))
    print(f"\n== profile: real app, {kind}, 1 sync worker under cProfile ({args.profile_timer} time), saturation, "
          f"{min(args.callers, 10)} callers: {served} requests, {summary['rps']:.0f} req/s, "
          f"{total / served * 1000:.2f} ms profiled {args.profile_timer} time per request (cProfile inflates it) ==")
    app_dir, site = str(ROOT / "app"), "site-packages/"
    by_package: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        if filename.startswith(app_dir):
            package = "app." + Path(filename).relative_to(app_dir).parts[0].removesuffix(".py")
        elif site in filename:
            package = filename.split(site, 1)[1].split("/", 1)[0]
        elif filename == "~":
            package = "builtins (C)"
        else:
            package = "stdlib:" + Path(filename).stem
        by_package[package] += tottime
    print("  own time by package (% of the worker's profiled time):")
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:14]:
        print(f"    {seconds / total * 100:5.1f}%  {package}")
    builtins = sorted(((tt, nc, func) for (f, _, func), (_, nc, tt, _, _) in stats.stats.items() if f == "~"),
                      reverse=True)
    print("  built-in (C) functions by own time:")
    for tt, nc, func in builtins[:args.profile_c_top]:
        print(f"    {tt / total * 100:5.1f}% {tt / served * 1000:8.3f} ms/req {nc:7d} calls  {func}")
    rows = [(ct, tt, nc, f"{Path(f).relative_to(ROOT)}:{line} {func}")
            for (f, line, func), (_, nc, tt, ct, _) in stats.stats.items() if f.startswith(app_dir)]
    print("  app functions by cumulative time:")
    print("     cum %   ms/req   calls  function")
    for ct, _, nc, name in sorted(rows, reverse=True)[:args.profile_top]:
        print(f"    {ct / total * 100:6.1f}% {ct / served * 1000:8.3f} {nc:7d}  {name}")
    if args.profile_out:
        shutil.copy(files[0], args.profile_out)
        print(f"  stats of one worker saved to {args.profile_out} (python -m pstats {args.profile_out})")


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--mode", choices=("saturation", "paced", "both"), default="both")
    parser.add_argument("--callers", type=int, default=50, help="concurrent simulated callers")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, for both apps")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="unmeasured seconds of load before an app's first slice (1 s before later slices)")
    parser.add_argument("--slices", type=int, default=3,
                        help="split each app's measured time into this many slices, alternating real and bare")
    parser.add_argument("--think", default="0.5,2.0", help="paced runs: think time range in seconds, before each press")
    parser.add_argument("--wait-rounds", type=int, default=2, help="rounds of the queue's wait loop per queued call")
    parser.add_argument("--client", choices=("raw", "aiohttp", "threads"), default="raw",
                        help="load generator: asyncio with a minimal HTTP/1.1 client, asyncio+aiohttp, "
                             "or a thread and requests.Session per caller")
    parser.add_argument("--seed", type=int, default=111)
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (trust auth); the scratch database is created and dropped there")
    parser.add_argument("--pg-db", default="qorgau_bench", help="name of the scratch PostgreSQL database")
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, cProfile one worker of the real app at saturation and print its hotspots")
    parser.add_argument("--profile-only", action="store_true", help="only the profile, no comparison")
    parser.add_argument("--profile-seconds", type=float, default=8.0)
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--profile-timer", choices=("wall", "cpu"), default="wall",
                        help="wall shows waits (fsync, network, CPU taken by others); cpu shows only work done")
    parser.add_argument("--profile-c-top", type=int, default=8,
                        help="also list this many built-in (C) functions by own time, e.g. sqlite3 commit, socket recv")
    parser.add_argument("--profile-out", help="also save one worker's pstats file here")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="first wait up to this long for the machine to be idle (busy < 30%% of one core)")
    parser.add_argument("--json", help="write every figure to this JSON file (bench/results/ is git-ignored)")
    args = parser.parse_args(argv)
    args.dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    args.modes = ["saturation", "paced"] if args.mode == "both" else [args.mode]
    low, high = (float(v) for v in args.think.split(","))
    args.think = (low, high)
    return args


def wait_for_quiet(limit: float, busy_below: float = 0.3) -> None:
    """Wait up to ``limit`` seconds for the machine to be idle (other test runs share these cores)."""
    deadline = time.monotonic() + limit
    while True:
        before = machine_busy()
        time.sleep(2.0)
        after = machine_busy()
        busy = (after[0] - before[0]) / (after[1] - before[1]) * (os.cpu_count() or 1)
        if busy < busy_below or time.monotonic() >= deadline:
            print(f"  machine busy {busy * 100:.0f}% (of {(os.cpu_count() or 1) * 100}%) before the run", flush=True)
            return


def _interrupted(signum, frame):
    raise KeyboardInterrupt  # so that main's finally stops the servers and drops the database


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)
    tmp = Path(tempfile.mkdtemp(prefix="qorgau-bench-"))
    servers: list[Server] = []
    databases: list[Database] = []
    results: dict = {}
    started = time.monotonic()
    print(f"qorgau webhook benchmark: {os.cpu_count()} cores, load average {Path('/proc/loadavg').read_text().split()[0]}"
          f" at start; goals: real/bare req/s >= {GOAL_RATIO}x at saturation, p99 < {GOAL_P99_MS:.0f} ms paced")
    print("  columns: srv ms/req = CPU of the gunicorn workers per request; workers, db (PostgreSQL backends of the "
          "run), gen (this generator), machine (everything) = CPU used during the window, 100% = one core, of "
          f"{os.cpu_count() * 100}%; rest = machine - workers - db - gen: kernel, other processes (other people's tests)")
    try:
        if args.wait_quiet:
            wait_for_quiet(args.wait_quiet)
        if not args.profile_only:
            for kind in args.dbs:
                bench_database(args, kind, tmp, results, servers, databases)
        if args.profile or args.profile_only:
            profile(args, tmp, servers, databases)
    except RuntimeError as error:  # the app failed to start or to answer the warm-up: say why, no traceback
        print(f"\nbenchmark stopped: {error}")
        return 1
    finally:
        for server in servers:
            server.stop()
        for database in databases:
            try:
                database.drop()
            except Exception as error:  # report it and go on cleaning up
                print(f"could not drop {database.pg_name}: {error}")
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results},
                                              indent=2, default=str))
    print_summary(results)
    print(f"\ndone in {time.monotonic() - started:.0f} s; servers stopped, temp dir removed, scratch database dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
