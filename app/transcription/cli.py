"""``flask models …`` (install and list speech models) and ``flask transcribe FILE``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import audio
from .engine import ModelMissingError
from .services import engine_for, transcribe_file
from .vosk_models import DEFAULT_URLS, InstallError, install, installed, model_path

models_cli = AppGroup("models", help="Offline speech models (Vosk), one per language.")


@models_cli.command("list")
def list_models() -> None:
    """Each language's model folder and whether a model is installed there."""
    for language in sorted(current_app.config["VOSK_MODELS"]):
        state = "installed" if installed(current_app.config, language) else "missing"
        click.echo(f"{language}  {state:<9}  {model_path(current_app.config, language)}")


@models_cli.command("install")
@click.argument("language", type=click.Choice(sorted(DEFAULT_URLS)))
@click.option("--source", help="URL or local .zip of a Vosk model (default: Vosk's small model for LANGUAGE).")
@click.option("--sha256", help="Expected sha256 of the zip; the install stops if it differs.")
def install_model(language: str, source: str | None, sha256: str | None) -> None:
    """Install the speech model for LANGUAGE; recordings waiting for it are then transcribed."""
    from app.recordings.services import sweep

    source = source or DEFAULT_URLS[language]
    target = model_path(current_app.config, language)
    click.echo(f"installing {source} into {target}")
    with click.progressbar(length=1, label="download", show_pos=False) as bar:

        def progress(done: int, total: int | None) -> None:
            bar.length = total or max(done, 1)
            bar.update(done - bar.pos)

        try:
            digest = install(source, target, sha256, progress)
        except InstallError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"sha256 {digest}")
    click.echo(f"re-sent {sweep()} waiting recording job(s)")


@click.command("transcribe")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", default=None, help="kk or ru (default: DEFAULT_LANGUAGE).")
@with_appcontext
def transcribe(path: Path, language: str | None) -> None:
    """Transcribe a local audio file and print each channel's words with their times."""
    language = language or current_app.config["DEFAULT_LANGUAGE"]
    try:
        engine = engine_for(language)
    except ModelMissingError as error:
        raise click.ClickException(f"{error}; run `flask --app app models install {language}`") from None
    with click.progressbar(length=1, label="transcribing", show_pos=False) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            results = transcribe_file(path, language, engine, progress)
        except audio.AudioError as error:
            raise click.ClickException(str(error)) from None
    for channel, recognition in results:
        click.echo(f"channel {channel}: {recognition.text}")
        for word in recognition.words:
            click.echo(f"  {word.start:7.2f}-{word.end:7.2f}  {word.confidence:4.2f}  {word.word}")
