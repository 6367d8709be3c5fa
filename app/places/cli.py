"""``flask places …``: import places from a CSV, list, retire and restore them, print their QR posters."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.core.places import PlaceKind
from app.core.posters import POSTER_LANGUAGES

from . import posters, services

places_cli = AppGroup("places", help="Schools, colleges and other places with QR posters that open the chat.")


@places_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Add or update places from a CSV FILE (code, name, region, district, kind): all rows or none."""
    try:
        result = services.import_places(file.read_bytes(), source=file.name)
    except services.ImportRejected as rejected:
        for error in rejected.errors:
            click.echo(f"{file.name}: {error}", err=True)
        raise click.ClickException(str(rejected)) from None
    click.echo(f"{len(result.added)} added, {len(result.updated)} updated, {len(result.unchanged)} unchanged")


@places_cli.command("list")
@click.option("--region", help="Only places in this region (its name as imported).")
@click.option("--kind", type=click.Choice([kind.value for kind in PlaceKind]), help="Only this kind of place.")
@click.option("--retired", is_flag=True, help="Retired places too.")
def list_(region: str | None, kind: str | None, retired: bool) -> None:
    """List places by region, district and name."""
    places = services.list_places(region=region, kind=kind and PlaceKind(kind), with_retired=retired)
    if region and not places and region not in services.regions():
        raise click.ClickException(f"no region {region!r}; regions: " + (", ".join(services.regions()) or "none yet"))
    rows = [("code", "name", "region", "district", "kind", "retired")]
    rows += [(p.code, p.name, p.region, p.district, p.kind.value, f"{p.retired_at:%Y-%m-%d}" if p.is_retired else "")
             for p in places]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())
    click.echo(f"{len(places)} place(s)")


@places_cli.command("retire")
@click.argument("code")
def retire(code: str) -> None:
    """Retire the place CODE: its posters still open the chat, no longer tagged with the place."""
    changed = _known(lambda: services.retire_place(code))
    click.echo(f"retired {code}" if changed else f"{code} was already retired")


@places_cli.command("restore")
@click.argument("code")
def restore(code: str) -> None:
    """Bring back the retired place CODE: chats from its posters are tagged with it again."""
    changed = _known(lambda: services.restore_place(code))
    click.echo(f"restored {code}" if changed else f"{code} was not retired")


def _known(action):
    try:
        return action()
    except services.UnknownPlace:
        raise click.ClickException("no place with that code (see: flask --app app places list --retired)") from None


@places_cli.command("posters")
@click.argument("codes", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every active place.")
@click.option("--region", help="Every active place in this region.")
@click.option("--language", type=click.Choice(list(POSTER_LANGUAGES)), required=True,
              help="Kazakh, Russian, or both side by side on one poster.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="One PDF, a page per place.")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="A PDF per place in this folder, named CODE-LANGUAGE.pdf.")
def posters_(codes: tuple[str, ...], every: bool, region: str | None, language: str, output: Path | None,
             out_dir: Path | None) -> None:
    """Print A4 QR posters for the places CODES (and/or --all, --region) into one PDF (-o) or a folder (--out-dir)."""
    if (output is None) == (out_dir is None):
        raise click.UsageError("give either -o FILE.pdf or --out-dir DIR")
    if not (codes or every or region):
        raise click.UsageError("name the places: CODE ..., --all or --region REGION")
    try:
        places = posters.choose(codes, every=every, region=region)
        if not places:
            raise click.ClickException("no active place to print" + (f" in region {region!r}" if region else ""))
        if output is not None:
            output.write_bytes(posters.posters_pdf(places, language))
            click.echo(f"{len(places)} poster(s) in {output}")
        else:
            written = posters.write_each(places, language, out_dir)
            click.echo(f"{len(written)} poster(s) in {out_dir}/")
    except (posters.NotPrintable, posters.FontMissing) as error:
        raise click.ClickException(str(error)) from None
