"""Prompt audio on disk: ``audio/prompts/<lang>/<prompt_id>.(wav|mp3)``.

Placeholders synthesised by ``flask prompts synth`` are listed, with the text they were made from,
in ``audio/prompts/placeholders.json``; any other file is a real recording and is never overwritten.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

EXTENSIONS = (".wav", ".mp3")
SAMPLE_RATE = 8000  # telephone audio: what Twilio plays to the caller anyway
MANIFEST = "placeholders.json"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PromptLibrary:
    """The prompt audio files under one folder."""

    root: Path  # the audio/ folder
    cached: bool = False  # remember lookups (the running app); tools that change files look afresh
    _found: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def prompts_dir(self) -> Path:
        return self.root / "prompts"

    def find(self, language: str, prompt: str) -> Path | None:
        """The audio file for a prompt in a language, if one exists."""
        if not self.cached:
            return self._look(language, prompt)
        key = (language, prompt)
        if key not in self._found:
            self._found[key] = self._look(language, prompt)
        return self._found[key]

    def _look(self, language: str, prompt: str) -> Path | None:
        for extension in EXTENSIONS:
            path = self.prompts_dir / language / f"{prompt}{extension}"
            if path.is_file():
                return path
        return None

    def has(self, language: str, prompt: str) -> bool:
        return self.find(language, prompt) is not None

    def placeholders(self) -> dict[str, str]:
        """Relative path -> digest of the text each placeholder was synthesised from."""
        path = self.prompts_dir / MANIFEST
        return json.loads(path.read_text()) if path.is_file() else {}

    def save_placeholders(self, entries: dict[str, str]) -> None:
        path = self.prompts_dir / MANIFEST
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dict(sorted(entries.items())), indent=2, ensure_ascii=False) + "\n")

    def hold_music(self) -> Path | None:
        path = self.root / "hold" / "hold.wav"
        return path if path.is_file() else None


def espeak_wav(text: str, voice: str, espeak: str = "espeak-ng") -> bytes:
    """Speak ``text`` with espeak-ng (voices kk, ru, ko...) as 8 kHz mono 16-bit WAV bytes."""
    from pydub import AudioSegment

    # pydub leaves files it opens by name unclosed: hand it open files and close them here.
    with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
        subprocess.run([espeak, "-v", voice, "-s", "150", "-w", raw.name, text], check=True, capture_output=True)
        audio = AudioSegment.from_wav(raw)
    out = io.BytesIO()
    audio.set_channels(1).set_frame_rate(SAMPLE_RATE).set_sample_width(2).export(out, format="wav")
    return out.getvalue()
