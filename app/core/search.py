"""Search terms from what a person typed, the index queries built from them, and snippets with the hits marked.

Pure: no framework, no database. Whatever is typed (quotes, operators, brackets, half a query) becomes a plain
list of words, so the full-text engines never see syntax from the user and never fail on it: each word is
looked up as a prefix (Kazakh is agglutinative and has no stemmer: "бала" also finds "балалар"), all of
them must be present.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

WORD = re.compile(r"[^\W_]+")  # runs of letters and digits, in any script: what the index tokenisers keep
MAX_TERMS = 8
MAX_TERM_LENGTH = 64


def terms(query: str) -> list[str]:
    """The distinct words of ``query``, lower-cased, in order (at most ``MAX_TERMS``)."""
    found: list[str] = []
    for match in WORD.finditer(query or ""):
        term = match.group().lower()[:MAX_TERM_LENGTH]
        if term not in found:
            found.append(term)
    return found[:MAX_TERMS]


def fts5_query(words: Sequence[str]) -> str:
    """SQLite FTS5: every word as a quoted prefix (quoted, so words like AND, OR, NEAR are just words)."""
    return " ".join(f'"{word}"*' for word in words)


def tsquery(words: Sequence[str]) -> str:
    """PostgreSQL ``to_tsquery``: every word as a prefix, all required."""
    return " & ".join(f"{word}:*" for word in words)


def is_hit(word: str, words: Sequence[str]) -> bool:
    """Whether a word of the text starts with one of the searched words (as the index matched it)."""
    return any(part.lower().startswith(term) for part in WORD.findall(word) for term in words)


def first_hit(text_words: Sequence[str], words: Sequence[str]) -> int | None:
    """The position of the first word of a transcript that matches, if any."""
    return next((i for i, word in enumerate(text_words) if is_hit(word, words)), None)


@dataclass(frozen=True)
class Piece:
    """A stretch of a snippet; ``hit`` stretches are the matched words."""

    text: str
    hit: bool = False


def snippet(text: str, words: Sequence[str], before: int = 60, after: int = 120) -> list[Piece]:
    """The text around its first matching word (about ``before``/``after`` characters), hits marked.

    Cuts fall between words and are shown by an ellipsis.
    """
    spans = [m.span() for m in WORD.finditer(text) if is_hit(m.group(), words)]
    first = spans[0][0] if spans else 0
    start = _word_boundary(text, max(0, first - before), backwards=True)
    end = _word_boundary(text, min(len(text), first + after), backwards=False)
    pieces: list[Piece] = [Piece("…")] if start > 0 else []
    position = start
    for hit_start, hit_end in spans:
        if hit_start < start or hit_end > end:
            continue
        if hit_start > position:
            pieces.append(Piece(text[position:hit_start]))
        pieces.append(Piece(text[hit_start:hit_end], hit=True))
        position = hit_end
    if end > position:
        pieces.append(Piece(text[position:end]))
    if end < len(text):
        pieces.append(Piece("…"))
    return pieces


def _word_boundary(text: str, index: int, *, backwards: bool) -> int:
    """``index`` moved to the nearest whitespace outward, so no word is cut in half."""
    if index <= 0 or index >= len(text):
        return index
    if backwards:
        space = text.rfind(" ", 0, index)
        return space + 1 if space >= 0 else 0
    space = text.find(" ", index)
    return space if space >= 0 else len(text)
