"""No caller number at rest or in the logs: only a keyed hash links a repeat caller."""

from __future__ import annotations

import logging
import re

from app.simulator.engine import ScriptedCaller

from .helpers import CALLER, CALLER_DIGITS, dump_database, find_call

NUMBER_FORMS = (CALLER, CALLER_DIGITS, CALLER_DIGITS[1:], "8" + CALLER_DIGITS[1:])  # E.164, bare, national


def _assert_no_number(text: str) -> None:
    compact = re.sub(r"[\s().-]", "", text)  # "+7 (701) 987-65-43" -> "+77019876543"
    for form in NUMBER_FORMS:
        assert form not in compact


def test_no_table_holds_the_callers_number(app, call):
    results = [call("2 5 speaks", from_number=CALLER), call("1 1", from_number="+7 (701) 987-65-43")]
    assert all(result.problems == [] for result in results)
    dump = dump_database(app)
    assert results[0].call_sid in dump and "keys:5" in dump  # the dump does hold the calls
    assert results[0].recordings[0] in dump
    _assert_no_number(dump)


def test_one_number_in_two_formats_is_one_caller_and_anonymous_callers_are_not_linked(app, call):
    first = find_call(app, call("2 1", from_number=CALLER).call_sid)
    second = find_call(app, call("1 3", from_number="+7 (701) 987-65-43").call_sid)
    other = find_call(app, call("2 1", from_number="+77010000000").call_sid)
    anonymous = [find_call(app, call("2 1", from_number=withheld).call_sid) for withheld in ("anonymous", "")]
    assert first.caller_hash is not None
    assert first.caller_hash == second.caller_hash
    assert other.caller_hash not in (None, first.caller_hash)
    assert [row.caller_hash for row in anonymous] == [None, None]


def test_the_logs_of_a_call_hold_no_number(app, call, http_simulator, caplog):
    caplog.set_level(logging.DEBUG)
    results = [call("2 5 speaks", from_number=CALLER),
               http_simulator.call(ScriptedCaller(["1", "0"]), from_number=CALLER)]
    assert all(result.problems == [] for result in results)
    assert caplog.records  # the request log of the HTTP server at least
    _assert_no_number(caplog.text)
    _assert_no_number("\n".join(str(record.args) for record in caplog.records))


def test_a_refused_webhook_logs_the_path_and_no_number(client, caplog):
    caplog.set_level(logging.DEBUG)
    response = client.post("/voice/incoming", data={"CallSid": "CA" + "b" * 32, "From": CALLER})
    assert response.status_code == 403
    assert "/voice/incoming" in caplog.text
    _assert_no_number(caplog.text)
