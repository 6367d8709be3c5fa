"""Places where the helpline's QR posters hang, and the rule for their codes (pure: stdlib only).

A place's code is what its poster's QR code carries: ``{PUBLIC_BASE_URL}/q/<code>``. Codes are short,
safe in a URL as they are, and case-insensitive (a code typed by hand from the printed URL still finds
its place): 1 to ``CODE_MAX_LENGTH`` characters of ASCII letters, digits and "-", kept in lower case.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from enum import StrEnum

CODE_MAX_LENGTH = 32
NAME_MAX_LENGTH = 200
AREA_MAX_LENGTH = 100  # a region's or a district's name

_CODE = re.compile(rf"[a-z0-9-]{{1,{CODE_MAX_LENGTH}}}")


class PlaceKind(StrEnum):
    """What kind of place a poster hangs in (reports count contacts by it)."""

    SCHOOL = "school"  # a general school (grades 1-11), the children's main way in
    COLLEGE = "college"  # a college or other vocational school, teenagers and young adults
    OTHER = "other"  # anything else: a children's home, a clinic, a youth centre, a sports club


def normalise_code(text: str) -> str | None:
    """The code in its stored form (lower case, no surrounding spaces), or None if it cannot be a code."""
    code = text.strip().lower()
    return code if _CODE.fullmatch(code) else None


# --- the import file -----------------------------------------------------------------------------

COLUMNS = ("code", "name", "region", "district", "kind")
_LIMITS = {"code": CODE_MAX_LENGTH, "name": NAME_MAX_LENGTH, "region": AREA_MAX_LENGTH,
           "district": AREA_MAX_LENGTH}
_KINDS = tuple(kind.value for kind in PlaceKind)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class PlaceRow:
    """One place as the import file gives it, checked and normalised."""

    line: int
    code: str
    name: str
    region: str
    district: str
    kind: PlaceKind


@dataclass(frozen=True)
class RowError:
    """What is wrong with one line of the import file, and in which column."""

    line: int
    column: str | None  # None: the line as a whole (too many fields, the header)
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def read_places_csv(text: str) -> tuple[list[PlaceRow], list[RowError]]:
    """Check every row of a places CSV (header first, any column order): the rows, or else every error found.

    Fields are separated by "," or, as Excel saves CSV in Russian and Kazakh locales, by ";" (the header
    tells which). Blank lines are skipped, spaces around a field dropped; ``kind`` may be in any case.
    """
    text = text.removeprefix("\ufeff")  # the byte order mark Excel's "CSV UTF-8" starts with
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[PlaceRow] = []
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        errors = _header_errors(header)
        if errors:
            return [], errors
        first_seen: dict[str, int] = {}  # code -> the line it was first on
        lines_read = reader.line_num
        for fields in reader:
            line, lines_read = lines_read + 1, reader.line_num  # a quoted field may span lines: where it starts
            if not any(field.strip() for field in fields):
                continue
            values, row_errors = _check_row(line, fields, header)
            code = normalise_code(values.get("code", ""))
            if code in first_seen:
                row_errors.append(RowError(line, "code", f"duplicate code {code!r}, already on line {first_seen[code]}"))
            elif code:
                first_seen[code] = line
            errors += row_errors
            if not row_errors:
                rows.append(PlaceRow(line, code, values["name"], values["region"], values["district"],
                                     PlaceKind(values["kind"].lower())))
    except csv.Error as error:  # a quote left open, a stray quote inside a field, a NUL byte
        errors.append(RowError(reader.line_num, None, f"not valid CSV ({error})"))
    return ([], errors) if errors else (rows, [])


def _header_errors(header: list[str]) -> list[RowError]:
    if not any(header):
        return [RowError(1, None, "no header: the first line must name the columns " + ", ".join(COLUMNS))]
    errors = [RowError(1, name or None, "unknown column (expected " + ", ".join(COLUMNS) + ")")
              for name in header if name not in COLUMNS]
    errors += [RowError(1, name, "column named twice") for name in COLUMNS if header.count(name) > 1]
    return errors + [RowError(1, name, "missing column") for name in COLUMNS if name not in header]


def _check_row(line: int, fields: list[str], header: list[str]) -> tuple[dict[str, str], list[RowError]]:
    """The row's fields by column, stripped, and what is wrong with them."""
    if len(fields) > len(header):
        return {}, [RowError(line, None, f"{len(fields)} fields, but the header names {len(header)} "
                                         "(a field with a comma or semicolon needs quotes)")]
    values = {name: (fields[index].strip() if index < len(fields) else "") for index, name in enumerate(header)}
    errors = []
    for name in COLUMNS:
        value, limit = values[name], _LIMITS.get(name)
        if not value:
            errors.append(RowError(line, name, "missing"))
        elif limit and len(value) > limit:
            errors.append(RowError(line, name, f"too long: {len(value)} characters, at most {limit}"))
        elif _CONTROL.search(value):  # a line break inside quotes, a tab: a poster prints names on one line
            errors.append(RowError(line, name, "a line break or other control character"))
        elif name == "code" and normalise_code(value) is None:
            errors.append(RowError(line, name, f"{value!r}: only Latin letters, digits and '-'"))
        elif name == "kind" and value.lower() not in _KINDS:
            errors.append(RowError(line, name, f"unknown kind {value!r} (expected {', '.join(_KINDS)})"))
    return values, errors
