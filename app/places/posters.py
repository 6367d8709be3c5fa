"""QR posters for places: which places, their words from the translations, their codes from segno, as PDF."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import segno
from flask import current_app

from app.core.posters import POSTER_LANGUAGES, Poster, PosterText, place_url

from . import pdf
from .models import Place
from .services import get_place, list_places

FontMissing = pdf.FontMissing


class NotPrintable(LookupError):
    """Codes that name no place, or a retired one: no poster should send children there."""


def choose(codes: Sequence[str], *, every: bool = False, region: str | None = None) -> list[Place]:
    """The places named by code, plus every active one (``every``) or those of ``region``; each once, in order.

    Raises ``NotPrintable`` naming every unknown or retired code asked for.
    """
    found = {code: get_place(code) for code in codes}
    unknown = [code for code, place in found.items() if place is None]
    retired = [code for code, place in found.items() if place is not None and place.is_retired]
    if unknown or retired:
        raise NotPrintable("; ".join(filter(None, [unknown and "no place with code " + ", ".join(unknown),
                                                   retired and "retired (restore first): " + ", ".join(retired)])))
    chosen = [place for place in found.values() if place is not None]
    if every or region:
        chosen += list_places(region=None if every else region)
    return list(dict.fromkeys(chosen))


def make_poster(place: Place, language: str) -> Poster:
    """A place's poster in ``language`` (kk, ru or both): the helpline's words and a QR code of its URL."""
    catalogs = current_app.extensions["qorgau.i18n"]
    url = place_url(current_app.config["PUBLIC_BASE_URL"], place.code)
    # Level Q or better (segno raises it while the code keeps its size): a quarter of the code may be torn or
    # scribbled over, as a poster in a school corridor may be, and it still scans.
    code = segno.make(url, error="q", micro=False)
    modules = tuple(tuple(bool(module) for module in row) for row in code.matrix_iter(scale=1, border=0))
    texts = tuple(PosterText.from_catalog(lang, catalogs[lang]) for lang in POSTER_LANGUAGES[language])
    return Poster(place.name, url, texts, modules)


def posters_pdf(places: Sequence[Place], language: str) -> bytes:
    """One A4 PDF with a page per place."""
    config = current_app.config
    return pdf.render([make_poster(place, language) for place in places], Path(config["POSTER_FONT"]),
                      Path(config["POSTER_FONT_BOLD"]))


def write_each(places: Sequence[Place], language: str, folder: Path) -> list[Path]:
    """A PDF per place in ``folder`` (made if needed), named ``<code>-<language>.pdf``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for place in places:
        path = folder / f"{place.code}-{language}.pdf"
        path.write_bytes(posters_pdf([place], language))
        written.append(path)
    return written
