"""The case page: what is known about the caller, and the case form, saved during the call and closed after."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.cases import services as cases
from app.core.cases import ContactType, Outcome, Service
from app.core.vocab import Priority
from app.db import utcnow
from app.operators import services as operators
from app.operators.models import Availability
from app.queue import services as queue
from app.voice import services as voice

from .helpers import messages, page, post

HASH = "a" * 64  # a repeat caller's keyed hash (never shown)


@pytest.fixture
def taken(app, operator, people, caller, reachable, gateway):
    """The operator took a Russian-speaking child who waited 90 s; returns (entry id, case page path)."""
    reachable()
    entry = caller(Priority.CHILD, "ru", ago=90, caller_hash=HASH)
    location = post(operator, "/console/pick", {"entry_id": str(entry)}).headers["Location"]
    return entry, location


def end_call(app, entry: int) -> None:
    """The operator answered, talked, and the conversation ended (Twilio's callbacks, replayed)."""
    with app.app_context():
        voice.operator_leg(entry, "in-progress")
        voice.operator_leg(entry, "completed")


def case_form(client, path: str, **values) -> dict:
    """The case form as the page fills it, with ``values`` changed (lists for multiple choices)."""
    form = page(client.get(path)).xpath('//form[contains(@class, "case-form")]')[0]
    data: dict = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    data.update({name: value if isinstance(value, list) else [value] for name, value in values.items()})
    return data


def case_id(path: str) -> int:
    return int(path.rsplit("/", 1)[1])


def test_the_case_page_shows_the_call_without_the_caller_number(app, operator, taken):
    entry, path = taken
    response = operator.get(path)
    assert response.status_code == 200
    doc = page(response)
    facts = {dd.get("data-fact"): " ".join(dd.text_content().split()) for dd in doc.xpath("//dd[@data-fact]")}
    assert facts["language"] == "Russian" and facts["category"] == "Child or teenager"
    assert facts["priority"] == "Child" and facts["earlier-contacts"] == "First contact"
    # The form starts with the case category the IVR's answer stands for (a child: children's rights).
    assert doc.xpath('//select[@name="category"]/option[@selected]/@value') == ["child_rights"]
    minutes, seconds = map(int, facts["wait"].split(":"))
    assert 89 <= minutes * 60 + seconds <= 120
    body = response.get_data(as_text=True)
    assert HASH not in body and "+7701" not in body.replace("+77011234567", "")  # (the operator's own phone aside)


def test_a_repeat_caller_shows_earlier_contacts_and_cases(app, operator, people, caller, reachable, gateway):
    with app.app_context():  # the same caller, an earlier call handled and logged by daniyar
        before = caller(caller_hash=HASH, ago=3600)
        queue.pick(people["daniyar"], before)
        earlier = cases.open_case(before, people["daniyar"])
        cases.save_case(earlier.id, people["daniyar"], {"contact_type": "substantive", "category": "family",
                                                        "outcome": "advice_given", "services": ["consultation"]})
        earlier_id = earlier.id
    reachable()
    entry = caller(caller_hash=HASH)
    queue_page = page(operator.get("/console/"))
    # The earlier contact in detail, in the queue and on the case: date, channel and the outcome of its case.
    listed = " ".join(queue_page.xpath(f'string(//tr[@data-entry="{entry}"]/td[@class="earlier"])').split())
    assert listed.endswith("· Phone · Advice given") and listed[:4].isdigit()
    path = post(operator, "/console/pick", {"entry_id": str(entry)}).headers["Location"]
    doc = page(operator.get(path))
    assert " ".join(doc.xpath('string(//dd[@data-fact="earlier-contacts"])').split()) == listed
    item = " ".join(doc.xpath(f'//ul[@class="earlier-cases"]/li[@data-case="{earlier_id}"]')[0].text_content().split())
    assert "Family" in item and "Advice given" in item and "still open" in item


def test_saving_during_the_call_keeps_the_case_open(app, operator, taken):
    entry, path = taken
    data = case_form(operator, path, contact_type="substantive", category="child_rights",
                     sub_category="school_bullying", services=["psychological_support", "information"],
                     risk_level="medium", notes="Bullied at school; talked it through.", save="Save")
    response = operator.post(path, data=data)
    assert response.status_code == 302 and response.headers["Location"] == path
    after = operator.get(path)
    assert "Saved." in messages(after)
    with app.app_context():
        case = cases.get_case(case_id(path))
        assert (case.contact_type, case.category, case.sub_category) == (
            ContactType.SUBSTANTIVE, "child_rights", "school_bullying")
        assert set(case.service_values) == {Service.PSYCHOLOGICAL_SUPPORT, Service.INFORMATION}
        assert case.notes == "Bullied at school; talked it through." and not case.is_closed


def test_closing_an_incomplete_case_shows_what_is_missing(app, operator, taken):
    entry, path = taken
    response = operator.post(path, data=case_form(operator, path, contact_type="substantive", category="",
                                                  close="Save and close"))
    assert response.status_code == 400
    doc = page(response)
    errors = {name: doc.xpath(f'string(//*[@name="{name}"]/following-sibling::p[@class="error"])')
              for name in ("category", "outcome")}
    assert errors == {"category": "Choose the category.", "outcome": "Choose the outcome."}
    with app.app_context():
        case = cases.get_case(case_id(path))
        assert case.contact_type is ContactType.SUBSTANTIVE  # saved, though not closed
        assert not case.is_closed


def test_a_referral_saved_when_closing_fails_is_not_added_twice(app, operator, taken):
    entry, path = taken
    due = (utcnow() + timedelta(days=3)).date().isoformat()
    data = case_form(operator, path, **{"contact_type": "substantive", "category": "family",
                                        "referrals-0-agency": "ngo", "referrals-0-note": "Crisis centre",
                                        "referrals-0-due_date": due, "close": "Save and close"})
    response = operator.post(path, data=data)
    assert response.status_code == 400  # no outcome yet
    with app.app_context():
        referrals = [r.id for r in cases.get_case(case_id(path)).referrals]
    assert len(referrals) == 1
    # The page shows the stored referral (with its id) and a blank row: saving again keeps one referral.
    assert page(response).xpath("//div[@class='referral']/@data-referral") == [str(referrals[0]), "new"]
    form = page(response).xpath('//form[contains(@class, "case-form")]')[0]
    again: dict = {}
    for name, value in form.form_values():
        again.setdefault(name, []).append(value)
    again.update({"outcome": ["referred"], "close": ["Save and close"]})
    assert operator.post(path, data=again).status_code == 302
    with app.app_context():
        case = cases.get_case(case_id(path))
        assert case.is_closed and [r.id for r in case.referrals] == referrals


def test_a_wrong_value_is_shown_beside_its_field_and_nothing_is_saved(app, operator, taken):
    entry, path = taken
    data = case_form(operator, path, contact_type="substantive", category="violence", sub_category="school_bullying",
                     save="Save")
    response = operator.post(path, data=data)
    assert response.status_code == 400
    assert page(response).xpath('string(//*[@name="sub_category"]/following-sibling::p[@class="error"])') == (
        "This sub-category belongs to another category.")
    with app.app_context():
        assert cases.get_case(case_id(path)).contact_type is None


def test_a_referral_is_recorded_and_closing_after_the_call_ends_wrap_up(app, operator, people, taken):
    entry, path = taken
    end_call(app, entry)
    with app.app_context():
        assert operators.status(people["aigerim"]).availability is Availability.WRAP_UP
    due = (utcnow() + timedelta(days=7)).date().isoformat()
    data = case_form(operator, path, **{
        "contact_type": "substantive", "category": "violence", "sub_category": "physical_violence",
        "services": ["inter_agency_referral"], "risk_level": "high", "outcome": "referred",
        "referrals-0-agency": "police", "referrals-0-note": "District juvenile inspector", "referrals-0-due_date": due,
        "close": "Save and close"})
    response = operator.post(path, data=data, follow_redirects=True)
    assert response.request.path == "/console/"
    assert f"Case №{case_id(path)} is closed." in messages(response)
    doc = page(response)
    assert doc.xpath('//button[@name="availability"][@aria-pressed="true"]/@value') == ["available"]
    assert not doc.xpath('//a[@class="open-case"]')
    with app.app_context():
        case = cases.get_case(case_id(path))
        assert case.is_closed and case.outcome is Outcome.REFERRED
        assert [(r.agency.value, r.note, r.due_date.isoformat()) for r in case.referrals] == [
            ("police", "District juvenile inspector", due)]
        assert operators.status(people["aigerim"]).availability is Availability.AVAILABLE


def test_another_operator_cannot_open_the_case_but_a_supervisor_can(signed_in, taken):
    entry, path = taken
    assert signed_in("daniyar").get(path).status_code == 403
    assert signed_in("saule").get(path).status_code == 200


def test_the_case_page_speaks_the_operators_language(operator, taken):
    entry, path = taken
    doc = page(operator.get(f"{path}?lang=kk"))
    assert doc.get("lang") == "kk"
    assert doc.xpath('string(//dd[@data-fact="language"])') == "Орысша"
    assert doc.xpath('//input[@name="close"]/@value') == ["Сақтау және жабу"]


def test_a_case_closed_during_the_call_leaves_no_wrap_up_when_the_call_ends(app, operator, people, taken):
    entry, path = taken
    with app.app_context():
        voice.operator_leg(entry, "in-progress")
    data = case_form(operator, path, contact_type="silent", services=["information"], risk_level="none",
                     outcome="resolved", close="Save and close")
    assert operator.post(path, data=data).status_code == 302
    with app.app_context():
        assert cases.get_case(case_id(path)).is_closed
        voice.operator_leg(entry, "completed")
        assert operators.status(people["aigerim"]).availability is Availability.AVAILABLE
