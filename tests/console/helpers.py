"""Helpers of the operator console tests: a recording Twilio gateway, and reading and posting pages as a browser."""

from __future__ import annotations

from flask.testing import FlaskClient
from lxml import html

from tests.voice.helpers import FakeGateway  # noqa: F401 (the console tests' gateway)


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
