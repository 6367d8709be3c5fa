"""What one webhook request costs the app itself, in-process: CPU time, or instructions under callgrind.

The same requests as bench/webhook.py (its caller scripts, signed as Twilio signs them) are first
captured against the real app on a scratch SQLite database, then replayed, in the same order and with
the same CallSids, three times in one process: through a null WSGI app (the harness's own work:
signing, building the WSGI environ, parsing the reply), through the real app on a fresh database of the
chosen kind, and through bench/bare_app.py. A request's cost is its phase minus the null phase, so the
harness is not counted; no gunicorn, no sockets, no other process.

With ``--callgrind`` (the default) the replays run under ``valgrind --tool=callgrind`` and the costs are
instruction counts: the same for the same code, however busy the machine is. ``--cpu`` runs natively and
reports process CPU time instead (fast, but as noisy as the machine). See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator
from webhook import AUTH_TOKEN, BENCH, BIN, ROOT, Database, _pick, app_env, route_of, twilio_call

PUBLIC_BASE = "http://127.0.0.1:5000"  # the URL the app believes it serves (PUBLIC_BASE_URL): what is signed
PHASES = ("null", "real", "bare")


def _environ(url: str, params: dict[str, str], step: int, validator: RequestValidator) -> dict:
    """A WSGI environ for a signed form POST, as gunicorn would hand it over."""
    parts = urlsplit(url)
    body = urlencode(params).encode()
    return {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "5000", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": "127.0.0.1:5000",
            "HTTP_X_TWILIO_SIGNATURE": validator.compute_signature(url, params), "HTTP_X_BENCH_STEP": str(step),
            "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False}


def post(app, url: str, params: dict[str, str], step: int, validator: RequestValidator) -> tuple[str, bytes]:
    """One request through a WSGI app; its status line and body."""
    status = []
    chunks = app(_environ(url, params, step, validator), lambda line, headers, exc_info=None: status.append(line))
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return status[0], body


def capture(calls: int, interleaved: int, seed: int, wait_rounds: int) -> list[dict]:
    """Place ``calls`` calls against the real app (scratch SQLite); every request and reply, in order.

    ``interleaved`` calls are in progress at once, taking turns request by request as concurrent callers
    do, so several callers wait in line together.
    """
    from app import create_app

    app = create_app()
    validator = RequestValidator(AUTH_TOKEN)
    rng = random.Random(seed)
    hits: list[dict] = []
    started = 0
    active: list = []
    while active or started < calls:
        while len(active) < interleaved and started < calls:
            name, script = _pick(rng)
            plan = twilio_call(name, script, PUBLIC_BASE, wait_rounds, rng)
            active.append((plan, next(plan)))
            started += 1
        plan, hit = active.pop(0)
        status, body = post(app, hit.url, hit.params, len(hits), validator)
        if not status.startswith("200"):
            raise RuntimeError(f"capture: {hit.url} answered {status}: {body[:300]!r}")
        hits.append({"url": hit.url, "params": hit.params, "reply": body.decode()})
        with contextlib.suppress(StopIteration):  # that call is over
            active.append((plan, plan.send(ElementTree.fromstring(body))))
    return hits


def replay(hits: list[dict], warmup: int, mark, by_route: bool) -> dict:
    """Inner process: replay ``hits`` through the null, real and bare apps; ``mark(label)`` closes a phase.

    ``by_route``: also the CPU time of each measured request, summed by route and phase (native runs).
    """
    from bare_app import create_app as create_bare

    from app import create_app

    replies = [hit["reply"].encode() for hit in hits]

    def null_app(environ, start_response):  # the captured reply, untouched: what the harness costs by itself
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [replies[int(environ["HTTP_X_BENCH_STEP"])]]

    apps = {"null": null_app, "real": create_app(), "bare": create_bare()}
    validator = RequestValidator(AUTH_TOKEN)
    differing: Counter = Counter()
    routes: dict[str, Counter] = {phase: Counter() for phase in PHASES}
    # What start-up left (three apps, the requests) is not rescanned by every full collection: a worker's
    # heap holds one app, not all this.
    gc.collect()
    gc.freeze()
    mark("start-up")
    for phase in PHASES:
        app = apps[phase]
        for number, hit in enumerate(hits):
            if number == warmup:
                mark(f"{phase}-warmup")
            started = time.process_time() if by_route else 0.0
            status, body = post(app, hit["url"], hit["params"], number, validator)
            ElementTree.fromstring(body)
            if by_route and number >= warmup:
                routes[phase][route_of(hit["url"])] += time.process_time() - started
            if phase == "real" and (not status.startswith("200") or body != replies[number]):
                differing[route_of(hit["url"])] += 1
        mark(phase)
    return {"differing": dict(differing), "routes": routes if by_route else {}}


def inner(args) -> None:
    """Runs in the measured process (under callgrind, or natively with --cpu)."""
    hits = json.loads(Path(args.hits).read_text())
    times: dict[str, float] = {}
    last = [time.process_time()]

    def mark(label: str) -> None:
        if args.cpu:
            now = time.process_time()
            times[label], last[0] = now - last[0], now
        else:  # a callgrind dump: counts since the previous one go to their own file, named by the label
            subprocess.run(["callgrind_control", "--dump=" + label, str(os.getpid())], check=True,
                           capture_output=True)

    result = replay(hits, args.warmup, mark, by_route=args.cpu)
    Path(args.result).write_text(json.dumps({**result, "times": times}))


def callgrind_totals(prefix: Path) -> dict[str, int]:
    """Instructions per dump label, from callgrind's output files ``prefix*``."""
    totals = {}
    for path in prefix.parent.glob(prefix.name + "*"):
        text = path.read_text(errors="replace")
        label = re.search(r"^desc: Trigger: dump (\S+)", text, re.M)
        total = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        if label and total:
            totals[label.group(1)] = int(total.group(1))
    return totals


