"""Helpers for webhook tests: Twilio-signed requests, TwiML parsing, database snapshots."""

from __future__ import annotations

import secrets

from lxml import etree
from sqlalchemy import inspect, select, text
from twilio.request_validator import RequestValidator

from app.calls.models import Call, CallStep
from app.db import db
from app.recordings.models import Recording
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL

CALLER = "+77019876543"  # a made-up Kazakh mobile number
CALLER_DIGITS = "77019876543"
WAV_TYPES = ("audio/wav", "audio/x-wav", "audio/wave")  # what Twilio's <Play> accepts as WAV


def new_call_sid() -> str:
    return "CA" + secrets.token_hex(16)


def twilio_params(call_sid: str, **extra: str) -> dict[str, str]:
    """The form Twilio posts to a voice webhook, plus ``extra``."""
    return {"AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "CallSid": call_sid, "Direction": "inbound",
            "From": CALLER, "Caller": CALLER, "To": "+77001110111", "Called": "+77001110111",
            "CallStatus": "in-progress", **extra}


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def signed_post(client, path: str, params: dict[str, str], *, token: str = AUTH_TOKEN, signed_url: str | None = None,
                base_url: str = "http://127.0.0.1:5000"):
    """POST ``params`` to ``path`` as Twilio would, signed for the public URL (or ``signed_url``).

    The request itself arrives at ``base_url`` (plain HTTP on loopback, as behind a TLS proxy).
    """
    signature = sign(signed_url or PUBLIC_BASE_URL + path, params, token)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature}, base_url=base_url)


def twiml(response) -> etree._Element:
    """The TwiML document of a webhook reply, checked to be XML as Twilio demands."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype in ("text/xml", "application/xml")
    return etree.fromstring(response.get_data())


def start_call(client, call_sid: str | None = None, **extra: str) -> str:
    """Begin a call through a signed /voice/incoming; returns its CallSid."""
    call_sid = call_sid or new_call_sid()
    response = signed_post(client, "/voice/incoming", twilio_params(call_sid, CallStatus="ringing", **extra))
    assert response.status_code == 200
    return call_sid


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of the call tables, to show a request changed nothing."""
    with app.app_context():
        rows = {model.__tablename__: [tuple(row) for row in db.session.execute(
            select(model.__table__).order_by(model.__table__.c.id))] for model in (Call, CallStep, Recording)}
        db.session.remove()
    return rows


def find_call(app, call_sid: str) -> Call | None:
    """The call row, loaded with its steps and detached for assertions."""
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
        if call is not None:
            _ = call.steps
            db.session.expunge_all()
        db.session.remove()
    return call


def dump_database(app) -> str:
    """Every value of every column of every table, as one text."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        lines = []
        with db.engine.connect() as connection:
            for name in names:
                quoted = db.engine.dialect.identifier_preparer.quote(name)
                for row in connection.execute(text(f"SELECT * FROM {quoted}")):
                    lines.append(f"{name}: " + " | ".join(str(value) for value in row))
    return "\n".join(lines)
