"""Prompt audio on disk: ``audio/prompts/<lang>/<prompt_id>.(wav|mp3)``.

Placeholders synthesised by ``flask prompts synth`` are listed, with the text they were made from,
in ``audio/prompts/placeholders.json``; any other file is a real recording and is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

EXTENSIONS = (".wav", ".mp3")
MANIFEST = "placeholders.json"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PromptLibrary:
    """The prompt audio files under one folder."""

    root: Path  # the audio/ folder

    @property
    def prompts_dir(self) -> Path:
        return self.root / "prompts"

    def find(self, language: str, prompt: str) -> Path | None:
        """The audio file for a prompt in a language, if one exists."""
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