def measure(args, kind: str, tmp: Path) -> dict:
    work = tmp / kind
    (work / "capture").mkdir(parents=True)
    # Capture on SQLite in this (native) process: the requests do not depend on the database.
    os.environ.update(app_env(work / "capture", 5000, f"sqlite:///{work / 'capture' / 'capture.db'}"))
    os.environ["PUBLIC_BASE_URL"] = PUBLIC_BASE
    migrate(os.environ)
    sys.path.insert(0, str(ROOT))
    hits = capture(args.warmup_calls + args.calls, args.interleaved, args.seed, args.wait_rounds)
    warmup = len(hits) * args.warmup_calls // (args.warmup_calls + args.calls)
    hits_file = work / "hits.json"
    hits_file.write_text(json.dumps(hits))

    database = Database(kind, work, args.pg_server, args.pg_db)
    try:
        env = {**app_env(work, 5000, database.url), "PUBLIC_BASE_URL": PUBLIC_BASE,
               "BENCH_BARE_RESPONSES": str(work / "bare.json")}
        env["PYTHONPATH"] = os.pathsep.join([str(BENCH), env["PYTHONPATH"]])
        (work / "bare.json").write_text(json.dumps({str(n): hit["reply"] for n, hit in enumerate(hits)}))
        migrate(env)
        result_file = work / "result.json"
        command = [sys.executable, __file__, "--inner", "--hits", str(hits_file), "--result", str(result_file),
                   "--warmup", str(warmup)] + (["--cpu"] if args.cpu else [])
        if not args.cpu:
            command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={work / 'callgrind.out'}",
                       "--dump-instr=no", "--compress-strings=no", *command]
        started = time.monotonic()
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"the measured process failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
        result = json.loads(result_file.read_text())
        costs = result["times"] if args.cpu else callgrind_totals(work / "callgrind.out")
    finally:
        database.drop()
    measured = len(hits) - warmup
    per_request = {phase: costs[phase] / measured for phase in PHASES}
    counts = Counter(route_of(hit["url"]) for hit in hits[warmup:])
    by_route = {route: {phase: (result["routes"][phase][route] - result["routes"]["null"][route]) / n
                        for phase in ("real", "bare")} for route, n in counts.items()} if args.cpu else {}
    return {"requests": measured, "seconds": time.monotonic() - started, "differing": result["differing"],
            "real": per_request["real"] - per_request["null"], "bare": per_request["bare"] - per_request["null"],
            "harness": per_request["null"], "routes": dict(counts), "by_route": by_route}


def migrate(env) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=dict(env), check=True,
                   capture_output=True, timeout=300)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--calls", type=int, default=40, help="measured calls (about 6 requests each)")
    parser.add_argument("--warmup-calls", type=int, default=10,
                        help="about this many calls' requests are replayed first in each phase, not counted")
    parser.add_argument("--interleaved", type=int, default=20,
                        help="calls in progress at once, taking turns request by request (callers in line together)")
    parser.add_argument("--wait-rounds", type=int, default=2, help="rounds of the queue's wait loop per queued call")
    parser.add_argument("--seed", type=int, default=111)
    parser.add_argument("--cpu", action="store_true", help="native, CPU time instead of callgrind's instructions")
    parser.add_argument("--pg-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--pg-db", default="qorgau_bench_cost")
    parser.add_argument("--json", help="write every figure to this JSON file")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--hits", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        inner(args)
        return 0
    unit, scale = ("ms CPU", 1000.0) if args.cpu else ("k instructions", 1e-3)
    print(f"qorgau webhook cost per request, in-process ({'CPU time, native' if args.cpu else 'callgrind'}); "
          f"{args.calls} calls, {args.interleaved} at a time, measured after {args.warmup_calls} warm-up calls; "
          "harness cost subtracted")
    results = {}
    with tempfile.TemporaryDirectory(prefix="qorgau-cost-") as tmp:
        for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            r = results[kind] = measure(args, kind, Path(tmp))
            print(f"  {kind:<8} {r['requests']} requests ({', '.join(f'{k} {v}' for k, v in sorted(r['routes'].items()))})"
                  f"\n           real {r['real'] * scale:9.1f}  bare {r['bare'] * scale:9.1f} {unit} per request"
                  f"   bare/real = {r['bare'] / r['real']:.2f}x   (harness {r['harness'] * scale:.1f}, "
                  f"{r['seconds']:.0f} s)", flush=True)
            if r["by_route"]:
                print("           by route, real/bare: " + "  ".join(
                    f"{route} {c['real'] * scale:.2f}/{c['bare'] * scale:.2f}" for route, c in sorted(r["by_route"].items())))
            if r["differing"]:
                print(f"           replies that differ from the capture, by route: {r['differing']}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
