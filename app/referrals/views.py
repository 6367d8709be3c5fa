"""The follow-up pages: referrals awaiting an agency's feedback, and the forms that record it.

Operators and supervisors (admins: 403; strangers: the sign-in page). Operators start on their own cases'
referrals and may look at everyone's (they cover colleagues off shift); supervisors start on everyone's.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.cases.models import Agency
from app.cases.services import CaseError, CaseNotFound
from app.cases.taxonomy import taxonomy
from app.clock import helpline_today
from app.core.referrals import AWAITING, Due
from app.db import utcnow
from app.i18n import current_language, translate
from app.web import display
from app.web.fields import Fields

from . import services
from .forms import DueDateForm, FeedbackForm

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

followers = roles_required(*services.FOLLOWERS)
PER_PAGE = 100
ALL = "all"  # ?operator=all: everyone's referrals


@bp.context_processor
def helpers():
    return {"local": display.local, "term": lambda value: taxonomy().term(value, current_language()),
            "days": days, "AWAITING": AWAITING, "Due": Due}


def days(key: str, count: int) -> str:
    """``referrals_<key>_one`` for one day, ``_many`` otherwise (the catalogues word plurals to suit)."""
    return translate(f"referrals_{key}_{'one' if abs(count) == 1 else 'many'}", days=abs(count))


def _operator(fields: Fields, known: list[tuple[int, str]]) -> int | None:
    """The operator asked for; without one, an operator's own cases and everyone's for supervisors."""
    if "operator" not in request.args:
        return current_user.id if current_user.role is Role.OPERATOR else None
    chosen = fields.choice("operator", "referrals_filter_operator",
                           {ALL, str(current_user.id), *(str(user_id) for user_id, _ in known)})
    return int(chosen) if chosen not in ("", ALL) else None


@bp.get("/")
@followers
def index():
    """Referrals by where they stand (overdue, due today, this week, later, answered), narrowed by the filters.

    A filter that cannot be read is named in a 400 answer, and the list is shown without it.
    """
    fields, known = Fields(request.args), services.operators()
    due = fields.choice("due", "referrals_filter_due", set(Due))
    agency = fields.choice("agency", "referrals_filter_agency", set(Agency))
    filters = services.Filters(due=Due(due) if due else None, agency=Agency(agency) if agency else None,
                               operator_id=_operator(fields, known), due_from=fields.day("from", "referrals_filter_from"),
                               due_to=fields.day("to", "referrals_filter_to"))
    page = fields.number("page", "field_page", 1)
    listing = services.follow_ups(current_user.id, filters, page=page, per_page=PER_PAGE)
    if current_user.role is Role.OPERATOR and current_user.id not in {user_id for user_id, _ in known}:
        known = sorted([*known, (current_user.id, current_user.username)], key=lambda person: person[1])
    return render_template(
        "referrals/index.html", listing=listing, filters=filters, problems=fields.problems, page=page,
        pages=max(1, -(-listing.total // PER_PAGE)), operators=known, agencies=list(Agency), today=helpline_today(),
        may_open=_may_open_case, query=_query,
    ), 400 if fields.problems else 200


def _query(**changes) -> dict:
    """The page's query with ``changes`` (None removes a key): links that keep the other filters."""
    args = {key: value for key, value in request.args.items() if key not in ("page", "lang")}
    args.update(changes)
    return {key: value for key, value in args.items() if value not in (None, "")}


def _may_open_case(row: services.Row) -> bool:
    """Whether the case link opens for the viewer (the console shows operators their own cases only)."""
    return current_user.role is Role.SUPERVISOR or row.operator_id == current_user.id


def _page(referral_id: int, feedback: FeedbackForm | None = None, due: DueDateForm | None = None, status: int = 200):
    try:
        row = services.follow_up(referral_id, current_user.id)
    except CaseNotFound:
        abort(404)
    now = display.local(utcnow())
    return render_template("referrals/referral.html", row=row, feedback=feedback or FeedbackForm(now=now),
                           due=due or DueDateForm(), may_open=_may_open_case), status


@bp.get("/<int:referral_id>")
@followers
def referral(referral_id: int):
    """A referral, and its forms while feedback is awaited (or the feedback recorded)."""
    return _page(referral_id)


@bp.post("/<int:referral_id>/feedback")
@followers
def feedback(referral_id: int):
    form = FeedbackForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.record_feedback(referral_id, current_user.id, outcome=form.outcome.data, feedback=form.feedback.data,
                                 received_at=form.received_at.data)
    except CaseNotFound:
        abort(404)
    except CaseError as error:  # nothing was recorded: the values come back with the problems
        form.add_errors(error)
        return _page(referral_id, feedback=form, status=400)
    flash(translate("referrals_feedback_saved", id=referral_id), "info")
    return redirect(url_for(".index"))


@bp.post("/<int:referral_id>/due-date")
@followers
def due_date(referral_id: int):
    form = DueDateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        moved = services.move_due_date(referral_id, current_user.id, due_date=form.due_date.data,
                                       reason=form.reason.data)
    except CaseNotFound:
        abort(404)
    except CaseError as error:
        form.add_errors(error)
        return _page(referral_id, due=form, status=400)
    flash(translate("referrals_due_date_saved", id=referral_id, date=moved.due_date.isoformat()), "info")
    return redirect(url_for(".referral", referral_id=referral_id))
