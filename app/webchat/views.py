"""The child's page: ``/q/<code>`` from a school's QR poster, the first questions, the chat, the return by code.

No sign-in. Thin views over the chat service (``app.chat``), the flow's web menus (``app.core.webwalk``)
and the per-source limits (``app.chat.throttle``, ``app.chat.blocks``). Every POST carries the CSRF token.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf

from app.chat import blocks, throttle
from app.chat import services as chat
from app.chat.models import ConversationState
from app.core import webwalk
from app.ivr import services as ivr
from app.queue import services as line
from app.web import sse
from app.web.pages import this_page

from . import page, stream

bp = Blueprint("webchat", __name__)

ANSWERS_MAX = 40  # characters of the keys chosen so far (a few questions' worth)
CODE_TYPED_MAX = 40


def _render(template: str, status: int = 200, **context) -> tuple[str, int]:
    lang = page.language()
    other = [code for code in page.LANGUAGES if code != lang]
    return render_template(template, _=page.text, lang=lang, other_languages=other, this_page=_this_page,
                           quick_exit=current_app.config["CHAT_QUICK_EXIT_URL"], **context), status


def _this_page(**query: str) -> str:
    """This page in another language; after a message was sent (a POST-only address), the chat."""
    if request.endpoint == "webchat.send":
        return url_for("webchat.chat_page", **query)
    return this_page(**query)


def _problem(title: str, body: str, status: int, link: tuple[str, str] | None = None) -> tuple[str, int]:
    return _render("webchat/problem.html", status, title=page.text(title), body=page.text(body), link=link)


def _back_link() -> tuple[str, str]:
    if page.held_chat() is not None:
        return url_for("webchat.chat_page"), page.text("webchat_back_to_chat")
    return url_for("webchat.start", code=session.get(page.PLACE) or "web"), page.text("webchat_start_again")


@bp.errorhandler(CSRFError)
def refused_form(error):
    """A form without our token (forged, or the page open for hours): nothing was taken; say so plainly.

    The page's script gets a fresh token with the answer and sends again: a chat page left open overnight
    (a message after hours) still sends. Another site cannot read this answer, so the token is no gift to it.
    """
    if _wants_json():
        return {"error": page.text("webchat_refused_text"), "csrf_token": generate_csrf()}, 400
    return _problem("webchat_refused_title", "webchat_refused_text", 400, _back_link())


# --- the start: the flow's first questions -----------------------------------------------------------------


def _question(code: str, answers: tuple[str, ...], status: int = 200):
    flow = ivr.flow_for()
    lang = page.language()
    try:
        where = webwalk.walk(flow, lang, answers)
    except webwalk.NotOffered:
        return _problem("webchat_stale_title", "webchat_stale_text", 400, (url_for("webchat.start", code=code),
                                                                             page.text("webchat_start_again")))
    if isinstance(where, webwalk.Answered):
        return _start_chat(code, where)
    prompts = flow.prompts
    return _render("webchat/start.html", status, code=code, answers=" ".join(answers),
                   question=prompts[where.prompt][lang], notes=[prompts[note][lang] for note in where.notes],
                   choices=[(choice.key, prompts[choice.label][lang]) for choice in where.choices],
                   line_open=line.line_open())


@bp.get("/q/<code>")
def start(code: str):
    """The poster's page: the safety line, quick exit, and the first question (or the chat this browser holds)."""
    held = page.held_chat()
    if held is not None and held.state is not ConversationState.CLOSED:
        return redirect(url_for("webchat.chat_page"))
    return _question(code, ())


@bp.post("/q/<code>")
def answer(code: str):
    """One answer (a button): the next question, or the chat begins with the priority and category they lead to."""
    answers = request.form.get("answers", "")[:ANSWERS_MAX].split()
    key = request.form.get("key", "")
    if not key:
        return _problem("webchat_stale_title", "webchat_stale_text", 400, (url_for("webchat.start", code=code),
                                                                             page.text("webchat_start_again")))
    return _question(code, (*answers, key))


