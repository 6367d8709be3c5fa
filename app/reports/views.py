"""The reports page and its CSV exports; the numbers come from ``services``, their shape from ``app.core.reports``."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.clock import helpline_today
from app.core import reports as shape
from app.core.spreadsheet import csv_lines
from app.core.vocab import Channel
from app.web.download import csv_attachment
from app.web.fields import Fields

from . import services
from .tables import tables

bp = Blueprint("reports", __name__, url_prefix="/supervisor")


@bp.get("/reports")
@roles_required(Role.SUPERVISOR)
def index():
    """Every report for a period of days (default: the last 30); ``?format=csv&report=NAME`` exports one.

    ``channel``, ``region`` and ``place`` (a code) narrow every report to those contacts. A field given wrong:
    400, with the reports of the default period (or without that filter).
    """
    fields = Fields(request.args)
    period, corrected = shape.period_from(fields.day("from", "reports_from"), fields.day("to", "reports_to"),
                                          helpline_today())
    export = fields.choice("format", "reports_format", {"csv"})
    regions, places = services.regions(), services.places()
    scope = services.Scope(channel=fields.choice("channel", "reports_channel", {member.value for member in Channel}),
                           region=fields.choice("region", "reports_region", set(regions)),
                           place=fields.choice("place", "reports_place", {code for code, _name in places}))
    figures = services.figures(period, dict(places), scope=scope)
    shown = tables(figures)
    if export and not fields.problems:
        table = next((t for t in shown if t.name == request.args.get("report")), None)
        if table is None:
            abort(404)
        services.record_export(current_user, table.name, period, scope)
        name = f"{table.name}-{period.since.isoformat()}-{period.until.isoformat()}.csv"
        return csv_attachment(csv_lines([table.header, *table.rows]), name)
    return render_template("reports/index.html", period=period, tables=shown, problems=fields.problems,
                           corrected=corrected, figures=figures, args=request.args, scope=scope, regions=regions,
                           places=places, channels=[member.value for member in Channel]), \
        400 if fields.problems else 200
