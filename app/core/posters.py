"""What a QR poster says and where its code leads (pure: the PDF is drawn in ``app.places.pdf``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from urllib.parse import quote

# The language choices of ``places posters --language``: which texts a poster carries, in print order.
POSTER_LANGUAGES = {"kk": ("kk",), "ru": ("ru",), "both": ("kk", "ru")}

# White modules around the code that scanners need to find it (ISO/IEC 18004 asks for 4).
QUIET_ZONE = 4


def place_url(base_url: str, code: str) -> str:
    """The address a place's QR code opens: ``{base_url}/q/<code>``, the code escaped for a URL path."""
    return f"{base_url.rstrip('/')}/q/{quote(code, safe='')}"


@dataclass(frozen=True)
class PosterText:
    """One language's words on a poster (the translation keys are ``poster_<field>``)."""

    language: str
    helpline: str  # who we are, a small line at the top
    headline: str  # the largest line: "Need help? Write to us!"
    who: str  # who can write
    why: str  # what they can write about
    anonymous: str  # anonymous and free
    danger: str  # in danger now: call 102 or 112
    scan: str  # above the code: scan it to write to us
    no_scan: str  # under the code, before the address: for those who cannot scan
    call: str  # the phone line is there too

    @classmethod
    def from_catalog(cls, language: str, catalog: dict[str, str]) -> PosterText:
        """The poster's words from a language's translations; a missing key is a KeyError."""
        return cls(language, **{f.name: catalog[f"poster_{f.name}"] for f in fields(cls) if f.name != "language"})


@dataclass(frozen=True)
class Poster:
    """One A4 poster: its place, its texts (one or two languages, side by side) and its QR code."""

    place_name: str
    url: str
    texts: tuple[PosterText, ...]
    modules: tuple[tuple[bool, ...], ...]  # the QR code's modules, row by row (True: dark), no quiet zone

    def characters(self) -> set[str]:
        """Every character printed, so that a font can be checked for all of them before drawing."""
        words = [self.place_name, self.url] + [getattr(t, f.name) for t in self.texts for f in fields(t)]
        return set("".join(words))


def dark_runs(modules: tuple[tuple[bool, ...], ...]) -> Iterator[tuple[int, int, int]]:
    """The dark modules as horizontal runs ``(row, first column, length)``: one rectangle each, no seams."""
    for row, line in enumerate(modules):
        start = None
        for column, dark in enumerate((*line, False)):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                yield row, start, column - start
                start = None
