"""Twilio's side of a phone call: signed webhooks out, TwiML followed as Twilio follows it.

Covers what the IVR uses: <Say>, <Play>, <Pause>, <Gather> (numDigits, timeout, finishOnKey,
actionOnEmptyResult), <Record> (action, recordingStatusCallback), <Redirect>, <Enqueue> (the wait URL
loop, <Leave>, the action on leaving), <Hangup>, <Reject>, relative URLs and the status callback.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode, urljoin, urlsplit
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

from .twiml_rules import check_response

API_VERSION = "2010-04-01"


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes


class Transport(Protocol):
    """Delivers a request addressed to a public URL to wherever the app really runs."""

    def send(self, method: str, url: str, params: dict[str, str], headers: dict[str, str]) -> Reply: ...


class HttpTransport:
    """Real HTTP to a running server; public URLs are rewritten to ``target_base``."""

    def __init__(self, public_base: str, target_base: str | None = None, timeout: float = 15.0):
        import requests

        self.public_base = public_base.rstrip("/")
        self.target_base = (target_base or public_base).rstrip("/")
        self.timeout = timeout  # Twilio gives a webhook 15 s in all
        self.session = requests.Session()

    def send(self, method, url, params, headers):
        if url.startswith(self.public_base):
            url = self.target_base + url[len(self.public_base):]
        response = self.session.request(method, url, data=params if method == "POST" else None,
                                        params=params if method == "GET" else None, headers=headers,
                                        timeout=self.timeout, allow_redirects=False)
        return Reply(response.status_code, response.headers.get("Content-Type", ""), response.content)


class AppTransport:
    """In-process delivery through a Flask test client (no network, same behaviour)."""

    def __init__(self, app):
        self.client = app.test_client()

    def send(self, method, url, params, headers):
        parts = urlsplit(url)
        query = parts.query
        if method == "GET" and params:  # appended to the URL's own query, as Twilio signs it (_with_query)
            query = f"{query}&{urlencode(params)}" if query else urlencode(params)
        path = parts.path + (f"?{query}" if query else "")
        response = self.client.open(path, method=method, data=params if method == "POST" else None,
                                    headers=headers, base_url=f"{parts.scheme}://{parts.netloc}")
        try:
            return Reply(response.status_code, response.headers.get("Content-Type", ""), response.get_data())
        finally:
            response.close()  # file responses (prompt audio) hold the file open until closed


class TwilioSide(Protocol):
    """What Twilio's REST API did to live calls (the stand-in, in this process or over HTTP)."""

    def take_redirect(self, call_sid: str) -> tuple[str, str] | None:
        """(url, method) if the call was redirected since the last look."""

    def call_ended(self, call_sid: str, conversation: bytes | None = None) -> None:
        """The caller hung up: finish recordings and operator legs."""


class RemoteTwilio:
    """The REST stand-in of a server running elsewhere (``/twilio-sim`` of a development server)."""

    def __init__(self, base_url: str, account_sid: str, auth_token: str):
        import requests

        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (account_sid, auth_token)

    def take_redirect(self, call_sid):
        answer = self.session.get(f"{self.base_url}/_simulator/calls/{call_sid}/redirect", timeout=10).json()
        return (answer["url"], answer["method"]) if answer.get("url") else None

    def call_ended(self, call_sid, conversation=None):
        self.session.post(f"{self.base_url}/_simulator/calls/{call_sid}/ended", data=conversation or b"", timeout=10)


class Caller(Protocol):
    """The person on the phone: decides what to press and whether to speak."""

    def keys(self) -> str | None:
        """Keys pressed at a <Gather> ("" = silence until the timeout); None = hang up."""

    def speaks(self) -> bool | None:
        """Whether the caller leaves a message at a <Record>; None = hang up."""


class ScriptedCaller:
    """Follows a script: one entry per <Gather> or <Record>; ``-`` means silence. Hangs up at the end."""

    def __init__(self, script: list[str]):
        self.script = list(script)

    def _next(self) -> str | None:
        return self.script.pop(0) if self.script else None

    def keys(self):
        entry = self._next()
        return None if entry is None else ("" if entry == "-" else entry)

    def speaks(self):
        entry = self._next()
        return None if entry is None else entry != "-"


@dataclass
class Exchange:
    """One request Twilio made and the reply it got."""

    method: str
    url: str
    params: dict[str, str]
    reply: Reply
    problems: list[str]
    document: ElementTree.Element | None


