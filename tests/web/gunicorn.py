"""The Procfile's ``web`` process, as deployed: gunicorn started by its exact command line, on a free port."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtualenv running the tests


def procfile(name: str) -> str:
    """The command of a Procfile process."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            return command.strip()
    raise KeyError(name)


def access_log_format() -> str:
    """The ``--access-logformat`` of the Procfile's web process."""
    words = shlex.split(procfile("web"))
    return words[words.index("--access-logformat") + 1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Web:
    """``web:`` of the Procfile run by bash as honcho runs it; its output (the access log) goes to ``log``."""

    def __init__(self, settings: dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {key: value for key, value in os.environ.items() if not key.startswith(("QORGAU", "DATABASE", "REDIS"))}
        env |= {"PATH": f"{BIN}:{env.get('PATH', '')}", "PORT": str(self.port), "WEB_CONCURRENCY": "1",
                "WEB_THREADS": "4", **settings}
        with log.open("wb") as out:
            self.process = subprocess.Popen(["bash", "-c", procfile("web")], cwd=ROOT, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.output()}")
            with contextlib.suppress(requests.ConnectionError):
                requests.get(f"{self.url}/login", timeout=5)
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> str:
        """Stop gunicorn (its whole process group) and return what it wrote."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        return self.output()
