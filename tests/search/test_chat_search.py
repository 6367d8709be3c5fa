"""Chat messages are searched like transcripts and case notes: found by their words, shown with place and date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from lxml import html
from sqlalchemy import delete, update

from app.chat import services as chat
from app.chat.models import ChatMessage
from app.db import db
from tests.auth.helpers import audit_events
from tests.clock import helpline_day
from tests.replay.chats import chat_case, message_id, place

from .conftest import add_call, search

CASE = {"category": "child_rights", "contact_type": "substantive", "outcome": "advice_given"}


def test_a_childs_message_finds_the_chat_with_its_place_and_date_and_opens_it_there(app, people, supervisor):
    with app.app_context():
        place("sch-7", "Gymnasium No. 7", "Astana")
        record = chat_case(people["aigerim"], ["Отчим кричит на маму каждый вечер"], ["Ты сейчас в безопасности?"],
                           place_code="sch-7", case=CASE)
        sent = db.session.get(ChatMessage, record.message_ids[0]).created_at

    [hit] = search(supervisor, q="отчим кричит").hits

    assert (hit.kind, hit.chat, hit.call_sid) == ("chat", str(record.conversation_id), "")
    assert hit.marked == ["Отчим", "кричит"] and "the child" in hit.speaker
    assert hit.place == "Gymnasium No. 7, Astana"
    assert hit.at == sent.astimezone(ZoneInfo(app.config["TIMEZONE"])).strftime("%Y-%m-%d %H:%M")
    assert hit.href == f"/supervisor/chats/{record.conversation_id}#m-{record.message_ids[0]}"
    chat_page = html.fromstring(supervisor.get(hit.href.split("#")[0]).data)
    assert chat_page.xpath(f'string(//li[@id="m-{record.message_ids[0]}"]//span[@class="text"])') == \
        "Отчим кричит на маму каждый вечер"
    # The operator's words are found too; the search names the chats whose messages it showed.
    [reply] = search(supervisor, q="безопасности").hits
    assert reply.chat == str(record.conversation_id) and "the operator" in reply.speaker
    assert audit_events(app, "search.run")[-1].details["chats"] == [record.conversation_id]


def test_chats_calls_and_notes_come_in_one_list_newest_first(app, people, supervisor):
    call_sid, _ = add_call(app, people, notes="соседи шумят")
    with app.app_context():
        record = chat_case(None, ["соседи опять шумят"])
    assert [(h.kind, h.chat or h.call_sid) for h in search(supervisor, q="соседи").hits] == [
        ("chat", str(record.conversation_id)), ("case_note", call_sid)]
    assert search(supervisor, q="соседи").hits[0].place == "Place not known"


def test_the_helplines_own_lines_are_not_searched(app, people, supervisor):
    with app.app_context():
        chat_case(people["aigerim"], ["привет"], close=True)  # "an operator joined", "the chat has ended": keys
    for query in ("chat", "system", "joined", "operator", "closed"):
        assert search(supervisor, q=query).hits == [], query


def test_the_index_follows_messages_stored_changed_and_deleted(app, people, supervisor):
    with app.app_context():
        record = chat_case(None, ["первое"])
    assert search(supervisor, q="второе").hits == []
    with app.app_context():
        chat.post(record.conversation_id, "второе сообщение", message_id())
    assert [h.kind for h in search(supervisor, q="второе").hits] == ["chat"]
    with app.app_context():
        db.session.execute(update(ChatMessage).where(ChatMessage.id == record.message_ids[0]).values(text="третье"))
        db.session.execute(delete(ChatMessage).where(ChatMessage.text == "второе сообщение"))
        db.session.commit()
    assert search(supervisor, q="первое").hits == [] and search(supervisor, q="второе").hits == []
    assert len(search(supervisor, q="третье").hits) == 1


def test_filters_narrow_chats_by_their_case_language_and_day(app, people, supervisor):
    with app.app_context():
        kk = chat_case(people["aigerim"], ["мектеп мектеп"], language="kk", case=CASE)
        ru = chat_case(people["daniyar"], ["мектеп"], language="ru",
                       case={**CASE, "category": "family", "outcome": "resolved"})
        waiting = chat_case(None, ["мектеп тоже"])
        db.session.execute(update(ChatMessage).where(ChatMessage.id == kk.message_ids[0])
                           .values(created_at=datetime.now(UTC) - timedelta(days=10)))
        db.session.commit()
    today = helpline_day(app)

    def found(**filters) -> list[str]:
        return [hit.chat for hit in search(supervisor, q="мектеп", **filters).hits]

    ids = {name: str(record.conversation_id) for name, record in (("kk", kk), ("ru", ru), ("waiting", waiting))}
    assert found() == [ids["waiting"], ids["ru"], ids["kk"]]
    assert found(language="kk") == [ids["kk"]]
    assert found(category="family") == [ids["ru"]]
    assert found(operator=people["aigerim"]) == [ids["kk"]]
    assert found(outcome="resolved") == [ids["ru"]]
    assert found(**{"from": (today - timedelta(days=2)).isoformat()}) == [ids["waiting"], ids["ru"]]
    assert found(to=(today - timedelta(days=5)).isoformat()) == [ids["kk"]]
    assert supervisor.get("/supervisor/search", query_string={"q": "мектеп", "language": "en"}).status_code == 400


def test_markup_in_a_message_is_shown_as_text(app, people, supervisor):
    with app.app_context():
        chat_case(None, ["помогите <script>alert(1)</script>"])
    page = search(supervisor, q="помогите")
    assert not page.document.xpath("//li//script") and "<script>" in page.hits[0].text
