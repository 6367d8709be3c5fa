"""gunicorn config for ``bench/webhook.py --profile``: cProfile each worker, dump its stats on exit.

A sync worker serves requests on its main thread, the one ``post_worker_init`` runs on, so that thread
is the one profiled. Stats go to ``$BENCH_PROFILE_DIR/worker-<pid>.prof``. ``BENCH_PROFILE_TIMER=cpu``
times functions by the process's CPU time instead of wall time: waits (fsync, the network, other processes
holding the CPU) drop out, at the price of a slower profiled worker.
"""

from __future__ import annotations

import cProfile
import os
import time

_profiler: cProfile.Profile | None = None


def post_worker_init(worker) -> None:
    global _profiler
    cpu = os.environ.get("BENCH_PROFILE_TIMER") == "cpu"
    _profiler = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
    _profiler.enable()


def worker_exit(server, worker) -> None:
    if _profiler is not None:
        _profiler.disable()
        _profiler.dump_stats(os.path.join(os.environ["BENCH_PROFILE_DIR"], f"worker-{os.getpid()}.prof"))
