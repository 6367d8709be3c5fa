"""Vocabularies shared by the whole service: languages, channels, priorities, categories, call lifecycle."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

# Twilio ends every call after at most four hours (the longest <Dial> timeLimit).
MAX_CALL_LENGTH = timedelta(hours=4)


class Language(StrEnum):
    """A language the helpline serves callers in."""

    KK = "kk"  # Kazakh: Twilio has no voice for it, so every prompt needs audio
    RU = "ru"  # Russian: Twilio <Say> voices exist, audio is optional


class Channel(StrEnum):
    """How a contact reached the helpline: both wait in the same line and become the same kind of case."""

    PHONE = "phone"  # a call to 111 through the IVR and the operator queue
    WEB = "web"  # a chat opened from a QR code (or the web), in the same line as callers


class Priority(StrEnum):
    """How soon a waiting caller must be answered; lower rank is answered first."""

    URGENT = "urgent"  # cannot talk freely or in danger now
    CHILD = "child"  # a child or teenager
    STANDARD = "standard"  # everyone else

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.URGENT: 0, Priority.CHILD: 1, Priority.STANDARD: 2}


class CallStatus(StrEnum):
    """Twilio's call lifecycle, as reported by status callbacks."""

    QUEUED = "queued"  # accepted by Twilio, not yet ringing
    RINGING = "ringing"  # ringing at our number
    IN_PROGRESS = "in-progress"  # answered: the IVR is running or the caller is talking
    COMPLETED = "completed"  # ended normally
    BUSY = "busy"  # the line was busy
    FAILED = "failed"  # Twilio could not connect the call
    NO_ANSWER = "no-answer"  # nobody answered
    CANCELED = "canceled"  # hung up before it was answered

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def rank(self) -> int:
        """Order in the lifecycle; a callback never moves a call backwards."""
        return 2 if self.is_final else _STATUS_RANK[self]


_STATUS_RANK = {CallStatus.QUEUED: 0, CallStatus.RINGING: 0, CallStatus.IN_PROGRESS: 1}
FINAL_STATUSES = frozenset(
    {CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.FAILED, CallStatus.NO_ANSWER, CallStatus.CANCELED}
)


class IvrOutcome(StrEnum):
    """Where a caller's walk through the IVR ended."""

    IN_IVR = "in_ivr"  # still in the menus (or hung up there)
    ENQUEUED = "enqueued"  # waiting for (or talking to) an operator
    VOICE_MESSAGE = "voice_message"  # left a voice message
    HUNG_UP = "hung_up"  # the flow itself ended the call (after information, say)


class Speaker(StrEnum):
    """Whose voice a transcript holds."""

    CALLER = "caller"  # the caller's channel of a conversation
    OPERATOR = "operator"  # the operator's channel of a conversation
    VOICE_MESSAGE = "voice_message"  # a message the caller left in the IVR


class RecordingSource(StrEnum):
    """How a recording came to be."""

    VOICE_MESSAGE = "voice_message"  # <Record> in the IVR: the caller alone, one channel
    CONVERSATION = "conversation"  # caller and operator, two channels (caller first)

    def speakers(self, channels: int) -> tuple[Speaker, ...]:
        """The speaker of each channel, in channel order."""
        if self is RecordingSource.VOICE_MESSAGE:
            return (Speaker.VOICE_MESSAGE,) * channels
        return (Speaker.CALLER, Speaker.OPERATOR)[:channels] if channels > 1 else (Speaker.CALLER,)
