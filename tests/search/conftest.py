"""Fixtures of the search tests: people, calls with cases, transcripts, and the search page read as hits.

Transcripts come from the real pipeline (Vosk), or with chosen words through the transcription service.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from lxml import html
from sqlalchemy import select

from app.calls.models import Call
from app.cases import services as cases
from app.core.vocab import RecordingSource
from app.db import db
from app.models import import_all
from app.recordings.models import Recording, RecordingState
from app.transcription.engine import Recognition, Word
from app.transcription.services import save_transcripts
from app.voice import services as voice
from tests.recordings.pipeline import (  # noqa: F401
    make_pipeline_app,
    pipeline_app,
    recording_callback,
    recording_id,
    run_queued_jobs,
    start_call,
    twilio,
)
from tests.transcription.speech import speech_models, test_audio, vosk_model  # noqa: F401

import_all()  # every model registered before base_config drops the tables


def add_call(app, people: dict[str, int], *, operator: str = "aigerim", language: str = "kk",
             notes: str = "", **fields) -> tuple[str, int]:
    """A real call through the IVR into the queue, and the case its operator opened and filled in.

    Returns the CallSid and the case id.
    """
    call_sid = start_call(app, language)
    with app.app_context():
        entry = voice.entry_for_call(call_sid)
        case = cases.open_case(entry.id, people[operator])
        cases.save_case(case.id, people[operator], {"notes": notes, **fields})
        return call_sid, case.id


def add_transcript(app, call_sid: str, text: str, *, language: str = "kk", start: float = 0.5,
                   source: RecordingSource = RecordingSource.VOICE_MESSAGE) -> int:
    """A transcribed recording of the call with these words, one second apart; returns the recording's id.

    Written by the transcription service, as the worker does after Vosk.
    """
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
        recording = Recording(recording_sid="RE" + secrets.token_hex(16), call_id=call.id, call_sid=call_sid,
                              source=source, language=language, media_url="https://api.twilio.com/x",
                              state=RecordingState.TRANSCRIBED)
        db.session.add(recording)
        db.session.flush()
        words = tuple(Word(word, start + i, start + i + 0.8, 0.9) for i, word in enumerate(text.split()))
        save_transcripts(recording.id, language, source, [(0, Recognition(words))], "test:words")
        db.session.commit()
        return recording.id


def add_pipeline_recording(app, twilio, call_sid: str, audio, *, channels: int = 1,  # noqa: F811
                           source: str = "RecordVerb") -> int:
    """A recording Twilio announces for the call, downloaded and transcribed by the real pipeline (Vosk)."""
    recording_sid = twilio.put(audio)
    assert recording_callback(app.test_client(), call_sid, recording_sid, channels=channels,
                              source=source).status_code == 200
    assert run_queued_jobs(app) == ["transcribed"]
    return recording_id(app, recording_sid)


@dataclass
class Hit:
    kind: str
    call_sid: str
    start: float | None
    href: str | None
    marked: list[str]
    text: str
    speaker: str
    chat: str | None = None  # a chat message's chat
    place: str = ""  # a chat's place, as shown
    at: str = ""  # the hit's date and time, as shown

    @property
    def link(self) -> dict[str, list[str]]:
        """The link's query (t, recording)."""
        return parse_qs(urlsplit(self.href).query) if self.href else {}


@dataclass
class Page:
    status: int
    hits: list[Hit]
    heading: str
    document: object


def search(client, **params) -> Page:
    """GET the search page and read its hits."""
    response = client.get("/supervisor/search", query_string=params)
    if response.status_code != 200:
        return Page(response.status_code, [], "", None)
    document = html.fromstring(response.data)
    hits = []
    for item in document.xpath('//li[contains(@class, "hit")]'):
        start = item.get("data-start")
        href = item.xpath('.//p[@class="snippet"]/a/@href')
        hits.append(Hit(kind=item.get("data-kind"), call_sid=item.get("data-call"),
                        start=float(start) if start else None, href=href[0] if href else None,
                        marked=item.xpath(".//mark/text()"),
                        text=item.xpath('string(.//p[@class="snippet"])'),
                        speaker=item.xpath('string(.//span[@class="who"])'), chat=item.get("data-chat"),
                        place=item.xpath('string(.//span[@class="place"])'), at=item.xpath("string(.//time)")))
    return Page(200, hits, document.xpath('string(//h2[@id="results-heading"])'), document)
