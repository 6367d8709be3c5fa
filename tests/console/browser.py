"""What the browser tests share: Debian's chromium, the app served over real HTTP, the sign-in form."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server

from tests.auth.helpers import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


class Served:
    """A WSGI app on a free loopback port, in a thread; ``stop`` waits for its open requests to end."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.server.daemon_threads = False  # tracked, so that server_close waits for them (event streams too)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()  # joins the request threads: no stream outlives the test's database


def submit_sign_in(page, name: str, password: str = PASSWORD) -> None:
    """Fill in the sign-in form the page shows and send it; the caller waits for where it lands."""
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("form button[type=submit]")
