"""The replay page of a real call: recordings transcribed by the real pipeline, the case, access and the audit."""

from __future__ import annotations

import re

from lxml import html
from sqlalchemy import select

from app.calls.services import find_call
from app.db import db
from app.recordings import services as recordings
from app.recordings.models import Recording
from app.transcription.models import Transcript
from tests.auth.helpers import audit_events, csrf_token, log_in
from tests.recordings.pipeline import run_queued_jobs

from .conftest import add_recording

CALLER_NUMBER = "+77011234567"  # what the simulator dials from
LOW = 0.6  # REPLAY_LOW_CONFIDENCE's default
WORDS = '//span[contains(concat(" ", @class, " "), " w ")]'


def signed_in(app, name: str):
    client = app.test_client()
    assert log_in(client, name).status_code == 302
    return client


def fetch(client, url: str, **kwargs):
    """GET the audio, read it whole and close the file behind it."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def page_of(client, call_sid: str, **query):
    response = client.get(f"/supervisor/calls/{call_sid}", query_string={"lang": "en", **query})
    assert response.status_code == 200, response.status_code
    return response, html.fromstring(response.data)


def stored_words(app, recording_id: int) -> list[tuple[str, float, float, float, str]]:
    """The recording's words from the database, every channel merged in time order (caller first on ties)."""
    with app.app_context():
        transcripts = db.session.scalars(select(Transcript).where(Transcript.recording_id == recording_id)
                                         .order_by(Transcript.channel)).all()
        words = [(w.word, w.start, w.end, w.confidence, t.speaker.value) for t in transcripts for w in t.words]
    return sorted(words, key=lambda word: word[1])


def shown_words(tree, recording_id: int) -> list[tuple[str, float, float, float, str]]:
    spans = tree.xpath(f'//div[@class="transcript"][@data-recording="{recording_id}"]{WORDS}')
    return [(s.text, float(s.get("data-start")), float(s.get("data-end")), float(s.get("data-conf")),
             s.xpath("ancestor::p[1]/@data-speaker")[0]) for s in spans]


def test_a_supervisor_replays_a_call_with_its_transcripts_and_case_and_the_open_is_audited(replayable):
    app, call_sid = replayable.app, replayable.call_sid
    response, tree = page_of(signed_in(app, "saule"), call_sid)

    # One player per recording, in the order they were made, each playing the recording's own audio.
    players = tree.xpath('//audio[@class="player"]')
    assert [int(p.get("data-recording")) for p in players] == [replayable.conversation, replayable.message]
    assert [p.get("src") for p in players] == [f"/supervisor/recordings/{r}/audio"
                                               for r in (replayable.conversation, replayable.message)]

    # Every word of every channel, in time order, with its times and confidence; the turns say who spoke.
    for recording_id in (replayable.conversation, replayable.message):
        assert shown_words(tree, recording_id) == stored_words(app, recording_id) != []
    conversation = tree.xpath(f'//div[@class="transcript"][@data-recording="{replayable.conversation}"]/p')
    assert [p.get("data-speaker") for p in conversation] == ["caller", "operator"]
    assert [p.xpath('string(span[@class="who"])').split()[0] for p in conversation] == ["Caller", "Operator"]
    assert conversation[0].get("class") != conversation[1].get("class")  # styled apart
    [message] = tree.xpath(f'//div[@class="transcript"][@data-recording="{replayable.message}"]/p')
    assert message.get("data-speaker") == "voice_message"

    # Uncertain words look different and say how uncertain; the others do not.
    spans = tree.xpath(WORDS)
    low = [s for s in spans if float(s.get("data-conf")) < LOW]
    assert low and len(low) < len(spans)  # the real transcript has both kinds
    for span in spans:
        uncertain = float(span.get("data-conf")) < LOW
        assert ("low" in span.get("class").split()) is uncertain
        assert (span.get("title") is not None) is uncertain
    assert re.fullmatch(r"Uncertain word: confidence \d+%", low[0].get("title"))
    assert tree.xpath('//*[@aria-current="true"]') == []  # nothing plays yet

    # The call's facts and its case with the referral.
    fact = lambda name: tree.xpath(f'string(//*[@data-fact="{name}"])').strip()  # noqa: E731
    assert (fact("language"), fact("priority"), fact("category")) == ("Kazakh", "Child", "Child or teenager")
    with app.app_context():
        call = find_call(call_sid)
        path = [step.node for step in call.steps]
    assert tree.xpath('//*[@data-fact="ivr-path"]//code/text()') == path != []
    [case] = tree.xpath("//section[@data-case]")
    assert int(case.get("data-case")) == replayable.case_id
    assert case.xpath('string(.//*[@data-fact="operator"])') == "aigerim"
    assert case.xpath('string(.//*[@data-fact="sub-category"])') == "Bullying at school"
    [referral] = case.xpath(".//li[@data-referral]")
    assert int(referral.get("data-referral")) == replayable.referral_id
    assert "Education" in referral.text_content() and "Class teacher informed." in referral.text_content()

    # Callers are anonymous: the number reaches no page.
    page = response.get_data(as_text=True)
    assert CALLER_NUMBER not in page and CALLER_NUMBER[1:] not in page

    # Opening the page is on record: each recording opened, each transcript read, by whom and from where.
    opened = audit_events(app, "recording.open")
    assert sorted(int(e.target_id) for e in opened) == [replayable.conversation, replayable.message]
    assert {(e.actor_id, e.actor_label, e.remote_addr) for e in opened} == {
        (replayable.people["saule"], "saule", "127.0.0.1")}
    with app.app_context():
        transcript_ids = db.session.scalars(select(Transcript.id)).all()
    assert sorted(int(e.target_id) for e in audit_events(app, "transcript.read")) == sorted(transcript_ids)
    assert len(transcript_ids) == 3  # caller, operator, voice message

    # Every text exists in Kazakh and Russian too (a missing one would show its key).
    for lang in ("kk", "ru"):
        _, translated = page_of(signed_in(app, "saule"), call_sid, lang=lang)
        assert not re.search(r"\b(replay|console)_[a-z_-]+\b", translated.text_content())

    # The threshold is a setting: nothing is uncertain below 0, everything below just over 1.
    for threshold, uncertain in ((0.0, {False}), (1.01, {True})):
        app.config["REPLAY_LOW_CONFIDENCE"] = threshold
        _, other = page_of(signed_in(app, "saule"), call_sid)
        assert {"low" in s.get("class").split() for s in other.xpath(WORDS)} == uncertain


