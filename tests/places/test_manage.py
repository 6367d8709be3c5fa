"""``flask places list|retire|restore``: the table, its filters, and retiring a place without losing it."""

from __future__ import annotations

import pytest

from app.places.services import find_place
from tests.auth.helpers import audit_events

from .helpers import HEADER, SCHOOLS, import_file, stored, write_csv


@pytest.fixture
def imported(app, runner, tmp_path):
    assert import_file(runner, write_csv(tmp_path, [HEADER, *SCHOOLS])).exit_code == 0


def listed(runner, *options: str) -> list[list[str]]:
    """The rows of ``places list``, split on the table's runs of spaces (the header first)."""
    result = runner.invoke(args=["places", "list", *options])
    assert result.exit_code == 0, result.output
    *table, count = result.output.splitlines()
    assert count == f"{len(table) - 1} place(s)"
    return [[cell.strip() for cell in row.split("  ") if cell.strip()] for row in table]


def test_the_list_is_a_table_by_region_district_and_name(imported, runner):
    assert listed(runner) == [
        ["code", "name", "region", "district", "kind", "retired"],
        ["alm-col-003", "Алматы политехникалық колледжі", "Алматы", "Бостандық ауданы", "college"],
        ["ast-sch-012", "№12 мектеп-гимназия", "Астана", "Есіл ауданы", "school"],
        ["ast-sch-045", "Школа-лицей № 45", "Астана", "район Алматы", "school"],
        ["krg-oth-001", 'Детский дом "Үміт", Караганда', "Карагандинская область", "Караганда", "other"],
    ]


def test_the_list_filters_by_region_and_kind(imported, runner):
    assert [row[0] for row in listed(runner, "--region", "Астана")[1:]] == ["ast-sch-012", "ast-sch-045"]
    assert [row[0] for row in listed(runner, "--kind", "college")[1:]] == ["alm-col-003"]
    assert listed(runner, "--region", "Алматы", "--kind", "school")[1:] == []


def test_an_unknown_region_says_which_regions_there_are(imported, runner):
    result = runner.invoke(args=["places", "list", "--region", "Астан"])
    assert result.exit_code == 1
    assert "no region 'Астан'; regions: Алматы, Астана, Карагандинская область" in result.output


def test_retire_and_restore(app, imported, runner):
    result = runner.invoke(args=["places", "retire", "AST-SCH-012"])
    assert result.exit_code == 0 and "retired AST-SCH-012" in result.output
    assert stored(app)["ast-sch-012"][-1] is True
    with app.app_context():
        assert find_place("ast-sch-012") is None  # its posters open the chat untagged
    assert "ast-sch-012" not in [row[0] for row in listed(runner)]
    [retired_row] = [row for row in listed(runner, "--retired") if row[0] == "ast-sch-012"]
    assert len(retired_row) == 6 and retired_row[5][:2] == "20"  # the date it was retired

    assert "already retired" in runner.invoke(args=["places", "retire", "ast-sch-012"]).output
    result = runner.invoke(args=["places", "restore", "ast-sch-012"])
    assert result.exit_code == 0 and "restored ast-sch-012" in result.output
    with app.app_context():
        assert find_place("ast-sch-012").name == "№12 мектеп-гимназия"
    assert "was not retired" in runner.invoke(args=["places", "restore", "ast-sch-012"]).output
    assert [(e.action, e.actor_label, e.target_type, e.target_id) for e in audit_events(app)
            if e.action.startswith("place.")] == [("place.retire", "cli", "place", "ast-sch-012"),
                                                  ("place.restore", "cli", "place", "ast-sch-012")]


@pytest.mark.parametrize("command", ["retire", "restore"])
def test_retiring_or_restoring_an_unknown_code_is_a_clear_error(imported, runner, command):
    result = runner.invoke(args=["places", command, "ast-sch-999"])
    assert result.exit_code == 1
    assert "no place with that code" in result.output
