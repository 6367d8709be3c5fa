"""Where each language's Vosk model lives, and installing one from a URL or a local zip."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import requests

from .engine import is_model_dir

# Vosk's small models (Apache-2.0), from https://alphacephei.com/vosk/models
DEFAULT_URLS = {
    "kk": "https://alphacephei.com/vosk/models/vosk-model-small-kz-0.15.zip",
    "ru": "https://alphacephei.com/vosk/models/vosk-model-small-ru-0.22.zip",
}


class InstallError(RuntimeError):
    """Download, checksum or archive problem; nothing was installed."""


def model_path(config: dict, language: str) -> Path:
    return Path(config["VOSK_MODELS"][language])


def installed(config: dict, language: str) -> bool:
    return language in config["VOSK_MODELS"] and is_model_dir(model_path(config, language))


def install_command(language: str) -> str:
    return f"flask --app app models install {language}"


def install(source: str, target: Path, sha256: str | None = None,
            progress: Callable[[int, int | None], None] = lambda done, total: None) -> str:
    """Install the model zip at ``source`` (URL or file) into ``target``; return the zip's sha256."""
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "model.zip"
        if Path(source).is_file():
            shutil.copyfile(source, archive)
            progress(archive.stat().st_size, archive.stat().st_size)
        else:
            _download(source, archive, progress)
        digest = _sha256(archive)
        if sha256 and digest != sha256.lower():
            raise InstallError(f"checksum mismatch: expected {sha256}, got {digest}")
        unpacked = Path(scratch) / "unpacked"
        try:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(unpacked)
        except zipfile.BadZipFile as error:
            raise InstallError(f"not a zip archive: {error}") from None
        root = _model_root(unpacked)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(root), target)
    return digest


def _download(url: str, archive: Path, progress) -> None:
    try:
        with requests.get(url, stream=True, timeout=(10, 60)) as response:
            response.raise_for_status()
            total = int(response.headers.get("Content-Length", 0)) or None
            done = 0
            with archive.open("wb") as out:
                for block in response.iter_content(1 << 20):
                    out.write(block)
                    done += len(block)
                    progress(done, total)
    except requests.RequestException as error:
        raise InstallError(f"download failed: {error}") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _model_root(unpacked: Path) -> Path:
    """The folder inside the archive that holds the model (zips wrap it in one top folder)."""
    for candidate in [unpacked, *sorted(p for p in unpacked.rglob("*") if p.is_dir())]:
        if is_model_dir(candidate):
            return candidate
    raise InstallError("the archive holds no Vosk model (no am/ and graph/ or conf/ folders)")
