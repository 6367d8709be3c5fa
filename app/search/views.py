"""The search page: the form's values become ``services.Filters``; the work is in ``services``."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.auth.access import roles_required
from app.auth.models import Role
from app.cases.models import Outcome
from app.cases.taxonomy import taxonomy
from app.clock import helpline_zone
from app.core.vocab import Language
from app.i18n import current_language
from app.web.fields import Fields

from . import services

bp = Blueprint("search", __name__, url_prefix="/supervisor")


def filters_from(args: MultiDict) -> tuple[services.Filters, Fields]:
    """The filters a query string asks for, and its ``Fields`` (with the problems of those given wrong)."""
    fields = Fields(args)
    outcome = fields.choice("outcome", "search_outcome", {member.value for member in Outcome})
    filters = services.Filters(
        query=args.get("q", "")[:500], since=fields.day("from", "search_from"), until=fields.day("to", "search_to"),
        language=fields.choice("language", "search_language", {member.value for member in Language}),
        category=fields.choice("category", "search_category", {term.code for term in taxonomy().categories}),
        operator_id=fields.number("operator", "search_operator"),
        outcome=Outcome(outcome) if outcome else None,
    )
    return filters, fields


def hit_link(hit: services.Hit) -> str | None:
    """The replay, at the matching word for a transcript, at the start for a case note; a chat at the message."""
    if hit.kind == services.CHAT:
        return url_for("replay.chat", conversation_id=hit.conversation_id, _anchor=f"m-{hit.message_id}")
    if hit.call_sid is None:
        return None
    if hit.kind == services.TRANSCRIPT:
        return url_for("replay.call", call_sid=hit.call_sid, recording=hit.recording_id,
                       t=None if hit.start is None else f"{hit.start:.2f}")
    return url_for("replay.call", call_sid=hit.call_sid)


@bp.get("/search")
@roles_required(Role.SUPERVISOR)
def index():
    """Search transcripts, case notes and chat messages; every search is audited. A filter given wrong: 400, nothing searched."""
    filters, fields = filters_from(request.args)
    page = fields.number("page", "field_page", 1)
    results = services.search(filters, page, current_user) if not fields.problems else services.Results()
    lang = current_language()
    terms = taxonomy()
    zone = helpline_zone()
    def page_url(number: int) -> str:
        return url_for("search.index", **{**request.args.to_dict(), "page": number})

    return render_template(
        "search/index.html", filters=filters, args=request.args, problems=fields.problems, results=results,
        link=hit_link, zone=zone, page_url=page_url, language_choices=terms.choices(Language, lang),
        categories=terms.category_choices(lang), outcomes=terms.choices(Outcome, lang),
        operators=[(person.id, person.username) for person in services.operators()],
    ), 400 if fields.problems else 200
