"""The chat benchmark's smoke run: children and operators over real HTTP lose and duplicate no message.

``bench/chat.py --small`` starts the Procfile's web process (one, then two gevent workers) on the test's
database server (SQLite, or PostgreSQL when the suite runs on it) with Redis when ``TEST_REDIS_URL`` is set.
Only correctness is asserted (its exit status): timings are the benchmark's to print, never a test's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_small_benchmark_delivers_every_message_once():
    server = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    command = [sys.executable, str(ROOT / "bench" / "chat.py"), "--small",
               "--redis-url", os.environ.get("TEST_REDIS_URL", "")]
    command += ["--db", "postgresql", "--database-url", server] if server else ["--db", "sqlite"]
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 processes: " in done.stdout and "lost 0, duplicated 0" in done.stdout
