"""The supervisors' live board: one page, and the event stream that keeps it current.

Supervisors only (operators and admins: 403; strangers: the sign-in page, or 401 on the stream so that
EventSource stops and the page reloads into the sign-in). The stream is the console's: the database is
polled, a fragment is sent only when it changed, and timers count up in the browser from timestamps.
"""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, current_app, render_template, stream_with_context, url_for
from flask_login import current_user

from app.auth import services as people
from app.auth.access import roles_required
from app.auth.models import Role
from app.db import utcnow
from app.queue.models import Availability
from app.web import display, sse

from . import services

bp = Blueprint("board", __name__, url_prefix="/supervisor/board")

FRAGMENTS = {"line": "board/_line.html", "operators": "board/_operators.html", "today": "board/_today.html"}


@bp.record_once
def _check_thresholds(state) -> None:
    services.thresholds(state.app.config)  # contradictory thresholds stop the app at start-up, not on a wall screen


@bp.context_processor
def helpers():
    return {"language_label": display.language_label, "clock": display.clock, "epoch_ms": display.epoch_ms,
            "duration": display.duration, "percent": percent, "Availability": Availability}


def percent(value: float | None) -> str:
    """Whole percents, with one decimal where it matters (4.6 % is not 5 %)."""
    if value is None:
        return "—"
    return f"{value:.0f}" if round(value, 1) == round(value) else f"{value:.1f}"


def _fragments(listen_url: str | None) -> dict[str, str]:
    board = services.board(current_app.config, utcnow())
    return {name: render_template(template, board=board, listen_url=listen_url) for name, template in FRAGMENTS.items()}


def _listen_url() -> str | None:
    """The live-calls page (listen in), once it exists."""
    return url_for("listen.index") if "listen.index" in current_app.view_functions else None


@bp.get("")
@roles_required(Role.SUPERVISOR)
def index():
    """The board as it is now; the stream keeps it so."""
    services.opened(current_user)
    return render_template("board/index.html", fragments=_fragments(_listen_url()), server_now=utcnow())


@bp.get("/stream")
def stream():
    """Server-sent events: the line, the operators and today's figures, whenever one of them changes."""
    if not current_user.is_authenticated:
        return Response("sign in first", status=401, mimetype="text/plain")
    if current_user.role is not Role.SUPERVISOR:
        abort(403)
    listen_url, session_id = _listen_url(), current_user.get_id()
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy may hold events back
    still = functools.partial(people.session_allows, session_id, (Role.SUPERVISOR,))
    events = sse.events(functools.partial(_fragments, listen_url), still)
    return Response(stream_with_context(events), mimetype="text/event-stream", headers=headers)
