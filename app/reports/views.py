"""The reports page and its CSV exports; the numbers come from ``services``, their shape from ``app.core.reports``."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.core import reports as shape
from app.core.spreadsheet import csv_lines
from app.web.download import csv_attachment

from . import services
from .tables import tables

bp = Blueprint("reports", __name__, url_prefix="/supervisor")


def _day(name: str, problems: list[str]) -> date | None:
    value = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        problems.append(name)
        return None


@bp.get("/reports")
@roles_required(Role.SUPERVISOR)
def index():
    """Every report for a period of days (default: the last 30); ``?format=csv&report=NAME`` exports one."""
    problems: list[str] = []
    period, corrected = shape.period_from(_day("from", problems), _day("to", problems), services.today())
    figures = services.figures(period)
    shown = tables(figures)
    if request.args.get("format") == "csv":
        table = next((t for t in shown if t.name == request.args.get("report")), None)
        if table is None:
            abort(404)
        services.record_export(current_user, table.name, period)
        name = f"{table.name}-{period.since.isoformat()}-{period.until.isoformat()}.csv"
        return csv_attachment(csv_lines([table.header, *table.rows]), name)
    return render_template("reports/index.html", period=period, tables=shown, problems=problems,
                           corrected=corrected, figures=figures)
