"""The case form: choices from the taxonomy in the console's language, and the dict save_case takes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import html
from werkzeug.datastructures import MultiDict

from app.cases import services
from app.cases.forms import CaseForm
from app.cases.services import CaseError
from app.db import utcnow

DUE = (utcnow().date() + timedelta(days=10)).isoformat()


@pytest.fixture
def form_app(make_app):
    return make_app(WTF_CSRF_ENABLED=False)


def posted(app, fields: dict, lang: str = "ru"):
    return app.test_request_context(f"/console/case?lang={lang}", method="POST", data=MultiDict(fields))


@pytest.mark.parametrize(("lang", "category", "outcome", "label"), [
    ("kk", "Зорлық-зомбылық", "Тиісті органға жолданды", "Санат"),
    ("ru", "Насилие", "Перенаправлено в ведомство", "Категория"),
    ("en", "Violence", "Referred", "Category"),
])
def test_choices_and_labels_are_in_the_console_language(form_app, lang, category, outcome, label):
    with form_app.test_request_context(f"/?lang={lang}"):
        form = CaseForm()
        assert dict(form.category.choices)["violence"] == category
        assert dict(form.outcome.choices)["referred"] == outcome
        assert form.category.label.text == label
        assert form.category.choices[0][0] == ""  # nothing chosen yet
        assert len(form.services.choices) == 4 and form.services.choices[0][0] == "information"


def test_sub_categories_render_grouped_under_their_category(form_app):
    with form_app.test_request_context("/?lang=kk"):
        select = html.fragment_fromstring(str(CaseForm().sub_category))
    assert select.xpath("./option/@value") == [""]  # "not chosen" stands outside the groups
    groups = {group.get("label"): group.xpath("./option/@value") for group in select.xpath("./optgroup")}
    assert groups["Отбасы"][:2] == ["divorce", "child_support"]
    assert "neglect" in groups["Зорлық-зомбылық"]


def test_services_render_as_checkboxes(form_app):
    with form_app.test_request_context("/?lang=ru"):
        fragment = html.fragment_fromstring(str(CaseForm().services))
    assert fragment.xpath(".//input[@type='checkbox']/@value") == [
        "information", "consultation", "psychological_support", "inter_agency_referral"]


def test_a_submitted_form_gives_what_save_case_takes(form_app):
    fields = {"category": "violence", "sub_category": "neglect", "contact_type": "substantive",
              "services": ["information", "inter_agency_referral"], "risk_level": "medium", "outcome": "referred",
              "language": "kk", "notes": " Бабушка не кормит. ",
              "referrals-0-id": "", "referrals-0-agency": "guardianship", "referrals-0-note": "опека района",
              "referrals-0-due_date": DUE,
              "referrals-1-id": "", "referrals-1-agency": "", "referrals-1-note": "", "referrals-1-due_date": ""}
    with posted(form_app, fields):
        data = MultiDict(fields)
        data.setlist("services", fields["services"])
        form = CaseForm(formdata=data)
        assert form.validate()
        assert form.to_data() == {
            "category": "violence", "sub_category": "neglect", "contact_type": "substantive",
            "services": ["information", "inter_agency_referral"], "risk_level": "medium", "outcome": "referred",
            "language": "kk", "notes": " Бабушка не кормит. ",
            "referrals": [{"id": None, "agency": "guardianship", "note": "опека района", "due_date": DUE}],
        }


def test_an_empty_form_clears_and_the_service_checks(form_app):
    with posted(form_app, {}):
        data = CaseForm().to_data()
    assert data == {"category": None, "sub_category": None, "contact_type": None, "services": [],
                    "risk_level": None, "outcome": None, "language": None, "notes": "", "referrals": []}


def test_for_case_fills_the_form_and_the_round_trip_keeps_the_case(form_app, db_session, operator, talked):
    case = services.open_case(talked(operator), operator)
    services.save_case(case.id, operator, {
        "category": "family", "sub_category": "custody", "contact_type": "repeat", "services": ["consultation"],
        "risk_level": "low", "outcome": "callback_planned", "notes": "Отец не отдаёт ребёнка.",
        "referrals": [{"agency": "ngo", "note": "юристы", "due_date": DUE}]})
    referral_id = case.referrals[0].id
    with form_app.test_request_context("/?lang=ru"):
        form = CaseForm.for_case(case)
        assert (form.category.data, form.sub_category.data, form.outcome.data) == ("family", "custody",
                                                                                  "callback_planned")
        assert form.services.data == ["consultation"]
        assert [row.form.agency.data for row in form.referrals] == ["ngo", None]  # plus one blank row to fill
        rendered = html.fragment_fromstring(str(form.referrals[0].form.due_date))
        assert (rendered.get("type"), rendered.get("value")) == ("date", DUE)
        data = form.to_data()
    assert data["referrals"] == [{"id": referral_id, "agency": "ngo", "note": "юристы", "due_date": DUE}]
    assert data["language"] == "ru" and data["notes"] == "Отец не отдаёт ребёнка."
    services.save_case(case.id, operator, data)
    assert [r.id for r in case.referrals] == [referral_id]


def test_service_errors_show_translated_beside_their_fields(form_app):
    with form_app.test_request_context("/?lang=kk"):
        form = CaseForm()
        form.validate()
        form.add_errors(CaseError({"category": "case_error_unknown_category", "": "case_error_not_yours",
                                   "referrals": "case_error_referral_due_date"}))
        assert form.category.errors == ["Белгісіз санат."]
        assert form.referrals.errors == ["Әр жолдамаға кері байланыс мерзімін көрсетіңіз."]
        assert form.form_errors == ["Бұл өтінішпен басқа оператор айналысып жатыр."]


def test_the_form_needs_its_csrf_token(make_app):
    app = make_app()  # the suite's apps check CSRF, as production does
    with posted(app, {"category": "violence"}):
        form = CaseForm()
        assert not form.validate()
        assert "csrf_token" in form.errors
