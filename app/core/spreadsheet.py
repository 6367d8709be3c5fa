"""CSV that is safe to open in a spreadsheet: no cell is run as a formula (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

# A cell starting with one of these is a formula (or a command) to Excel, LibreOffice and Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    """The cell's text; a leading apostrophe makes a would-be formula plain text (OWASP's advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Each row as one CSV record (quoted as needed, CRLF-terminated), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
