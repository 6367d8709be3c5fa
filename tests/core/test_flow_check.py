"""Flow parsing and checking: every mistake is reported with the file and the node."""

from __future__ import annotations

import shutil

import pytest

from app.config import ROOT
from app.core.flow import FlowInvalid, check_flow, parse_flow
from app.core.queue import QUEUE_PROMPTS
from app.ivr.prompts import PromptLibrary
from app.ivr.services import load_flow_file

SOURCE = "flows/test.yaml"


def flow_data(nodes: dict | None = None, **top) -> dict:
    """A small valid flow (menu -> operator queue); ``nodes`` adds or replaces nodes, ``top`` top-level keys."""
    data = {
        "id": "test",
        "languages": ["kk", "ru"],
        "start": "menu",
        "fallback": "operator",
        "queue": "q",
        "prompts": {"hello": {"kk": "Сәлем", "ru": "Привет"},
                    **{prompt: {"kk": "…", "ru": "…"} for prompt in QUEUE_PROMPTS}},
        "nodes": {
            "menu": {"type": "menu", "prompt": "hello", "options": {"1": "operator"}},
            "operator": {"type": "queue"},
        },
    }
    data["nodes"].update(nodes or {})
    data.update(top)
    return data


def menu(options: dict, **extra) -> dict:
    return {"type": "menu", "prompt": "hello", "options": options, **extra}


def errors_of(data: dict, has_audio=lambda language, prompt: True, without_voice=()) -> list:
    """Parse and check ``data``; shape errors and graph errors alike."""
    try:
        flow = parse_flow(data, SOURCE)
    except FlowInvalid as invalid:
        return invalid.errors
    return check_flow(flow, has_audio, without_voice)


def assert_reported(errors: list, node: str, fragment: str) -> None:
    matching = [e for e in errors if e.node == node and fragment in e.message]
    assert matching, f"no error on {node!r} containing {fragment!r} in {[str(e) for e in errors]}"
    assert str(matching[0]).startswith(f"{SOURCE}: node '{node}': ")


def test_the_base_flow_is_valid():
    assert errors_of(flow_data()) == []


@pytest.mark.parametrize(
    ("nodes", "node", "fragment"),
    [
        pytest.param({"menu": menu({"1": "nowhere"})}, "menu", "unknown node 'nowhere'", id="unknown-target"),
        pytest.param({"menu": menu({"1": "operator"}, on_no_input="nowhere")}, "menu", "unknown node 'nowhere'",
                     id="unknown-fallback-target"),
        pytest.param({"orphan": {"type": "hangup"}}, "orphan", "unreachable", id="unreachable"),
        pytest.param({"menu": menu({"1": "msg"}), "msg": {"type": "message", "prompt": "hello"}},
                     "msg", "dead end", id="message-without-next"),
        pytest.param({"menu": menu({"1": "rec"}), "rec": {"type": "record", "prompt": "hello"}},
                     "rec", "dead end", id="record-without-next"),
        pytest.param({"menu": {"type": "menu", "prompt": "hello"}}, "menu", "dead end", id="menu-without-options"),
        pytest.param({"menu": menu({"1": "operator"}, prompt="nope")}, "menu", "prompt 'nope' has no entry",
                     id="missing-prompt-entry"),
        pytest.param({"operator": {"type": "queue", "wait_prompt": "nope"}}, "operator", "prompt 'nope'",
                     id="missing-wait-prompt-entry"),
        pytest.param({"menu": {"type": "menu", "options": {"1": "operator"}}}, "menu", "needs a prompt",
                     id="menu-without-prompt"),
        pytest.param({"menu": menu({"1a": "operator"})}, "menu", "'1a' is not a phone key", id="bad-option-key"),
        pytest.param({"menu": menu({"": "operator"})}, "menu", "'' is not a phone key", id="empty-option-key"),
        pytest.param({"menu": menu(["1", "2"])}, "menu", "options must map", id="options-not-a-mapping"),
        pytest.param({"menu": {"type": "ask", "prompt": "hello"}}, "menu", "unknown type 'ask'", id="unknown-type"),
        pytest.param({"menu": menu({"1": "operator"}, next="operator")}, "menu", "unknown keys ['next']",
                     id="unknown-node-key"),
        pytest.param({"menu": menu({"1": {"next": "operator", "lang": "kk"}})}, "menu", "unknown keys ['lang']",
                     id="unknown-transition-key"),
        pytest.param({"menu": menu({"1": {"next": "operator", "language": "en"}})}, "menu",
                     "chooses language 'en'", id="unknown-language"),
        pytest.param({"operator": {"type": "queue", "priority": "high"}}, "operator", "unknown priority 'high'",
                     id="bad-priority"),
        pytest.param({"menu": menu({"1": "operator"}, timeout=0)}, "menu", "timeout must be a positive",
                     id="bad-timeout"),
    ],
)
def test_node_mistakes_name_file_and_node(nodes, node, fragment):
    assert_reported(errors_of(flow_data(nodes)), node, fragment)


