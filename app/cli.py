"""Command-line entry points, grouped by domain: ``flask --app app <group> <command>``."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup

db_cli = AppGroup("db", help="Database migrations (Alembic; the same ones on SQLite and PostgreSQL).")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", current_app.config["SQLALCHEMY_DATABASE_URI"].replace("%", "%%"))
    return config


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION."""
    command.downgrade(alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(), message=message, autogenerate=True)


def register(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.ivr.cli import flows_cli, prompts_cli
    from app.places.cli import places_cli
    from app.recordings.cli import recordings_cli
    from app.simulator.cli import simulate
    from app.transcription.cli import models_cli, transcribe

    for command_or_group in (db_cli, users_cli, flows_cli, prompts_cli, recordings_cli, models_cli, transcribe,
                             simulate, places_cli):
        app.cli.add_command(command_or_group)
