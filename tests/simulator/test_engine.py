"""The simulator follows TwiML the way Twilio does, checked against hand-written documents."""

from __future__ import annotations

import pytest

from .conftest import BASE


def gather_then_report(tiny, gather: str) -> None:
    """/voice/incoming holds ``gather``; its action /got answers nothing more."""
    tiny.documents["/voice/incoming"] = f"<Response>{gather}<Redirect>/fell-through</Redirect></Response>"


def test_every_request_is_signed_and_the_call_ends_with_a_completed_status(tiny):
    tiny.documents["/voice/incoming"] = "<Response><Say>hello</Say><Pause length='2'/></Response>"
    result = tiny.call()
    assert result.ended_by == "end-of-document"
    assert tiny.paths() == ["/voice/incoming", "/voice/status"]
    assert all(r.signed for r in tiny.received)
    incoming, status = tiny.received
    assert incoming.form["CallStatus"] == "ringing"
    assert incoming.form["CallSid"] == status.form["CallSid"] == result.call_sid
    assert status.form["CallStatus"] == "completed"
    assert status.form["CallDuration"] == "5"  # 3 s of speech and a 2 s pause


def test_relative_urls_resolve_against_the_document_url(tiny):
    tiny.documents["/voice/incoming"] = "<Response><Redirect>menu/first?x=1</Redirect></Response>"
    tiny.documents["/voice/menu/first"] = "<Response><Redirect>../second</Redirect></Response>"
    tiny.documents["/voice/second"] = "<Response><Gather action='/top' numDigits='1'/></Response>"
    result = tiny.call("4")
    assert tiny.paths() == ["/voice/incoming", "/voice/menu/first", "/voice/second", "/top", "/voice/status"]
    assert tiny.received[1].args == {"x": "1"}
    assert result.exchanges[3].url == f"{BASE}/top"
    assert all(r.signed for r in tiny.received)


@pytest.mark.parametrize("keys, digits", [("1234", "12"), ("1", "1"), ("9*#", "9*")])
def test_num_digits_truncates_the_keys(tiny, keys, digits):
    gather_then_report(tiny, "<Gather action='/got' numDigits='2' finishOnKey=''/>")
    tiny.call(keys)
    assert tiny.received[1].path == "/got"
    assert tiny.received[1].form["Digits"] == digits


@pytest.mark.parametrize("keys, digits", [("12#3", "12"), ("7#", "7"), ("55", "55")])
def test_finish_on_key_ends_the_input_and_is_not_sent(tiny, keys, digits):
    gather_then_report(tiny, "<Gather action='/got' finishOnKey='#'/>")
    tiny.call(keys)
    assert tiny.received[1].form["Digits"] == digits


def test_an_empty_gather_falls_through_to_the_next_verb(tiny):
    gather_then_report(tiny, "<Gather action='/got'><Say>press a key</Say></Gather>")
    result = tiny.call("-")
    assert tiny.paths() == ["/voice/incoming", "/fell-through", "/voice/status"]
    assert "🗣 [en-US] press a key" in result.heard


def test_an_empty_gather_with_action_on_empty_result_reports_no_digits(tiny):
    gather_then_report(tiny, "<Gather action='/got' actionOnEmptyResult='true'/>")
    tiny.call("-")
    assert tiny.paths() == ["/voice/incoming", "/got", "/voice/status"]
    assert tiny.received[1].form["Digits"] == ""


def test_a_gather_without_action_posts_to_its_own_document(tiny):
    tiny.documents["/voice/incoming"] = "<Response><Gather numDigits='1'/></Response>"
    tiny.call("3")
    assert tiny.paths()[:2] == ["/voice/incoming", "/voice/incoming"]
    assert tiny.received[1].form["Digits"] == "3"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_redirect_is_followed_with_its_method(tiny, method):
    tiny.documents["/voice/incoming"] = f"<Response><Redirect method='{method}'>/next?step=2</Redirect></Response>"
    tiny.call()
    redirected = tiny.received[1]
    assert (redirected.method, redirected.path) == (method, "/next")
    assert redirected.args["step"] == "2"
    carrier = redirected.args if method == "GET" else redirected.form  # Twilio's parameters
    assert carrier["CallSid"].startswith("CA")
    assert redirected.signed


def test_enqueue_loops_the_wait_url_then_reports_the_caller_hanging_up(tiny):
    tiny.documents["/voice/incoming"] = (
        "<Response><Enqueue waitUrl='/wait' action='/left'>support</Enqueue><Say>never</Say></Response>")
    tiny.documents["/wait"] = "<Response><Play>/hold.wav</Play></Response>"
    result = tiny.call(wait_rounds=3)
    assert tiny.paths() == ["/voice/incoming", "/wait", "/wait", "/wait", "/left", "/voice/status"]
    assert tiny.received[1].form["QueuePosition"] == "1"
    assert tiny.received[4].form["QueueResult"] == "hangup"
    assert result.queue_result == "hangup"
    assert result.ended_by == "caller"
    assert not any("never" in line for line in result.heard)
    assert result.problems == []


