"""Decoding recordings: μ-law by the standard library, channels apart, resampling, MP3 with no ffprobe, bad files."""

from __future__ import annotations

import array
import shutil
import struct
import warnings
import wave

import pytest

from app.transcription import audio

from .speech import MODEL_RATE, PHONE_RATE

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # audioop: deprecated in 3.11, the reference here
    import audioop


def chunks(data: bytes) -> dict[bytes, bytes]:
    """The RIFF chunks of a WAV file by id (a reader independent of the one under test)."""
    found, offset = {}, 12
    while offset + 8 <= len(data):
        name, size = struct.unpack_from("<4sI", data, offset)
        found[name] = data[offset + 8 : offset + 8 + size]
        offset += 8 + size + (size & 1)
    return found


def pcm_frames(path) -> tuple[bytes, int, int]:
    with wave.open(str(path)) as w:
        return w.readframes(w.getnframes()), w.getnchannels(), w.getframerate()


def samples(pcm: bytes) -> array.array:
    return array.array("h", pcm)


def test_mu_law_is_decoded_by_the_standard_library(test_audio):
    data = test_audio.yes_mulaw.read_bytes()
    fmt = chunks(data)[b"fmt "]
    assert struct.unpack_from("<HHI", fmt) == (7, 1, PHONE_RATE)  # written by ffmpeg as μ-law, not by us
    assert audio.probe_wav(data) == (7, 1, PHONE_RATE, 8)
    decoded = audio.decode(test_audio.yes_mulaw, PHONE_RATE)
    assert decoded.sample_rate == PHONE_RATE
    assert decoded.channels == (audioop.ulaw2lin(chunks(data)[b"data"], 2),)


def test_pcm_at_the_models_rate_comes_through_unchanged(test_audio):
    frames, channels, rate = pcm_frames(test_audio.no_16k)
    assert (channels, rate) == (1, MODEL_RATE)
    assert audio.decode(test_audio.no_16k, MODEL_RATE).channels == (frames,)


@pytest.mark.parametrize("name", ["message_8k", "yes_mulaw", "dual"])
def test_resampling_8_khz_to_16_khz_doubles_the_samples(test_audio, name):
    path = getattr(test_audio, name)
    at_8k = audio.decode(path, PHONE_RATE)
    at_16k = audio.decode(path, MODEL_RATE)
    assert len(at_16k.channels) == len(at_8k.channels)
    for low, high in zip(at_8k.channels, at_16k.channels, strict=True):
        assert abs(len(high) // 2 - 2 * (len(low) // 2)) <= 2
    assert at_16k.duration == pytest.approx(at_8k.duration, abs=0.001)
    assert at_8k.duration == pytest.approx(audio.duration(path), abs=0.001)


def test_two_channels_are_split_into_the_caller_and_the_operator(test_audio):
    frames, channels, rate = pcm_frames(test_audio.dual)
    assert (channels, rate) == (2, PHONE_RATE)
    interleaved = samples(frames)
    caller, operator = audio.decode(test_audio.dual, PHONE_RATE).channels
    assert samples(caller) == interleaved[0::2]
    assert samples(operator) == interleaved[1::2]
    assert len(caller) == len(operator)
    # Different speech on each side: the operator is silent while the caller speaks, and the other way round.
    at = lambda seconds: int(seconds * rate) * 2  # noqa: E731 (byte offset of a time)
    assert audioop.rms(operator[: at(test_audio.operator_starts - 0.05)], 2) == 0
    assert audioop.rms(caller[at(test_audio.caller_ends + 0.05) :], 2) == 0
    assert audioop.rms(caller[: at(test_audio.caller_ends)], 2) > 300
    assert audioop.rms(operator[at(test_audio.operator_starts) :], 2) > 300


def test_mp3_is_decoded_with_imageio_ffmpeg_and_no_ffprobe(test_audio, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg, no ffprobe: only imageio-ffmpeg's own binary
    assert shutil.which("ffprobe") is None and shutil.which("ffmpeg") is None
    data = test_audio.message_mp3.read_bytes()
    assert audio.probe_wav(data) is None
    decoded = audio.decode(test_audio.message_mp3, MODEL_RATE)  # a warning (e.g. pydub's "no ffprobe") would fail
    assert len(decoded.channels) == 1 and decoded.sample_rate == MODEL_RATE
    assert decoded.duration == pytest.approx(test_audio.message_duration, abs=0.1)  # MP3 pads a frame or so
    assert audioop.rms(decoded.channels[0], 2) > 300


BAD = {
    "empty": "the file is empty (0 bytes)",
    "truncated": "WAV file is cut short: its header announces",
    "cut_header": "WAV file is cut short inside its header (30 bytes)",
    "text": "not an audio file (neither WAV, MP3 nor Ogg)",
}


@pytest.mark.parametrize("name", BAD)
def test_files_that_are_not_usable_audio_say_why(test_audio, name):
    with pytest.raises(audio.AudioError) as raised:
        audio.decode(getattr(test_audio, name), MODEL_RATE)
    assert BAD[name] in str(raised.value)
    with pytest.raises(audio.AudioError):
        audio.duration(getattr(test_audio, name))


def test_a_wav_that_holds_no_samples_is_not_audio(tmp_path):
    path = tmp_path / "silent.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(PHONE_RATE)
    with pytest.raises(audio.AudioError, match="no audio"):
        audio.decode(path, MODEL_RATE)


def test_a_wav_written_while_streaming_with_no_size_is_read_to_its_end(test_audio, tmp_path):
    data = bytearray(test_audio.yes_no_8k.read_bytes())
    data_at = bytes(data).index(b"data")
    data[data_at + 4 : data_at + 8] = struct.pack("<I", 0xFFFFFFFF)  # "size unknown"
    path = tmp_path / "streamed.wav"
    path.write_bytes(bytes(data))
    with wave.open(str(test_audio.yes_no_8k)) as w:
        expected = w.getnframes() / w.getframerate()
    assert audio.decode(path, PHONE_RATE).duration == pytest.approx(expected, abs=0.001)
