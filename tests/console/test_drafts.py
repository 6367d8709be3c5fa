"""Autosaved drafts of the case form over HTTP: kept while typing, offered back when the form opens, dropped on save.

The page's script calls the draft and session routes: once the sign-in has ended they answer 401 (never the
sign-in page), so the page can ask to sign in again without leaving the form.
"""

from __future__ import annotations

import pytest

from app.cases import services as cases
from app.db import db
from app.drafts.models import CaseDraft
from tests.auth.helpers import log_in
from tests.console.records import case_of

from .helpers import messages, page, post, token
from .test_case import case_form


@pytest.fixture
def case_path(app, people) -> str:
    with app.app_context():
        return f"/console/cases/{case_of(people['aigerim']).case_id}"


def kept(app) -> list[dict]:
    with app.app_context():
        return [draft.fields for draft in db.session.scalars(db.select(CaseDraft))]


def test_a_draft_is_kept_and_comes_back_when_the_form_opens(app, operator, case_path):
    data = case_form(operator, case_path, notes="Bullied at school; will talk to the teacher",
                     services=["psychological_support"])
    response = operator.post(f"{case_path}/draft", data=data)
    assert response.status_code == 200 and response.is_json and "saved_at" in response.json
    assert response.headers["Cache-Control"] == "no-store"  # it carries case notes
    [fields] = kept(app)
    assert fields["notes"] == ["Bullied at school; will talk to the teacher"] and "csrf_token" not in fields

    reopened = operator.get(case_path)
    doc = page(reopened)
    assert doc.xpath('//textarea[@name="notes"]/text()')[0].strip() == "Bullied at school; will talk to the teacher"
    assert doc.xpath('//input[@name="services"][@checked]/@value') == ["psychological_support"]
    assert any(message.startswith("Your unsaved changes from") for message in messages(reopened))


def test_saving_the_case_drops_its_draft(app, operator, case_path):
    data = case_form(operator, case_path, notes="typed, then saved")
    operator.post(f"{case_path}/draft", data=data)
    assert operator.post(case_path, data={**data, "save": "Save"}).status_code == 302
    assert kept(app) == []
    doc = page(operator.get(case_path))
    assert doc.xpath('//textarea[@name="notes"]/text()')[0].strip() == "typed, then saved"
    assert not doc.xpath('//*[contains(@class, "draft-restored")]')


def test_the_page_says_where_its_draft_goes(operator, case_path):
    form = page(operator.get(case_path)).xpath('//form[contains(@class, "case-form")]')[0]
    assert form.get("data-draft") == f"{case_path}/draft" and form.get("data-session") == "/console/session"
    assert page(operator.get(case_path)).xpath('//script[@src="/static/console/drafts.js"]')


def test_a_supervisor_keeps_no_draft_of_an_operators_case(signed_in, case_path):
    supervisor = signed_in("saule")
    form = page(supervisor.get(case_path)).xpath('//form[contains(@class, "case-form")]')[0]
    assert form.get("data-draft") is None
    assert post(supervisor, f"{case_path}/draft", {"notes": "x"}).status_code == 403


def test_another_operators_case_keeps_no_draft(app, signed_in, case_path):
    assert post(signed_in("daniyar"), f"{case_path}/draft", {"notes": "x"}).status_code == 403
    assert kept(app) == []


def test_once_the_sign_in_has_ended_the_script_gets_401_and_the_form_is_saved_after_signing_in_again(
        app, operator, people, case_path):
    data = case_form(operator, case_path, notes="written while the session ended")
    with app.app_context():  # the session is revoked on the server (signed out elsewhere, idle, …)
        from app.auth.models import UserSession

        db.session.execute(db.delete(UserSession))
        db.session.commit()
    draft = operator.post(f"{case_path}/draft", data=data)
    assert draft.status_code == 401 and "Location" not in draft.headers
    assert operator.get("/console/session").status_code == 401
    assert kept(app) == []

    assert log_in(operator, "aigerim").status_code == 302  # in the other window: the same browser's cookie
    fresh = operator.get("/console/session")
    assert fresh.status_code == 200 and fresh.headers["Cache-Control"] == "no-store"
    data["csrf_token"] = [fresh.json["csrf_token"]]
    assert operator.post(f"{case_path}/draft", data=data).status_code == 200
    assert operator.post(case_path, data={**data, "save": "Save"}).status_code == 302
    with app.app_context():
        assert cases.get_case(int(case_path.rsplit("/", 1)[1])).notes == "written while the session ended"


def test_a_draft_without_the_csrf_token_is_refused(app, operator, case_path):
    assert operator.post(f"{case_path}/draft", data={"notes": "forged"}).status_code == 400
    assert operator.post(f"{case_path}/draft", data={"notes": "ok", "csrf_token": token(operator)}).status_code == 200
