"""What Twilio's webhooks carry, read and checked once at the door.

``webhook(...)`` checks the signature first (403), then reads every field and query parameter the views
use into a ``Webhook``; a malformed value is a 400 naming the field, before anything is looked up or
stored (Twilio retries a 5xx, while a 400 tells it the request itself was wrong). Fields the helpline
does not use are ignored.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from flask import Response, request

from app.core import sids
from app.core.parsing import whole_number
from app.core.vocab import CallStatus

from .signature import twilio_signed

log = logging.getLogger(__name__)

# Twilio's vocabularies (its API reference); "initiated" is what a status callback of a call Twilio is
# dialling says.
CALL_STATUSES = frozenset({*(status.value for status in CallStatus), "initiated"})
RECORDING_STATUSES = frozenset({"in-progress", "paused", "stopped", "processing", "completed", "absent", "failed",
                                "deleted"})
RECORDING_SOURCES = frozenset({"DialVerb", "Conference", "OutboundAPI", "Trunking", "RecordVerb",
                               "StartCallRecordingAPI", "StartConferenceRecordingAPI"})
QUEUE_RESULTS = frozenset({"bridged", "bridging-in-process", "error", "hangup", "leave", "queue-full", "redirected",
                           "redirected-from-bridged", "system-error"})

_KEYS = re.compile(r"[0-9*#]{1,32}")  # keys pressed on a phone ("hangup": hung up during a <Record>)
_ADDRESS = re.compile(r"[ -~]{1,128}")  # From: +E.164 (or a carrier's "+7 (701) …"), client:name, sip:…, "anonymous"
_URL = re.compile(r"https?://[\x21-\x7e]{1,500}")
_ATTEMPT = re.compile(r"[0-9-]{0,64}")  # app.voice.services.attempt(): operator id and pick time


class BadWebhook(ValueError):
    """A field of the webhook is missing or malformed."""

    def __init__(self, name: str):
        super().__init__(f"{name} is missing or malformed")
        self.name = name


# --- readers: the value of the text Twilio sent, or ValueError --------------------------------------------


def _text(accepts: Callable[[str], object]) -> Callable[[str], str]:
    """The text as sent, when ``accepts`` it."""

    def read(value: str) -> str:
        if not accepts(value):
            raise ValueError(value)
        return value

    return read


def _sid(kind: str) -> Callable[[str], str]:
    return _text(lambda value: sids.is_sid(value, kind))


def _seconds(value: str) -> int | None:
    """A duration in seconds; Twilio says -1 while it does not know it yet."""
    number = whole_number(value, smallest=-1)
    return None if number == -1 else number


def _identifier(value: str) -> int:
    return whole_number(value, smallest=1)


def _channels(value: str) -> int:
    return whole_number(value, smallest=1, largest=2)


def _flag(value: str) -> bool:
    return whole_number(value, largest=1) == 1


# --- the webhook -------------------------------------------------------------------------------------


def _field(name: str, read: Callable[[str], object], *, query: bool = False):
    """A ``Webhook`` attribute read from Twilio's form field (or query parameter) ``name``."""
    return field(default=None, metadata={"name": name, "read": read, "query": query})


@dataclass(frozen=True)
class Webhook:
    """The fields of one webhook the helpline uses, each checked; None where absent."""

    account_sid: str | None = _field("AccountSid", _sid(sids.ACCOUNT))
    call_sid: str | None = _field("CallSid", _sid(sids.CALL))
    call_status: str | None = _field("CallStatus", _text(CALL_STATUSES.__contains__))
    call_duration: int | None = _field("CallDuration", _seconds)
    caller: str | None = _field("From", _text(_ADDRESS.fullmatch))
    digits: str | None = _field("Digits", _text(lambda keys: keys == "hangup" or _KEYS.fullmatch(keys)))
    queue_sid: str | None = _field("QueueSid", _sid(sids.QUEUE))
    queue_result: str | None = _field("QueueResult", _text(QUEUE_RESULTS.__contains__))
    recording_sid: str | None = _field("RecordingSid", _sid(sids.RECORDING))
    recording_url: str | None = _field("RecordingUrl", _text(_URL.fullmatch))
    recording_status: str | None = _field("RecordingStatus", _text(RECORDING_STATUSES.__contains__))
    recording_duration: int | None = _field("RecordingDuration", _seconds)
    recording_channels: int | None = _field("RecordingChannels", _channels)
    recording_source: str | None = _field("RecordingSource", _text(RECORDING_SOURCES.__contains__))
    # the query of the callback URLs the helpline gave Twilio
    seq: int | None = _field("s", whole_number, query=True)
    entry: int | None = _field("entry", _identifier, query=True)
    supervisor: int | None = _field("supervisor", _identifier, query=True)
    attempt: str | None = _field("attempt", _text(_ATTEMPT.fullmatch), query=True)
    silence: bool | None = _field("silence", _flag, query=True)


def read(form, args, required: tuple[str, ...] = ()) -> Webhook:
    """The ``Webhook`` of a request's form and query; BadWebhook names the first field missing or malformed."""
    values = {}
    for item in fields(Webhook):
        name, source = item.metadata["name"], args if item.metadata["query"] else form
        raw = source.get(name)
        if not raw:  # absent, or empty as Twilio sends a field with nothing in it (Digits of a silent <Gather>)
            if name in required:
                raise BadWebhook(name)
            continue
        try:
            values[item.name] = item.metadata["read"](raw)
        except ValueError:
            raise BadWebhook(name) from None
    return Webhook(**values)


def webhook(*required: str):
    """A Twilio webhook: the signature is checked (403), then the fields (400); the view gets the ``Webhook``.

    ``required`` names the fields (Twilio's names) the view cannot do without.
    """

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        @twilio_signed
        def checked(*args, **kwargs):
            try:
                hook = read(request.form, request.args, required)
            except BadWebhook as error:
                log.warning("refused a malformed webhook to %s: %s", request.path, error)
                return Response(str(error), status=400, mimetype="text/plain")
            return view(hook, *args, **kwargs)

        return checked

    return decorate
