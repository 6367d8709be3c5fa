"""The child's page walks the 111 flow's menus as buttons, and lands where the same keys land on the phone."""

from __future__ import annotations

import pytest

from app.core import ivr
from app.core.flow import parse_flow
from app.core.vocab import Priority
from app.core.webwalk import Answered, Choice, NotOffered, Question, every_answer, walk
from tests.core.test_flow_check import flow_data, menu


def test_the_first_question_is_the_main_menu_in_either_language(flow):
    """The language menu is answered by the page's language and the safety notice passes silently."""
    for language in ("kk", "ru"):
        first = walk(flow, language, [])
        assert first == Question("main_menu", "web_main_menu", (
            Choice("1", "web_child"), Choice("2", "web_violence"), Choice("3", "web_family"),
            Choice("4", "web_information"), Choice("0", "web_cannot_talk")))


def test_a_voice_message_is_not_offered_on_the_web(flow):
    assert "5" not in {choice.key for choice in walk(flow, "ru", []).choices}
    assert [choice.key for choice in walk(flow, "ru", ["2"]).choices] == ["1", "2"]
    with pytest.raises(NotOffered):
        walk(flow, "ru", ["5"])
    with pytest.raises(NotOffered):
        walk(flow, "ru", ["2", "3"])


@pytest.mark.parametrize(("answers", "node", "priority", "category"), [
    (["1"], "child", Priority.CHILD, "child"),
    (["2", "1"], "violence_danger", Priority.URGENT, "violence"),
    (["2", "2"], "violence", Priority.STANDARD, "violence"),
    (["3"], "family", Priority.STANDARD, "family"),
    (["0"], "cannot_talk", Priority.URGENT, "cannot_talk"),
    (["4", "1"], "child", Priority.CHILD, "child"),
])
def test_answers_lead_to_a_queue_with_its_priority_and_category(flow, answers, node, priority, category):
    assert walk(flow, "kk", answers) == Answered(node, priority, category)


def test_a_message_on_the_way_is_shown_above_the_next_question(flow):
    after_information = walk(flow, "ru", ["4"])
    assert (after_information.node, after_information.notes) == ("main_menu", ("information",))
    assert walk(flow, "ru", ["4", "2"]).notes == ()  # shown once, not carried on


@pytest.mark.parametrize("answers", [["9"], ["1", "1"], [""], ["12"]])
def test_answers_not_offered_are_refused(flow, answers):
    with pytest.raises(NotOffered):
        walk(flow, "ru", answers)


def test_a_language_the_flow_does_not_speak_is_refused(flow):
    with pytest.raises(NotOffered):
        walk(flow, "en", [])


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_web_answer_gives_what_the_same_keys_give_on_the_phone(flow, language):
    """The equivalence: each way through the page's questions, pressed on the phone, queues the same way."""
    language_key = next(key for key, t in flow.nodes[flow.start].options.items() if t.language == language)
    ways = list(every_answer(flow, language))
    assert {answered.node for _, answered in ways} == {"child", "violence_danger", "violence", "family",
                                                       "cannot_talk"}
    for answers, answered in ways:
        step = ivr.start(flow)
        for key in (language_key, *answers):
            step = ivr.step(flow, step.state, ivr.Keys(key))
        queued = [action for action in step.actions if isinstance(action, ivr.Enqueue)]
        assert queued == [ivr.Enqueue(flow.queue, answered.priority, answered.category, language)], answers
        assert step.state.node == answered.node


def test_a_flow_not_for_the_web_asks_nothing_and_queues_as_its_fallback():
    data = flow_data({"operator": {"type": "queue", "priority": "child", "category": "general"}})
    flow = parse_flow(data, "flows/test.yaml")
    assert not flow.web
    assert walk(flow, "ru", []) == Answered("operator", Priority.CHILD, "general")


def test_a_small_web_flow_with_a_language_menu_after_a_message():
    data = flow_data({
        "hello_first": {"type": "message", "prompt": "hello", "web_prompt": "hello", "next": "langs"},
        "langs": menu({"1": {"next": "menu", "language": "kk"}, "2": {"next": "menu", "language": "ru"}}),
        "menu": menu({"1": {"next": "operator", "label": "hello"}, "2": "operator"}, web_prompt="hello"),
    }, start="hello_first", web=True)
    flow = parse_flow(data, "flows/test.yaml")
    assert walk(flow, "ru", []) == Question("menu", "hello", (Choice("1", "hello"),), ("hello",))
    assert walk(flow, "kk", ["1"]) == Answered("operator", Priority.STANDARD, "general")
