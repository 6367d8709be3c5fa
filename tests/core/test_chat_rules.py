"""Pure rules of chats and the line: conversation codes, message ids, keyed hashes, an operator's room."""

from __future__ import annotations

import pytest

from app.core import chat
from app.core.privacy import caller_key, keyed_hash
from app.core.queue import Load, has_room
from app.core.vocab import Channel


def test_a_new_code_is_three_groups_of_unambiguous_characters():
    code = chat.new_code()
    assert [len(group) for group in code.split("-")] == [4, 4, 4]
    assert not set(code.replace("-", "")) & set("ILOU")
    assert chat.normalise_code(code) == code


@pytest.mark.parametrize(("typed", "read"), [
    ("7kq2-m9xd-4tpa", "7KQ2-M9XD-4TPA"), ("7KQ2 M9XD 4TPA", "7KQ2-M9XD-4TPA"), ("7KQ2M9XD4TPA", "7KQ2-M9XD-4TPA"),
    ("OOOO-IIII-LLLL", "0000-1111-1111"), (" 7KQ2—M9XD—4TPA ", "7KQ2-M9XD-4TPA"),
])
def test_a_code_is_read_as_meant(typed, read):
    assert chat.normalise_code(typed) == read


@pytest.mark.parametrize("typed", [None, "", "7KQ2-M9XD-4TP", "7KQ2-M9XD-4TPAX", "7KQ2-M9XD-4TPU", "ҚҚҚҚ-ҚҚҚҚ-ҚҚҚҚ"])
def test_anything_else_is_no_code(typed):
    assert chat.normalise_code(typed) is None


@pytest.mark.parametrize(("value", "valid"), [("3f2a-11", True), ("a" * 64, True), ("a" * 65, False), ("", False),
                                              (None, False), ("a b", False), ("é", False)])
def test_a_message_id_is_short_and_plain(value, valid):
    assert chat.valid_client_id(value) is valid


def test_a_keyed_hash_depends_on_the_purpose_and_the_key():
    base = keyed_hash("203.0.113.7", "key", "chat-source")
    assert base == keyed_hash("203.0.113.7", "key", "chat-source")
    assert base != keyed_hash("203.0.113.7", "key", "chat-code") != keyed_hash("203.0.113.7", "other", "chat-source")
    assert "203" not in base and base != caller_key("203.0.113.7", "key")


@pytest.mark.parametrize(("load", "phone", "web"), [
    (Load(), True, True), (Load(calls=1), False, True), (Load(chats=2), True, True), (Load(chats=3), True, False),
    (Load(calls=1, chats=3), False, False),
])
def test_one_call_at_a_time_and_chats_besides_it(load, phone, web):
    assert (has_room(Channel.PHONE, load, 3), has_room(Channel.WEB, load, 3)) == (phone, web)