def _start_chat(code: str, answered: webwalk.Answered):
    if blocks.is_blocked(page.source()):
        return _problem("webchat_blocked_title", "webchat_blocked_text", 403)
    if not throttle.allow("start", page.source(), current_app.config["CHAT_STARTS_PER_HOUR"], timedelta(hours=1)):
        return _problem("webchat_slow_down_title", "webchat_slow_down_start", 429)
    started = chat.start(language=page.language(), priority=answered.priority, category=answered.category,
                         source=page.source(), place_code=code)
    page.hold(started.conversation_id, code=started.code, place=code[:100])
    return redirect(url_for("webchat.chat_page"), 303)


# --- the chat --------------------------------------------------------------------------------------------------


def _chat_page(conversation, status: int = 200, error: str | None = None, typed: str = ""):
    messages = [page.message_view(m) for m in chat.messages_after(conversation.id)]
    closed = conversation.state is ConversationState.CLOSED
    return _render("webchat/chat.html", status, conversation=conversation, messages=messages, closed=closed,
                   code=session.pop(page.CODE, None), waiting=page.waiting_text(conversation),
                   after_hours=conversation.after_hours and conversation.state is ConversationState.WAITING,
                   client_id=secrets.token_hex(16), error=error, typed=typed,
                   last_id=messages[-1]["id"] if messages else 0,
                   new_chat=url_for("webchat.start", code=session.get(page.PLACE) or "web"))


@bp.get("/chat/")
def chat_page():
    """The chat: its messages, the place in line, the message box; the code once, when it has just begun."""
    conversation = page.held_chat()
    if conversation is None:
        return redirect(url_for("webchat.come_back"))
    return _chat_page(conversation)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/chat/send")
def send():
    """A message of the child: by fetch (JSON answer) or by the plain form (back to the chat page)."""
    conversation = page.held_chat()
    refusal = None
    if conversation is None:
        refusal = ("webchat_no_chat_title", "webchat_no_chat_text", 400)
    elif blocks.is_blocked(page.source()):
        refusal = ("webchat_blocked_title", "webchat_blocked_text", 403)
    elif not throttle.allow("message", page.source(), current_app.config["CHAT_MESSAGES_PER_MINUTE"],
                            timedelta(minutes=1)):
        refusal = ("webchat_slow_down_title", "webchat_slow_down_message", 429)
    if refusal is not None:
        title, body, status = refusal
        if _wants_json():
            return {"error": page.text(body)}, status
        return _problem(title, body, status, _back_link() if conversation is not None else None)
    typed = request.form.get("text", "")
    try:
        message = chat.post(conversation.id, typed, request.form.get("client_id", ""))
    except chat.ChatError as error:
        if _wants_json():
            return {"error": page.text(error.key, limit=current_app.config["CHAT_MESSAGE_MAX"])}, 400
        return _chat_page(conversation, 400, page.text(error.key, limit=current_app.config["CHAT_MESSAGE_MAX"]),
                          typed)
    if _wants_json():
        return page.message_view(message)
    return redirect(url_for("webchat.chat_page"), 303)


@bp.get("/chat/stream")
def chat_stream():
    """The chat's live events (server-sent): new messages after ``Last-Event-ID`` (or ``?after=``), the place in line."""
    conversation = page.held_chat()
    after = sse.last_event_id(request.headers.get("Last-Event-ID"), request.args.get("after"))
    if conversation is None or (conversation.state is ConversationState.CLOSED
                                and not chat.messages_after(conversation.id, after, limit=1)):
        return Response(status=204)  # nothing (more) to follow: EventSource stops reconnecting
    return sse.response(stream.events(conversation.id, after))


# --- coming back with the code ---------------------------------------------------------------------------------


@bp.route("/chat/return", methods=["GET", "POST"])
def come_back():
    """The code form: a child who wrote earlier reads the answer and goes on with the same chat."""
    if request.method == "GET":
        return _render("webchat/return.html")
    if not throttle.allow("code", page.source(), current_app.config["CHAT_CODE_TRIES_PER_HOUR"], timedelta(hours=1)):
        return _problem("webchat_slow_down_title", "webchat_slow_down_code", 429)
    typed = request.form.get("code", "")[:CODE_TYPED_MAX]
    conversation = chat.find_by_code(typed)
    if conversation is None:
        return _render("webchat/return.html", 400, error=page.text("webchat_code_unknown"), typed=typed)
    page.hold(conversation.id)
    session.pop(page.CODE, None)
    return redirect(url_for("webchat.chat_page"), 303)
