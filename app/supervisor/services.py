"""Reading calls with their recordings and transcripts for supervisors; every transcript read is audited."""

from __future__ import annotations

from app.audit import services as audit
from app.calls.models import Call
from app.calls.services import find_call
from app.db import db
from app.recordings.models import Recording
from app.transcription.models import Transcript


def call_record(call_sid: str, reader) -> dict | None:
    """The call as the API shows it, or None; audits the read of each transcript it contains."""
    call = find_call(call_sid)
    if call is None:
        return None
    recordings = db.session.query(Recording).filter(Recording.call_id == call.id).order_by(Recording.id).all()
    body = _call(call)
    body["recordings"] = [_recording(r) for r in recordings]
    for recording in recordings:
        for transcript in recording.transcripts:
            audit.record("transcript.read", actor=reader, target_type="transcript", target_id=transcript.id,
                         recording_sid=recording.recording_sid, via="api")
    db.session.commit()
    return body


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _call(call: Call) -> dict:
    return {
        "call_sid": call.call_sid,
        "status": call.status.value,
        "language": call.language,
        "flow_id": call.flow_id,
        "ivr_outcome": call.ivr_outcome.value,
        "priority": call.priority.value if call.priority else None,
        "category": call.category,
        "queue_result": call.queue_result,
        "path": [step.node for step in call.steps],
        "repeat_caller_key": call.caller_hash,
        "created_at": _iso(call.created_at),
        "ended_at": _iso(call.ended_at),
        "duration_seconds": call.duration_seconds,
    }


def _recording(recording: Recording) -> dict:
    return {
        "recording_sid": recording.recording_sid,
        "source": recording.source.value,
        "state": recording.state.value,
        "failure": recording.failure,
        "language": recording.language,
        "duration_seconds": recording.duration_seconds,
        "channels": recording.channels,
        "sha256": recording.sha256,
        "size_bytes": recording.size_bytes,
        "stored_at": _iso(recording.stored_at),
        "deleted_at_twilio": _iso(recording.deleted_at_twilio),
        "transcribed_at": _iso(recording.transcribed_at),
        "transcripts": [_transcript(t) for t in recording.transcripts],
    }


def _transcript(transcript: Transcript) -> dict:
    return {
        "channel": transcript.channel,
        "speaker": transcript.speaker.value,
        "language": transcript.language,
        "engine": transcript.engine,
        "text": transcript.text,
        "words": [
            {"word": w.word, "start": w.start, "end": w.end, "confidence": w.confidence} for w in transcript.words
        ],
    }
