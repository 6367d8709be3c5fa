"""Places: finding one by the code on its poster, importing them from a CSV, listing, retiring, restoring."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.audit.services import record
from app.core.places import PlaceKind, PlaceRow, RowError, normalise_code, read_places_csv
from app.db import db, utcnow

from .models import Place


def find_place(code: str) -> Place | None:
    """The active place with this code (any case), or None for a malformed, unknown or retired code.

    None is no error: a child who scans an old or mistyped code still gets the chat, untagged.
    """
    place = get_place(code)
    return None if place is None or place.is_retired else place


def get_place(code: str) -> Place | None:
    """The place with this code (any case), retired or not; None if there is none."""
    normalised = normalise_code(code)
    return None if normalised is None else db.session.scalar(select(Place).where(Place.code == normalised))


class ImportRejected(ValueError):
    """The import file has bad rows; nothing was imported. ``errors`` names each line and column."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s) in the file; nothing was imported")
        self.errors = errors


@dataclass
class ImportResult:
    """What an import changed, by code."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def import_places(data: bytes, *, source: str, actor_label: str = "cli") -> ImportResult:
    """Add or update places from a CSV file's bytes (UTF-8, with or without a BOM), all or nothing.

    A code already known updates its place's name, region, district and kind; a retired place stays
    retired (``restore_place`` brings it back). Raises ``ImportRejected`` with every bad row, having
    written nothing. The import is audited with the codes it added and updated.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ImportRejected([RowError(line, None, "not UTF-8 text: in Excel, save as \"CSV UTF-8\"")]) from None
    rows, errors = read_places_csv(text)
    if errors:
        raise ImportRejected(errors)
    known = {place.code: place for place in db.session.scalars(select(Place))}  # a country's schools fit in memory
    result = ImportResult()
    for row in rows:
        place = known.get(row.code)
        if place is None:
            db.session.add(Place(code=row.code, name=row.name, region=row.region, district=row.district,
                                 kind=row.kind))
            result.added.append(row.code)
        elif _update(place, row):
            result.updated.append(row.code)
        else:
            result.unchanged.append(row.code)
    record("places.import", actor_label=actor_label, target_type="places", source=source,
           added=result.added, updated=result.updated, unchanged=len(result.unchanged))
    db.session.commit()
    return result


def _update(place: Place, row: PlaceRow) -> bool:
    """Give ``place`` the row's values; whether anything changed."""
    new = {"name": row.name, "region": row.region, "district": row.district, "kind": row.kind}
    changed = {name: value for name, value in new.items() if getattr(place, name) != value}
    for name, value in changed.items():
        setattr(place, name, value)
    return bool(changed)


def list_places(*, region: str | None = None, kind: PlaceKind | None = None,
                with_retired: bool = False) -> list[Place]:
    """Places by region, district and name; only active ones unless ``with_retired``."""
    query = select(Place).order_by(Place.region, Place.district, Place.name, Place.code)
    if region:
        query = query.where(Place.region == region)
    if kind:
        query = query.where(Place.kind == kind)
    if not with_retired:
        query = query.where(Place.retired_at.is_(None))
    return list(db.session.scalars(query))


def regions() -> list[str]:
    """Every region some place is in (retired ones too), for suggestions."""
    return list(db.session.scalars(select(Place.region).distinct().order_by(Place.region)))


class UnknownPlace(LookupError):
    """No place has this code."""


def retire_place(code: str, *, actor_label: str = "cli") -> bool:
    """Retire a place: its code opens the chat untagged from now on; False if it was retired already."""
    return _set_retired(code, True, actor_label)


def restore_place(code: str, *, actor_label: str = "cli") -> bool:
    """Bring a retired place back: its code tags chats again; False if it was not retired."""
    return _set_retired(code, False, actor_label)


def _set_retired(code: str, retired: bool, actor_label: str) -> bool:
    place = get_place(code)
    if place is None:
        raise UnknownPlace(code)
    if place.is_retired == retired:
        return False
    place.retired_at = utcnow() if retired else None
    record("place.retire" if retired else "place.restore", actor_label=actor_label, target_type="place",
           target_id=place.code)
    db.session.commit()
    return True
