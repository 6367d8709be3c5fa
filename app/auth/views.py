"""Sign-in pages and bearer-token access for the JSON API."""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app import navigation
from app.clock import helpline_time
from app.db import utcnow
from app.extensions import login_manager
from app.i18n import translate

from . import services
from .access import token_required
from .forms import LoginForm
from .models import User

bp = Blueprint("auth", __name__)
api = Blueprint("api", __name__, url_prefix="/api")


@login_manager.user_loader
def load_user(session_key: str) -> User | None:
    # A live page's stream (EventSource asks for text/event-stream) is not use: an abandoned console goes idle.
    passive = "text/event-stream" in request.headers.get("Accept", "")
    return services.user_for_session(session_key, touch=not passive)


def _local_path(target: str) -> str | None:
    """``target`` if it is a path on this site, else None (browsers read ``//x`` and ``/\\x`` as hosts)."""
    if not target.startswith("/") or target[1:2] in ("/", "\\"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, request.remote_addr)
        except services.Throttled as throttled:
            return _throttled(form, throttled.until)
        if user is not None:
            user.session_key = services.start_session(user.id)
            login_user(user)
            # Only local paths: never send a signed-in person to another site.
            return redirect(_local_path(request.args.get("next", "")) or url_for("auth.home"))
        failed = True
    return render_template("auth/login.html", form=form, failed=failed), (401 if failed else 200)


def _throttled(form: LoginForm, until: datetime):
    """429: too many failed attempts; the page says when to try again (local time) and how long that is."""
    seconds = max(1, math.ceil((until - utcnow()).total_seconds()))
    at = helpline_time(until).strftime("%H:%M:%S")
    message = translate("login_throttled", minutes=math.ceil(seconds / 60), time=at)
    return render_template("auth/login.html", form=form, throttled=message), 429, {"Retry-After": str(seconds)}


@bp.post("/logout")
@login_required
def logout():
    services.end_session(current_user.get_id())  # server-side: a copy of the cookie stops working too
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/")
@login_required
def home():
    """Each role starts on its own console."""
    start = navigation.landing(current_user.role)
    return redirect(url_for(start)) if start else render_template("auth/home.html")


@api.get("/me")
@token_required()
def me():
    """Who the token belongs to."""
    return jsonify(username=g.api_user.username, role=g.api_user.role.value)


@bp.app_context_processor
def inject_user():
    return {"user": current_user, "menu": navigation.menu}
