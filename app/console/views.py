"""The operator console's pages: the live queue, availability and endpoint, taking a contact, the case form.

A chat's case has the chat's pane beside its form: its live messages, replies, ending the chat.

Who may do what: operators use everything; supervisors may watch the queue (and open the cases they oversee)
but do not take calls, set an availability or an endpoint (403). Admins manage people and settings, not
cases: the console is not theirs (403). Anyone else is sent to sign in. Every case shown is audited.
"""

from __future__ import annotations

import functools

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from app.auth.access import roles_required
from app.auth.models import Role
from app.cases import services as cases
from app.cases.forms import CaseForm
from app.cases.taxonomy import taxonomy
from app.chat import blocks, canned
from app.chat import services as chat
from app.contacts import services as contacts
from app.core import parsing
from app.db import utcnow
from app.drafts import services as drafts
from app.i18n import current_language, translate
from app.inbox import services as inbox
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.web import display, sse
from app.web.fields import Fields

from . import chat as chat_pane
from . import live

bp = Blueprint("console", __name__, url_prefix="/console")

WATCHERS = (Role.SUPERVISOR,)  # may look at the console, never take a call
MY_CASES_PAGE = 50  # an operator's cases per page
BLOCK_HOURS = (1, 24, 72, 168, 720)  # the pane's choices of how long a chat's source is blocked


def _is_operator() -> bool:
    return current_user.role is Role.OPERATOR


console_access = roles_required(Role.OPERATOR, *WATCHERS)  # strangers: the sign-in page; others: 403
operators_only = roles_required(Role.OPERATOR)  # taking calls and being reachable is operators' work alone


def answers_script(*roles: Role):
    """A route the page's script calls: 401 once the sign-in has ended (not the sign-in page), 403 for others."""

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if not current_user.is_authenticated:
                return jsonify(error="sign in again"), 401
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorator


# --- what every console page shows ---------------------------------------------------------------


