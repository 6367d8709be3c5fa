"""Places: where a QR poster hangs; a chat opened from its code is tagged with the place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.places import AREA_MAX_LENGTH, CODE_MAX_LENGTH, NAME_MAX_LENGTH, PlaceKind
from app.db import db, enum_column, utcnow

__all__ = ["Place", "PlaceKind"]


class Place(db.Model):
    """A school, college or other place with its own QR code (see ``app.core.places`` for the code's rule)."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), unique=True)  # normalised: lower case
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))  # as printed on the poster
    region: Mapped[str] = mapped_column(String(AREA_MAX_LENGTH), index=True)  # oblast or city of republican status
    district: Mapped[str] = mapped_column(String(AREA_MAX_LENGTH))  # district or town within the region
    kind: Mapped[PlaceKind] = mapped_column(enum_column(PlaceKind))
    # Retired places keep their row (chats already tagged with them still point here); their code opens the chat
    # untagged.
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        state = " retired" if self.is_retired else ""
        return f"<Place {self.code} {self.kind.value}{state}>"
