"""Helpers of the operator console tests: a recording Twilio gateway, and reading and posting pages as a browser."""

from __future__ import annotations

from flask.testing import FlaskClient
from lxml import html


class FakeGateway:
    """Twilio's REST API as a recorder: every request is kept, and each one succeeds."""

    def __init__(self):
        self.requests: list[tuple] = []

    def _do(self, method: str, *args) -> str:
        self.requests.append((method, *args))
        return ("RE" if method == "record_call" else "CA") + "f" * 32

    def redirect_queue_member(self, queue_sid, call_sid, url):
        return self._do("redirect_queue_member", queue_sid, call_sid, url)

    def redirect_call(self, call_sid, url):
        return self._do("redirect_call", call_sid, url)

    def dial_into_conference(self, conference, to, from_, status_callback, timeout):
        return self._do("dial_into_conference", conference, to, from_, status_callback, timeout)

    def record_call(self, call_sid, status_callback):
        return self._do("record_call", call_sid, status_callback)

    def call_out(self, to, from_, url, status_callback, timeout):
        return self._do("call_out", to, from_, url, status_callback, timeout)


def page(response):
    return html.fromstring(response.get_data(as_text=True))


def token(client: FlaskClient, path: str = "/console/") -> str:
    """The CSRF token of a console page's forms."""
    return page(client.get(path)).xpath('//input[@name="csrf_token"]/@value')[0]


def messages(response) -> list[str]:
    """The flashed messages and alerts a page shows."""
    return [" ".join(node.text_content().split()) for node in page(response).xpath('//*[@role="alert" or @role="status"]')]


def post(client: FlaskClient, path: str, data: dict | None = None, **kwargs):
    """A form POST as a browser sends it: with the CSRF token of the console's pages."""
    return client.post(path, data={"csrf_token": token(client), **(data or {})}, **kwargs)
