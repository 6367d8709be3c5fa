"""The follow-up pages over HTTP: who sees which referrals, the filters, the forms, the audit, the console's count.

The feedback and due-date forms are tried valid, invalid and without their CSRF token.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from app.cases.models import Referral, ReferralOutcome
from app.clock import helpline_zone
from app.db import db, utcnow
from tests.auth.helpers import audit_events, csrf_token
from tests.clock import helpline_day
from tests.console.helpers import messages, page

LIST = "/referrals/"


@pytest.fixture
def spread(app, people, referral):
    """aigerim's referrals overdue, due today and later; one of daniyar's overdue."""
    return {
        "late": referral(people["aigerim"], -4, "police", "Ювенальная полиция, инспектор Ким", made_days_ago=9),
        "today": referral(people["aigerim"], 0, "health", "Поликлиника №3, психолог", made_days_ago=2),
        "later": referral(people["aigerim"], 20, "education", "Школа-гимназия, социальный педагог"),
        "colleague": referral(people["daniyar"], -2, "guardianship", "Опека района", made_days_ago=6),
    }


def rows(response) -> dict[str, list[str]]:
    """Each referral's row: id -> its cells' text."""
    return {row.get("data-referral"): [" ".join(cell.text_content().split()) for cell in row.xpath("td")]
            for row in page(response).xpath("//tr[@data-referral]")}


def tab(response, state: str) -> str:
    return page(response).xpath(f'//nav[@class="tabs"]/a[@data-due="{state}"]/span[@class="n"]')[0].text_content()


def feedback_form(client, referral_id: int) -> dict:
    """The feedback form's values as the page fills them (its CSRF token and the time now)."""
    doc = page(client.get(f"/referrals/{referral_id}"))
    return {field.get("name"): field.get("value") or "" for field in
            doc.xpath('//form[@class="feedback-form"]//input[@name]')}


# --- who sees what ---------------------------------------------------------------------------------------


