"""``X-Twilio-Signature`` checking for every webhook."""

from __future__ import annotations

import functools
import logging

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


def public_url() -> str:
    """The URL as Twilio requested it: rebuilt from PUBLIC_BASE_URL, so TLS proxies don't break it."""
    query = request.query_string.decode()
    return current_app.config["PUBLIC_BASE_URL"] + request.path + (f"?{query}" if query else "")


def signature_is_valid() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    params = request.form if request.method == "POST" else {}
    return validator.validate(public_url(), params, signature)


def twilio_signed(view):
    """Refuse (403) any request not signed by Twilio with our auth token, before it changes anything."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not signature_is_valid():
            log.warning("rejected unsigned or forged webhook to %s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return checked
