"""Caller numbers become keyed hashes; withheld numbers stay unlinked."""

from __future__ import annotations

import pytest

from app.core.privacy import caller_key

SECRET = "test-secret"


def test_the_same_number_in_any_format_gives_the_same_key():
    keys = {caller_key(n, SECRET) for n in ("+7 701 123-45-67", "+77011234567", "+7 (701) 123 45 67")}
    assert len(keys) == 1
    assert None not in keys


def test_different_numbers_give_different_keys():
    assert caller_key("+77011234567", SECRET) != caller_key("+77011234568", SECRET)


def test_a_different_secret_gives_a_different_key():
    assert caller_key("+77011234567", SECRET) != caller_key("+77011234567", "another-secret")


@pytest.mark.parametrize("number", [None, "", "   ", "anonymous", "Anonymous", "restricted", "+266696687", "+7378742833"])
def test_withheld_numbers_have_no_key(number):
    assert caller_key(number, SECRET) is None


@pytest.mark.parametrize("number", ["+77011234567", "+77770000000", "+12025550123"])
def test_the_key_does_not_contain_the_number(number):
    key = caller_key(number, SECRET)
    digits = number.lstrip("+")
    assert digits not in key
    assert digits[-7:] not in key  # not even the local part
