"""Canned replies: ready answers (``canned.yaml``) an operator inserts into the reply box, in the chat's language.

Each reply has a label in every console language (the operator's) and a text in every chat language (the
child's). The file is checked when first read: a reply missing a language is an error at start, not a blank
button in the console.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

FILE = Path(__file__).with_name("canned.yaml")
LANGUAGES = ("kk", "ru", "en")  # labels in the console's languages; texts in the chats' (kk, ru) and English


@dataclass(frozen=True)
class Canned:
    """One canned reply as the console shows it: its id, its label for the operator, its text for the child."""

    id: str
    label: str
    text: str


@functools.cache
def catalogue() -> dict[str, dict[str, dict[str, str]]]:
    """Every canned reply: id -> {"label": {lang: text}, "text": {lang: text}}, in the file's order."""
    data = yaml.safe_load(FILE.read_text(encoding="utf-8")) or {}
    for reply_id, reply in data.items():
        for part in ("label", "text"):
            texts = (reply or {}).get(part) or {}
            missing = [lang for lang in LANGUAGES if not str(texts.get(lang) or "").strip()]
            if missing:
                raise ValueError(f"{FILE.name}: {reply_id}: {part} missing in {', '.join(missing)}")
    return data


def replies(chat_language: str | None, console_language: str) -> list[Canned]:
    """The canned replies for a chat in ``chat_language``, labelled in ``console_language`` (Russian if unknown)."""
    chat_language = chat_language if chat_language in LANGUAGES else "ru"
    console_language = console_language if console_language in LANGUAGES else "ru"
    return [Canned(reply_id, reply["label"][console_language], reply["text"][chat_language])
            for reply_id, reply in catalogue().items()]