def test_leave_in_the_wait_document_continues_with_the_actions_twiml(tiny):
    tiny.documents["/voice/incoming"] = "<Response><Enqueue waitUrl='/wait' action='/left'>q</Enqueue></Response>"
    tiny.documents["/wait"] = "<Response><Say>one moment</Say><Leave/></Response>"
    tiny.documents["/left"] = "<Response><Say>nobody is free</Say><Hangup/></Response>"
    result = tiny.call(wait_rounds=5)
    assert tiny.paths() == ["/voice/incoming", "/wait", "/left", "/voice/status"]
    assert tiny.received[2].form["QueueResult"] == "leave"
    assert result.queue_result == "leave"
    assert "🗣 [en-US] nobody is free" in result.heard
    assert result.ended_by == "hangup"


def test_a_recording_posts_the_action_then_the_status_callback(tiny):
    tiny.documents["/voice/incoming"] = (
        "<Response><Record action='/recorded' maxLength='60' recordingStatusCallback='/recording'/></Response>")
    tiny.documents["/recorded"] = "<Response><Say>thanks</Say><Hangup/></Response>"
    result = tiny.call("speaks")
    assert tiny.paths() == ["/voice/incoming", "/recorded", "/recording", "/voice/status"]
    action, callback = tiny.received[1], tiny.received[2]
    [recording_sid] = result.recordings
    assert action.form["RecordingSid"] == callback.form["RecordingSid"] == recording_sid
    assert callback.form["RecordingStatus"] == "completed"
    assert callback.form["RecordingUrl"].endswith(f"/Recordings/{recording_sid}")
    assert all(r.signed for r in tiny.received)


def test_a_silent_recording_makes_no_request_and_goes_on(tiny):
    tiny.documents["/voice/incoming"] = (
        "<Response><Record action='/recorded' recordingStatusCallback='/recording'/><Redirect>/silent</Redirect>"
        "</Response>")
    result = tiny.call("-")
    assert tiny.paths() == ["/voice/incoming", "/silent", "/voice/status"]
    assert result.recordings == []


def test_hangup_ends_the_call_there(tiny):
    tiny.documents["/voice/incoming"] = "<Response><Say>bye</Say><Hangup/><Redirect>/after</Redirect></Response>"
    result = tiny.call()
    assert result.ended_by == "hangup"
    assert tiny.paths() == ["/voice/incoming", "/voice/status"]


def test_the_caller_hanging_up_in_a_menu_ends_the_call(tiny):
    gather_then_report(tiny, "<Gather action='/got'/>")
    result = tiny.call("")
    assert result.ended_by == "caller"
    assert tiny.paths() == ["/voice/incoming", "/voice/status"]


def test_a_broken_reply_is_an_application_error_with_its_problems(tiny):
    tiny.documents["/voice/incoming"] = "<Response><Gather action='/got'><Gather/></Gather>"
    result = tiny.call("1")
    assert result.ended_by == "application-error"
    assert any("not well-formed" in problem for problem in result.problems)


def test_audio_that_cannot_be_played_is_a_problem(tiny):
    tiny.documents["/voice/incoming"] = "<Response><Play>/missing.mp3</Play><Play>/fine.wav</Play></Response>"
    result = tiny.call()
    assert len(result.problems) == 1
    assert "/missing.mp3" in result.problems[0] and "audio not playable" in result.problems[0]


def test_over_http_the_same_requests_arrive_signed(tiny, tiny_server):
    tiny.documents["/voice/incoming"] = "<Response><Redirect method='GET'>/menu?lang=ru</Redirect></Response>"
    tiny.documents["/menu"] = "<Response><Gather action='/got?s=1' numDigits='1'/></Response>"
    tiny.documents["/got"] = "<Response><Play>/hold.wav</Play><Hangup/></Response>"
    result = tiny.call("5", over=tiny_server)
    assert result.problems == []
    assert tiny.paths() == ["/voice/incoming", "/menu", "/got", "/voice/status"]
    assert [r.method for r in tiny.received] == ["POST", "GET", "POST", "POST"]
    assert (tiny.received[1].args["lang"], tiny.received[2].args["s"]) == ("ru", "1")
    assert tiny.received[2].form["Digits"] == "5"
    assert all(r.signed for r in tiny.received)