@dataclass
class CallResult:
    """Everything a simulated call did: what the caller heard, every request, every problem."""

    call_sid: str
    heard: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    ended_by: str = ""
    queue_result: str | None = None
    recordings: list[str] = field(default_factory=list)
    conferences: list[str] = field(default_factory=list)  # conferences the caller was bridged into

    @property
    def problems(self) -> list[str]:
        return [f"{e.method} {e.url}: {p}" for e in self.exchanges for p in e.problems]


class _Ended(Exception):
    def __init__(self, how: str):
        self.how = how


class CallSimulator:
    """Plays Twilio for one number: ``call()`` runs a whole inbound call against the app."""

    def __init__(self, transport: Transport, public_base: str, auth_token: str, account_sid: str,
                 api_base: str = "https://api.twilio.com", to: str = "+77001110111", wait_rounds: int = 2,
                 describe: Callable[[str], str | None] = lambda url: None,
                 on_recording: Callable[[str], float | None] = lambda recording_sid: None,
                 twilio: TwilioSide | None = None, round_seconds: float = 0.0, talk_rounds: int = 3,
                 conversation: Callable[[], bytes | None] = lambda: None,
                 on_heard: Callable[[str], None] = lambda line: None):
        self.transport = transport
        self.public_base = public_base.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.account_sid = account_sid
        self.api_base = api_base.rstrip("/")
        self.to = to
        self.wait_rounds = wait_rounds
        self.describe = describe
        self.on_recording = on_recording  # puts the caller's voice where Twilio keeps recordings
        self.twilio = twilio  # what the REST API did to the call meanwhile (redirects), and its recordings
        self.round_seconds = round_seconds  # real time one round of waiting or talking takes
        self.talk_rounds = talk_rounds  # rounds the caller stays in a conference before hanging up
        self.conversation = conversation  # the audio of a recorded conversation (both channels)
        self.on_heard = on_heard
        self._checked_audio: dict[str, int] = {}

    # --- the call ---------------------------------------------------------------------------------

    def call(self, caller: Caller, from_number: str = "+77011234567", call_sid: str | None = None) -> CallResult:
        """Ring the helpline, follow its TwiML until someone hangs up, then send the status callback."""
        self.result = CallResult(call_sid or "CA" + secrets.token_hex(16))
        self.caller = caller
        self.base_params = {
            "AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": self.result.call_sid,
            "Direction": "inbound", "From": from_number, "Caller": from_number, "To": self.to, "Called": self.to,
            "FromCountry": "KZ", "ToCountry": "KZ",
        }
        self.seconds = 0
        self._after_next_request: list[tuple[str, str, dict]] = []
        try:
            url, method, extra = self.public_base + "/voice/incoming", "POST", {}
            status = "ringing"
            while True:
                exchange = self._webhook(method, url, {**extra, "CallStatus": status})
                status = "in-progress"
                while self._after_next_request:
                    self._webhook(*self._after_next_request.pop(0))
                if exchange.document is None or exchange.reply.status != 200:
                    raise _Ended("application-error")  # Twilio says "an application error has occurred"
                url, method, extra = self._follow(exchange.url, exchange.document)
        except _Ended as ended:
            self.result.ended_by = ended.how
        while self._after_next_request:
            self._webhook(*self._after_next_request.pop(0))
        self._webhook("POST", self.public_base + "/voice/status",
                      {"CallStatus": "completed", "CallDuration": str(self.seconds)})
        return self.result

    def _follow(self, doc_url: str, root: ElementTree.Element) -> tuple[str, str, dict]:
        """Run a document's verbs in order; return the next request, or raise _Ended."""
        for verb in root:
            tag = verb.tag
            if tag in ("Say", "Play", "Pause"):
                self._hear(doc_url, verb)
            elif tag == "Gather":
                next_request = self._gather(doc_url, verb)
                if next_request:
                    return next_request
            elif tag == "Record":
                next_request = self._record(doc_url, verb)
                if next_request:
                    return next_request
            elif tag == "Redirect":
                return self._url(doc_url, verb.text), verb.get("method", "POST").upper(), {}
            elif tag == "Enqueue":
                next_request = self._enqueue(doc_url, verb)
                if next_request:
                    return next_request
            elif tag in ("Hangup", "Reject"):
                self._say("☎ the helpline hangs up")
                raise _Ended("hangup")
            elif tag == "Dial" and verb.find("Conference") is not None:
                return self._conference(verb.find("Conference"))
            else:
                self._say(f"☎ <{tag}> (not simulated) ends the call")
                raise _Ended(f"unsupported:{tag}")
        self._say("☎ end of instructions: Twilio hangs up")
        raise _Ended("end-of-document")

    # --- verbs ------------------------------------------------------------------------------------

    def _hear(self, doc_url: str, verb: ElementTree.Element) -> None:
        if verb.tag == "Say":
            self._say(f"🗣 [{verb.get('language', 'en-US')}] {(verb.text or '').strip()}")
            self.seconds += 3
        elif verb.tag == "Play":
            url = self._url(doc_url, verb.text)
            self._check_audio(url)
            text = self.describe(url)
            self._say(f"♪ {url}" + (f" «{text}»" if text else ""))
            self.seconds += 3
        else:
            self._say(f"… pause {verb.get('length', '1')} s")
            self.seconds += int(verb.get("length", "1"))

    def _gather(self, doc_url: str, verb: ElementTree.Element, waiting: bool = False):
        for child in verb:
            self._hear(doc_url, child)
        keys = self.caller.keys()
        if keys is None and waiting:  # out of keys while on hold: just go on waiting
            keys = ""
        if keys is None:
            self._say("☎ the caller hangs up")
            raise _Ended("caller")
        finish = verb.get("finishOnKey", "#")
        finished_on = ""
        if finish and any(k in finish for k in keys):
            cut = min(keys.index(k) for k in finish if k in keys)
            keys, finished_on = keys[:cut], keys[cut]
        num_digits = int(verb.get("numDigits", "0") or 0)
        if num_digits:
            keys = keys[:num_digits]
        self.seconds += int(verb.get("timeout", "5")) if not keys else 1
        self._say(f"⌨ presses {keys}" if keys else "⌨ (silence)")
        if not keys and verb.get("actionOnEmptyResult") != "true":
            return None  # Twilio falls through to the next verb
        params = {"Digits": keys, "FinishedOnKey": finished_on, "msg": "Gather End"}
        return self._url(doc_url, verb.get("action")), verb.get("method", "POST").upper(), params

    def _record(self, doc_url: str, verb: ElementTree.Element):
        self._say("🔴 beep: recording")
        speaks = self.caller.speaks()
        if speaks is None:
            self._say("☎ the caller hangs up")
            raise _Ended("caller")
        if not speaks:
            self._say("🔴 (nothing said: no recording, Twilio goes on)")
            return None
        recording_sid = "RE" + secrets.token_hex(16)
        spoken = self.on_recording(recording_sid)  # the audio's length, if the caller's words were made
        duration = min(int(verb.get("maxLength", "3600")), round(spoken) if spoken else 5)
        self.seconds += duration
        media_url = f"{self.api_base}/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{recording_sid}"
        self.result.recordings.append(recording_sid)
        self._say(f"🗣 the caller speaks for {duration} s and presses #")
        callback = verb.get("recordingStatusCallback")
        if callback:  # Twilio reports the finished file after the action request, asynchronously
            self._after_next_request.append((
                verb.get("recordingStatusCallbackMethod", "POST").upper(), self._url(doc_url, callback),
                {"RecordingSid": recording_sid, "RecordingUrl": media_url, "RecordingStatus": "completed",
                 "RecordingDuration": str(duration), "RecordingChannels": "1", "RecordingSource": "RecordVerb",
                 "ErrorCode": "0"}))
        params = {"RecordingSid": recording_sid, "RecordingUrl": media_url,
                  "RecordingDuration": str(duration), "Digits": "#"}
        return self._url(doc_url, verb.get("action")), verb.get("method", "POST").upper(), params

    def _enqueue(self, doc_url: str, verb: ElementTree.Element):
        queue = (verb.text or "").strip()
        self._say(f"⏳ enters queue {queue!r}")
        wait_url = verb.get("waitUrl")
        queue_params = {"QueueSid": "QU" + secrets.token_hex(16), "QueuePosition": "1", "CurrentQueueSize": "1",
                        "AvgQueueTime": "0", "MaxQueueSize": "100"}
        result, next_request = "hangup", None
        for _ in range(self.wait_rounds):
            redirect = self._redirected()
            if redirect:
                self._say("⏳ taken out of the queue by the REST API")
                result, next_request = "redirected", redirect
                break
            if not wait_url:
                break
            params = {**queue_params, "QueueTime": str(self.seconds)}
            exchange = self._webhook(verb.get("waitUrlMethod", "POST").upper(), self._url(doc_url, wait_url), params)
            if exchange.document is None:
                result = "error"
                break
            outcome = self._follow_wait(exchange.url, exchange.document)
            if outcome is not None:
                result, next_request = outcome
                break
        else:
            self._say(f"☎ the caller hangs up after {self.wait_rounds} rounds of waiting")
        self.result.queue_result = result
        action = verb.get("action")
        if action:
            exchange = self._webhook(verb.get("method", "POST").upper(), self._url(doc_url, action),
                                     {"QueueResult": result, "QueueSid": queue_params["QueueSid"],
                                      "QueueTime": str(self.seconds)})
            if result == "leave" and exchange.document is not None:
                return self._follow(exchange.url, exchange.document)
        if result == "hangup":
            raise _Ended("caller")
        return next_request

    def _conference(self, conference: ElementTree.Element):
        """In the case's conference: talk for a few rounds (unless redirected), then hang up."""
        name = (conference.text or "").strip()
        self.result.conferences.append(name)
        self._say(f"🤝 joins conference {name!r}")
        for _ in range(self.talk_rounds):
            redirect = self._redirected()
            if redirect:
                self._say("🤝 taken out of the conference by the REST API")
                return redirect
            self.seconds += 10
        self._say("☎ the caller says goodbye and hangs up")
        if self.twilio is not None:
            self.twilio.call_ended(self.result.call_sid, self.conversation())
        raise _Ended("caller")

    def _redirected(self) -> tuple[str, str, dict] | None:
        """Wait one round in real time, then see whether the REST API redirected the call meanwhile."""
        if self.round_seconds:
            time.sleep(self.round_seconds)
        redirect = self.twilio.take_redirect(self.result.call_sid) if self.twilio else None
        return (redirect[0], redirect[1], {}) if redirect else None

    def _follow_wait(self, doc_url: str, root: ElementTree.Element):
        """One round of wait music; returns (QueueResult, next request) if the caller left the queue."""
        for verb in root:
            if verb.tag in ("Say", "Play", "Pause"):
                self._hear(doc_url, verb)
            elif verb.tag == "Leave":
                self._say("⏳ leaves the queue")
                return "leave", None
            elif verb.tag == "Redirect":
                return "redirected", (self._url(doc_url, verb.text), verb.get("method", "POST").upper(), {})
            elif verb.tag == "Hangup":
                raise _Ended("hangup")
            elif verb.tag == "Gather":
                request = self._gather(doc_url, verb, waiting=True)
                if request:
                    url, method, extra = request
                    exchange = self._webhook(method, url, extra)
                    if exchange.document is not None:
                        return self._follow_wait(exchange.url, exchange.document)
        return None

    # --- plumbing ---------------------------------------------------------------------------------

    def _webhook(self, method: str, url: str, extra: dict[str, str]) -> Exchange:
        params = {**self.base_params, **extra}
        reply = send_signed(self.transport, self.validator, method, url, params)
        problems, document = check_response(reply.status, reply.content_type, reply.body)
        exchange = Exchange(method, url, params, reply, problems, document)
        self.result.exchanges.append(exchange)
        return exchange

    def _check_audio(self, url: str) -> None:
        """Twilio fetches what it plays; a missing or non-audio file is a problem the caller would hear."""
        if url in self._checked_audio:
            return
        reply = self.transport.send("GET", url, {}, {})
        self._checked_audio[url] = reply.status
        ok = reply.status == 200 and reply.content_type.split(";")[0] in ("audio/wav", "audio/x-wav", "audio/mpeg",
                                                                          "audio/wave")
        if not ok:
            self.result.exchanges.append(Exchange("GET", url, {}, reply,
                                                  [f"audio not playable: {reply.status} {reply.content_type}"], None))

    def _url(self, doc_url: str, target: str | None) -> str:
        return urljoin(doc_url, (target or "").strip()) if target else doc_url

    def _say(self, line: str) -> None:
        self.result.heard.append(line)
        self.on_heard(line)


def send_signed(transport: Transport, validator: RequestValidator | str, method: str, url: str,
                params: dict[str, str]) -> Reply:
    """Deliver a webhook as Twilio does: signed with the auth token, with an idempotency token."""
    if isinstance(validator, str):
        validator = RequestValidator(validator)
    signed_url = url if method == "POST" else _with_query(url, params)
    signature = validator.compute_signature(signed_url, params if method == "POST" else {})
    headers = {"X-Twilio-Signature": signature, "I-Twilio-Idempotency-Token": secrets.token_hex(16),
               "User-Agent": "TwilioProxy/1.1 (qorgau simulator)"}
    return transport.send(method, url, params, headers)


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)
