"""Callers in the wait loop: what it tells them in their language, Twilio's queue remembered, hanging up while waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from app.calls.models import Call
from app.core.vocab import Priority
from app.db import db, utcnow
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as line
from app.queue.models import EntryState
from app.voice import services as voice
from tests.queue.helpers import add_caller, add_operators, entry_of, sid_of
from tests.telephony.helpers import new_call_sid, signed_post, twilio_params, twiml

RU_POSITION = {1: "первое", 2: "второе", 3: "третье", 4: "четвёртое", 5: "пятое"}
# After the menu keys: silence whenever the wait loop offers its options (call-back, voice message), so the
# caller keeps waiting through the simulator's rounds and then hangs up.
KEEP_WAITING = " - - -"


def wait_documents(result) -> list[etree._Element]:
    """The TwiML of every round of the wait loop the simulated caller heard."""
    return [etree.fromstring(e.reply.body) for e in result.exchanges if e.url.endswith("/voice/wait")]


def say_texts(doc: etree._Element) -> list[str]:
    return [text.strip() for text in doc.xpath("/Response/Say/text()")]


def play_urls(doc: etree._Element) -> list[str]:
    return [url.strip() for url in doc.xpath("/Response/Play/text()")]


def hear_wait(client, call_sid: str, queue_sid: str = "QU" + "1" * 32) -> etree._Element:
    """One round of the wait loop for a caller, as Twilio requests it."""
    return twiml(signed_post(client, "/voice/wait", twilio_params(call_sid, QueueSid=queue_sid, QueueTime="30")))


# --- the wait loop ---------------------------------------------------------------------------------


def test_a_russian_caller_hears_place_and_wait_in_russian(app, call):
    with app.app_context():
        for priority in (Priority.URGENT, Priority.URGENT, Priority.CHILD):
            add_caller(priority, ago=60)
    result = call("2 3" + KEEP_WAITING)  # Russian, family: standard, behind all three
    assert result.problems == []
    rounds = wait_documents(result)
    assert len(rounds) == 2
    for doc in rounds:
        said = say_texts(doc)
        assert said[0] == f"Ваше место в очереди: {RU_POSITION[4]}."
        assert said[1] == "Ожидание может занять больше пятнадцати минут."  # 3 ahead x 6 min, one operator
        assert said[2].startswith("Все специалисты сейчас заняты.")
        assert doc.xpath("/Response/Say/@language") == ["ru-RU"] * 3
        assert play_urls(doc) == ["https://qorgau.example.org/audio/hold/hold.wav"]


def test_a_kazakh_caller_hears_recorded_kazakh_prompts(app, call):
    with app.app_context():
        add_caller(Priority.URGENT, ago=60)
        add_caller(Priority.STANDARD, ago=600)  # earlier, but behind a child
    result = call("1 1" + KEEP_WAITING)  # Kazakh, child
    assert result.problems == []
    for doc in wait_documents(result):
        assert not doc.xpath("/Response/Say")  # Twilio has no Kazakh voice
        assert play_urls(doc) == [
            "https://qorgau.example.org/audio/prompts/kk/queue_position_2.wav",
            "https://qorgau.example.org/audio/prompts/kk/queue_wait_10.wav",  # 1 ahead x 6 min + 30 s
            "https://qorgau.example.org/audio/prompts/kk/please_wait.wav",
            "https://qorgau.example.org/audio/hold/hold.wav",
        ]


def test_the_estimate_comes_from_recent_handling_times_shared_by_available_operators(app, call):
    with app.app_context():
        for minutes in (1, 2, 3):  # mean 2 minutes
            done = add_caller(Priority.STANDARD)
            done.state, done.answered_at = EntryState.DONE, utcnow() - timedelta(minutes=minutes + 1)
            done.ended_at = done.answered_at + timedelta(minutes=minutes)
        db.session.commit()
        assert sorted(line.recent_handle_times()) == [timedelta(minutes=m) for m in (1, 2, 3)]
        for operator in add_operators(2):
            operators.set_availability(operator, Availability.AVAILABLE)
        for _ in range(4):
            add_caller(Priority.URGENT)
    result = call("2 3" + KEEP_WAITING)  # fifth: 4 ahead x 2 min / 2 operators + 30 s = 4.5 min
    assert say_texts(wait_documents(result)[0])[:2] == [f"Ваше место в очереди: {RU_POSITION[5]}.",
                                                        "Ожидание около пяти минут."]


def test_a_caller_who_cannot_talk_hears_music_only_but_is_first(app, call):
    with app.app_context():
        waiting = add_caller(Priority.CHILD, ago=300).id
    result = call("2 0" + KEEP_WAITING)
    for doc in wait_documents(result):
        assert not doc.xpath("/Response/Say")
        assert play_urls(doc) == ["https://qorgau.example.org/audio/hold/hold.wav"]
    with app.app_context():
        cannot_talk = voice.entry_for_call(result.call_sid)
        assert cannot_talk.priority is Priority.URGENT
        assert voice.call_of(cannot_talk).queue_sid is not None  # the loop still learnt Twilio's queue
        cannot_talk.state = EntryState.WAITING  # as if still on the line
        db.session.commit()
        assert [e.id for e in line.waiting()] == [cannot_talk.id, waiting]


def test_the_place_moves_up_as_callers_ahead_are_picked(app, client):
    with app.app_context():
        first = add_caller(Priority.URGENT, ago=30).id
        add_caller(Priority.STANDARD, ago=90)
        mine = add_caller(Priority.STANDARD, ago=60)
        call_sid = sid_of(mine)
        operator = add_operators(1)[0]
    assert say_texts(hear_wait(client, call_sid))[0] == f"Ваше место в очереди: {RU_POSITION[3]}."
    with app.app_context():
        assert line.pick(operator).id == first
    assert say_texts(hear_wait(client, call_sid))[0] == f"Ваше место в очереди: {RU_POSITION[2]}."
    with app.app_context():
        line.pick(operator)
    doc = hear_wait(client, call_sid)
    assert say_texts(doc)[:2] == [f"Ваше место в очереди: {RU_POSITION[1]}.", "Ожидание около одной минуты."]


def test_the_wait_loop_remembers_twilios_queue(app, client):
    with app.app_context():
        call_sid = sid_of(add_caller(Priority.STANDARD))
    hear_wait(client, call_sid, "QU" + "a" * 32)
    with app.app_context():
        assert voice.call_of(voice.entry_for_call(call_sid)).queue_sid == "QU" + "a" * 32


def test_ten_or_more_ahead_is_said_as_many(app, client):
    with app.app_context():
        for _ in range(10):
            add_caller(Priority.URGENT)
        call_sid = sid_of(add_caller(Priority.STANDARD))
    assert say_texts(hear_wait(client, call_sid))[0] == "Перед вами десять или более человек."


def test_a_caller_no_longer_waiting_hears_music_only(app, client):
    with app.app_context():
        entry = add_caller(Priority.STANDARD)
        entry.state = EntryState.ASSIGNED
        db.session.commit()
        call_sid = sid_of(entry)
    doc = hear_wait(client, call_sid)
    assert not doc.xpath("/Response/Say")
    assert play_urls(doc) == ["https://qorgau.example.org/audio/hold/hold.wav"]


def test_an_unknown_call_hears_music_only(client):
    doc = hear_wait(client, new_call_sid())
    assert not doc.xpath("/Response/Say") and len(doc.xpath("/Response/Play")) == 1


# --- hanging up while waiting ----------------------------------------------------------------------


def test_a_hang_up_while_waiting_is_abandoned_with_its_wait(app, call):
    result = call("2 3" + KEEP_WAITING)
    assert result.queue_result == "hangup"  # Twilio's <Enqueue> action said so
    entry = entry_of(app, result.call_sid)
    assert entry.state is EntryState.ABANDONED
    assert entry.operator_id is None and entry.picked_at is None
    assert entry.ended_at is not None and entry.ended_at >= entry.enqueued_at
    assert line.wait_seconds(entry) == (entry.ended_at - entry.enqueued_at).total_seconds()
    with app.app_context():
        assert line.count_waiting() == 0


def test_the_wait_recorded_is_the_time_spent_in_line(app, client):
    with app.app_context():
        call_sid = sid_of(add_caller(Priority.CHILD, ago=95))
    signed_post(client, "/voice/queue-exit", twilio_params(call_sid, QueueResult="hangup", QueueTime="95"))
    entry = entry_of(app, call_sid)
    assert entry.state is EntryState.ABANDONED
    assert line.wait_seconds(entry) == pytest.approx(95, abs=5)


def test_a_repeated_hang_up_keeps_the_first_end(app, client):
    with app.app_context():
        call_sid = sid_of(add_caller(Priority.CHILD, ago=30))
    params = twilio_params(call_sid, QueueResult="hangup")
    signed_post(client, "/voice/queue-exit", params)
    first = entry_of(app, call_sid).ended_at
    signed_post(client, "/voice/queue-exit", params)
    assert entry_of(app, call_sid).ended_at == first


def test_leaving_the_queue_by_redirect_is_not_abandoning(app, client):
    """A picked caller leaves Twilio's queue by a REST redirect: that is the bridge, not a hang-up."""
    with app.app_context():
        entry = add_caller(Priority.STANDARD)
        call_sid = sid_of(entry)
        line.pick(add_operators(1)[0], entry.id)
    signed_post(client, "/voice/queue-exit", twilio_params(call_sid, QueueResult="redirected"))
    assert entry_of(app, call_sid).state is EntryState.ASSIGNED


def test_a_call_ending_without_a_queue_exit_abandons_the_waiting_entry(app, client):
    """Twilio may skip the <Enqueue> action (the call dropped): the final status still closes the entry."""
    with app.app_context():
        call_sid = sid_of(add_caller(Priority.URGENT, ago=40))
    signed_post(client, "/voice/status", twilio_params(call_sid, CallStatus="completed", CallDuration="60"))
    entry = entry_of(app, call_sid)
    assert entry.state is EntryState.ABANDONED
    assert line.wait_seconds(entry) == pytest.approx(40, abs=5)


def test_abandoned_callers_keep_their_call(app, call):
    result = call("1 1")
    with app.app_context():
        row = db.session.scalar(select(Call).where(Call.call_sid == result.call_sid))
        assert voice.entry_for_call(result.call_sid).call_id == row.id
