"""Helpers of the places tests: CSV files imported with the real command, what the database holds, and reading PDFs.

A poster PDF is turned into an image by poppler's ``pdftoppm`` and into text by ``pdftotext``; ``zbarimg`` decodes
its QR code (Debian's poppler-utils and zbar-tools, installed by ``make system-deps``).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import select

from app.db import db
from app.places.models import Place

HEADER = "code,name,region,district,kind"
SCHOOLS = [
    "ast-sch-012,№12 мектеп-гимназия,Астана,Есіл ауданы,school",
    "ast-sch-045,Школа-лицей № 45,Астана,район Алматы,school",
    "alm-col-003,Алматы политехникалық колледжі,Алматы,Бостандық ауданы,college",
    'krg-oth-001,"Детский дом ""Үміт"", Караганда",Карагандинская область,Караганда,other',
]


def write_csv(folder: Path, lines: list[str], *, name: str = "places.csv", bom: bool = False,
              newline: str = "\r\n") -> Path:
    """A CSV file as a spreadsheet saves it (CRLF lines; Excel's "CSV UTF-8" adds the BOM)."""
    path = folder / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (newline.join(lines) + newline).encode("utf-8"))
    return path


def import_file(runner, path: Path):
    return runner.invoke(args=["places", "import", str(path)])


def stored(app) -> dict[str, tuple]:
    """Every place by code: (name, region, district, kind, retired)."""
    with app.app_context():
        return {p.code: (p.name, p.region, p.district, p.kind.value, p.is_retired)
                for p in db.session.scalars(select(Place))}


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def decoded(pdf: Path, page: int, tmp_path: Path, dpi: int = 100) -> list[str]:
    """Every QR code zbar finds on the page rendered at ``dpi`` (a phone camera sees about as much)."""
    prefix = tmp_path / f"{pdf.stem}-{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(prefix)], check=True)
    found = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", f"{prefix}.png"],
                           capture_output=True, text=True)
    return found.stdout.splitlines()


def text_of(pdf: Path, page: int) -> str:
    """The page's text, its whitespace made single spaces (the PDF wraps lines wherever they fit)."""
    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())
