"""Transcribing a stored recording with the model for its language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import delete

from app.core.vocab import RecordingSource
from app.db import db

from . import audio
from .engine import ModelMissingError, Recognition, SpeechEngine, VoskEngine
from .models import Transcript, TranscriptWord
from .vosk_models import installed, model_path


def engine_for(language: str) -> SpeechEngine:
    """The speech engine for a language; ModelMissingError when its model is not installed."""
    config = current_app.config
    if not installed(config, language):
        raise ModelMissingError(f"no Vosk model for {language!r} at {config['VOSK_MODELS'].get(language)}")
    return VoskEngine(model_path(config, language))


def transcribe_file(path: Path, language: str, engine: SpeechEngine | None = None,
                    progress: Callable[[int, int], None] | None = None) -> list[tuple[int, Recognition]]:
    """Recognise every channel of an audio file: [(channel, Recognition)]; AudioError if not audio."""
    engine = engine or engine_for(language)
    decoded = audio.decode(path, engine.sample_rate)
    total = sum(len(pcm) for pcm in decoded.channels)
    results, done = [], 0
    for channel, pcm in enumerate(decoded.channels):
        report = (lambda n, _all, base=done: progress(base + n, total)) if progress else None
        results.append((channel, engine.recognise(pcm, progress=report)))
        done += len(pcm)
    return results


def save_transcripts(recording_id: int, language: str, source: RecordingSource, recognitions,
                     engine_name: str) -> list[Transcript]:
    """Replace a recording's transcripts (re-runs are idempotent); the caller commits."""
    db.session.execute(delete(Transcript).where(Transcript.recording_id == recording_id))
    speakers = source.speakers(len(recognitions))
    transcripts = []
    for (channel, recognition), speaker in zip(recognitions, speakers, strict=True):
        transcript = Transcript(recording_id=recording_id, channel=channel, speaker=speaker, language=language,
                                text=recognition.text, engine=engine_name)
        transcript.words = [
            TranscriptWord(position=i, word=w.word, start=w.start, end=w.end, confidence=w.confidence)
            for i, w in enumerate(recognition.words)
        ]
        db.session.add(transcript)
        transcripts.append(transcript)
    return transcripts
