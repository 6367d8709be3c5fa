"""``flask places import FILE.csv``: all rows or none, a clear error per bad row, re-imports update."""

from __future__ import annotations

import pytest

from tests.auth.helpers import audit_events

from .helpers import HEADER, SCHOOLS, import_file, stored, write_csv


def test_a_spreadsheet_of_places_is_imported(app, runner, tmp_path):
    result = import_file(runner, write_csv(tmp_path, [HEADER, *SCHOOLS]))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "4 added, 0 updated, 0 unchanged"
    assert stored(app) == {
        "ast-sch-012": ("№12 мектеп-гимназия", "Астана", "Есіл ауданы", "school", False),
        "ast-sch-045": ("Школа-лицей № 45", "Астана", "район Алматы", "school", False),
        "alm-col-003": ("Алматы политехникалық колледжі", "Алматы", "Бостандық ауданы", "college", False),
        "krg-oth-001": ('Детский дом "Үміт", Караганда', "Карагандинская область", "Караганда", "other", False),
    }
    [event] = audit_events(app, "places.import")
    assert event.actor_label == "cli"
    assert event.details == {"source": "places.csv", "added": ["ast-sch-012", "ast-sch-045", "alm-col-003",
                                                               "krg-oth-001"], "updated": [], "unchanged": 0}


def test_excel_csv_utf8_with_a_bom_and_semicolons_any_column_order_and_case(app, runner, tmp_path):
    # Excel in a Russian or Kazakh locale separates fields with ";" and starts "CSV UTF-8" with a BOM.
    lines = ["Kind;Code;Name;Region;District", "School;AST-Sch-012;№12 мектеп-гимназия;Астана;Есіл ауданы",
             "", "college ; alm-col-003 ; Алматы политехникалық колледжі ; Алматы ; Бостандық ауданы "]
    result = import_file(runner, write_csv(tmp_path, lines, bom=True))
    assert result.exit_code == 0, result.output
    assert stored(app) == {
        "ast-sch-012": ("№12 мектеп-гимназия", "Астана", "Есіл ауданы", "school", False),
        "alm-col-003": ("Алматы политехникалық колледжі", "Алматы", "Бостандық ауданы", "college", False),
    }


def test_reimporting_updates_changed_places_and_counts_the_rest(app, runner, tmp_path):
    import_file(runner, write_csv(tmp_path, [HEADER, *SCHOOLS]))
    renamed = "ast-sch-045,Школа-лицей № 45 имени Абая,Астана,район Алматы,school"
    moved = "alm-col-003,Алматы политехникалық колледжі,Алматы,Алмалы ауданы,college"
    new = "shy-sch-101,№101 мектеп,Шымкент,Абай ауданы,school"
    result = import_file(runner, write_csv(tmp_path, [HEADER, SCHOOLS[0], renamed, moved, new], name="v2.csv"))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 added, 2 updated, 1 unchanged"
    places = stored(app)
    assert places["ast-sch-045"][0] == "Школа-лицей № 45 имени Абая"
    assert places["alm-col-003"][2] == "Алмалы ауданы"
    assert places["krg-oth-001"] == ('Детский дом "Үміт", Караганда', "Карагандинская область", "Караганда",
                                     "other", False)  # not in the new file: kept as it was
    assert len(places) == 5
    assert audit_events(app, "places.import")[-1].details == {
        "source": "v2.csv", "added": ["shy-sch-101"], "updated": ["ast-sch-045", "alm-col-003"], "unchanged": 1}


def test_reimporting_a_retired_place_keeps_it_retired(app, runner, tmp_path):
    import_file(runner, write_csv(tmp_path, [HEADER, *SCHOOLS]))
    runner.invoke(args=["places", "retire", "ast-sch-012"])
    result = import_file(runner, write_csv(tmp_path, [HEADER, "ast-sch-012,№12 гимназия,Астана,Есіл ауданы,school"]))
    assert result.output.strip() == "0 added, 1 updated, 0 unchanged"
    assert stored(app)["ast-sch-012"] == ("№12 гимназия", "Астана", "Есіл ауданы", "school", True)


