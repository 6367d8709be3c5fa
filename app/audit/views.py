"""The audit viewer for supervisors and admins: who did what, to what, when and from where; CSV export.

Times are entered and shown in the helpline's time zone (``TIMEZONE``) and stored in UTC.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.db import utcnow
from app.i18n import translate
from app.web.download import csv_attachment

from . import services

bp = Blueprint("audit_log", __name__, url_prefix="/supervisor/audit")

READERS = (Role.SUPERVISOR, Role.ADMIN)
FILTERS = ("since", "until", "actor", "action", "target")


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


@bp.app_template_filter("local_time")
def local_time(moment: datetime | None) -> str:
    """A UTC moment as the helpline's local date and time, minutes shown (every page may use it)."""
    return moment.astimezone(_zone()).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _moment(text: str, *, end: bool) -> datetime:
    """A local date ("2026-11-28": the whole day) or date and time from a form, as an aware moment."""
    text = text.strip()
    if len(text) == 10:  # a date alone: from its start, or up to its end
        day = datetime.fromisoformat(text).date()
        return datetime.combine(day + timedelta(days=1) if end else day, time(), _zone())
    moment = datetime.fromisoformat(text)
    moment = moment.replace(tzinfo=_zone()) if moment.tzinfo is None else moment
    return moment + timedelta(minutes=1) if end and moment.second == 0 else moment  # "until 12:30" includes 12:30


def _filters() -> tuple[services.Filters, list[str]]:
    """The filters of the query string, and the names of those that could not be read."""
    args, bad, bounds = request.args, [], {}
    for name in ("since", "until"):
        if args.get(name, "").strip():
            try:
                bounds[name] = _moment(args[name], end=name == "until")
            except ValueError:
                bad.append(name)
    filters = services.Filters(since=bounds.get("since"), until=bounds.get("until"), actor=args.get("actor", "")[:64],
                               action=args.get("action", "")[:64], target=args.get("target", "")[:100])
    return filters, bad


@bp.get("/")
@roles_required(*READERS)
def index():
    """The log, newest first, a page at a time, narrowed by time, actor, action and target."""
    filters, bad = _filters()
    page = services.find(filters, request.args.get("page", 1, type=int))
    query = {key: request.args[key] for key in FILTERS if request.args.get(key)}  # for the page and export links
    return render_template("audit/index.html", page=page, filters=filters, args=request.args, query=query, bad=bad,
                           actors=services.actor_labels()), 400 if bad else 200


@bp.get("/export.csv")
@roles_required(*READERS)
def export():
    """Every event the filters match, as CSV (UTF-8 with BOM, for spreadsheets); the export is audited."""
    filters, bad = _filters()
    if bad:
        return Response(translate("audit_bad_filter", names=", ".join(bad)), 400, mimetype="text/plain")
    lines = services.export_csv(filters, current_user.id)
    name = f"audit-{utcnow().astimezone(_zone()):%Y%m%d-%H%M}.csv"
    return csv_attachment(lines, name)
