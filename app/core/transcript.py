"""A recording's transcript as people read it: the channels' words merged into turns in time order (pure).

Each channel of a conversation holds one speaker's words, timed from the start of the recording. Merged
by start time they read as a dialogue; a turn ends where the other speaker starts or after a long pause.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

TURN_PAUSE = 2.0  # seconds of silence after which the same speaker starts a new line


@dataclass(frozen=True)
class Word:
    """One recognised word: seconds from the start of the recording, and the engine's confidence (0..1)."""

    text: str
    start: float
    end: float
    confidence: float
    speaker: str


@dataclass
class Turn:
    """Consecutive words of one speaker."""

    speaker: str
    words: list[Word] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end


def turns(channels: Iterable[Sequence[Word]], pause: float = TURN_PAUSE) -> list[Turn]:
    """Every channel's words in one time line, grouped into turns.

    Words that start together keep their channels' order (the caller's channel comes first).
    """
    merged = sorted((word for channel in channels for word in channel), key=lambda word: word.start)
    lines: list[Turn] = []
    for word in merged:
        last = lines[-1] if lines else None
        if last is None or last.speaker != word.speaker or word.start - last.end > pause:
            last = Turn(word.speaker)
            lines.append(last)
        last.words.append(word)
    return lines


def word_at(starts: Sequence[float], moment: float) -> int | None:
    """Index of the word being heard at ``moment``: the last one started by then (None before the first).

    ``starts`` are in increasing order. In a pause between words the one before stays current, as a
    reader's eye stays on the last word heard; the browser's player does the same search.
    """
    index = bisect_right(starts, moment) - 1
    return index if index >= 0 else None