@pytest.mark.parametrize(
    "nodes",
    [
        pytest.param({"menu": menu({"1": "other"}, on_no_input="other", on_invalid="other"),
                      "other": menu({"1": "menu"}, on_no_input="menu", on_invalid="menu")}, id="two-menus"),
        pytest.param({"menu": menu({"1": "msg"}, on_no_input="msg", on_invalid="msg"),
                      "msg": {"type": "message", "prompt": "hello", "next": "menu"}}, id="menu-and-message"),
    ],
)
def test_loop_without_exit_is_reported_for_every_node_in_it(nodes):
    errors = errors_of(flow_data(nodes))  # the operator queue is still reachable, as the fallback
    for node in nodes:
        assert_reported(errors, node, "loop without exit")


def test_menus_that_leave_misses_to_the_fallback_are_not_a_loop():
    nodes = {"menu": menu({"1": "other"}), "other": menu({"1": "menu"})}
    assert errors_of(flow_data(nodes)) == []


def test_missing_text_for_a_language():
    data = flow_data(prompts={"hello": {"kk": "Сәлем", "ru": ""}})
    assert_reported(errors_of(data), "menu", "prompt 'hello' has no ru text")


def test_missing_audio_only_matters_for_languages_without_a_voice():
    def no_audio(language, prompt):
        return False

    errors = errors_of(flow_data(), has_audio=no_audio, without_voice={"kk"})
    assert_reported(errors, "menu", "prompt 'hello' has no kk audio (audio/prompts/kk/hello.wav)")
    assert not [e for e in errors if "ru" in e.message]
    assert errors_of(flow_data(), has_audio=no_audio, without_voice=()) == []


@pytest.mark.parametrize(
    ("top", "fragment"),
    [
        ({"start": "nowhere"}, "start points to unknown node 'nowhere'"),
        ({"fallback": "nowhere"}, "fallback points to unknown node 'nowhere'"),
        ({"colour": "red"}, "unknown top-level key 'colour'"),
        ({"queue": None}, "missing required key 'queue'"),
        ({"languages": "kk"}, "'languages' must be a list"),
        ({"prompts": ["hello"]}, "'prompts' must be a mapping"),
    ],
)
def test_flow_level_mistakes_name_the_file(top, fragment):
    errors = errors_of(flow_data(**top))
    assert any(fragment in str(e) and str(e).startswith(f"{SOURCE}: ") for e in errors), errors


def test_not_a_mapping_at_all():
    with pytest.raises(FlowInvalid, match=f"{SOURCE}: a flow file must be a mapping"):
        parse_flow(["nodes"], SOURCE)


# --- the shipped flow ----------------------------------------------------------------------------

FLOW_FILE = ROOT / "ivr_flows" / "helpline-111.yaml"


def load_shipped(audio_dir):
    return load_flow_file(FLOW_FILE, PromptLibrary(audio_dir), {"ru"})


def test_shipped_flow_is_valid_with_the_shipped_audio():
    flow, errors = load_shipped(ROOT / "audio")
    assert [str(e) for e in errors] == []
    assert flow.id == "helpline-111"
    assert flow.languages == ("kk", "ru")


def test_shipped_flow_is_invalid_without_one_kazakh_recording(tmp_path):
    audio = tmp_path / "audio"
    shutil.copytree(ROOT / "audio", audio)
    (audio / "prompts" / "kk" / "safety_notice.wav").unlink()
    flow, errors = load_shipped(audio)
    assert flow is None
    assert [str(e) for e in errors] == [
        "ivr_flows/helpline-111.yaml: node 'safety_notice': "
        "prompt 'safety_notice' has no kk audio (audio/prompts/kk/safety_notice.wav)"
    ]


