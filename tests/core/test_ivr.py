"""The IVR state machine walked through the shipped 111 flow, one caller action at a time."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace

import pytest

from app.core import ivr
from app.core.ivr import Collect, Enqueue, Hangup, IvrState, Keys, NoInput, Recorded, RecordMessage, Speak
from app.core.vocab import IvrOutcome, Priority

SILENCE = NoInput()


def events(script: str) -> list:
    """``"2 1 - #"``: keys separated by spaces, ``-`` for silence."""
    return [SILENCE if word == "-" else Keys(word) for word in script.split()]


def walk(flow, script, state: IvrState | None = None) -> list[ivr.Step]:
    """The steps of a call from ``state``; by default a new call, its first step included."""
    steps = [] if state else [ivr.start(flow)]
    state = state or steps[0].state
    for event in events(script) if isinstance(script, str) else script:
        steps.append(ivr.step(flow, state, event))
        state = steps[-1].state
    return steps


def menu(prompt: str, language: str, timeout: int = 7) -> Collect:
    return Collect((Speak(prompt, language),), num_digits=1, timeout=timeout)


def enqueue(priority: Priority, category: str, language: str = "ru") -> Enqueue:
    return Enqueue("helpline-111", priority, category, language)


def at_main_menu(flow, language: str = "ru") -> IvrState:
    state = walk(flow, {"kk": "1", "ru": "2"}[language])[-1].state
    assert state.node == "main_menu"
    return state


# --- language choice and safety notice -----------------------------------------------------------


def test_call_opens_with_the_language_menu_in_both_languages(flow):
    first = ivr.start(flow)
    assert first.state.node == "choose_language"
    assert first.actions == (
        Collect((Speak("choose_language", "kk"), Speak("choose_language", "ru")), num_digits=1, timeout=6),
    )


@pytest.mark.parametrize("silence", [SILENCE, Keys("")], ids=["no-input", "empty-keys"])
def test_silence_at_the_language_menu_repeats_once_then_goes_on_in_kazakh(flow, silence):
    start, again, on = walk(flow, [silence, silence])
    assert again.actions == start.actions
    assert on.state.language == "kk"
    assert on.actions == (Speak("safety_notice", "kk"), menu("main_menu", "kk"))


def test_wrong_keys_at_the_language_menu_go_on_in_kazakh(flow):
    on = walk(flow, "9 9")[-1]
    assert on.actions == (Speak("safety_notice", "kk"), menu("main_menu", "kk"))


@pytest.mark.parametrize(("key", "language"), [("1", "kk"), ("2", "ru")])
def test_safety_notice_comes_right_after_the_language_choice(flow, key, language):
    chosen = walk(flow, key)[-1]
    assert chosen.state.language == language
    assert chosen.actions == (Speak("safety_notice", language), menu("main_menu", language))


# --- the main menu -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "node", "expected"),
    [
        ("1", "child", enqueue(Priority.CHILD, "child")),
        ("3", "family", enqueue(Priority.STANDARD, "family")),
        ("0", "cannot_talk", enqueue(Priority.URGENT, "cannot_talk")),
        ("2 1", "violence_danger", enqueue(Priority.URGENT, "violence")),
        ("2 2", "violence", enqueue(Priority.STANDARD, "violence")),
    ],
)
def test_main_menu_options_reach_the_queue_the_flow_names(flow, script, node, expected):
    last = walk(flow, script, at_main_menu(flow))[-1]
    assert last.state.node == node
    assert last.state.outcome is IvrOutcome.ENQUEUED
    assert last.actions[-1] == expected


def test_key_2_opens_the_violence_menu(flow):
    last = walk(flow, "2", at_main_menu(flow))[-1]
    assert last.actions == (menu("violence_menu", "ru", timeout=6),)


def test_information_is_spoken_then_the_main_menu_again(flow):
    last = walk(flow, "4", at_main_menu(flow, "kk"))[-1]
    assert last.state.node == "main_menu"
    assert last.actions == (Speak("information", "kk"), menu("main_menu", "kk"))


def test_voice_message_is_recorded_then_thanked_and_ended(flow):
    record, done = walk(flow, [Keys("5"), Recorded("RE1")], at_main_menu(flow))
    assert record.actions == (Speak("record_instructions", "ru"), RecordMessage(max_length=180, timeout=10))
    assert done.actions == (Speak("message_thanks", "ru"), Hangup())
    assert done.state.outcome is IvrOutcome.VOICE_MESSAGE


@pytest.mark.parametrize("nothing", [SILENCE, Keys("#")], ids=["no-input", "keys"])
def test_no_voice_message_sends_the_caller_straight_to_an_operator(flow, nothing):
    last = walk(flow, [Keys("5"), nothing], at_main_menu(flow))[-1]
    assert last.state.node == "operator"
    assert last.actions == (Speak("connecting", "ru"), enqueue(Priority.STANDARD, "general"))


def test_a_record_node_repeats_its_prompt_only_when_the_flow_says_so(flow):
    nodes = {**flow.nodes, "voice_message": replace(flow.nodes["voice_message"], retries=1)}
    again, on = walk(replace(flow, nodes=nodes), "- -", walk(flow, "5", at_main_menu(flow))[-1].state)
    assert again.actions == (Speak("record_instructions", "ru"), RecordMessage(max_length=180, timeout=10))
    assert on.state.node == "operator"


# --- callers who cannot talk freely --------------------------------------------------------------


@pytest.mark.parametrize("script", ["0", "- -", "2 - - -", "9 -"], ids=["key-0", "silent", "silent-in-violence", "wrong-then-silent"])
def test_a_caller_who_cannot_talk_is_first_in_line_and_never_asked_to_speak(flow, script):
    steps = walk(flow, script, at_main_menu(flow))
    assert steps[-1].actions == (Speak("stay_silent", "ru"), enqueue(Priority.URGENT, "cannot_talk"))
    actions = [action for step in steps for action in step.actions]
    assert not [a for a in actions if isinstance(a, RecordMessage | Hangup)]


def test_first_silence_at_the_main_menu_repeats_it(flow):
    again = walk(flow, "-", at_main_menu(flow))[-1]
    assert again.actions == (menu("main_menu", "ru"),)


# --- wrong keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reach", "prompt", "retries", "timeout", "after"),
    [
        ("", "main_menu", 1, 7, enqueue(Priority.STANDARD, "general")),
        ("2", "violence_menu", 2, 6, enqueue(Priority.STANDARD, "violence")),
    ],
)
@pytest.mark.parametrize("wrong", ["9", "12", "*", "#"])
def test_wrong_keys_reprompt_at_most_retries_times_then_reach_an_operator(flow, reach, prompt, retries, timeout,
                                                                        after, wrong):
    state = walk(flow, reach, at_main_menu(flow))[-1].state if reach else at_main_menu(flow)
    steps = walk(flow, " ".join([wrong] * (retries + 1)), state)
    for retry in steps[:-1]:
        assert retry.actions == (Speak("invalid_choice", "ru"), menu(prompt, "ru", timeout))
    assert steps[-1].actions[-1] == after
    assert steps[-1].state.outcome is IvrOutcome.ENQUEUED


# --- state and robustness ------------------------------------------------------------------------


def test_state_survives_a_round_trip_through_json(flow):
    state = walk(flow, "2 9 2", ivr.start(flow).state)[-1].state
    assert state.path == ("choose_language", "safety_notice", "main_menu", "violence_menu")
    assert list(state.to_dict()) == [field.name for field in dataclasses.fields(IvrState)]  # none forgotten
    restored = IvrState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    assert ivr.step(flow, restored, Keys("1")) == ivr.step(flow, state, Keys("1"))


def test_a_node_removed_from_the_flow_sends_the_caller_to_the_fallback(flow):
    gone = IvrState(node="old_menu", language="kk", misses=1)
    last = ivr.step(flow, gone, Keys("1"))
    assert last.state.node == flow.fallback == "operator"
    assert last.actions == (Speak("connecting", "kk"), enqueue(Priority.STANDARD, "general", "kk"))


def test_a_caller_left_at_a_message_node_goes_on_and_is_not_hung_up(flow):
    # A flow change can turn the node a live call waits at into a message node.
    last = ivr.step(flow, IvrState(node="information", language="kk"), Keys("1"))
    assert last.actions == (Speak("information", "kk"), menu("main_menu", "kk"))


def test_a_repeated_request_after_the_queue_repeats_the_queue(flow):
    queued = walk(flow, "1", at_main_menu(flow))[-1]
    assert ivr.step(flow, queued.state, Keys("3")) == queued


def test_start_event_restarts_the_call(flow):
    assert ivr.step(flow, at_main_menu(flow), ivr.Start()) == ivr.start(flow)
