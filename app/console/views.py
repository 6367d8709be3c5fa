"""The operator console's pages: the live queue, availability and endpoint, picking a caller, the case form.

Who may do what: operators use everything; supervisors and admins may watch the queue (and open the cases
they oversee) but do not take calls, set an availability or an endpoint (403). Anyone else is sent to sign in.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.models import Role
from app.cases import services as cases
from app.cases.forms import CaseForm
from app.cases.taxonomy import taxonomy
from app.db import utcnow
from app.i18n import current_language, translate
from app.queue import services as queue
from app.queue.models import Availability
from app.web import display, sse

from . import live

bp = Blueprint("console", __name__, url_prefix="/console")

WATCHERS = (Role.SUPERVISOR, Role.ADMIN)  # may look at the console, never take a call
MY_CASES_PAGE = 50  # an operator's cases per page


def _is_operator() -> bool:
    return current_user.role is Role.OPERATOR


console_access = roles_required(Role.OPERATOR, *WATCHERS)  # strangers: the sign-in page; others: 403
operators_only = roles_required(Role.OPERATOR)  # taking calls and being reachable is operators' work alone


# --- what every console page shows ---------------------------------------------------------------


@bp.context_processor
def helpers():
    return {"category_label": display.category_label, "language_label": display.language_label,
            "clock": display.clock, "epoch_ms": display.epoch_ms, "duration": display.duration,
            "Availability": Availability, "server_now": utcnow}


def _me():
    return live.operator_state(current_user.id, _is_operator())


def _queue_page(status: int = 200, endpoint_error: str | None = None, endpoint_value: str | None = None):
    me = _me()
    return render_template("console/queue.html", rows=live.queue_rows(), me=me, may_pick=_is_operator(),
                           endpoint_error=endpoint_error,
                           endpoint_value=me.endpoint if endpoint_value is None else endpoint_value), status


# --- the queue -----------------------------------------------------------------------------------


@bp.get("/")
@console_access
def index():
    """The live queue, and the operator's availability and endpoint."""
    return _queue_page()


@bp.get("/stream")
@sse.stream_of(Role.OPERATOR, *WATCHERS)
def stream():
    """Server-sent events: the queue and the operator's own state, whenever they change."""
    user_id, is_operator = current_user.id, _is_operator()
    earlier: dict[int, int] = {}

    def render() -> dict[str, str]:
        me = live.operator_state(user_id, is_operator)
        fragments = {
            "queue": render_template("console/_queue.html", rows=live.queue_rows(earlier), may_pick=is_operator),
            "status": render_template("console/_status.html", me=me),
        }
        if is_operator:
            fragments["availability"] = render_template("console/_availability.html", me=me)
        return fragments

    return render


@bp.post("/availability")
@operators_only
def availability():
    try:
        chosen = Availability(request.form.get("availability", ""))
    except ValueError:
        abort(400)
    queue.set_availability(current_user.id, chosen)
    return redirect(url_for(".index"))


@bp.post("/endpoint")
@operators_only
def endpoint():
    """Where Twilio rings the operator: a phone number or a browser client identity."""
    value = request.form.get("endpoint", "")
    try:
        status = queue.set_endpoint(current_user.id, value)
    except ValueError:
        return _queue_page(400, translate("console_endpoint_invalid"), value)
    flash(translate("console_endpoint_saved", endpoint=status.endpoint), "info")
    return redirect(url_for(".index"))


@bp.post("/pick")
@operators_only
def pick():
    """Take a caller (``entry_id``) or the next in line: pick atomically, bridge, open the case."""
    raw = request.form.get("entry_id")
    if raw is not None and not raw.isdigit():
        abort(400)
    entry_id = int(raw) if raw is not None else None
    operator_id = current_user.id
    open_case = cases.open_case_for(operator_id)
    if open_case is not None:  # one conversation at a time: wrap-up ends with the case closed
        flash(translate("console_pick_close_case_first"), "error")
        return redirect(url_for(".case", case_id=open_case.id))
    try:
        entry = queue.pick(operator_id, entry_id)
    except queue.PickError:
        flash(translate("console_pick_taken" if entry_id is not None else "console_pick_nobody"), "error")
        return redirect(url_for(".index"))
    try:
        queue.bridge(entry.id)
    except queue.BridgeError as error:  # the caller is back at their place in line
        flash(translate("console_bridge_failed", error=str(error)), "error")
        return redirect(url_for(".index"))
    try:
        case = cases.open_case(entry.id, operator_id)
    except cases.CaseError as error:
        flash(translate(error.key), "error")
        return redirect(url_for(".index"))
    return redirect(url_for(".case", case_id=case.id))


# --- the case ------------------------------------------------------------------------------------


@bp.get("/cases")
@operators_only
def my_cases():
    """The operator's own cases, open and closed, newest first; recorded calls link to their replay."""
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = cases.operator_cases(current_user.id, page, MY_CASES_PAGE)
    return render_template("console/my_cases.html", rows=rows, page=page, pages=max(1, -(-total // MY_CASES_PAGE)),
                           total=total, me=_me(), terms=taxonomy(), lang=current_language(), local=display.local)


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@console_access
def case(case_id: int):
    """The case of a call: what is known about the caller, and the form, saved during and closed after the call."""
    try:
        record = cases.get_case(case_id)
    except cases.CaseNotFound:
        abort(404)
    if record.operator_id != current_user.id and current_user.role not in WATCHERS:
        abort(403)
    status = 200
    if request.method == "POST":
        form = CaseForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            cases.save_case(record.id, current_user.id, form.to_data())
        except cases.CaseError as error:  # nothing was saved: show the operator's values with the problems
            form.add_errors(error)
            status = 400
        else:
            if not form.close.data:
                flash(translate("console_case_saved"), "info")
                return redirect(url_for(".case", case_id=record.id))
            try:
                cases.close_case(record.id, current_user.id)
            except cases.CaseError as error:  # saved, not closed: show the case as stored (new referrals' ids)
                form = CaseForm.for_case(cases.get_case(record.id), formdata=None)
                form.add_errors(error)
                status = 400
            else:
                flash(translate("console_case_closed", id=record.id), "info")
                return redirect(url_for(".index"))
    else:
        form = CaseForm.for_case(record)
    record = cases.get_case(case_id)
    entry = queue.entry(record.queue_entry_id)
    call = None
    if entry is not None:
        call = {
            "language": entry.language, "category": entry.category, "priority": entry.priority,
            "wait_seconds": queue.wait_seconds(entry), "state": entry.state, "twilio_error": entry.twilio_error,
            "earlier_contacts": queue.earlier_contacts(entry.caller_hash, entry.call_id),
        }
    earlier = cases.earlier_cases(record.id)
    recordings = len(cases.case_recordings(record.id))
    replays = cases.recorded_calls([record.id])[record.id]
    lang = current_language()
    return render_template(
        "console/case.html", case=record, form=form, call=call, earlier=earlier, recordings=recordings,
        replays=replays, me=_me(), terms=taxonomy(), lang=lang, local=display.local,
    ), status
