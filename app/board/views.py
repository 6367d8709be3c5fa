"""The supervisors' live board: one page, and the event stream that keeps it current.

Supervisors only (operators and admins: 403; strangers: the sign-in page, or 401 on the stream so that
EventSource stops and the page reloads into the sign-in). The stream is the console's: the database is
polled, a fragment is sent only when it changed, and timers count up in the browser from timestamps.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.db import utcnow
from app.operators.models import Availability
from app.web import display, sse

from . import services

bp = Blueprint("board", __name__, url_prefix="/supervisor/board")

FRAGMENTS = {"line": "board/_line.html", "operators": "board/_operators.html", "today": "board/_today.html",
             "referrals": "board/_referrals.html", "channels": "board/_channels.html"}


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


def _fragments() -> dict[str, str]:
    board = services.board(current_app.config, utcnow())
    return {name: render_template(template, board=board) for name, template in FRAGMENTS.items()}


@bp.get("")
@roles_required(Role.SUPERVISOR)
def index():
    """The board as it is now; the stream keeps it so."""
    services.opened(current_user)
    return render_template("board/index.html", fragments=_fragments(), server_now=utcnow())


@bp.get("/stream")
@sse.stream_of(Role.SUPERVISOR)
def stream():
    """Server-sent events: the line, the channels, the operators, today's figures and overdue referrals, on change."""
    return _fragments
