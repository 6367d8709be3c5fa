"""Error answers: a page in the reader's language (with the menu for staff), JSON for the API, plain text for Twilio.

A refused form whose session or CSRF token ran out says so and offers to sign in (or open the page) again. 413
and 500 pages are plain: no menu, so nothing in them needs the database that may be what failed.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.i18n import translate

from .pages import this_page

MACHINES = ("/voice/", "/audio/", "/twilio-sim/")  # Twilio reads these answers: plain text, as before
TITLED = (400, 403, 404, 405, 413, 500)  # the statuses with a title and text of their own
PLAIN = (413, 500)


def _with_headers(response: Response, error: HTTPException) -> Response:
    """``response`` with the error's own headers (Allow of a 405, …)."""
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    response.status_code = error.code
    return response


def answer(error: HTTPException) -> Response:
    """The error as the one asking reads it."""
    if request.path.startswith("/api/"):
        return _with_headers(jsonify(error=error.description), error)
    if request.path.startswith(MACHINES):
        return _with_headers(Response(error.description, mimetype="text/plain"), error)
    if isinstance(error, CSRFError):
        return _with_headers(_session_expired(), error)
    code = error.code if error.code in TITLED else "other"
    page = render_template("web/error.html", plain=error.code in PLAIN, code=error.code,
                           title=translate(f"error_{code}_title", code=error.code),
                           text=translate(f"error_{code}_text"))
    return _with_headers(Response(page), error)


def _session_expired() -> Response:
    """The form could not be taken: signed out (sign in again) or the page was open too long (open it again)."""
    if current_user.is_authenticated:
        text, link, href = "session_expired_open_text", "session_expired_open", this_page()
    else:
        text, link = "session_expired_text", "session_expired_sign_in"
        href = this_page() if request.endpoint == "auth.login" else url_for("auth.login", next=this_page())
    return Response(render_template("web/error.html", plain=False, code=400, title=translate("session_expired_title"),
                                    text=translate(text), link=(href, translate(link))))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, answer)  # an unexpected exception comes here as a 500
