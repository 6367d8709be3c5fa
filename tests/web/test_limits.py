"""Request bodies are bounded: a huge one gets 413 at once, before it is read, from gunicorn as deployed."""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit

import pytest
from werkzeug.test import encode_multipart

HUGE = 80 * 1024 * 1024


def post_huge(url: str, path: str, size: int = HUGE) -> tuple[str, int]:
    """POST a ``size``-byte form body, sent while the reply is awaited: (status line, bytes sent by then)."""
    parts = urlsplit(url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=30)
    connection.sendall(f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                       "Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: forged\r\n"
                       f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode())
    sent = [0]

    def send() -> None:
        chunk = b"a" * 65536
        try:
            while sent[0] < size:
                sent[0] += connection.send(chunk[: size - sent[0]])
        except OSError:  # the server answered and closed: it will not take the rest
            pass

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    reply = b""
    while b"\r\n" not in reply:
        data = connection.recv(4096)
        if not data:
            break
        reply += data
    sent_by_then = sent[0]
    connection.close()
    sender.join(timeout=30)
    return reply.split(b"\r\n", 1)[0].decode(), sent_by_then


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/voice/status", "/voice/incoming", "/login"])
def test_an_80_mb_body_is_refused_with_413_before_it_is_read(web, path):
    status, sent = post_huge(web.url, path)
    assert status == "HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
    assert sent < HUGE // 4  # the reply came while most of the body was still unsent
    assert "Traceback" not in web.output()


def test_the_limits_are_settings_with_webhooks_the_smallest(app):
    client = app.test_client()
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    assert app.config["WEBHOOK_MAX_CONTENT_LENGTH"] == 64 * 1024
    webhook = {"CallSid": "CA" + "0" * 32, "Padding": "x" * (64 * 1024)}
    assert client.post("/voice/status", data=webhook).status_code == 413
    assert client.post("/voice/status", data={"CallSid": "CA" + "0" * 32}).status_code == 403  # small: unsigned
    form = {"username": "amina", "password": "x", "padding": "x" * (2 * 1024 * 1024)}
    assert client.post("/login", data=form).status_code == 413
    form["padding"] = "x" * (1024 * 1024)  # a case with long notes in both languages still fits
    assert client.post("/login", data=form).status_code == 400  # read, and refused for its missing CSRF token


def test_multipart_fields_are_bounded_too(app):
    client = app.test_client()
    for fields in ({"notes": "x" * 600_000}, {f"field{n}": "x" for n in range(1001)}):
        boundary, body = encode_multipart(fields)
        response = client.post("/login", data=body, content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == 413