def test_strangers_are_sent_to_sign_in_and_admins_are_refused(app, client, people, signed_in, spread):
    for path in (LIST, f"/referrals/{spread['late']}"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == f"/login?next={quote(path, safe='')}"
        assert signed_in("arman").get(path).status_code == 403  # admins manage people, not case content
    admin = signed_in("arman")
    token = csrf_token(admin, "/admin/users")
    assert admin.post(f"/referrals/{spread['late']}/feedback", data={"csrf_token": token}).status_code == 403
    assert "/referrals/" not in page(admin.get("/admin/users")).xpath('//nav[@class="menu"]/a/@href')


def test_an_operator_starts_on_their_own_cases_and_may_see_the_teams(app, people, signed_in, spread):
    operator = signed_in("aigerim")
    mine = operator.get(LIST)
    assert mine.status_code == 200
    shown = rows(mine)
    assert list(shown) == [str(spread[name]) for name in ("late", "today", "later")]
    case_id = page(mine).xpath(f'//tr[@data-referral="{spread["late"]}"]//a/@href')[0]
    assert case_id.startswith("/console/cases/")
    late = shown[str(spread["late"])]
    assert late[1:] == ["Police", "Ювенальная полиция, инспектор Ким",
                        f"{(helpline_day(app) - timedelta(days=4)).isoformat()} 4 days overdue", "aigerim", "Record feedback"]
    assert shown[str(spread["today"])][3].endswith("due today")
    assert (tab(mine, "overdue"), tab(mine, "today"), tab(mine, "awaiting")) == ("1", "1", "3")
    assert LIST in page(mine).xpath('//nav[@class="menu"]/a/@href')

    team = operator.get(LIST, query_string={"operator": "all", "due": "overdue"})
    assert list(rows(team)) == [str(spread["late"]), str(spread["colleague"])]
    colleague = page(team).xpath(f'//tr[@data-referral="{spread["colleague"]}"]')[0]
    assert colleague.xpath(".//a/@href") == [f"/referrals/{spread['colleague']}"]  # no link to a case not theirs
    assert "Опека района" in colleague.text_content() and "daniyar" in colleague.text_content()


def test_a_supervisor_sees_everyones_referrals_grouped_by_state(app, supervisor, spread):
    response = supervisor.get(LIST)
    assert list(rows(response)) == [str(spread[name]) for name in ("late", "colleague", "today", "later")]
    groups = page(response).xpath("//tr[@data-group]/@data-group")
    assert groups == ["overdue", "today", "later"]
    assert len(page(response).xpath('//tr[@data-referral]//a[starts-with(@href, "/console/cases/")]')) == 4


def test_filters_by_agency_operator_and_dates(app, people, supervisor, spread):
    by_agency = supervisor.get(LIST, query_string={"agency": "guardianship"})
    assert list(rows(by_agency)) == [str(spread["colleague"])]
    by_operator = supervisor.get(LIST, query_string={"operator": people["daniyar"]})
    assert list(rows(by_operator)) == [str(spread["colleague"])]
    day = helpline_day(app)
    window = supervisor.get(LIST, query_string={"from": (day - timedelta(days=3)).isoformat(), "to": day.isoformat()})
    assert list(rows(window)) == [str(spread["colleague"]), str(spread["today"])]


def test_nonsense_filters_are_named_in_a_400_and_the_list_is_shown_without_them(app, supervisor, spread):
    response = supervisor.get(LIST, query_string={"due": "soon", "agency": "fbi", "from": "2026-13-01",
                                                  "operator": "9" * 30, "page": "9" * 30})
    assert response.status_code == 400
    assert messages(response) == [
        "“State”: choose a value from the list.", "“Agency”: choose a value from the list.",
        "“Operator”: choose a value from the list.",
        "“Due from”: write a date from 1900 to 2999 as YYYY-MM-DD (for example 2026-11-28).",
        "“Page”: write a whole number from 1 to 2147483647."]
    assert len(rows(response)) == 4


def test_the_pages_speak_kazakh_and_russian(app, supervisor, spread):
    kazakh = supervisor.get(LIST, query_string={"lang": "kk"}).get_data(as_text=True)
    assert "Жолдамаларды бақылау" in kazakh and "4 күн кешікті" in kazakh
    russian = supervisor.get(f"/referrals/{spread['late']}", query_string={"lang": "ru"}).get_data(as_text=True)
    assert "Ответ ведомства" in russian and "просрочено на 4 дн." in russian and "Ведомство приняло меры" in russian


def test_reading_the_pages_is_audited(app, people, signed_in, spread):
    operator = signed_in("daniyar")
    operator.get(LIST, query_string={"operator": "all"})
    operator.get(f"/referrals/{spread['late']}")
    listed = audit_events(app, "referral.list")[-1]
    assert listed.actor_label == "daniyar" and sorted(listed.details["shown"]) == sorted(spread.values())
    read = audit_events(app, "referral.read")[-1]
    assert (read.actor_label, read.target_id) == ("daniyar", str(spread["late"]))


# --- the forms -----------------------------------------------------------------------------------------------


def test_a_colleague_records_the_agencys_feedback_and_the_referral_leaves_the_overdue(app, people, signed_in, spread):
    operator = signed_in("daniyar")  # covers aigerim, who is off shift
    form = feedback_form(operator, spread["late"])
    assert form["feedback-received_at"]  # now, in the helpline's time, ready to correct
    response = operator.post(f"/referrals/{spread['late']}/feedback", data={
        **form, "feedback-outcome": "acted", "feedback-feedback": "Инспектор побывал в семье, составлен акт."})
    assert response.status_code == 302 and response.headers["Location"] == LIST
    after = operator.get(LIST, query_string={"operator": "all"})
    assert messages(after) == [f"The feedback on referral №{spread['late']} is recorded."]
    assert str(spread["late"]) not in rows(after)
    with app.app_context():
        stored = db.session.get(Referral, spread["late"])
        assert (stored.outcome, stored.feedback_by) == (ReferralOutcome.ACTED, people["daniyar"])
    event = audit_events(app, "case.referral_feedback")[-1]
    assert (event.actor_label, event.target_id, event.details["outcome"]) == ("daniyar", str(spread["late"]), "acted")
    shown = page(operator.get(f"/referrals/{spread['late']}"))
    assert not shown.xpath('//form[@class="feedback-form"]')
    assert shown.xpath('//dd[@data-fact="outcome"]')[0].text_content() == "The agency acted"
    assert "daniyar" in shown.xpath('//dd[@data-fact="recorded-by"]')[0].text_content()


def test_invalid_feedback_shows_translated_errors_and_keeps_what_was_typed(app, signed_in, spread):
    operator = signed_in("aigerim")
    form = feedback_form(operator, spread["today"])
    typed = "Ответили по телефону: семья на учёте."
    with app.app_context():
        future_text = (utcnow() + timedelta(days=1)).astimezone(helpline_zone()).strftime("%Y-%m-%dT%H:%M")
    response = operator.post(f"/referrals/{spread['today']}/feedback", data={
        **form, "feedback-outcome": "", "feedback-feedback": typed, "feedback-received_at": future_text})
    assert response.status_code == 400
    doc = page(response)
    assert [" ".join(e.text_content().split()) for e in doc.xpath('//form[@class="feedback-form"]//p[@class="error"]')] \
        == ["Choose what came of the referral.", "The agency cannot have reported in the future."]
    assert doc.xpath('//textarea[@name="feedback-feedback"]')[0].text_content().strip() == typed
    assert doc.xpath('//select[@name="feedback-outcome"]/@aria-invalid') == ["true"]
    with app.app_context():
        assert db.session.get(Referral, spread["today"]).is_open


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(app, signed_in, spread):
    operator = signed_in("aigerim")
    form = feedback_form(operator, spread["today"])
    del form["feedback-csrf_token"]
    response = operator.post(f"/referrals/{spread['today']}/feedback", data={
        **form, "feedback-outcome": "acted", "feedback-feedback": "Приняли меры."})
    assert response.status_code == 400
    response = operator.post(f"/referrals/{spread['today']}/due-date", data={
        "due-due_date": (helpline_day(app) + timedelta(days=3)).isoformat(), "due-reason": "Просили"})
    assert response.status_code == 400
    with app.app_context():
        stored = db.session.get(Referral, spread["today"])
        assert stored.is_open and stored.first_due_date is None
    assert audit_events(app, "case.referral_feedback") == [] and audit_events(app, "case.referral_due_date") == []


def test_feedback_on_a_referral_already_answered_says_so(app, signed_in, spread):
    first, second = signed_in("aigerim"), signed_in("daniyar")
    form_one, form_two = feedback_form(first, spread["today"]), feedback_form(second, spread["today"])
    assert first.post(f"/referrals/{spread['today']}/feedback", data={
        **form_one, "feedback-outcome": "acted", "feedback-feedback": "Приняли меры."}).status_code == 302
    late = second.post(f"/referrals/{spread['today']}/feedback", data={
        **form_two, "feedback-outcome": "declined", "feedback-feedback": "Отказали."})
    assert late.status_code == 400
    assert "Feedback on this referral is already recorded; nothing was changed." in messages(late)
    assert page(late).xpath('//dd[@data-fact="feedback"]')[0].text_content() == "Приняли меры."


def test_the_agency_gets_more_time_and_the_page_says_since_when(app, signed_in, spread):
    operator = signed_in("aigerim")
    token = page(operator.get(f"/referrals/{spread['late']}")).xpath('//input[@name="due-csrf_token"]/@value')[0]
    new = helpline_day(app) + timedelta(days=5)
    bad = operator.post(f"/referrals/{spread['late']}/due-date", data={
        "due-csrf_token": token, "due-due_date": new.isoformat(), "due-reason": " "})
    assert bad.status_code == 400 and "Say why the agency gets more time." in messages(bad)
    response = operator.post(f"/referrals/{spread['late']}/due-date", data={
        "due-csrf_token": token, "due-due_date": new.isoformat(), "due-reason": "Инспектор на больничном."})
    assert response.status_code == 302
    shown = operator.get(response.headers["Location"])
    assert messages(shown) == [f"Referral №{spread['late']} is now due on {new.isoformat()}."]
    due = " ".join(page(shown).xpath('//dd[@data-fact="due"]')[0].text_content().split())
    first = (helpline_day(app) - timedelta(days=4)).isoformat()
    assert due == f"{new.isoformat()} in 5 days First due {first}; moved: Инспектор на больничном."
    assert tab(operator.get(LIST), "overdue") == "0"


def test_unknown_referrals_are_not_found(app, supervisor, spread):
    assert supervisor.get("/referrals/999999").status_code == 404
    token = page(supervisor.get(f"/referrals/{spread['late']}")).xpath('//input[@name="feedback-csrf_token"]/@value')[0]
    assert supervisor.post("/referrals/999999/feedback", data={"feedback-csrf_token": token}).status_code == 404


# --- the operator console ---------------------------------------------------------------------------------


def test_the_console_shows_an_operator_their_own_overdue_referrals(app, people, signed_in, referral):
    operator = signed_in("aigerim")
    assert not page(operator.get("/console/")).xpath('//*[@class="overdue-referrals"]')
    referral(people["aigerim"], -1, made_days_ago=3)
    referral(people["aigerim"], -6, made_days_ago=8)
    referral(people["daniyar"], -2, made_days_ago=3)  # a colleague's: not counted on aigerim's console
    link = page(operator.get("/console/")).xpath('//*[@class="overdue-referrals"]')[0]
    assert link.get("data-count") == "2" and link.text_content() == "Your overdue referrals: 2"
    assert link.get("href") == "/referrals/?due=overdue"
