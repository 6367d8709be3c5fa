"""Live pages: a server-sent event stream that sends a page's fragments of HTML only when they change.

The stream polls (``POLL_SECONDS``) and the browser swaps each changed fragment in. Fragments carry
timestamps, not durations (the browser counts the seconds up), so a fragment does not change every second.
Between polls the stream holds no database connection, so an open page costs a thread of the web server
but never a connection of the pool. It ends after ``STREAM_SECONDS``; the browser's EventSource reconnects
by itself (after ``RETRY_MS``), which bounds how long one request lives. The values are constants, not
settings: tests shorten them.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator

from flask import Response, abort, stream_with_context
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.auth import services as people
from app.auth.models import Role
from app.core.parsing import LARGEST_INTEGER
from app.db import db

log = logging.getLogger(__name__)

Render = Callable[[], dict[str, str]]  # a live page's fragments of HTML by element id, as they are now

POLL_SECONDS = 1.0  # how often a stream looks at the database
STREAM_SECONDS = 300.0  # then the stream ends and the browser reconnects (no request lives for ever)
KEEPALIVE_SECONDS = 5.0  # a comment this often: proxies keep a quiet stream open, and a gone browser frees its thread
RECHECK_SECONDS = 30.0  # a stream woken by changes reads the database this often anyway, woken or not
RETRY_MS = 2000  # how soon the browser reconnects after the stream ends


def last_event_id(header: str | None, page: str | None) -> int:
    """The id of the last event the browser has: ``Last-Event-ID`` on a reconnection, else the page's own; 0: none.

    ASCII digits only (``int()`` also reads "²" or "١٢", and refuses thousands of digits), at most the largest id.
    """
    for value in (header, page):
        digits = (value or "").strip()
        if digits.isascii() and digits.isdigit():
            return LARGEST_INTEGER if len(digits) > len(str(LARGEST_INTEGER)) else min(int(digits), LARGEST_INTEGER)
    return 0


def event(name: str, data: str) -> str:
    """One server-sent event; every line of ``data`` gets its own ``data:`` field."""
    lines = data.splitlines() or [""]
    return f"event: {name}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


def events(render: Render, allowed: Callable[[], bool]) -> Iterator[str]:
    """Server-sent events: each fragment ``render()`` returns, whenever it differs from the one last sent.

    ``allowed()`` is asked before every poll: a person deactivated, given another role or whose password
    changed gets nothing more, and their browser's reconnection is refused.
    """
    yield f"retry: {RETRY_MS}\n\n"
    sent: dict[str, str] = {}
    started = last_write = time.monotonic()
    while True:
        try:
            if not allowed():
                return
            fragments = render()
        except SQLAlchemyError:  # the database is away: end; the browser reconnects and tries again
            log.warning("live stream ends: the database did not answer", exc_info=True)
            return
        finally:
            db.session.remove()  # hand the connection back while sleeping; the next poll reads afresh
        for name, html in fragments.items():
            if sent.get(name) != html:
                sent[name] = html
                last_write = time.monotonic()
                yield event(name, html)
        now = time.monotonic()
        if now - started >= STREAM_SECONDS:
            return
        if now - last_write >= KEEPALIVE_SECONDS:
            last_write = now
            yield ": keepalive\n\n"
        time.sleep(POLL_SECONDS)


def keepalives(changed: Callable[[float], bool], longest: float) -> Iterator[str]:
    """Keep-alive comments while nothing changes: until ``changed(timeout)`` is True, or ``longest`` seconds.

    For streams woken by changes (``app.chat.live``): a quiet one writes a comment every ``KEEPALIVE_SECONDS``
    but does not read the database each time; it reads again when woken, or after ``longest`` at most.
    """
    end = time.monotonic() + longest
    while (left := end - time.monotonic()) > 0:
        if changed(min(KEEPALIVE_SECONDS, left)):
            return
        yield ": keepalive\n\n"


def response(stream: Iterator[str]) -> Response:
    """Server-sent events as the answer: never stored, and no proxy may hold them back."""
    return Response(stream_with_context(stream), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def streams_for(*roles: Role) -> Callable[[Callable[..., Iterator[str]]], Callable[..., Response]]:
    """Make a view that returns events into an event stream for ``roles``; it gets ``allowed`` to re-check them.

    Unauthenticated: 401, not a redirect — EventSource then stops, and the page reloads into the sign-in.
    Another role: 403. The view runs only for those allowed; ``allowed()`` says whether they still are.
    """

    def decorate(view: Callable[..., Iterator[str]]) -> Callable[..., Response]:
        @functools.wraps(view)
        def respond(*args, **kwargs) -> Response:
            if not current_user.is_authenticated:
                return Response("sign in first", status=401, mimetype="text/plain")
            if current_user.role not in roles:
                abort(403)
            allowed = functools.partial(people.session_allows, current_user.get_id(), roles)
            return response(view(*args, allowed=allowed, **kwargs))

        return respond

    return decorate


def stream_of(*roles: Role) -> Callable[[Callable[[], Render]], Callable[[], Response]]:
    """Make a view that returns a live page's render function into the page's event stream, for ``roles``.

    The stream re-checks them at every poll (see ``streams_for``).
    """

    def decorate(view: Callable[[], Render]) -> Callable[[], Response]:
        @streams_for(*roles)
        @functools.wraps(view)
        def polled(allowed: Callable[[], bool]) -> Iterator[str]:
            return events(view(), allowed)

        return polled

    return decorate
