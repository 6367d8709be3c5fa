"""The inbox: voice messages and call-back requests, taken like callers (the line's claim), heard, called back, closed."""

from __future__ import annotations

import secrets

import pytest

from app.callbacks import services as callbacks
from app.calls.models import Call
from app.cases import services as cases
from app.contacts import services as contacts
from app.core.vocab import CallStatus, IvrOutcome, Priority
from app.db import db
from app.inbox import services as inbox
from app.queue import services as queue
from app.queue.models import EntryState
from app.recordings import services as recordings
from tests.queue.helpers import add_caller

from .helpers import messages, page, post

HASH = "b" * 64  # the caller's keyed hash (never shown)
NUMBER = "+77015550199"


@pytest.fixture(autouse=True)
def no_jobs(app, monkeypatch):
    """Recordings' jobs (download, transcription) are not these tests' business."""
    monkeypatch.setitem(app.extensions["qorgau.tasks"], "process_recording", lambda recording_id: None)


def voice_message(app, *, caller_hash: str | None = HASH, category: str = "violence") -> int:
    """A caller left a voice message from the menus (no entry in line) and hung up; returns the message's entry."""
    with app.app_context():
        call = Call(call_sid="CA" + secrets.token_hex(16), caller_hash=caller_hash, flow_id="helpline-111",
                    language="kk", status=CallStatus.COMPLETED, ivr_outcome=IvrOutcome.VOICE_MESSAGE,
                    ivr_state={"node": "voice_message"}, priority=Priority.STANDARD, category=category)
        db.session.add(call)
        db.session.commit()
        sid = "RE" + secrets.token_hex(16)
        recordings.register(call.call_sid, sid, f"https://api.twilio.com/{sid}", "completed", 42, 1, "RecordVerb")
        recordings.register(call.call_sid, sid, f"https://api.twilio.com/{sid}", "completed", 42, 1, "RecordVerb")
        return queue.entry_for_call(call.id).id


def callback_request(app) -> int:
    """A caller in line asked to be called back and hung up; returns their entry."""
    with app.app_context():
        entry = add_caller(Priority.CHILD, "ru", caller_hash=HASH, ago=60)
        assert callbacks.request(entry, NUMBER) is callbacks.Asked.CONFIRMED
        return entry.id


def test_a_voice_message_waits_in_the_inbox_once_and_not_in_the_live_line(app, operator):
    entry_id = voice_message(app)
    with app.app_context():
        entry = queue.entry(entry_id)
        assert entry.state is EntryState.MESSAGE and queue.waiting() == []
        assert [item.entry_id for item in inbox.items()] == [entry_id]  # registered twice, one item
    doc = page(operator.get("/console/inbox"))
    row = doc.xpath(f'//tr[@data-entry="{entry_id}"]')[0]
    text = " ".join(row.text_content().split())
    assert row.get("data-kind") == "message" and "Voice message · 0:42 · no transcript yet" in text
    assert row.xpath('.//button[@name="entry_id"]/@value') == [str(entry_id)]
    assert HASH not in operator.get("/console/inbox").get_data(as_text=True)


def test_a_caller_who_left_the_line_to_record_waits_in_the_inbox(app):
    with app.app_context():
        entry = add_caller(Priority.STANDARD, "ru", caller_hash=HASH)
        queue.end(entry, EntryState.LEFT)
        db.session.commit()
        left_at = entry.ended_at
        call = db.session.get(Call, entry.call_id)
        recordings.register(call.call_sid, "RE" + secrets.token_hex(16), "https://api.twilio.com/x", "completed", 9, 1,
                            "RecordVerb")
        again = queue.entry(entry.id)
        assert again.state is EntryState.MESSAGE and again.ended_at == left_at  # when they left the line
        assert inbox.counts() == inbox.Counts(messages=1, callbacks=0)


def test_an_operator_takes_a_voice_message_hears_it_and_closes_it(app, operator, people, gateway, signed_in):
    entry_id = voice_message(app)
    # No endpoint needed: nobody is rung. The same claim as callers': a second operator gets nothing.
    location = post(operator, "/console/pick", {"entry_id": str(entry_id)}).headers["Location"]
    assert "/console/cases/" in location and gateway.requests == []
    other = signed_in("daniyar")
    refused = post(other, "/console/pick", {"entry_id": str(entry_id)})
    assert refused.headers["Location"].endswith("/console/")
    assert "Another operator already took this contact, or they left the line." in messages(other.get("/console/"))
    with app.app_context():
        assert queue.entry(entry_id).state is EntryState.CONNECTED
        assert queue.entry(entry_id).operator_id == people["aigerim"]
        assert inbox.items() == []
        case_id = int(location.rsplit("/", 1)[1])
        assert cases.get_case(case_id).category == "violence"  # the IVR's category, mapped
    doc = page(operator.get(location))
    replay = doc.xpath('//a[@class="replay"]/@href')
    assert len(replay) == 1 and replay[0].startswith("/supervisor/calls/CA")  # the audited audio and transcript
    assert operator.get(replay[0]).status_code == 200
    with app.app_context():
        cases.save_case(case_id, people["aigerim"], {"contact_type": "substantive", "outcome": "advice_given",
                                                     "services": ["consultation"]})
        cases.close_case(case_id, people["aigerim"])
        assert queue.entry(entry_id).state is EntryState.DONE


def test_next_never_takes_a_voice_message(app, people):
    voice_message(app)
    with app.app_context(), pytest.raises(contacts.TakeError) as refused:
        contacts.take(people["aigerim"])
    assert refused.value.key == contacts.NOBODY


def test_a_call_back_request_is_in_the_inbox_and_taking_it_rings_the_caller(app, operator, reachable, gateway):
    entry_id = callback_request(app)
    row = page(operator.get("/console/inbox")).xpath(f'//tr[@data-entry="{entry_id}"]')[0]
    assert row.get("data-kind") == "callback" and NUMBER not in row.text_content()
    reachable()
    location = post(operator, "/console/pick", {"entry_id": str(entry_id)}).headers["Location"]
    assert "/console/cases/" in location
    assert [request[0] for request in gateway.requests][:2] == ["call_out", "dial_into_conference"]
    assert gateway.requests[0][1] == NUMBER  # the existing call-back path, number for Twilio alone


def test_the_same_caller_s_waiting_items_show_on_their_case_and_anonymous_ones_never(app, operator, reachable,
                                                                                       gateway):
    voice_message(app)
    voice_message(app, caller_hash=None)  # anonymous: never linked to anyone
    reachable()
    with app.app_context():
        entry = add_caller(Priority.STANDARD, "ru", caller_hash=HASH).id
    location = post(operator, "/console/pick", {"entry_id": str(entry)}).headers["Location"]
    note = page(operator.get(location)).xpath('string(//*[@data-fact="inbox-waiting"])')
    assert " ".join(note.split()) == "This caller also waits in the inbox: voice messages 1, call-backs 0"


def test_the_board_and_the_reports_count_the_inbox(app, supervisor):
    voice_message(app)
    callback_request(app)
    tile = page(supervisor.get("/supervisor/board")).xpath('//*[@data-figure="inbox"]')[0]
    assert tile.xpath('string(.//*[@class="value"]/@data-count)') == "2"
    assert "voice messages 1 · call-backs 1" in " ".join(tile.text_content().split())
    report = page(supervisor.get("/supervisor/reports")).xpath('string(//*[@data-figure="inbox"])')
    assert " ".join(report.split()) == (
        "Voice messages left: 1 · call-backs asked for: 1 · of these still in the inbox: 2")