BAD_ROWS = {
    "missing name": ("ast-sch-100,,Астана,Есіл ауданы,school", "line 3, column name: missing"),
    "missing kind (short row)": ("ast-sch-100,Мектеп,Астана,Есіл ауданы", "line 3, column kind: missing"),
    "unknown kind": ("ast-sch-100,Мектеп,Астана,Есіл ауданы,kindergarten",
                     "line 3, column kind: unknown kind 'kindergarten' (expected school, college, other)"),
    "duplicate code": ("AST-SCH-012,Другая школа,Астана,Есіл ауданы,school",
                       "line 3, column code: duplicate code 'ast-sch-012', already on line 2"),
    "code too long": ("a" * 33 + ",Мектеп,Астана,Есіл ауданы,school",
                      "line 3, column code: too long: 33 characters, at most 32"),
    "name too long": ("ast-sch-100," + "М" * 201 + ",Астана,Есіл ауданы,school",
                      "line 3, column name: too long: 201 characters, at most 200"),
    "district too long": ("ast-sch-100,Мектеп,Астана," + "д" * 101 + ",school",
                          "line 3, column district: too long: 101 characters, at most 100"),
    "code not URL-safe": ("ast/sch 100,Мектеп,Астана,Есіл ауданы,school",
                          "line 3, column code: 'ast/sch 100': only Latin letters, digits and '-'"),
    "Cyrillic code": ("шк-100,Мектеп,Астана,Есіл ауданы,school",
                      "line 3, column code: 'шк-100': only Latin letters, digits and '-'"),
    "line break in a name": ('ast-sch-100,"Мектеп\nлицей",Астана,Есіл ауданы,school',
                             "line 3, column name: a line break or other control character"),
    "unquoted comma": ("ast-sch-100,Мектеп, лицей,Астана,Есіл ауданы,school",
                       "line 3: 6 fields, but the header names 5 (a field with a comma or semicolon needs quotes)"),
}


@pytest.mark.parametrize("bad_row, message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_row_is_named_by_line_and_column_and_nothing_is_imported(app, runner, tmp_path, bad_row, message):
    lines = [HEADER, SCHOOLS[0], bad_row, SCHOOLS[1]]
    result = import_file(runner, write_csv(tmp_path, lines))
    assert result.exit_code == 1
    assert f"places.csv: {message}\n" in result.output
    assert "nothing was imported" in result.output
    assert stored(app) == {}
    assert audit_events(app, "places.import") == []


def test_every_bad_row_is_reported_at_once_and_an_existing_place_is_left_alone(app, runner, tmp_path):
    import_file(runner, write_csv(tmp_path, [HEADER, SCHOOLS[0]]))
    before = stored(app)
    lines = [HEADER, "ast-sch-012,Переименована,Астана,Есіл ауданы,school", "x,,Астана,,park",
             '"multi\nline name",n,r,d,school', "ast-sch-012,Again,Астана,Есіл ауданы,school"]
    result = import_file(runner, write_csv(tmp_path, lines, name="bad.csv"))
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("bad.csv:")] == [
        "bad.csv: line 3, column name: missing",
        "bad.csv: line 3, column district: missing",
        "bad.csv: line 3, column kind: unknown kind 'park' (expected school, college, other)",
        "bad.csv: line 4, column code: a line break or other control character",
        "bad.csv: line 6, column code: duplicate code 'ast-sch-012', already on line 2",
    ]
    assert "Error: 5 error(s) in the file; nothing was imported" in result.output
    assert stored(app) == before  # the valid rename on line 2 was not applied either


@pytest.mark.parametrize("lines, message", [
    (["code,name,region,kind", SCHOOLS[0]], "line 1, column district: missing column"),
    (["code,name,region,district,kind,notes"], "line 1, column notes: unknown column (expected code, name, region, "
                                               "district, kind)"),
    (["code,name,region,district,kind,code"], "line 1, column code: column named twice"),
    ([""], "line 1: no header: the first line must name the columns code, name, region, district, kind"),
    ([HEADER, 'ast-sch-100,"Мектеп,Астана,Есіл ауданы,school'], "line 2: not valid CSV (unexpected end of data)"),
], ids=["missing column", "unknown column", "column twice", "empty file", "unclosed quote"])
def test_a_bad_header_or_broken_csv_is_named(app, runner, tmp_path, lines, message):
    result = import_file(runner, write_csv(tmp_path, lines))
    assert result.exit_code == 1
    assert f"places.csv: {message}\n" in result.output
    assert stored(app) == {}


def test_a_file_saved_in_windows_1251_is_refused_with_how_to_save_it(app, runner, tmp_path):
    path = tmp_path / "places.csv"
    path.write_bytes(f"{HEADER}\r\n{SCHOOLS[1]}\r\n".encode("cp1251"))
    result = import_file(runner, path)
    assert result.exit_code == 1
    assert 'places.csv: line 2: not UTF-8 text: in Excel, save as "CSV UTF-8"' in result.output
    assert stored(app) == {}
