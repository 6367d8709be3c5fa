"""The Twilio REST gateway: the one place that talks to Twilio's API.

URLs are built from the account and resource SIDs on ``TWILIO_API_BASE_URL`` — never taken from a
webhook body — so a simulator can stand in for Twilio and a forged URL can never be fetched.
"""

from __future__ import annotations

import json
import logging
import time

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.core.ports import GatewayError, Participant

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
RETRY_DELAYS = (0.5, 1.0, 2.0)  # seconds between tries on network errors and 5xx


class TwilioGateway:
    """Twilio's REST API over HTTPS with the account's credentials."""

    def __init__(self, account_sid: str, auth_token: str, base_url: str, timeout: float = 30.0,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS):
        self.account_sid = account_sid
        self.auth = (account_sid, auth_token)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_delays = retry_delays
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        self.client.api.base_url = self.base_url

    def _account_url(self, path: str) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/{path}"

    def fetch_recording(self, recording_sid: str, channels: int = 1) -> bytes:
        """GET the recording's media (no extension = WAV), with retries on network errors and 5xx.

        Twilio mixes a dual-channel recording down to mono unless ``RequestedChannels=2`` asks for both.
        """
        url = self._account_url(f"Recordings/{recording_sid}")
        params = {"RequestedChannels": "2"} if channels == 2 else None
        for attempt, delay in enumerate((*self.retry_delays, None)):
            try:
                response = requests.get(url, params=params, auth=self.auth, timeout=(10, self.timeout))
            except requests.RequestException as error:
                problem, status = f"cannot reach Twilio: {error}", None
            else:
                if response.status_code == 200:
                    return response.content
                problem, status = f"Twilio answered {response.status_code} for recording {recording_sid}", response.status_code
                if status < 500:
                    raise GatewayError(problem, status)
            if delay is None:
                raise GatewayError(f"{problem} (after {attempt + 1} tries)", status)
            log.warning("%s; retrying in %.1f s", problem, delay)
            time.sleep(delay)
        raise AssertionError("unreachable")

    def delete_recording(self, recording_sid: str) -> None:
        """DELETE Recordings/{Sid}.json; a 404 means it is already gone."""
        try:
            self._rest(lambda: self.client.api.v2010.accounts(self.account_sid).recordings(recording_sid).delete())
        except GatewayError as error:
            if not error.not_found:
                raise

    def redirect_queue_member(self, queue_sid: str, call_sid: str, url: str) -> None:
        """POST Queues/{QueueSid}/Members/{CallSid}.json: dequeue that caller into ``url``'s TwiML."""
        self._rest(lambda: self._account.queues(queue_sid).members(call_sid).update(url=url, method="POST"))

    def redirect_call(self, call_sid: str, url: str) -> None:
        """POST Calls/{Sid}.json with a new Url."""
        self._rest(lambda: self._account.calls(call_sid).update(url=url, method="POST"))

    def dial_into_conference(self, conference: str, to: str, from_: str, status_callback: str,
                             timeout: int) -> str:
        """POST Conferences/{name}/Participants.json: ring ``to``; its call's progress goes to the callback."""
        participant = self._rest(lambda: self._account.conferences(conference).participants.create(
            from_=from_, to=to, timeout=timeout, status_callback=status_callback, status_callback_method="POST",
            status_callback_event=["initiated", "ringing", "answered", "completed"],
            start_conference_on_enter=True, end_conference_on_exit=True, beep="false",
        ))
        return participant.call_sid

    def call_out(self, to: str, from_: str, url: str, status_callback: str, timeout: int) -> str:
        """POST Calls.json: ring ``to``; when answered, Twilio runs ``url``'s TwiML."""
        call = self._rest(lambda: self._account.calls.create(
            to=to, from_=from_, url=url, method="POST", timeout=timeout, status_callback=status_callback,
            status_callback_method="POST", status_callback_event=["initiated", "ringing", "answered", "completed"],
        ))
        return call.sid

    def record_call(self, call_sid: str, status_callback: str) -> str:
        """POST Calls/{CallSid}/Recordings.json, dual channel: caller and operator apart."""
        recording = self._rest(lambda: self._account.calls(call_sid).recordings.create(
            recording_channels="dual", recording_status_callback=status_callback,
            recording_status_callback_method="POST", recording_status_callback_event=["completed"],
        ))
        return recording.sid

    def find_conference(self, name: str) -> str | None:
        """GET Conferences.json?FriendlyName=…&Status=in-progress: the SID of the live conference of that name."""
        found = self._rest(lambda: self._account.conferences.list(friendly_name=name, status="in-progress", limit=1))
        return found[0].sid if found else None

    def conference_participants(self, conference_sid: str) -> list[Participant]:
        """GET Conferences/{Sid}/Participants.json: who is in the conference now."""
        found = self._rest(lambda: self._account.conferences(conference_sid).participants.list(limit=100))
        return [Participant(p.call_sid, p.label, bool(p.muted), bool(p.coaching), p.call_sid_to_coach) for p in found]

    def add_participant(self, conference_sid: str, to: str, from_: str, *, label: str, muted: bool,
                        coach: str | None, status_callback: str, timeout: int) -> str:
        """POST Conferences/{Sid}/Participants.json: ring ``to`` in, muted or coaching ``coach``.

        Silently (no beep), and their leaving never ends the conversation.
        """
        extra = {"coaching": True, "call_sid_to_coach": coach} if coach else {}
        participant = self._rest(lambda: self._account.conferences(conference_sid).participants.create(
            from_=from_, to=to, label=label, muted=muted, timeout=timeout, status_callback=status_callback,
            status_callback_method="POST", status_callback_event=["initiated", "ringing", "answered", "completed"],
            start_conference_on_enter=False, end_conference_on_exit=False, beep="false", **extra,
        ))
        return participant.call_sid

    def update_participant(self, conference_sid: str, participant: str, *, muted: bool, coach: str | None) -> None:
        """POST Conferences/{Sid}/Participants/{CallSid or label}.json: Muted, Coaching, CallSidToCoach."""
        extra = {"call_sid_to_coach": coach} if coach else {}
        self._rest(lambda: self._account.conferences(conference_sid).participants(participant).update(
            muted=muted, coaching=coach is not None, **extra))

    def remove_participant(self, conference_sid: str, participant: str) -> None:
        """DELETE Conferences/{Sid}/Participants/{CallSid or label}.json (hangs their call up); 404: already gone."""
        try:
            self._rest(lambda: self._account.conferences(conference_sid).participants(participant).delete())
        except GatewayError as error:
            if not error.not_found:
                raise

    @property
    def _account(self):
        return self.client.api.v2010.accounts(self.account_sid)

    def _rest(self, request):
        """Run a twilio-python request; Twilio's refusals and network failures become GatewayError."""
        try:
            return request()
        except TwilioRestException as error:
            raise GatewayError(f"Twilio refused: {error.msg} (HTTP {error.status}, code {error.code})",
                               error.status, _code(error.code)) from None
        except TwilioException as error:  # a list page Twilio refused: twilio-python raises only this
            raise _page_error(error) from None
        except requests.RequestException as error:
            raise GatewayError(f"cannot reach Twilio: {error}") from None


def _page_error(error: TwilioException) -> GatewayError:
    """GatewayError from a refused list page (``TwilioException("Unable to fetch page", response)``)."""
    response = error.args[1] if len(error.args) > 1 else None
    status = getattr(response, "status_code", None)
    try:
        body = json.loads(response.text)
    except (AttributeError, TypeError, ValueError):
        return GatewayError(f"Twilio refused: {error.args[0] if error.args else error} (HTTP {status})", status)
    return GatewayError(f"Twilio refused: {body.get('message')} (HTTP {status}, code {body.get('code')})", status,
                        _code(body.get("code")))


def _code(value) -> int | None:
    """Twilio's error code (an integer in its error body), if it gave one."""
    return value if isinstance(value, int) else None
