"""The admins' places page: the places by region and kind, each with its QR poster to download. Admins only."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from app.auth.access import roles_required
from app.auth.models import Role
from app.core.places import PlaceKind
from app.core.posters import POSTER_LANGUAGES

from . import posters, services

bp = Blueprint("places", __name__, url_prefix="/admin/places")


@bp.get("")
@roles_required(Role.ADMIN)
def index():
    """Places filtered by region and kind (retired ones on request), with their posters' links."""
    region = request.args.get("region", "")
    kind = request.args.get("kind", "")
    with_retired = request.args.get("retired") == "1"
    places = services.list_places(region=region or None, kind={k.value: k for k in PlaceKind}.get(kind),
                                  with_retired=with_retired)
    return render_template("places/index.html", places=places, regions=services.regions(), kinds=list(PlaceKind),
                           poster_languages=list(POSTER_LANGUAGES), region=region, kind=kind, with_retired=with_retired)


@bp.get("/<code>/poster-<any(kk, ru, both):language>.pdf")
@roles_required(Role.ADMIN)
def poster(code: str, language: str):
    """The place's A4 poster as a PDF download; 404 for an unknown or retired place."""
    try:
        [place] = posters.choose([code])
    except posters.NotPrintable:
        abort(404)
    return Response(posters.posters_pdf([place], language), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{place.code}-{language}.pdf"'})