def test_a_flow_with_a_queue_needs_the_wait_loop_prompts():
    data = flow_data()
    del data["prompts"]["queue_wait_5"]
    assert_reported(errors_of(data), "operator", "prompt 'queue_wait_5' has no entry")


# --- the web (the child's page) ------------------------------------------------------------------

WEB_PROMPTS = {"ask": {"kk": "Кімсіз?", "ru": "Кто вы?"}, "me": {"kk": "Мен", "ru": "Я"}}


def web_flow(nodes: dict | None = None, **top) -> dict:
    """A valid web flow: a question with one button (and one phone-only option) to the operator queue."""
    data = flow_data({"menu": menu({"1": {"next": "operator", "label": "me"}, "2": "operator"}, web_prompt="ask"),
                      **(nodes or {})}, **{"web": True, **top})
    data["prompts"].update(WEB_PROMPTS)
    return data


def test_a_web_flow_is_valid_and_its_web_texts_need_no_audio():
    assert errors_of(web_flow(), has_audio=lambda language, prompt: prompt not in WEB_PROMPTS,
                     without_voice={"kk"}) == []


@pytest.mark.parametrize(
    ("nodes", "node", "fragment"),
    [
        pytest.param({"menu": menu({"1": {"next": "operator", "label": "me"}})}, "menu", "give it a web_prompt",
                     id="menu-without-question"),
        pytest.param({"menu": menu({"1": "operator"}, web_prompt="ask")}, "menu", "give at least one option a label",
                     id="menu-without-buttons"),
        pytest.param({"menu": menu({"1": {"next": "operator", "label": "nope"}}, web_prompt="ask")}, "menu",
                     "prompt 'nope' has no entry", id="unknown-label"),
        pytest.param({"menu": menu({"1": {"next": "operator", "label": "me"}}, web_prompt="nope")}, "menu",
                     "prompt 'nope' has no entry", id="unknown-question"),
        pytest.param({"menu": menu({"1": {"next": "rec", "label": "me"}}, web_prompt="ask"),
                      "rec": {"type": "record", "prompt": "hello", "next": "operator"}}, "menu",
                     "option 1 leads the web to 'rec', a record node", id="button-to-a-voice-message"),
        pytest.param({"menu": menu({"1": {"next": "menu", "label": "me"}, "2": "operator"}, web_prompt="ask")},
                     "menu", "loop without exit on the web", id="buttons-going-round"),
        pytest.param({"menu": menu({"1": {"next": "operator", "label": 7}}, web_prompt="ask")}, "menu",
                     "label must be a prompt id", id="label-not-a-prompt-id"),
        pytest.param({"operator": {"type": "queue", "web_prompt": "ask"}}, "operator", "unknown keys ['web_prompt']",
                     id="question-on-a-queue"),
        pytest.param({"menu": menu({"1": "operator"}, on_no_input={"next": "operator", "label": "me"})}, "menu",
                     "unknown keys ['label']", id="label-off-an-option"),
    ],
)
def test_web_mistakes_name_file_and_node(nodes, node, fragment):
    assert_reported(errors_of(web_flow(nodes)), node, fragment)


def test_a_web_label_needs_its_text_in_every_language():
    data = web_flow()
    data["prompts"]["me"] = {"kk": "Мен"}
    assert_reported(errors_of(data), "menu", "prompt 'me' has no ru text")


def test_a_language_menu_on_the_web_must_offer_every_language():
    data = web_flow({"langs": menu({"1": {"next": "menu", "language": "kk"}})}, start="langs")
    assert_reported(errors_of(data), "langs", "offer ['ru'] too")


def test_web_must_be_true_or_false():
    assert any("'web' must be true or false" in str(e) for e in errors_of(web_flow(web="yes")))


def test_the_shipped_flow_is_for_the_web_and_its_web_texts_are_not_prompt_audio():
    flow, _ = load_shipped(ROOT / "audio")
    assert flow.web
    assert "web_main_menu" in flow.web_only_prompts() and "information" not in flow.web_only_prompts()
    assert not list((ROOT / "audio" / "prompts").rglob("web_*"))
