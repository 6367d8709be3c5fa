"""The supervisors' live calls page: conversations in progress, listen / coach / leave, and their own endpoint.

Supervisors only (others signed in: 403). The list stays live over server-sent events (``listen.stream``). Twilio's status callback of a supervisor's own call arrives with the other
webhooks, at ``/voice/listen/status``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.core import parsing
from app.db import utcnow
from app.i18n import translate
from app.web import display, sse

from . import services

bp = Blueprint("listen", __name__, url_prefix="/supervisor/live")

@bp.context_processor
def helpers():
    return {"category_label": display.category_label, "language_label": display.language_label,
            "clock": display.clock, "epoch_ms": display.epoch_ms, "server_now": utcnow, "Mode": services.Mode}


def _page(status: int = 200, endpoint_error: str | None = None, endpoint_value: str | None = None):
    mine = services.endpoint(current_user.id)
    return render_template("listen/index.html", calls=services.live_calls(current_user.id), endpoint=mine,
                           endpoint_value=mine if endpoint_value is None else endpoint_value,
                           endpoint_error=endpoint_error), status


@bp.get("")
@roles_required(Role.SUPERVISOR)
def index():
    """The conversations in progress, with Listen / Coach / Leave, and where the supervisor is rung."""
    return _page()


@bp.get("/stream")
@sse.stream_of(Role.SUPERVISOR)
def stream():
    """Server-sent events: the conversations in progress, whenever they change."""
    user_id = current_user.id
    return lambda: {"calls": render_template("listen/_calls.html", calls=services.live_calls(user_id))}


def _entry_id() -> int:
    try:
        return parsing.whole_number(request.form.get("entry_id", ""), smallest=1)
    except ValueError:
        abort(400)


@bp.post("/join")
@roles_required(Role.SUPERVISOR)
def join():
    """Listen (muted) or coach (heard by the operator alone); the supervisor's phone rings."""
    try:
        mode = services.Mode(request.form.get("mode", ""))
    except ValueError:
        abort(400)
    try:
        services.join(current_user, _entry_id(), mode)
    except services.ListenError as error:
        flash(translate(error.key, **error.values), "error")
    else:
        flash(translate(f"listen_joined_{mode.value}", endpoint=services.endpoint(current_user.id)), "info")
    return redirect(url_for(".index"))


@bp.post("/leave")
@roles_required(Role.SUPERVISOR)
def leave():
    try:
        services.leave(current_user, _entry_id())
    except services.ListenError as error:
        flash(translate(error.key, **error.values), "error")
    else:
        flash(translate("listen_left"), "info")
    return redirect(url_for(".index"))


@bp.post("/endpoint")
@roles_required(Role.SUPERVISOR)
def endpoint():
    """Where Twilio rings the supervisor: a phone number or a browser client identity."""
    value = request.form.get("endpoint", "")
    try:
        saved = services.set_endpoint(current_user.id, value)
    except ValueError:
        return _page(400, translate("listen_endpoint_invalid"), value)
    flash(translate("listen_endpoint_saved", endpoint=saved), "info")
    return redirect(url_for(".index"))
