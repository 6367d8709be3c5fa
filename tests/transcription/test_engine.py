"""The speech engine on the real Vosk model: the right words under a grammar, well-formed free-form output."""

from __future__ import annotations

import pytest

from app.transcription import audio
from app.transcription.engine import ModelMissingError, VoskEngine, load_model, model_sample_rate
from app.transcription.services import transcribe_file

from .speech import GRAMMAR, MODEL_RATE, NO, YES, assert_well_formed


@pytest.fixture(scope="module")
def engine(vosk_model) -> VoskEngine:
    return VoskEngine(vosk_model)


def words(recognition) -> list[str]:
    return [w.word for w in recognition.words]


def test_the_engine_works_at_the_models_own_rate(engine, vosk_model):
    assert engine.sample_rate == model_sample_rate(vosk_model) == MODEL_RATE


@pytest.mark.parametrize("name, expected", [
    ("yes_no_8k", [YES, NO]),  # phone audio, PCM
    ("yes_mulaw", [YES]),  # phone audio, μ-law
    ("no_16k", [NO]),  # already at the model's rate
])
def test_with_a_grammar_the_words_are_the_ones_spoken(engine, test_audio, name, expected):
    path = getattr(test_audio, name)
    [pcm] = audio.decode(path, engine.sample_rate).channels
    recognition = engine.recognise(pcm, grammar=GRAMMAR)
    assert words(recognition) == expected
    assert_well_formed(recognition.words, audio.duration(path))


def test_each_channel_of_a_conversation_holds_its_own_speakers_words(engine, test_audio):
    caller, operator = audio.decode(test_audio.dual, engine.sample_rate).channels
    said_by_caller = engine.recognise(caller, grammar=GRAMMAR)
    said_by_operator = engine.recognise(operator, grammar=GRAMMAR)
    assert words(said_by_caller) == [YES]
    assert words(said_by_operator) == [NO, NO]
    assert said_by_caller.words[-1].end <= test_audio.caller_ends + 0.1
    assert said_by_operator.words[0].start >= test_audio.operator_starts - 0.1
    for recognition in (said_by_caller, said_by_operator):
        assert_well_formed(recognition.words, test_audio.dual_duration)


def test_free_form_output_is_well_formed_repeatable_and_reports_progress(engine, test_audio):
    [pcm] = audio.decode(test_audio.message_8k, engine.sample_rate).channels
    reports: list[tuple[int, int]] = []
    first = engine.recognise(pcm, progress=lambda done, total: reports.append((done, total)))
    assert_well_formed(first.words, test_audio.message_duration)
    assert first.text == " ".join(words(first))
    assert [total for _, total in reports] == [len(pcm)] * len(reports)
    done = [d for d, _ in reports]
    assert done == sorted(done) and done[-1] == len(pcm) and len(done) > 1
    assert engine.recognise(pcm) == first  # dither off: the same audio gives the same words and times


def test_transcribing_a_file_gives_one_recognition_per_channel(engine, test_audio):
    reports = []
    results = transcribe_file(test_audio.dual, "kk", engine, lambda done, total: reports.append((done, total)))
    assert [channel for channel, _ in results] == [0, 1]
    for _, recognition in results:
        assert_well_formed(recognition.words, test_audio.dual_duration)
    assert reports[-1][0] == reports[-1][1]  # progress runs over both channels to the end


def test_a_folder_without_a_model_is_refused(tmp_path):
    (tmp_path / "am").mkdir()
    with pytest.raises(ModelMissingError, match="no Vosk model"):
        load_model(str(tmp_path))
