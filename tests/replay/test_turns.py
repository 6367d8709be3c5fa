"""The transcript as people read it (``app.core.transcript``): channels merged into turns, the word heard at a time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.core.transcript import TURN_PAUSE, Word, turns, word_at


def said(speaker: str, *timed: tuple[str, float, float]) -> list[Word]:
    return [Word(text, start, end, 0.9, speaker) for text, start, end in timed]


def test_a_conversation_reads_as_a_dialogue():
    caller = said("caller", ("hello", 0.0, 0.4), ("help", 0.5, 0.9), ("thanks", 6.0, 6.4))
    operator = said("operator", ("yes", 1.2, 1.5), ("tell", 1.6, 1.9), ("me", 1.9, 2.0))
    lines = turns([caller, operator])
    assert [(t.speaker, [w.text for w in t.words]) for t in lines] == [
        ("caller", ["hello", "help"]), ("operator", ["yes", "tell", "me"]), ("caller", ["thanks"])]
    assert (lines[1].start, lines[1].end) == (1.2, 2.0)


def test_a_long_pause_starts_a_new_line_of_the_same_speaker():
    message = said("voice_message", ("one", 0.0, 0.5), ("two", 0.6, 1.0), ("three", 1.0 + TURN_PAUSE + 0.1, 4.0))
    assert [[w.text for w in t.words] for t in turns([message])] == [["one", "two"], ["three"]]
    assert turns([]) == [] and turns([[], []]) == []


def test_the_word_heard_is_the_last_one_started():
    starts = [0.0, 0.5, 2.0]
    assert [word_at(starts, t) for t in (0.0, 0.49, 0.5, 1.9, 2.0, 99.0)] == [0, 0, 1, 1, 2, 2]
    assert word_at([0.3], 0.1) is None and word_at([], 1.0) is None


times = st.floats(min_value=0, max_value=600, allow_nan=False)


@given(st.lists(st.tuples(st.sampled_from(["caller", "operator"]), times, st.floats(0, 3)), max_size=40), times)
def test_turns_keep_every_word_in_time_order_and_word_at_agrees_with_a_scan(raw, moment):
    channels = {"caller": [], "operator": []}
    for speaker, start, length in sorted(raw, key=lambda r: r[1]):
        channels[speaker].append(Word("w", start, start + length, 0.5, speaker))
    lines = turns(channels.values())
    merged = [word for line in lines for word in line.words]
    assert sorted(merged, key=lambda w: w.start) == merged
    assert sorted(map(id, merged)) == sorted(id(w) for ws in channels.values() for w in ws)
    for before, after in zip(lines, lines[1:], strict=False):
        assert before.speaker != after.speaker or after.start - before.end > TURN_PAUSE
    starts = [w.start for w in merged]
    scan = max((i for i, s in enumerate(starts) if s <= moment), default=None)
    assert word_at(starts, moment) == scan