def test_t_opens_the_player_at_that_word(replayable):
    app = replayable.app
    client = signed_in(app, "saule")
    message = stored_words(app, replayable.message)
    word = message[len(message) // 2]

    # As the search links a hit: the time of a word and the recording it is in.
    _, tree = page_of(client, replayable.call_sid, t=word[1], recording=replayable.message)
    [current] = tree.xpath('//*[@aria-current="true"]')
    assert (current.text, float(current.get("data-start"))) == (word[0], word[1])
    assert current.xpath("ancestor::div[@data-recording]/@data-recording") == [str(replayable.message)]
    [article] = tree.xpath("//article[@data-start-at]")
    assert (int(article.get("data-recording")), float(article.get("data-start-at"))) == (replayable.message, word[1])

    # Between two words, the one before is the one heard; without ``recording`` the first with words opens.
    operator = [w for w in stored_words(app, replayable.conversation) if w[4] == "operator"]
    _, tree = page_of(client, replayable.call_sid, t=operator[0][2] + 0.001)
    [current] = tree.xpath('//*[@aria-current="true"]')
    assert float(current.get("data-start")) == max(w[1] for w in operator if w[1] <= operator[0][2] + 0.001)
    assert current.xpath("ancestor::div[@data-recording]/@data-recording") == [str(replayable.conversation)]

    # Not a time: the page opens at the start.
    for bad in ("later", "-1", "nan", "inf"):
        _, tree = page_of(client, replayable.call_sid, t=bad)
        assert tree.xpath('//*[@aria-current="true"]') == [] and tree.xpath("//article[@data-start-at]") == []


def test_audio_is_served_in_ranges_downloads_and_plays_are_audited_and_access_follows_the_role(replayable):
    app = replayable.app
    rec = replayable.message
    url = f"/supervisor/recordings/{rec}/audio"
    with app.app_context():
        data = recordings.local_file(db.session.get(Recording, rec)).read_bytes()
    saule = signed_in(app, "saule")

    whole = fetch(saule, url)
    assert (whole.status_code, whole.mimetype, whole.data) == (200, "audio/wav", data)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "no-store" in whole.headers["Cache-Control"] and "attachment" not in whole.headers.get(
        "Content-Disposition", "")
    first = fetch(saule, url, headers={"Range": "bytes=0-99"})
    assert (first.status_code, first.headers["Content-Range"], first.data) == (206, f"bytes 0-99/{len(data)}",
                                                                               data[:100])
    rest = fetch(saule, url, headers={"Range": "bytes=1000-"})
    assert (rest.status_code, rest.data) == (206, data[1000:])
    assert fetch(saule, url, headers={"Range": f"bytes={len(data) + 10}-"}).status_code == 416

    # The stream's many pieces are one event per recording and session, not one per request.
    [streamed] = audit_events(app, "recording.stream")
    assert (streamed.actor_label, streamed.target_id) == ("saule", str(rec))
    fetch(saule, f"/supervisor/recordings/{replayable.conversation}/audio", headers={"Range": "bytes=0-"})
    assert len(audit_events(app, "recording.stream")) == 2
    assert len(fetch(signed_in(app, "saule"), url, headers={"Range": "bytes=0-1"}).data) == 2  # a new session
    assert len(audit_events(app, "recording.stream")) == 3

    # A download is an attachment, audited every time.
    download = fetch(saule, url, query_string={"download": "1"})
    assert download.status_code == 200 and download.data == data
    assert re.match(r'attachment; filename="?RE[0-9a-f]{32}\.wav', download.headers["Content-Disposition"])
    fetch(saule, url, query_string={"download": "1"})
    downloads = audit_events(app, "recording.download")
    assert [(e.actor_label, e.target_id, e.remote_addr) for e in downloads] == [("saule", str(rec), "127.0.0.1")] * 2

    # The page reports the first play with its CSRF token; without one the report is refused.
    _, tree = page_of(saule, replayable.call_sid)
    played = tree.xpath(f'//audio[@data-recording="{rec}"]/@data-played')[0]
    assert saule.post(played).status_code == 400
    assert audit_events(app, "recording.play") == []
    token = tree.xpath('//meta[@name="csrf-token"]/@content')[0]
    assert saule.post(played, headers={"X-CSRFToken": token}).status_code == 204
    [play] = audit_events(app, "recording.play")
    assert (play.actor_id, play.target_type, play.target_id) == (replayable.people["saule"], "recording", str(rec))

    # The case's operator may replay the call; another operator and an admin may not; strangers sign in.
    opened = len(audit_events(app, "recording.open"))
    aigerim = signed_in(app, "aigerim")
    page_of(aigerim, replayable.call_sid)
    assert fetch(aigerim, url, headers={"Range": "bytes=0-9"}).status_code == 206
    assert len(audit_events(app, "recording.open")) == opened + 2
    for name in ("daniyar", "arman"):
        other = signed_in(app, name)
        assert fetch(other, f"/supervisor/calls/{replayable.call_sid}").status_code == 403
        assert fetch(other, url).status_code == 403
        assert fetch(other, url, query_string={"download": "1"}).status_code == 403
        assert other.post(played, headers={"X-CSRFToken": csrf_token(other, "/login")}).status_code == 403
    stranger = app.test_client()
    for path in (f"/supervisor/calls/{replayable.call_sid}", url):
        response = fetch(stranger, path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert {e.actor_label for e in audit_events(app) if e.action.startswith(("recording.", "transcript."))} == {
        "saule", "aigerim"}
    assert fetch(saule, "/supervisor/calls/CA" + "0" * 32).status_code == 404
    assert fetch(saule, "/supervisor/recordings/999999/audio").status_code == 404


def test_a_missing_or_failed_recording_still_shows_its_transcript_and_state(replayable, twilio, test_audio):
    app = replayable.app
    failed = add_recording(app, twilio, replayable.call_sid, test_audio.text, channels=1, source="RecordVerb")
    assert run_queued_jobs(app) == ["failed"]
    with app.app_context():
        recordings.local_file(db.session.get(Recording, replayable.message)).unlink()
    saule = signed_in(app, "saule")
    _, tree = page_of(saule, replayable.call_sid)

    assert [int(p.get("data-recording")) for p in tree.xpath('//audio[@class="player"]')] == [replayable.conversation]
    missing = tree.xpath(f'//article[@data-recording="{replayable.message}"]')[0]
    assert "missing" in missing.xpath('string(.//*[@data-audio="unavailable"])')
    assert shown_words(tree, replayable.message) == stored_words(app, replayable.message) != []  # still readable
    broken = tree.xpath(f'//article[@data-recording="{failed}"]')[0]
    assert broken.get("data-state") == "failed"
    assert broken.xpath('string(.//*[@data-fact="state"])') == "Failed"
    assert "failed" in broken.xpath('string(.//*[@data-audio="unavailable"])')

    for recording_id, says in ((replayable.message, "missing"), (failed, "failed")):
        response = fetch(saule, f"/supervisor/recordings/{recording_id}/audio")
        assert response.status_code == 404 and response.mimetype == "text/plain"
        assert says in response.get_data(as_text=True)
    assert audit_events(app, "recording.stream") == []  # nothing was served
    assert {int(e.target_id) for e in audit_events(app, "recording.open")} == {
        replayable.conversation, replayable.message, failed}
