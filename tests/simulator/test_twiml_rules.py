"""The simulator's TwiML checker: flags what Twilio rejects, accepts what twilio-python builds."""

from __future__ import annotations

import inspect
from xml.etree import ElementTree

import pytest
from twilio.twiml.voice_response import Dial, Enqueue, Gather, VoiceResponse

from app.simulator.twiml_rules import check_document, check_response

URL = "https://qorgau.example.org/voice/step?s=1"


def problems(xml: str) -> list[str]:
    return check_document(ElementTree.fromstring(xml))


@pytest.mark.parametrize("xml, expected", [
    ("<Response><Speak>hi</Speak></Response>", "<Speak> is not allowed inside <Response>"),
    ("<Response><Play volume='3'>a.wav</Play></Response>", "unknown attribute 'volume'"),
    ("<Response><Say><Say>hi</Say></Say></Response>", "<Say> is not allowed inside <Say>"),
    ("<Response><Gather><Gather/></Gather></Response>", "<Gather> is not allowed inside <Gather>"),
    ("<Response><Gather><Record/></Gather></Response>", "<Record> is not allowed inside <Gather>"),
    ("<Response><Redirect method='PUT'>/x</Redirect></Response>", "method='PUT' is not GET or POST"),
    ("<Response><Gather actionOnEmptyResult='yes'/></Response>", "is not true or false"),
    ("<Response><Gather numDigits='0'/></Response>", "numDigits='0' is not a positive whole number"),
    ("<Response><Gather timeout='five'/></Response>", "timeout='five' is not a whole number"),
    ("<Response><Dial><Conference beep='loud'>c</Conference></Dial></Response>", "beep='loud' is not one of"),
    ("<Response><Hangup>now</Hangup></Response>", "<Hangup> takes no text"),
    ("<Reply><Say>hi</Say></Reply>", "root element is <Reply>"),
])
def test_a_mistake_is_flagged(xml, expected):
    found = problems(xml)
    assert len(found) == 1
    assert expected in found[0]


def test_the_reply_itself_is_checked():
    found, document = check_response(500, "text/html", b"<Response>" + b"<Pause/>" * 9000 + b"</Response>")
    assert document is not None
    assert [p.split()[0] for p in found] == ["HTTP", "Content-Type", "reply"]
    found, document = check_response(200, "text/xml; charset=utf-8", b"<Response><Say>")
    assert document is None
    assert "not well-formed XML" in found[0]


def test_a_clean_reply_has_no_problems():
    found, document = check_response(200, "application/xml", b"<Response><Hangup/></Response>")
    assert found == []
    assert document.tag == "Response"


def built_by_twilio_python() -> VoiceResponse:
    """Every verb the helpline uses, with every option set to a value Twilio documents."""
    response = VoiceResponse()
    response.say("Здравствуйте", voice="Polly.Tatyana", language="ru-RU", loop=2)
    response.play("https://example.org/a.wav", loop=0, digits="wwww3")
    response.pause(length=2)
    gather = Gather(input="dtmf speech", action=URL, method="POST", timeout=6, speech_timeout="auto",
                    max_speech_time=30, profanity_filter=True, finish_on_key="#", num_digits=1,
                    partial_result_callback=URL, partial_result_callback_method="GET", language="ru-RU",
                    hints="да, нет", barge_in=True, debug=False, action_on_empty_result=True,
                    speech_model="phone_call", enhanced=True)
    gather.say("Нажмите 1", language="ru-RU")
    gather.play("https://example.org/menu.wav")
    gather.pause(length=1)
    response.append(gather)
    response.record(action=URL, method="POST", timeout=10, finish_on_key="#*", max_length=180, play_beep=True,
                    trim="trim-silence", recording_status_callback=URL, recording_status_callback_method="POST",
                    recording_status_callback_event="in-progress completed absent", transcribe=False,
                    transcribe_callback=URL, recording_configuration_id="RC" + "0" * 32)
    enqueue = Enqueue(None, action=URL, max_queue_size=100, method="POST", wait_url=URL, wait_url_method="GET",
                      workflow_sid="WW" + "0" * 32)
    enqueue.task('{"language": "ru"}', priority=5, timeout=300)
    response.append(enqueue)
    response.enqueue("helpline-111", wait_url=URL)
    response.redirect(URL, method="GET")
    dial = Dial(action=URL, method="POST", timeout=30, hangup_on_star=False, time_limit=14400,
                caller_id="+77001110111", record="record-from-answer-dual", trim="do-not-trim",
                recording_status_callback=URL, recording_configuration_id="RC" + "0" * 32,
                recording_status_callback_method="POST", recording_status_callback_event="completed",
                answer_on_bridge=True, ring_tone="kz", recording_track="both", sequential=False, refer_url=URL,
                refer_method="POST", events="call-progress-event")
    dial.conference("case-42", muted=False, beep="onEnter", start_conference_on_enter=True,
                    end_conference_on_exit=False, wait_url=URL, wait_method="GET", max_participants=3,
                    record="record-from-start", recording_configuration_id="RC" + "0" * 32, region="de1",
                    coach="CA" + "1" * 32, trim="trim-silence", status_callback_event="start end join leave",
                    status_callback=URL, status_callback_method="POST", recording_status_callback=URL,
                    recording_status_callback_method="POST", recording_status_callback_event="completed",
                    event_callback_url=URL, jitter_buffer_size="small", participant_label="operator")
    response.append(dial)
    response.dial("+77011112233", caller_id="+77001110111")
    response.hangup()
    return response


def test_everything_twilio_python_builds_for_the_verbs_we_use_is_accepted():
    assert problems(str(built_by_twilio_python())) == []


def _attribute_names(builder) -> list[str]:
    """The keyword arguments of a twilio-python builder that become attributes (not the text)."""
    text = ("self", "kwargs", "message", "url", "name", "number", "body")
    return [name for name in inspect.signature(builder).parameters if name not in text]


@pytest.mark.parametrize("verb", ["say", "play", "pause", "gather", "record", "enqueue", "redirect", "hangup",
                                  "dial"])
def test_every_attribute_twilio_python_knows_for_a_verb_is_known(verb):
    """Names only: each keyword of twilio-python's builder, set to a harmless value."""
    builder = getattr(VoiceResponse, verb)
    names = _attribute_names(builder)
    response = VoiceResponse()
    args = ("https://example.org/x",) if verb in ("redirect",) else ()
    getattr(response, verb)(*args, **dict.fromkeys(names, "1"))
    unknown = [p for p in problems(str(response)) if "unknown attribute" in p or "not allowed" in p]
    assert unknown == []


def test_every_attribute_twilio_python_knows_for_a_conference_is_known():
    names = _attribute_names(Dial.conference)
    dial = Dial()
    dial.conference("case-42", **dict.fromkeys(names, "1"))
    response = VoiceResponse()
    response.append(dial)
    assert [p for p in problems(str(response)) if "unknown attribute" in p] == []
