"""Search over transcripts and case notes: real transcripts, filters, hostile input, audit, the index in step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import html
from sqlalchemy import select, update

from app.calls.models import Call
from app.cases import services as cases
from app.cases.models import Case
from app.db import db
from app.transcription.models import Transcript
from tests.auth.helpers import audit_events, log_in
from tests.clock import helpline_day

from .conftest import add_call, add_pipeline_recording, add_transcript, search


def transcript_words(app, recording: int) -> list[tuple[str, float]]:
    with app.app_context():
        transcript = db.session.scalar(select(Transcript).where(Transcript.recording_id == recording))
        return [(w.word, w.start) for w in transcript.words]


def test_a_word_from_a_real_transcript_finds_the_call_and_opens_the_replay_at_it(make_pipeline_app, twilio,
                                                                                  test_audio, people):
    app = make_pipeline_app()
    call_sid, _case = add_call(app, people, category="child_rights", contact_type="substantive")
    recording = add_pipeline_recording(app, twilio, call_sid, test_audio.message_8k)
    words = transcript_words(app, recording)
    assert words, "the real pipeline recognised no words"
    # A word that no earlier word starts with: the link must point at its own time.
    index, (word, start) = next((i, w) for i, w in enumerate(words)
                                if not any(earlier.lower().startswith(w[0].lower()) for earlier, _ in words[:i]))
    client = app.test_client()
    assert log_in(client, "saule").status_code == 302

    page = search(client, q=word)

    [hit] = [h for h in page.hits if h.kind == "transcript"]
    assert hit.call_sid == call_sid
    assert hit.start == pytest.approx(start)
    assert word in hit.marked
    assert hit.link["t"] == [f"{start:.2f}"] and hit.link["recording"] == [str(recording)]
    assert hit.href.startswith(f"/supervisor/calls/{call_sid}?")
    # Following the link: the replay page opens on that word.
    replay = html.fromstring(client.get(hit.href).data)
    [current] = replay.xpath('//span[@class="w" or starts-with(@class, "w ")][@aria-current="true"]')
    assert current.text == word and float(current.get("data-start")) == pytest.approx(start, abs=0.01)
    assert replay.xpath(f'//audio[@class="player"][@data-recording="{recording}"]')
    # The search is in the audit log, with what was searched for.
    [event] = audit_events(app, "search.run")
    assert event.details["query"] == word and event.details["hits"] == 1
    assert event.actor_label == "saule" and event.remote_addr


def test_case_notes_are_found_and_link_to_the_call(app, people, supervisor):
    call_sid, case_id = add_call(app, people, notes="Бала мектепте қорқады, сыныптасы ұрады.")

    [hit] = search(supervisor, q="мектеп").hits

    assert hit.kind == "case_note" and hit.call_sid == call_sid
    assert hit.marked == ["мектепте"] and "Case notes" in hit.speaker
    assert hit.href == f"/supervisor/calls/{call_sid}" and hit.start is None
    assert audit_events(app, "search.run")[-1].details["cases"] == [case_id]  # the notes shown are audited


def test_words_match_as_prefixes_in_any_case_and_all_must_be_present(app, people, supervisor):
    call_sid, _ = add_call(app, people)
    add_transcript(app, call_sid, "менің балам мектепте жылайды")

    assert [h.call_sid for h in search(supervisor, q="МЕКТЕП").hits] == [call_sid]
    assert [h.marked for h in search(supervisor, q="бала жылай").hits] == [["балам", "жылайды"]]
    assert search(supervisor, q="бала полиция").hits == []
    assert search(supervisor, q="ектеп").hits == []  # words are matched from their start


def test_the_index_follows_transcripts_and_notes_written_later(app, people, supervisor):
    call_sid, case_id = add_call(app, people, notes="бірінші жазба")
    assert search(supervisor, q="қорқынышты").hits == []

    add_transcript(app, call_sid, "бұл қорқынышты түн")  # a transcript arrives after the search was first made
    assert [h.kind for h in search(supervisor, q="қорқынышты").hits] == ["transcript"]

    with app.app_context():  # the operator rewrites the notes
        cases.save_case(case_id, people["aigerim"], {"notes": "екінші жазба"})
    assert search(supervisor, q="бірінші").hits == []
    assert [h.kind for h in search(supervisor, q="екінші").hits] == ["case_note"]

    recording = add_transcript(app, call_sid, "жаңа сөздер")
    with app.app_context():  # a transcript replaced (a re-run) or deleted leaves the index too
        db.session.execute(update(Transcript).where(Transcript.recording_id == recording).values(text="басқа мәтін"))
        db.session.delete(db.session.get(Case, case_id))
        db.session.commit()
    assert search(supervisor, q="жаңа").hits == []
    assert [h.kind for h in search(supervisor, q="басқа").hits] == ["transcript"]
    assert search(supervisor, q="екінші").hits == []


def test_filters_narrow_by_case_and_call(app, people, supervisor):
    first, _ = add_call(app, people, operator="aigerim", language="kk", category="child_rights",
                        contact_type="substantive", outcome="advice_given", notes="")
    second, _ = add_call(app, people, operator="daniyar", language="ru", category="family",
                         contact_type="substantive", outcome="resolved", notes="")
    add_transcript(app, first, "сосед кричит за стеной", language="kk")
    add_transcript(app, second, "сосед снова кричит", language="ru")
    with app.app_context():  # the first call was ten days ago
        db.session.execute(update(Call).where(Call.call_sid == first)
                           .values(created_at=datetime.now(UTC) - timedelta(days=10)))
        db.session.commit()
    today = helpline_day(app)

    def found(**filters) -> list[str]:
        return [hit.call_sid for hit in search(supervisor, q="сосед", **filters).hits]

    assert found() == [second, first]  # newest first
    assert found(language="kk") == [first]
    assert found(category="family") == [second]
    assert found(operator=people["aigerim"]) == [first]
    assert found(outcome="advice_given") == [first]
    assert found(outcome="resolved", language="kk") == []
    assert found(**{"from": (today - timedelta(days=2)).isoformat()}) == [second]
    assert found(to=(today - timedelta(days=5)).isoformat()) == [first]
    assert found(**{"from": (today - timedelta(days=11)).isoformat(), "to": today.isoformat()}) == [second, first]
    searches = len(audit_events(app, "search.run"))
    for wrong in ({"category": "no_such_category"}, {"to": "yesterday"}):  # a 400 that says so; nothing searched
        response = supervisor.get("/supervisor/search", query_string={"q": "сосед", **wrong})
        assert response.status_code == 400
        assert "“" in html.fromstring(response.data).xpath('string(//p[@role="alert"])')
    assert len(audit_events(app, "search.run")) == searches
    [event] = audit_events(app, "search.run")[1:2]
    assert event.details == {"query": "сосед", "language": "kk", "page": 1, "hits": 1}


# Syntax of FTS5, tsquery, SQL and LIKE, typed by a person: read as the words in it. These hold "сосед" and no other word…
FINDS = ['сосед"', '"сосед', "сосед*", "сосед)", "^сосед", "-сосед", "+сосед", "сосед & | !",
         "сосед:*", "сосед\x00", "сосед " * 50, "(сосед)", "{сосед}", "'сосед'", "%сосед%", "_сосед_"]
# …and these hold no word, or a word (an operator's name is just a word) that is not in the transcript.
FINDS_NOTHING = ['"', '""', "'", "*", "AND", "OR", "NOT сосед", "сосед OR", "text:сосед", "(", ")", "\\", "%", "_",
                 "'; DROP TABLE transcripts; --", "a" * 400, "🙂", "{}[]<>", "сосед NEAR кричит", "NEAR(сосед"]


def test_hostile_queries_never_fail_and_are_read_as_words(app, people, supervisor):
    call_sid, _ = add_call(app, people)
    add_transcript(app, call_sid, "сосед кричит")

    for query in FINDS + FINDS_NOTHING:
        page = search(supervisor, q=query)
        assert page.status == 200, query
        assert [hit.call_sid for hit in page.hits] == ([call_sid] if query in FINDS else []), query
    with app.app_context():
        assert db.session.scalar(select(Transcript.text)) == "сосед кричит"
    assert len(audit_events(app, "search.run")) == len(FINDS + FINDS_NOTHING)
    # Markup in a transcript is shown as text, never run.
    add_transcript(app, call_sid, "сосед <script>alert(1)</script>")
    page = search(supervisor, q="сосед")
    assert not page.document.xpath("//li//script") and any("<script>" in hit.text for hit in page.hits)


def test_results_come_in_pages(app, people, supervisor):
    call_sid, _ = add_call(app, people)
    for number in range(25):
        add_transcript(app, call_sid, f"хабар нөмірі {number}")

    first, second = search(supervisor, q="хабар"), search(supervisor, q="хабар", page=2)

    assert (len(first.hits), len(second.hits)) == (20, 5)
    assert "25" in first.heading
    texts = {hit.text for hit in first.hits} | {hit.text for hit in second.hits}
    assert len(texts) == 25
    assert first.document.xpath('//a[@rel="next"]/@href') and not second.document.xpath('//a[@rel="next"]')
    assert search(supervisor, q="хабар", page=99).hits == second.hits  # past the end: the last page


def test_only_supervisors_search(app, people):
    stranger = app.test_client()
    assert stranger.get("/supervisor/search?q=x").status_code == 302
    for name in ("aigerim", "arman"):
        client = app.test_client()
        assert log_in(client, name).status_code == 302
        assert client.get("/supervisor/search?q=x").status_code == 403
    assert audit_events(app, "search.run") == []


def test_the_empty_form_is_no_search(app, people, supervisor):
    page = search(supervisor)
    assert page.status == 200 and page.hits == [] and page.document.xpath('//input[@name="q"]')
    assert page.document.xpath('//nav[@class="langs"]/a/text()') == ["KK", "RU", "EN"]
    assert audit_events(app, "search.run") == []
