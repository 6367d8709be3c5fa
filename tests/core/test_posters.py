"""The poster's pure parts: the URL a code opens, and the QR modules as runs that cover exactly the dark ones."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.core.posters import dark_runs, place_url


def test_the_url_is_the_chat_page_of_the_code():
    assert place_url("https://qorgau.example.org", "ast-sch-012") == "https://qorgau.example.org/q/ast-sch-012"
    assert place_url("https://help.example.kz/111/", "a-1") == "https://help.example.kz/111/q/a-1"


def test_anything_that_is_not_safe_in_a_path_is_escaped():
    assert place_url("https://x.kz", "a b/c?d#e%") == "https://x.kz/q/a%20b%2Fc%3Fd%23e%25"
    assert place_url("https://x.kz", "мектеп") == "https://x.kz/q/%D0%BC%D0%B5%D0%BA%D1%82%D0%B5%D0%BF"


@given(st.lists(st.lists(st.booleans(), min_size=5, max_size=5), min_size=1, max_size=5))
def test_dark_runs_cover_exactly_the_dark_modules(rows):
    modules = tuple(tuple(row) for row in rows)
    covered = {(row, column + offset) for row, column, length in dark_runs(modules) for offset in range(length)}
    assert covered == {(r, c) for r, line in enumerate(modules) for c, dark in enumerate(line) if dark}
    runs = list(dark_runs(modules))
    assert all(not modules[r][c + n] for r, c, n in runs if c + n < len(modules[r]))  # each run is as long as it gets
