"""The audit viewer for supervisors and admins: who did what, to what, when and from where; CSV export.

Times are entered and shown in the helpline's time zone (``TIMEZONE``) and stored in UTC.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.clock import helpline_time
from app.db import utcnow
from app.web.download import csv_attachment
from app.web.fields import Fields

from . import services

bp = Blueprint("audit_log", __name__, url_prefix="/supervisor/audit")

READERS = (Role.SUPERVISOR, Role.ADMIN)
FILTERS = ("since", "until", "actor", "action", "target")


@bp.app_template_filter("local_time")
def local_time(moment: datetime | None) -> str:
    """A UTC moment as the helpline's local date and time, minutes shown (every page may use it)."""
    return helpline_time(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _filters() -> tuple[services.Filters, Fields]:
    """The filters of the query string, and its ``Fields`` (with the problems of those given wrong)."""
    args, fields = request.args, Fields(request.args)
    filters = services.Filters(since=fields.moment("since", "audit_since"),
                               until=fields.moment("until", "audit_until", end=True),
                               actor=args.get("actor", "")[:64], action=args.get("action", "")[:64],
                               target=args.get("target", "")[:100])
    return filters, fields


@bp.get("/")
@roles_required(*READERS)
def index():
    """The log, newest first, a page at a time, narrowed by time, actor, action and target."""
    filters, fields = _filters()
    page = services.find(filters, fields.number("page", "field_page", 1))
    query = {key: request.args[key] for key in FILTERS if request.args.get(key)}  # for the page and export links
    return render_template("audit/index.html", page=page, filters=filters, args=request.args, query=query,
                           problems=fields.problems, actors=services.actor_labels()), 400 if fields.problems else 200


@bp.get("/export.csv")
@roles_required(*READERS)
def export():
    """Every event the filters match, as CSV (UTF-8 with BOM, for spreadsheets); the export is audited."""
    filters, fields = _filters()
    if fields.problems:
        return Response("\n".join(fields.problems), 400, mimetype="text/plain")
    lines = services.export_csv(filters, current_user.id)
    name = f"audit-{helpline_time(utcnow()):%Y%m%d-%H%M}.csv"
    return csv_attachment(lines, name)
