"""Decoding recordings into per-channel 16-bit mono PCM at the recogniser's sample rate.

PCM WAV is read by pydub itself; μ-law/A-law WAV (what phones carry) is decoded with the standard
library, ~20x faster than ffmpeg; anything else (MP3) goes through pydub with imageio-ffmpeg's binary
and an explicit codec, since that package ships no ffprobe.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    # audioop: deprecated in 3.11, removed in 3.13 (audioop-lts replaces it there). pydub warns that
    # no system ffmpeg exists; none is needed (see the module docstring).
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", RuntimeWarning)
    import audioop

    from pydub import AudioSegment


class AudioError(ValueError):
    """The file is empty, corrupt or not audio; the message says which."""


@dataclass(frozen=True)
class DecodedAudio:
    """One recording split into channels, each 16-bit little-endian mono PCM at ``sample_rate``."""

    channels: tuple[bytes, ...]
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / 2 / self.sample_rate if self.channels else 0.0


_WAV_PCM, _WAV_ALAW, _WAV_MULAW, _WAV_EXTENSIBLE = 1, 6, 7, 0xFFFE


def probe_wav(data: bytes) -> tuple[int, int, int, int] | None:
    """(format code, channels, sample rate, bits per sample) of a RIFF/WAVE file, or None if not one."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    offset = 12
    try:
        while offset + 8 <= len(data):
            chunk, size = struct.unpack_from("<4sI", data, offset)
            if chunk == b"fmt " and size >= 16:
                code, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", data, offset + 8)
                if code == _WAV_EXTENSIBLE and size >= 26:
                    code = struct.unpack_from("<H", data, offset + 8 + 24)[0]
                return code, channels, rate, bits
            offset += 8 + size + (size & 1)
    except struct.error:  # a chunk runs past the end of the file
        raise AudioError(f"WAV file is cut short inside its header ({len(data)} bytes)") from None
    raise AudioError("WAV file has no fmt chunk")


_UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # what recorders that stream (and never seek back) write as the data size


def _wav_data(data: bytes) -> bytes:
    """The samples of a WAV file; AudioError if the file holds less than its header announces (cut short)."""
    offset = 12
    while offset + 8 <= len(data):
        chunk, size = struct.unpack_from("<4sI", data, offset)
        if chunk == b"data":
            held = len(data) - offset - 8
            if size in _UNKNOWN_SIZES:
                return data[offset + 8 :]
            if size > held:
                raise AudioError(f"WAV file is cut short: its header announces {size} bytes of audio, "
                                 f"the file holds {held}")
            return data[offset + 8 : offset + 8 + size]
        offset += 8 + size + (size & 1)
    raise AudioError("WAV file has no data chunk")


def load(path: Path) -> AudioSegment:
    """Read a recording as a pydub segment, whatever its encoding; AudioError if it is not audio."""
    data = path.read_bytes()
    if not data:
        raise AudioError("the file is empty (0 bytes)")
    wav = probe_wav(data)
    try:
        if wav is None:
            return _with_ffmpeg(data, _guess_format(data))
        code, channels, rate, bits = wav
        samples = _wav_data(data)  # also refuses a file cut short (a broken download or upload)
        if code in (_WAV_MULAW, _WAV_ALAW):
            samples = samples[: len(samples) - len(samples) % channels]
            pcm = audioop.ulaw2lin(samples, 2) if code == _WAV_MULAW else audioop.alaw2lin(samples, 2)
            return AudioSegment(pcm, sample_width=2, frame_rate=rate, channels=channels)
        if code == _WAV_PCM:
            return AudioSegment.from_wav(io.BytesIO(data))
        return _with_ffmpeg(data, "wav")
    except AudioError:
        raise
    except Exception as error:  # pydub and ffmpeg fail in many ways on bad input; say what happened
        raise AudioError(f"cannot decode audio: {type(error).__name__}: {error}"[:500]) from error


def decode(path: Path, sample_rate: int) -> DecodedAudio:
    """Split a recording into mono channels resampled to ``sample_rate``, 16-bit PCM."""
    audio = load(path)
    if len(audio) == 0 or audio.frame_count() == 0:
        raise AudioError("the recording holds no audio (0 samples)")
    audio = audio.set_sample_width(2).set_frame_rate(sample_rate)
    channels = audio.split_to_mono() if audio.channels > 1 else [audio]
    return DecodedAudio(tuple(channel.raw_data for channel in channels), sample_rate)


def _guess_format(data: bytes) -> str:
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data[:4] == b"OggS":
        return "ogg"
    raise AudioError("not an audio file (neither WAV, MP3 nor Ogg)")


def _with_ffmpeg(data: bytes, fmt: str) -> AudioSegment:
    import imageio_ffmpeg

    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    codec = {"mp3": "mp3", "ogg": "libopus", "wav": None}[fmt]
    return AudioSegment.from_file(io.BytesIO(data), format=fmt, codec=codec)


def duration(path: Path) -> float:
    """Length of a recording in seconds."""
    return round(len(load(path)) / 1000, 3)
