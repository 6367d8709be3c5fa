"""Request size limits, in one place: a body larger than its limit gets 413 before it is read.

Forms (the consoles, the sign-in) take ``MAX_CONTENT_LENGTH``; Twilio's webhooks, which are small, take
``WEBHOOK_MAX_CONTENT_LENGTH``; the development stand-in of Twilio's API takes uploaded recordings.
Werkzeug refuses a body whose Content-Length is over the limit without reading it, and stops reading a
chunked one at the limit; ``MAX_FORM_MEMORY_SIZE`` and ``MAX_FORM_PARTS`` bound each field and the number
of fields of a multipart form.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

STANDIN_MAX_CONTENT_LENGTH = 50 * 1024 * 1024  # recordings uploaded to the development stand-in


def _limit_body() -> None:
    if request.blueprint == "voice":
        request.max_content_length = current_app.config["WEBHOOK_MAX_CONTENT_LENGTH"]
    elif request.blueprint == "twilio_standin":
        request.max_content_length = STANDIN_MAX_CONTENT_LENGTH
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()  # said so up front: before the signature check, unread


def init_app(app: Flask) -> None:
    app.before_request(_limit_body)  # before CSRF and the webhooks' signature check read any form
