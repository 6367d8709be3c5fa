"""The TwiML the webhooks answer, asserted with XPath as Twilio would read it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from lxml import etree

from app.ivr.services import flow_for
from tests.conftest import PUBLIC_BASE_URL

from .helpers import WAV_TYPES, signed_post, start_call, twilio_params, twiml

# Scripts that together visit every node of the default flow in Kazakh (key 1 at the language menu).
KAZAKH_WALKS = ["1 1", "1 2 1", "1 2 2", "1 2 3 x", "1 2 3 -", "1 2 9 9 9", "1 2 - - -", "1 3", "1 4 1",
                "1 5 x", "1 5 -", "1 0", "1 - -", "1 9 9", "- - 3", "9"]


def test_the_incoming_call_gets_the_language_menu(client):
    response = signed_post(client, "/voice/incoming", twilio_params("CA" + "a" * 32, CallStatus="ringing"))
    doc = twiml(response)
    assert response.mimetype == "text/xml"
    assert doc.tag == "Response"
    [gather] = doc.xpath("/Response/Gather")
    assert gather.get("numDigits") == "1"
    assert gather.get("actionOnEmptyResult") == "true"
    assert gather.get("method") == "POST"
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/voice/step?s=1"
    assert gather.xpath("Play/text()") == [f"{PUBLIC_BASE_URL}/audio/prompts/kk/choose_language.wav"]
    [say] = gather.xpath("Say")
    assert say.get("language") == "ru-RU"
    assert "нажмите 2" in say.text
    assert len(response.get_data()) < 64 * 1024


def test_every_played_url_serves_audio(app, client, call):
    played = set()
    for script in KAZAKH_WALKS + ["2 1"]:
        result = call(script)
        assert result.problems == []
        for exchange in result.exchanges:
            if exchange.document is not None:
                played |= {url.strip() for url in etree.fromstring(exchange.reply.body).xpath("//Play/text()")}
    assert f"{PUBLIC_BASE_URL}/audio/hold/hold.wav" in played
    for url in played:
        assert url.startswith(PUBLIC_BASE_URL + "/audio/")
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, url
        assert response.mimetype in WAV_TYPES
        assert response.get_data()[:4] == b"RIFF"
        response.close()


def test_only_audio_inside_the_audio_folders_is_served(client):
    served = client.get("/audio/hold/hold.wav")
    assert served.status_code == 200
    served.close()
    assert client.get("/audio/prompts/../hold/hold.wav").status_code == 404  # the file exists, the path climbs
    assert client.get("/audio/prompts/placeholders.json").status_code == 404
    assert client.get("/audio/other/hold.wav").status_code == 404


def test_kazakh_is_never_said_only_played(app, call):
    """Twilio has no Kazakh voice: a Kazakh caller hears recorded audio only, and every Say is Russian."""
    played_prompts = set()
    for script in KAZAKH_WALKS:
        result = call(script)
        assert result.problems == []
        docs = [etree.fromstring(e.reply.body) for e in result.exchanges if e.document is not None]
        for doc in docs:
            assert {say.get("language") for say in doc.xpath("//Say")} <= {"ru-RU"}
            played_prompts |= {urlsplit(url).path for url in doc.xpath("//Play/text()")}
        # only the language menu, before a language is chosen, speaks Russian too
        language_menu = docs[0].xpath("/Response/Gather/Play/text()")
        if script.startswith("1"):
            assert all(not doc.xpath("//Say") for doc in docs[1:]), script
        assert language_menu == [f"{PUBLIC_BASE_URL}/audio/prompts/kk/choose_language.wav"]
    with app.app_context():
        flow = flow_for()
        prompts = {p for node in flow.nodes.values() for p in node.prompts() if node.id != flow.when_closed}
    assert played_prompts >= {f"/audio/prompts/kk/{prompt}.wav" for prompt in prompts}  # every path was walked


@pytest.mark.parametrize("script", KAZAKH_WALKS + ["2 1", "2 4 4 4 4 4 1"])
def test_every_reply_is_small_xml(call, script):
    result = call(script)
    assert result.problems == []
    for exchange in result.exchanges:
        if exchange.document is not None:
            assert exchange.reply.content_type.startswith("text/xml")
            assert len(exchange.reply.body) < 64 * 1024


def test_the_wait_loop_speaks_place_and_wait_in_the_callers_language_then_hold_music(client):
    call_sid = start_call(client)
    signed_post(client, "/voice/step?s=1", twilio_params(call_sid, Digits="2"))
    signed_post(client, "/voice/step?s=2", twilio_params(call_sid, Digits="3"))
    doc = twiml(signed_post(client, "/voice/wait", twilio_params(call_sid, QueuePosition="3", QueueTime="40")))
    assert [verb.tag for verb in doc] == ["Say", "Say", "Say", "Play"]
    assert doc.xpath("/Response/Say/@language") == ["ru-RU"] * 3
    place, wait, hold = (say.text for say in doc.xpath("/Response/Say"))
    assert place == "Ваше место в очереди: первое."
    assert wait == "Ожидание около одной минуты."
    assert "оставайтесь на линии" in hold
    assert doc.xpath("/Response/Play/text()") == [f"{PUBLIC_BASE_URL}/audio/hold/hold.wav"]


def test_a_voice_message_is_recorded_with_a_status_callback(client):
    call_sid = start_call(client)
    signed_post(client, "/voice/step?s=1", twilio_params(call_sid, Digits="1"))
    doc = twiml(signed_post(client, "/voice/step?s=2", twilio_params(call_sid, Digits="5")))
    assert doc.xpath("/Response/Play/text()") == [f"{PUBLIC_BASE_URL}/audio/prompts/kk/record_instructions.wav"]
    [record] = doc.xpath("/Response/Record")
    assert record.get("action") == f"{PUBLIC_BASE_URL}/voice/step?s=3"
    assert record.get("recordingStatusCallback") == f"{PUBLIC_BASE_URL}/voice/recording"
    assert record.get("finishOnKey") == "#"
    # Twilio requests no action when nothing was said: the next verb reports the silence
    assert doc.xpath("/Response/Record/following-sibling::Redirect/text()") == [
        f"{PUBLIC_BASE_URL}/voice/step?s=3&silence=1"]
