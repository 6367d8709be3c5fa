"""``flask transcribe FILE`` and ``flask models list|install``."""

from __future__ import annotations

import re
import zipfile

import pytest

from .speech import assert_well_formed

WORD_LINE = re.compile(r"^\s+(\d+\.\d\d)-\s*(\d+\.\d\d)\s+(\d\.\d\d)\s+(\S+)$")


@pytest.fixture
def speech_app(make_app, speech_models):
    return make_app(VOSK_MODELS=dict(speech_models))


def printed_channels(output: str) -> dict[int, list[dict]]:
    """The words ``flask transcribe`` printed, by channel."""
    channels: dict[int, list[dict]] = {}
    current = None
    for line in output.splitlines():
        if heading := re.match(r"^channel (\d+): ", line):
            current = channels.setdefault(int(heading[1]), [])
        elif (word := WORD_LINE.match(line)) and current is not None:
            current.append({"start": float(word[1]), "end": float(word[2]), "confidence": float(word[3]),
                            "word": word[4]})
    return channels


def test_transcribe_prints_each_channels_words_with_their_times(speech_app, test_audio):
    result = speech_app.test_cli_runner().invoke(args=["transcribe", str(test_audio.dual), "--language", "kk"])
    assert result.exit_code == 0, result.output
    assert "transcribing" in result.output  # the progress bar
    channels = printed_channels(result.output)
    assert sorted(channels) == [0, 1]
    for words in channels.values():
        assert_well_formed(words, test_audio.dual_duration, slack=0.01)
    heading = re.search(r"^channel 0: (.*)$", result.output, re.M)[1]
    assert heading == " ".join(w["word"] for w in channels[0])


def test_transcribe_refuses_a_file_that_is_not_audio(speech_app, test_audio):
    result = speech_app.test_cli_runner().invoke(args=["transcribe", str(test_audio.text), "--language", "ru"])
    assert result.exit_code == 1
    assert "Error: not an audio file" in result.output


def test_transcribe_without_a_model_says_how_to_install_one(make_app, test_audio, tmp_path):
    app = make_app(VOSK_MODELS={"kk": str(tmp_path / "kk"), "ru": str(tmp_path / "ru")})
    result = app.test_cli_runner().invoke(args=["transcribe", str(test_audio.yes_no_8k), "--language", "ru"])
    assert result.exit_code == 1
    assert "run `flask --app app models install ru`" in result.output


def test_models_list_shows_each_languages_folder_and_whether_it_holds_a_model(make_app, vosk_model, tmp_path):
    app = make_app(VOSK_MODELS={"kk": str(vosk_model), "ru": str(tmp_path / "ru")})
    result = app.test_cli_runner().invoke(args=["models", "list"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [f"kk  installed  {vosk_model}", f"ru  missing    {tmp_path / 'ru'}"]


def test_models_install_refuses_a_zip_with_the_wrong_checksum_and_installs_nothing(make_app, tmp_path):
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("vosk-model-small-ru/am/final.mdl", b"weights")
        zipped.writestr("vosk-model-small-ru/conf/mfcc.conf", b"--sample-frequency=16000\n")
    target = tmp_path / "models" / "ru"
    app = make_app(VOSK_MODELS={"kk": str(tmp_path / "models" / "kk"), "ru": str(target)})
    result = app.test_cli_runner().invoke(args=["models", "install", "ru", "--source", str(archive),
                                                "--sha256", "ab" * 32])
    assert result.exit_code == 1
    assert "checksum mismatch" in result.output
    assert not target.exists() and not (tmp_path / "models").exists()


def test_models_install_refuses_an_archive_without_a_model(make_app, tmp_path):
    archive = tmp_path / "notes.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("README.txt", "no model here")
    target = tmp_path / "ru"
    app = make_app(VOSK_MODELS={"kk": str(tmp_path / "kk"), "ru": str(target)})
    result = app.test_cli_runner().invoke(args=["models", "install", "ru", "--source", str(archive)])
    assert result.exit_code == 1
    assert "holds no Vosk model" in result.output
    assert not target.exists()