@bp.context_processor
def helpers():
    return {"category_label": display.category_label, "language_label": display.language_label,
            "line_error": display.line_error, "outcome_label": display.outcome_label, "local": display.local,
            "clock": display.clock, "epoch_ms": display.epoch_ms, "duration": display.duration,
            "Availability": Availability, "server_now": utcnow, "ends_chat": chat_pane.ends_chat}


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
    presence = live.Presence(user_id) if is_operator else None
    line = live.shared_line()

    def render() -> dict[str, str]:
        if presence is not None:
            presence.beat()
        me = live.operator_state(user_id, is_operator)
        fragments = {
            "queue": line.html(is_operator, fresh_seconds=sse.POLL_SECONDS / 2),
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
    try:
        operators.choose_availability(current_user.id, chosen)
    except operators.NoEndpoint:
        flash(translate("console_available_needs_endpoint"), "error")
    return redirect(url_for(".index"))


@bp.post("/endpoint")
@operators_only
def endpoint():
    """Where Twilio rings the operator: a phone number or a browser client identity."""
    value = request.form.get("endpoint", "")
    try:
        status = operators.set_endpoint(current_user.id, value)
    except ValueError:
        return _queue_page(400, translate("console_endpoint_invalid"), value)
    flash(translate("console_endpoint_saved", endpoint=status.endpoint), "info")
    return redirect(url_for(".index"))


@bp.post("/pick")
@operators_only
def pick():
    """Take a contact (``entry_id``) or the next one there is room for: see ``app.contacts.take``."""
    raw = request.form.get("entry_id")
    try:
        entry_id = parsing.whole_number(raw, smallest=1) if raw is not None else None
    except ValueError:
        abort(400)
    try:
        taken = contacts.take(current_user.id, entry_id)
    except contacts.CannotConnect as failed:  # the caller waits at their place in line (their case with them)
        flash(translate("console_bridge_failed", error=display.line_error(failed.key, failed.code)), "error")
        return redirect(url_for(".index"))
    except contacts.TakeError as error:
        flash(translate(error.key), "error")
        # One call at a time, chats up to capacity: the case to close first, if that is what stands in the way.
        return redirect(url_for(".case", case_id=error.case_id) if error.case_id else url_for(".index"))
    return redirect(url_for(".case", case_id=taken.case_id))


@bp.get("/inbox")
@console_access
def inbox_page():
    """Voice messages and call-back requests: operators take one like a caller (Pick posts its entry)."""
    return render_template("console/inbox.html", items=inbox.items(), me=_me(), may_pick=_is_operator())


# --- the case ------------------------------------------------------------------------------------


@bp.get("/cases")
@operators_only
def my_cases():
    """The operator's own cases, open and closed, newest first; recorded calls link to their replay."""
    fields = Fields(request.args)
    page = fields.number("page", "field_page", 1)
    rows, total = cases.operator_cases(current_user.id, page, MY_CASES_PAGE)
    cases.record_reads([case.id for case, _ in rows], current_user.id, "my_cases")
    return render_template("console/my_cases.html", rows=rows, page=page, pages=max(1, -(-total // MY_CASES_PAGE)),
                           total=total, me=_me(), terms=taxonomy(), lang=current_language(), local=display.local,
                           problems=fields.problems), 400 if fields.problems else 200


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
    status, draft = 200, None
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
            drafts.discard(record.id, current_user.id)
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
        form, draft = _form_or_draft(record)
    return _case_page(case_id, form, status, draft=draft)


def _case_page(case_id: int, form: CaseForm, status: int = 200, reply: dict | None = None, draft=None,
               block: dict | None = None):
    """The case page as it is now, with ``form``; a chat's case has its pane.

    ``reply`` and ``block``: what a refused reply or block said, and why (shown again, nothing lost).
    """
    record = cases.get_case(case_id)
    entry = queue.entry(record.queue_entry_id)
    call = None
    if entry is not None:
        call = {
            "channel": entry.channel, "language": entry.language, "category": entry.category, "priority": entry.priority,
            "wait_seconds": queue.wait_seconds(entry), "state": entry.state, "error_key": entry.error_key,
            "error_code": entry.error_code, "earlier_contacts": contacts.earlier_contacts(entry),
        }
    earlier = cases.earlier_cases(record.id)
    recordings = len(cases.case_recordings(record.id))
    replays = cases.recorded_calls([record.id])[record.id]
    lang = current_language()
    pane = None
    if record.conversations:
        try:
            pane = chat_pane.pane(record.conversations[-1].id, current_user.id, lang)
        except chat.ChatError:  # not theirs to read (any more): the case without the chat
            pane = None
    # The same caller's voice messages and call-back requests still in the inbox (by keyed hash; never for anonymous).
    waiting = inbox.counts(record.caller_hash) if record.caller_hash else inbox.Counts()
    cases.record_reads([record.id], current_user.id, "console")
    return render_template(
        "console/case.html", case=record, form=form, call=call, earlier=earlier, recordings=recordings,
        replays=replays, me=_me(), terms=taxonomy(), lang=lang, local=display.local, inbox_waiting=waiting,
        draft=draft, may_draft=record.operator_id == current_user.id, pane=pane,
        reply=reply or {}, block=block or {}, block_hours=BLOCK_HOURS, reason_max=blocks.REASON_MAX,
        message_max=current_app.config["CHAT_MESSAGE_MAX"],
    ), status


def _form_or_draft(record):
    """The case form as stored, or as the operator left it in a draft kept after the last save (and the draft)."""
    draft = drafts.newer_than(record.id, current_user.id, record.updated_at)
    if draft is None:
        return CaseForm.for_case(record), None
    values = MultiDict([(name, value) for name, values in draft.fields.items() for value in values])
    return CaseForm(formdata=values), draft


@bp.post("/cases/<int:case_id>/draft")
@answers_script(Role.OPERATOR)
def autosave(case_id: int):
    """Autosave: keep the case form as typed, so that a lost sign-in or a closed tab loses no note."""
    fields = {name: request.form.getlist(name) for name in request.form}
    try:
        kept = drafts.save(case_id, current_user.id, fields)
    except cases.CaseNotFound:
        abort(404)
    except drafts.NotYours:
        abort(403)
    return jsonify(saved_at=kept.saved_at.isoformat())


@bp.get("/session")
@answers_script(Role.OPERATOR, *WATCHERS)
def session_check():
    """Whether the sign-in holds, with a fresh CSRF token for a page opened before it was signed in again."""
    return jsonify(csrf_token=generate_csrf())


# --- the chat pane ---------------------------------------------------------------------------------


def _held_chat(conversation_id: int):
    """The chat, if the signed-in operator holds it (or held it: closing twice is harmless); 404 or 403 otherwise."""
    conversation = chat.conversation(conversation_id)
    if conversation is None:
        abort(404)
    if conversation.operator_id != current_user.id:
        abort(403)
    return conversation


def _chat_case_id(conversation_id: int) -> int:
    record = chat.case_of_chat(conversation_id)
    if record is None:
        abort(404)
    return record.id


def _wants_json() -> bool:
    """The pane's script asks for JSON; a form sent without script gets a page."""
    return request.accept_mimetypes.best == "application/json"


@bp.get("/chats/<int:conversation_id>/stream")
@sse.streams_for(Role.OPERATOR, *WATCHERS)
def chat_stream(conversation_id: int, allowed):
    """Server-sent events: the chat's messages after ``Last-Event-ID`` (or ``?after=``), live, each once."""
    try:  # may they read it? (nothing is after the largest id: nothing is read, nothing audited)
        chat.messages_after(conversation_id, parsing.LARGEST_INTEGER, reader_id=current_user.id)
    except chat.ChatError as error:
        abort(404 if error.key == "chat_error_not_found" else 403)
    after = sse.last_event_id(request.headers.get("Last-Event-ID"), request.args.get("after"))
    return chat_pane.events(conversation_id, current_user.id, after, allowed)


@bp.post("/chats/<int:conversation_id>/messages")
@operators_only
def chat_reply(conversation_id: int):
    """The operator's reply: JSON for the pane's script, the case page again for a form sent without it.

    ``client_id`` is the reply's id: sent again (a retry), it is stored once. A canned reply's button
    (``canned``) sends its text in the chat's language.
    """
    conversation = _held_chat(conversation_id)
    text = request.form.get("text", "")
    chosen = request.form.get("canned")
    if chosen:
        by_id = {reply.id: reply.text for reply in canned.replies(conversation.language, current_language())}
        text = by_id.get(chosen, text)
    try:
        message = chat.post(conversation_id, text, request.form.get("client_id", ""), operator_id=current_user.id)
    except chat.ChatError as error:
        if _wants_json():
            return {"error": translate(error.key)}, 400
        case_id = _chat_case_id(conversation_id)  # the case page again, the text kept, the problem said
        return _case_page(case_id, CaseForm.for_case(cases.get_case(case_id)), 400,
                          {"text": text, "error": translate(error.key)})
    if _wants_json():
        return {"id": message.id, "html": chat_pane.render_message(message)}, 201
    return redirect(url_for(".case", case_id=_chat_case_id(conversation_id), _anchor="chat"), 303)


@bp.post("/chats/<int:conversation_id>/close")
@operators_only
def chat_close(conversation_id: int):
    """End the chat (the child is told); the operator goes on to its case form, the transcript beside it."""
    _held_chat(conversation_id)
    try:
        chat.close(conversation_id, operator_id=current_user.id)
    except chat.ChatError:
        abort(403)
    flash(translate("console_chat_ended"), "info")
    return redirect(url_for(".case", case_id=_chat_case_id(conversation_id), _anchor="case-form"))


@bp.post("/chats/<int:conversation_id>/block")
@operators_only
def chat_block(conversation_id: int):
    """Block the chat's source (its keyed hash) for some hours, with a reason: the child's page then refuses politely."""
    _held_chat(conversation_id)
    reason, hours = request.form.get("reason", ""), request.form.get("hours", "")
    try:
        hours_number = parsing.whole_number(hours)
    except ValueError:
        hours_number = 0  # refused below, said plainly
    try:
        until = blocks.block(conversation_id, current_user.id, reason, hours_number)
    except chat.ChatError as error:
        case_id = _chat_case_id(conversation_id)
        return _case_page(case_id, CaseForm.for_case(cases.get_case(case_id)), 400,
                          block={"reason": reason, "hours": hours, "error": translate(error.key)})
    flash(translate("console_chat_blocked", until=display.local(until.expires_at).strftime("%Y-%m-%d %H:%M")), "info")
    return redirect(url_for(".case", case_id=_chat_case_id(conversation_id), _anchor="chat"))
