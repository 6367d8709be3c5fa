"""Finding a place by the code on its poster: any case finds it; unknown, malformed and retired codes find none."""

from __future__ import annotations

import pytest

from app.core.places import normalise_code
from app.db import db, utcnow
from app.places.models import Place, PlaceKind
from app.places.services import find_place


@pytest.fixture
def school(db_session) -> Place:
    place = Place(code="ast-sch-012", name="№12 мектеп-гимназия", region="Астана", district="Есіл",
                  kind=PlaceKind.SCHOOL)
    db_session.add(place)
    db_session.commit()
    return place


def test_a_code_finds_its_place_in_any_case_and_with_spaces(school):
    assert find_place("ast-sch-012") == school
    assert find_place(" AST-Sch-012 ") == school


@pytest.mark.parametrize("code", ["ast-sch-013", "", "ast sch 012", "ast/sch", "қорғау", "a" * 33, "x' OR 1=1 --"])
def test_unknown_or_malformed_codes_find_nothing(school, code):
    assert find_place(code) is None


def test_a_retired_place_is_not_found_and_comes_back_when_restored(school):
    school.retired_at = utcnow()
    db.session.commit()
    assert find_place("ast-sch-012") is None
    school.retired_at = None
    db.session.commit()
    assert find_place("ast-sch-012") == school


def test_codes_are_kept_in_lower_case_up_to_32_characters(school):
    assert normalise_code("AST-SCH-012") == school.code
    assert normalise_code("a" * 32) == "a" * 32
    assert normalise_code("a" * 33) is None
