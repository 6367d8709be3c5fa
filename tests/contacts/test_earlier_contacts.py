"""A contact's earlier contacts: a caller's earlier calls by keyed hash, queued or not; never for anonymous ones."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.calls import services as calls
from app.calls.models import Call
from app.contacts import services as contacts
from app.core.vocab import Channel
from app.db import db
from app.voice import services as voice

KEEP_WAITING = " - - -"  # silence in the wait loop's rounds, then a hang-up


def calls_of(app, results) -> list[Call]:
    with app.app_context():
        rows = [db.session.scalar(select(Call).where(Call.call_sid == r.call_sid)) for r in results]
        db.session.expunge_all()
    return rows


def test_earlier_contacts_count_the_same_caller_by_hash(app, call):
    mine = "+77015550101"
    results = [call("2 3", from_number=mine), call("1 1", from_number="+77015550202"),
               call("2 4", from_number=mine), call("2 0", from_number=mine)]
    rows = calls_of(app, results)
    assert rows[0].caller_hash == rows[2].caller_hash == rows[3].caller_hash != rows[1].caller_hash
    with app.app_context():
        assert [calls.earlier_calls(r.caller_hash, r.id) for r in rows] == [0, 0, 1, 2]
        assert calls.earlier_calls(rows[3].caller_hash, rows[3].id + 1000) == 3  # not limited to queued calls
        assert contacts.earlier_contacts(voice.entry_for_call(rows[3].call_sid)).total == 2  # what the console shows


def test_earlier_contacts_are_listed_in_detail_newest_first(app, call):
    mine = "+77015550101"
    message = call("2 5 speaks", from_number=mine)  # left a voice message from the menu
    hung_up = call("2 3" + KEEP_WAITING, from_number=mine)  # hung up while waiting in line
    call("1 1", from_number="+77015550202")  # somebody else
    now = call("2 3", from_number=mine)
    rows = calls_of(app, [message, hung_up, now])
    with app.app_context():
        earlier = contacts.earlier_contacts(voice.entry_for_call(now.call_sid))
        assert earlier.total == 2 and earlier.more == 0
        assert [(c.at, c.channel, c.voice_message, c.abandoned, c.outcome) for c in earlier.recent] == [
            (rows[1].created_at, Channel.PHONE, False, True, None), (rows[0].created_at, Channel.PHONE, True, False, None)]
        newest = contacts.earlier_contacts(voice.entry_for_call(now.call_sid), shown=1)
        assert (newest.total, len(newest.recent), newest.more, newest.recent[0].abandoned) == (2, 1, 1, True)


@pytest.mark.parametrize("withheld", ["anonymous", "+266696687", "Restricted", ""])
def test_anonymous_callers_have_no_earlier_contacts(app, call, withheld):
    results = [call("2 3", from_number=withheld) for _ in range(3)]
    rows = calls_of(app, results)
    assert all(r.caller_hash is None for r in rows)
    with app.app_context():
        assert [calls.earlier_calls(r.caller_hash, r.id) for r in rows] == [0, 0, 0]
        entry = voice.entry_for_call(rows[-1].call_sid)
        assert entry.caller_hash is None and contacts.earlier_contacts(entry) == contacts.EarlierContacts()


def test_the_queue_entry_carries_the_callers_hash_never_the_number(app, call):
    result = call("2 3", from_number="+77015550101")
    with app.app_context():
        entry = voice.entry_for_call(result.call_sid)
        assert entry.caller_hash == calls_of(app, [result])[0].caller_hash
        assert "7015550101" not in entry.caller_hash
