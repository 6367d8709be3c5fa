"""Interfaces of the outside systems the services use; implementations are wired in ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class GatewayError(RuntimeError):
    """Twilio's REST API refused or could not be reached (after retries where retrying makes sense).

    The message may hold Twilio's own words, which can repeat a phone number: show and keep ``status`` and
    ``code`` (Twilio's error code), never the message, wherever a caller's call is concerned.
    """

    def __init__(self, message: str, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def unreachable(self) -> bool:
        """Twilio never answered (network, timeout), as opposed to refusing."""
        return self.status is None


@dataclass(frozen=True)
class Participant:
    """Someone in a live conference, as Twilio lists them."""

    call_sid: str
    label: str | None = None  # set by whoever added them (supervisors: ``supervisor-<user id>``)
    muted: bool = False  # heard by no one
    coaching: bool = False  # heard only by ``call_sid_to_coach``
    call_sid_to_coach: str | None = None


class TelephonyGateway(Protocol):
    """What the helpline asks of Twilio's REST API."""

    def fetch_recording(self, recording_sid: str) -> bytes:
        """The recording's audio as WAV (all channels)."""

    def delete_recording(self, recording_sid: str) -> None:
        """Delete Twilio's copy; deleting one already gone is not an error."""

    def redirect_queue_member(self, queue_sid: str, call_sid: str, url: str) -> None:
        """Take a caller out of a Twilio queue and run the TwiML at ``url`` for them."""

    def redirect_call(self, call_sid: str, url: str) -> None:
        """Make a live call run the TwiML at ``url`` now."""

    def dial_into_conference(self, conference: str, to: str, from_: str, status_callback: str,
                             timeout: int) -> str:
        """Dial ``to`` into a conference (created if need be); returns the new call's SID."""

    def call_out(self, to: str, from_: str, url: str, status_callback: str, timeout: int) -> str:
        """Place a call to ``to`` that runs the TwiML at ``url`` once answered; returns its SID."""

    def record_call(self, call_sid: str, status_callback: str) -> str:
        """Record a live call in two channels (the caller, and what the caller hears); returns the SID."""

    def find_conference(self, name: str) -> str | None:
        """The SID of the conference of that name while it is in progress, else None."""

    def conference_participants(self, conference_sid: str) -> list[Participant]:
        """Who is in a live conference now."""

    def add_participant(self, conference_sid: str, to: str, from_: str, *, label: str, muted: bool,
                        coach: str | None, status_callback: str, timeout: int) -> str:
        """Ring ``to`` into a live conference, muted (listens) or coaching ``coach``; returns the new call's SID."""

    def update_participant(self, conference_sid: str, participant: str, *, muted: bool, coach: str | None) -> None:
        """Change how a participant (call SID or label) is heard: muted, coaching ``coach``, or neither."""

    def remove_participant(self, conference_sid: str, participant: str) -> None:
        """Hang up a participant (call SID or label); one already gone is not an error."""
