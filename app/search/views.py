"""The search page: the form's values become ``services.Filters``; the work is in ``services``."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.auth.access import roles_required
from app.auth.models import Role
from app.cases.models import Outcome
from app.cases.taxonomy import taxonomy
from app.core.vocab import Language
from app.i18n import current_language

from . import services

bp = Blueprint("search", __name__, url_prefix="/supervisor")


def _day(args: MultiDict, name: str, problems: list[str]) -> date | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(name)
        return None


def filters_from(args: MultiDict) -> tuple[services.Filters, list[str]]:
    """The filters a query string asks for, and the names of the fields it gave wrong (those are ignored)."""
    problems: list[str] = []
    outcome = args.get("outcome", "")
    language = args.get("language", "")
    filters = services.Filters(
        query=args.get("q", "")[:500], since=_day(args, "from", problems), until=_day(args, "to", problems),
        language=language if language in {member.value for member in Language} else "",
        category=args.get("category", "") if taxonomy().category(args.get("category")) else "",
        operator_id=args.get("operator", type=int),
        outcome=Outcome(outcome) if outcome in {member.value for member in Outcome} else None,
    )
    return filters, problems


def hit_link(hit: services.Hit) -> str | None:
    """The replay, at the matching word for a transcript, at the start for a case note."""
    if hit.call_sid is None:
        return None
    if hit.kind == services.TRANSCRIPT:
        return url_for("replay.call", call_sid=hit.call_sid, recording=hit.recording_id,
                       t=None if hit.start is None else f"{hit.start:.2f}")
    return url_for("replay.call", call_sid=hit.call_sid)


@bp.get("/search")
@roles_required(Role.SUPERVISOR)
def index():
    """Search transcripts and case notes; every search is audited."""
    filters, problems = filters_from(request.args)
    results = services.search(filters, request.args.get("page", 1, type=int), current_user)
    lang = current_language()
    terms = taxonomy()
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    def page_url(number: int) -> str:
        return url_for("search.index", **{**request.args.to_dict(), "page": number})

    return render_template(
        "search/index.html", filters=filters, args=request.args, problems=problems, results=results,
        link=hit_link, zone=zone, page_url=page_url, language_choices=terms.choices(Language, lang),
        categories=terms.category_choices(lang), outcomes=terms.choices(Outcome, lang),
        operators=[(person.id, person.username) for person in services.operators()],
    )
