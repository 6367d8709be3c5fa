"""Every menu path, in both languages, walked by the call simulator as a caller would."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import select

from app.db import db
from app.recordings.models import Recording
from app.simulator.engine import ScriptedCaller

from .helpers import find_call

LANGUAGES = {"kk": "1", "ru": "2"}
MENUS = ["choose_language", "main_menu"]

# name: (keys after the language choice, priority, category, outcome, nodes reached step by step)
QUEUE_PATHS = {
    "child": ("1", "child", "child", ["child"]),
    "violence, in danger now": ("2 1", "urgent", "violence", ["violence_menu", "violence_danger"]),
    "violence, to a specialist": ("2 2", "standard", "violence", ["violence_menu", "violence"]),
    "family": ("3", "standard", "family", ["family"]),
    "information, then child": ("4 1", "child", "child", ["main_menu", "child"]),
    "cannot talk (key 0)": ("0", "urgent", "cannot_talk", ["cannot_talk"]),
    "silent at the main menu": ("- -", "urgent", "cannot_talk", ["main_menu", "cannot_talk"]),
    "wrong keys at the main menu": ("9 9", "standard", "general", ["main_menu", "operator"]),
    "wrong keys at the violence menu": ("2 9 9 9", "standard", "violence",
                                        ["violence_menu", "violence_menu", "violence_menu", "violence"]),
    "silent at the violence menu": ("2 - - -", "urgent", "cannot_talk",
                                    ["violence_menu", "violence_menu", "violence_menu", "cannot_talk"]),
    "silent at the voice message": ("5 -", "standard", "general", ["voice_message", "operator"]),
}


def _documents(result) -> list[etree._Element]:
    return [etree.fromstring(e.reply.body) for e in result.exchanges if e.document is not None]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", QUEUE_PATHS)
def test_a_menu_path_ends_in_the_right_queue(app, call, language, name):
    keys, priority, category, nodes = QUEUE_PATHS[name]
    result = call(f"{LANGUAGES[language]} {keys}")
    assert result.problems == []
    assert result.queue_result == "hangup"  # the caller waited two rounds, then hung up
    assert result.ended_by == "caller"
    row = find_call(app, result.call_sid)
    assert row.language == language
    assert (row.priority.value, row.category) == (priority, category)
    assert row.ivr_outcome.value == "enqueued"
    assert row.queue_result == "hangup"
    assert row.status.value == "completed"
    assert [step.node for step in row.steps] == MENUS + nodes
    assert [step.seq for step in row.steps] == list(range(len(row.steps)))


@pytest.mark.parametrize("language", LANGUAGES)
def test_information_is_spoken_then_the_main_menu_again(app, call, language):
    result = call(f"{LANGUAGES[language]} 4 1")
    assert result.problems == []
    row = find_call(app, result.call_sid)
    assert "information" in row.ivr_state["path"]
    information, menu = _documents(result)[2]  # the reply to key 4: the information, then the main menu
    expected = "Центр 111 работает круглосуточно" if language == "ru" else "/audio/prompts/kk/information.wav"
    assert expected in etree.tostring(information, encoding="unicode")
    assert menu.tag == "Gather"
    assert menu.get("action").endswith("/voice/step?s=3")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("keys, nodes", [("5", ["voice_message"]), ("2 3", ["violence_menu", "voice_message"])],
                         ids=["main menu", "violence menu"])
def test_a_voice_message_is_kept_and_the_call_ends(app, call, language, keys, nodes):
    result = call(f"{LANGUAGES[language]} {keys} speaks")
    assert result.problems == []
    assert result.ended_by == "hangup"
    assert result.queue_result is None
    row = find_call(app, result.call_sid)
    assert row.ivr_outcome.value == "voice_message"
    assert row.language == language
    assert row.priority is None
    assert [step.node for step in row.steps] == MENUS + nodes + ["message_thanks"]
    with app.app_context():
        [recording] = db.session.scalars(select(Recording).where(Recording.call_sid == result.call_sid)).all()
        assert recording.recording_sid == result.recordings[0]
        assert recording.call_id == row.id
        assert recording.duration_seconds == 5
    [after_recording] = [e for e in result.exchanges if "/voice/step" in e.url and "RecordingSid" in e.params]
    thanks = etree.fromstring(after_recording.reply.body)
    assert [verb.tag for verb in thanks] == ["Say" if language == "ru" else "Play", "Hangup"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("keys", ["0", "- -"], ids=["key 0", "silence"])
def test_a_caller_who_cannot_talk_is_never_asked_to_speak(app, call, language, keys):
    result = call(f"{LANGUAGES[language]} {keys}")
    assert result.problems == []
    assert result.recordings == []
    row = find_call(app, result.call_sid)
    assert (row.priority.value, row.category) == ("urgent", "cannot_talk")
    with app.app_context():
        record_text = app.extensions["qorgau.flows"]["helpline-111"].prompts["record_instructions"]["ru"]
    for doc in _documents(result):
        assert not doc.xpath("//Record")
        assert not doc.xpath("//Play[contains(text(), 'record_instructions')]")
        assert record_text not in doc.xpath("string(/Response)")


def test_no_key_at_the_language_menu_repeats_it_once_then_goes_on_in_kazakh(app, call):
    result = call("- - 1")
    assert result.problems == []
    first, second, third = _documents(result)[:3]
    assert etree.tostring(second) == etree.tostring(first).replace(b"s=1", b"s=2")
    assert third.xpath("/Response/Play/text()")[0].endswith("/audio/prompts/kk/safety_notice.wav")
    row = find_call(app, result.call_sid)
    assert row.language == "kk"
    assert [step.node for step in row.steps] == ["choose_language", "choose_language", "main_menu", "child"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_wrong_key_is_explained_and_the_menu_repeated(call, language):
    result = call(f"{LANGUAGES[language]} 7 1")
    assert result.problems == []
    wrong = _documents(result)[2]
    expected = "Извините" if language == "ru" else f"/audio/prompts/{language}/invalid_choice.wav"
    assert expected in etree.tostring(wrong, encoding="unicode")
    assert len(wrong.xpath("/Response/Gather")) == 1
    assert result.queue_result == "hangup"


def test_a_walk_over_real_http(app, http_simulator):
    result = http_simulator.call(ScriptedCaller(["2", "5", "speaks"]))
    assert result.problems == []
    assert result.ended_by == "hangup"
    row = find_call(app, result.call_sid)
    assert (row.language, row.ivr_outcome.value) == ("ru", "voice_message")
    result = http_simulator.call(ScriptedCaller(["1", "2", "1"]))
    assert result.problems == []
    row = find_call(app, result.call_sid)
    assert (row.language, row.priority.value, row.category) == ("kk", "urgent", "violence")
