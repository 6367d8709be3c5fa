"""The speech engine: Vosk, one model per language loaded once per process, one recogniser per channel.

``SpeechEngine`` is the small interface the pipeline sees; ``VoskEngine`` is the real one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK_SECONDS = 0.5  # how much audio the recogniser gets at a time (streaming, like a live call)


@dataclass(frozen=True)
class Word:
    """One recognised word with its time in the audio, in seconds, and the engine's confidence."""

    word: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Recognition:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)


class SpeechEngine(Protocol):
    sample_rate: int

    def recognise(self, pcm: bytes, grammar: list[str] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Recognition:
        """Recognise 16-bit mono PCM at ``sample_rate``; ``progress(bytes done, bytes in all)``."""


class ModelMissingError(RuntimeError):
    """No usable model folder for a language."""


def is_model_dir(path: Path) -> bool:
    """A Vosk model folder has an acoustic model and a graph (or a Zipformer's onnx files)."""
    return path.is_dir() and (path / "am").is_dir() and ((path / "graph").is_dir() or (path / "conf").is_dir())


@functools.cache
def load_model(path: str):
    """Load a model once per process (≈2 s and ≈0.5 GiB each): every job after the first reuses it."""
    from vosk import Model, SetLogLevel

    SetLogLevel(-2)
    if not is_model_dir(Path(path)):
        raise ModelMissingError(f"no Vosk model at {path}")
    return Model(path)


def model_sample_rate(path: Path, default: int = 16000) -> int:
    """The sample rate a model was trained at, from its ``conf/mfcc.conf``."""
    conf = path / "conf" / "mfcc.conf"
    if conf.is_file():
        for line in conf.read_text().splitlines():
            if line.strip().startswith("--sample-frequency="):
                return int(float(line.split("=", 1)[1]))
    return default


class VoskEngine:
    """Vosk on one model folder; recognises at the model's own sample rate (16 kHz for small models)."""

    def __init__(self, model_path: Path):
        self.model_path = model_path
        self.sample_rate = model_sample_rate(model_path)

    def recognise(self, pcm: bytes, grammar: list[str] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Recognition:
        from vosk import KaldiRecognizer

        model = load_model(str(self.model_path))
        if grammar:
            recogniser = KaldiRecognizer(model, self.sample_rate, json.dumps(grammar, ensure_ascii=False))
        else:
            recogniser = KaldiRecognizer(model, self.sample_rate)
        recogniser.SetWords(True)
        step = int(self.sample_rate * CHUNK_SECONDS) * 2
        words: list[Word] = []
        for offset in range(0, len(pcm), step):
            if recogniser.AcceptWaveform(pcm[offset : offset + step]):
                words += _words(recogniser.Result())
            if progress:
                progress(min(offset + step, len(pcm)), len(pcm))
        words += _words(recogniser.FinalResult())
        return Recognition(tuple(words))


def _words(result_json: str) -> list[Word]:
    result = json.loads(result_json)
    return [
        Word(item["word"], float(item["start"]), float(item["end"]), min(1.0, max(0.0, float(item["conf"]))))
        for item in result.get("result", [])
    ]
