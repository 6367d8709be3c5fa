"""``flask recordings …``: the pipeline's jobs by state, and re-running one."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.db import db

from . import services
from .models import Recording, RecordingState

recordings_cli = AppGroup("recordings", help="Recordings and their download/transcription jobs.")


@recordings_cli.command("jobs")
@click.option("--state", type=click.Choice([s.value for s in RecordingState]), help="Only this state.")
def jobs(state: str | None) -> None:
    """List recordings by state, with why a job failed or waits."""
    counts = dict(db.session.execute(select(Recording.state, func.count()).group_by(Recording.state)).all())
    click.echo("  ".join(f"{s.value}: {counts.get(s, 0)}" for s in RecordingState))
    query = select(Recording).order_by(Recording.created_at)
    if state:
        query = query.where(Recording.state == RecordingState(state))
    for recording in db.session.scalars(query):
        line = (f"{recording.recording_sid}  {recording.state.value:<11}  {recording.language or '-':<2}  "
                f"attempts {recording.attempts}  {recording.created_at:%Y-%m-%d %H:%M}")
        click.echo(line + (f"\n    {recording.failure}" if recording.failure else ""))


@recordings_cli.command("rerun")
@click.argument("recording_sid")
def rerun(recording_sid: str) -> None:
    """Run a recording's job again now (download if needed, transcribe), and say how it ended."""
    recording = services.find(recording_sid)
    if recording is None:
        raise click.ClickException(f"no recording {recording_sid}")
    with click.progressbar(length=1, label=f"{recording_sid} transcribing", show_pos=False) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        state = services.rerun(recording.id, progress)
    click.echo(f"{recording_sid}: {state.value}" + (f" ({recording.failure})" if recording.failure else ""))
    if state is RecordingState.FAILED:
        raise SystemExit(1)


@recordings_cli.command("sweep")
def sweep() -> None:
    """Re-send the jobs of recordings that were committed but never finished."""
    click.echo(f"re-sent {services.sweep()} job(s)")
